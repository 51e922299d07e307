import Testing
import SimCore
import NetModel
import Transport
@testable import Workloads

@Suite struct EventKindTests {
    /// `World.handle` tells the layers' events apart by their raw kind: no two may share one.
    @Test func theLayersVocabulariesAreDisjoint() {
        let raw =
            NetworkEvent.allCases.map(\.rawValue) + TransportEvent.allCases.map(\.rawValue)
            + AppEvent.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
    }

    @Test func aTypedKindRoundTripsThroughThePayload() {
        let p = EventPayload(AppEvent.serverWork, object: 0xDEAD_BEEF, aux: ServerAction.databaseReply.rawValue)
        #expect(AppEvent(p) == .serverWork)
        #expect(NetworkEvent(p) == nil && TransportEvent(p) == nil)
        #expect(p.object == 0xDEAD_BEEF && ServerAction(rawValue: p.aux) == .databaseReply)
        let respond = EventPayload(AppEvent.serverWork, object: 7, aux: ServerAction.respond.rawValue)
        #expect(EventPayload.serverWork(7, .respond) == respond)
    }
}
