import Testing
import TestSupport
import Wire
import NetModel
import Transport
import Workloads
@testable import Topology

/// Issue 11: an internet population's addresses run several operating systems' stacks, drawn
/// once per address from a mix (a topology's `os-mix`, or the default), with TTLs lowered by a
/// hop count per address.
@Suite struct PersonalityTests {
    static func population(_ extra: String) -> String {
        LoaderTests.minimal + "\ninternet:\n  - {name: clients, cidr: 81.2.64.0/18\(extra)}\n"
    }

    func clients(_ s: Scenario) throws -> (HostIndex, [IPAddress]) {
        let n = s.world.network
        let i = try #require(n.hosts.firstIndex { if case .publicRange = $0 { return true } else { return false } })
        var addresses: [IPAddress] = []
        for k in 0..<256 { addresses.append(IPAddress(ipv4: IPAddress("81.2.64.0")!.ipv4Raw + 1 + UInt32(k * 61))) }
        return (HostIndex(i), addresses)
    }

    @Test func theDefaultMixGivesSeveralStacksEachKeptPerAddress() throws {
        let s = try TopologyLoader.load(yaml: Self.population(""), file: "t.yaml")
        let (h, addresses) = try clients(s)
        let profiles = addresses.map { s.world.tcp.profile(of: h, address: $0) }
        // Windows (TTL 128 less 8–20 hops), Linux/Android and Apple stacks all occur.
        let layouts = Set(profiles.map(\.optionLayout))
        #expect(layouts == [.linux, .windows, .apple])
        for p in profiles {
            switch p.optionLayout {
            case .windows: #expect(p.ttl >= 108 && p.ttl <= 120 && !p.timestamps && p.windowScale == 8)
            case .apple: #expect(p.ttl >= 44 && p.ttl <= 56 && p.synWindow == 65535 && p.windowScale == 6)
            case .linux: #expect(p.ttl >= 44 && p.ttl <= 56 && p.synWindow == 64240 && p.mss == 1460)
            }
        }
        #expect(Set(profiles.map(\.ttl)).count >= 10, "hop counts vary per address")
        // Windows is about 30 % of the default mix.
        let windows = profiles.filter { $0.optionLayout == .windows }.count
        #expect(windows > 40 && windows < 120, "\(windows) of 256")
        // Drawn once: the same address gets the same stack every time, and again in another load.
        let again = try TopologyLoader.load(yaml: Self.population(""), file: "t.yaml")
        #expect(addresses.map { again.world.tcp.profile(of: h, address: $0) } == profiles)
    }

    @Test func osMixChoosesTheStacks() throws {
        let s = try TopologyLoader.load(
            yaml: Self.population(", os-mix: {windows: 3, macos: 1, linux: 0}"), file: "t.yaml")
        let (h, addresses) = try clients(s)
        let layouts = Set(addresses.map { s.world.tcp.profile(of: h, address: $0).optionLayout })
        #expect(layouts == [.windows, .apple])
    }

    @Test func aBadOSMixNamesFileLineAndKey() {
        do {
            _ = try TopologyLoader.load(yaml: Self.population(", os-mix: {windoze: 1}"), file: "t.yaml")
            Issue.record("loaded")
        } catch {
            #expect(error.file == "t.yaml" && error.line == 19, "\(error)")
            #expect(error.message.contains("unknown key 'windoze'") && error.message.contains("did you mean 'windows'"))
        }
        do {
            _ = try TopologyLoader.load(yaml: Self.population(", os-mix: {linux: 0}"), file: "t.yaml")
            Issue.record("loaded")
        } catch {
            #expect(error.message.contains("at least one operating system"), "\(error)")
        }
    }
}
