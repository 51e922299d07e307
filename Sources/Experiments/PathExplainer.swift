import Foundation
import SimCore
import Wire
import NetModel
import Transport
import Workloads
import Topology

/// `vpcsim path`: the hops a packet takes from a source to a destination and back, with the
/// resource and rule that decided each one — what AWS Reachability Analyzer answers, read off the
/// simulator's own forwarding (``Network/trace``) rather than a second model of the rules.
///
/// TCP opens a real connection from the source host with the scenario's TCP stacks: the forward
/// direction is the SYN, the return direction whatever the destination's stack answers (SYN-ACK,
/// or RST from a closed port). UDP and ICMP have no stack to answer, so the return packet is
/// synthesised from the destination as the forward packet was delivered there.
public enum PathExplainer {
    /// How long (simulated) a probe may run: far longer than any SYN-ACK or RST takes to come back.
    /// The probe stops as soon as both directions are decided (or the SYN is retransmitted, at 1 s).
    public static let probeLimit = SimDuration.seconds(4)

    /// Explains the path from `from` to `to` (`address:port`) in `scenario`.
    public static func explain(_ scenario: Scenario, from: String, to: String, protocol proto: String = "tcp")
        throws(PathError) -> PathResult
    {
        guard let p = PathProtocol(rawValue: proto.lowercased()) else {
            throw PathError("--protocol '\(proto)' is not tcp, udp or icmp")
        }
        var world = scenario.world
        var source: PathSource
        if let s = try PathPolicy.internetSource(from, world: &world) {
            source = s
        } else {
            source = try PathEndpoints.source(from, scenario: scenario, world: world)
        }
        var destination: PathDestination
        var dnsAnswer: String?
        if let (d, answer) = PathPolicy.endpointDestination(to, protocol: p, source: source, world: world) {
            destination = d
            dnsAnswer = answer
        } else if let d = PathPolicy.instanceDestination(to, scenario: scenario, source: source, world: world) {
            destination = d
        } else if let (d, answer) = try PathPolicy.nameDestination(to, protocol: p, source: source, world: world) {
            destination = d
            dnsAnswer = answer
        } else {
            destination = try PathEndpoints.destination(to, protocol: p, world: world)
        }
        // A dual-stack interface reaches an IPv6 destination from its IPv6 address.
        if !destination.address.isIPv4, case .eni(let e) = world.network.hosts[source.host.int] {
            guard let a = world.network.enis[e.int].ipv6Addresses.first else {
                throw PathError("--from \(from) has no IPv6 address to reach \(destination.address)")
            }
            source.address = a
        }
        let naming = PathNaming(world: world)
        world.network.trace = []
        var result: PathResult
        switch p {
        case .tcp: result = probeTCP(&world, source, destination, naming)
        case .udp, .icmp: result = probeDatagram(&world, p, source, destination, naming)
        }
        result.dnsAnswer = dnsAnswer
        // The endpoint policy on a path that delivers: what the source's calls would meet.
        if result.outcome == .reachable, let trace = world.network.trace,
            let ep = PathPolicy.endpoint(on: trace, destination: destination.address, network: world.network)
        {
            result.policy = PathPolicy.checks(endpoint: ep, source: source, world: world)
            let denied = result.policy.filter { !$0.allowed }
            if !denied.isEmpty {
                let what = denied.map { "\($0.action) on \($0.resource)" }.joined(separator: ", ")
                if denied.count == result.policy.count {
                    result.outcome = .policyDenied
                    result.reason = "endpoint-policy"
                    result.outcomeText =
                        "packets reach the service both ways, but the policy of \(ep.id) denies every call the source "
                        + "makes: \(what)"
                } else {
                    result.outcomeText += "; the policy of \(ep.id) denies \(what)"
                }
            }
        }
        return result
    }

    // MARK: TCP

    static func probeTCP(
        _ world: inout World, _ source: PathSource, _ destination: PathDestination, _ naming: PathNaming
    ) -> PathResult {
        var scheduler = Scheduler()
        let socket = world.tcp.connect(
            host: source.host, local: source.address, remote: destination.address,
            remotePort: destination.port, realm: 0, owner: .none,
            now: .zero, &world.network, &scheduler)
        let localPort = world.tcp.socket(socket).localPort
        var probe = PathProbe(world: world, mode: .stack)
        probe.checkAfterEachEvent() // a SYN that is decided at once (e.g. no route)
        if !probe.done { scheduler.run(until: .zero + probeLimit, handler: &probe) }
        world = probe.world
        return assemble(
            probe, protocol: .tcp, source: source, sourcePort: localPort, destination: destination,
            synthesised: false, naming: naming)
    }

    // MARK: UDP and ICMP

    /// Source port of a UDP probe, identifier of an ICMP echo (fixed: the answer is deterministic).
    static let datagramPort: UInt16 = 40000

    static func probeDatagram(
        _ world: inout World, _ proto: PathProtocol, _ source: PathSource, _ destination: PathDestination,
        _ naming: PathNaming
    ) -> PathResult {
        var scheduler = Scheduler()
        var p = Packet(
            source: source.address, destination: destination.address,
            sourcePort: datagramPort, destinationPort: destination.port,
            protocolNumber: proto.number, ttl: 64, ipID: 1)
        if proto == .icmp {
            p.destinationPort = 8 << 8; p.payload = .icmpEcho(seed: 0); p.payloadLength = 56
        } else {
            p.payload = .opaque(seed: 0); p.payloadLength = 32
        }
        world.network.transmit(p, from: source.host, now: .zero, &scheduler)
        var probe = PathProbe(world: world, mode: .datagram)
        probe.checkAfterEachEvent()
        if !probe.done { scheduler.run(until: .zero + probeLimit, handler: &probe) }
        // The reply, from the destination as the packet reached it (after any translation).
        if let (h, delivered) = probe.forwardDelivered, !probe.done {
            var r = Packet(
                source: delivered.destination, destination: delivered.source, sourcePort: delivered.destinationPort,
                destinationPort: delivered.sourcePort, protocolNumber: delivered.protocolNumber, ttl: 64, ipID: 2)
            if proto == .icmp {
                // Echo reply: type 0, the same identifier.
                r.sourcePort = delivered.sourcePort
                r.destinationPort = 0
                r.payload = .icmpEcho(seed: 0)
            } else {
                r.payload = .opaque(seed: 0)
            }
            r.payloadLength = delivered.payloadLength
            r.realm = delivered.realm
            probe.replySent = true
            probe.world.network.transmit(r, from: h, now: scheduler.now, &scheduler)
            probe.checkAfterEachEvent()
            if !probe.done { scheduler.run(until: scheduler.now + probeLimit, handler: &probe) }
        }
        world = probe.world
        return assemble(
            probe, protocol: proto, source: source, sourcePort: datagramPort, destination: destination,
            synthesised: true, naming: naming)
    }

    // MARK: Result

    static func assemble(
        _ probe: PathProbe, protocol proto: PathProtocol, source: PathSource, sourcePort: UInt16,
        destination: PathDestination, synthesised: Bool, naming: PathNaming
    ) -> PathResult {
        let trace = probe.world.network.trace ?? []
        let forwardEnd = probe.forwardEnd ?? trace.count
        let forwardSteps = Array(trace[0..<forwardEnd])
        let returnSteps = probe.returnEnd.map { Array(trace[forwardEnd..<$0]) } ?? []
        var renderer = PathStepRenderer(network: probe.world.network, naming: naming)
        let sent = Packet(
            source: source.address, destination: destination.address, sourcePort: sourcePort,
            destinationPort: proto == .icmp ? 8 << 8 : destination.port, protocolNumber: proto.number)
        let forward = renderer.render(forwardSteps, direction: .forward, initial: sent)
        let forwardDrop = renderer.lastDropText
        let answer = probe.forwardDelivered.map { _, p in
            p.protocolNumber == IPProtocol.icmp
                ? Packet(
                    source: p.destination, destination: p.source, sourcePort: p.sourcePort, destinationPort: 0,
                    protocolNumber: p.protocolNumber)
                : Packet(
                    source: p.destination, destination: p.source, sourcePort: p.destinationPort,
                    destinationPort: p.sourcePort, protocolNumber: p.protocolNumber)
        }
        let back = renderer.render(returnSteps, direction: .return, initial: answer)
        let returnDrop = renderer.lastDropText

        var result = PathResult(
            source: source.label, sourceAddress: PathStepRenderer.hostPort(source.address, sourcePort),
            destination: destination.label,
            destinationAddress: proto == .icmp
                ? "\(destination.address)" : PathStepRenderer.hostPort(destination.address, destination.port),
            protocol: proto.rawValue, forward: forward, return: back, returnSynthesised: synthesised,
            outcome: .dropped, reason: nil, outcomeText: "", dnsAnswer: nil)
        if case .dropped(let r)? = forwardSteps.last {
            result.outcome = .dropped
            result.reason = r.code
            result.outcomeText = "dropped on the way (\(r.code): \(forwardDrop ?? ""))"
        } else if forwardSteps.last.map({ if case .delivered = $0 { return true } else { return false } }) != true {
            result.outcome = .dropped
            result.reason = "no-outcome"
            result.outcomeText = "the forward packet was neither delivered nor dropped within \(probeLimit) (simulated)"
        } else if case .dropped(let r)? = returnSteps.last {
            result.outcome = .returnDropped
            result.reason = r.code
            result.outcomeText = "forward delivered but the return is dropped (\(r.code): \(returnDrop ?? ""))"
        } else if case .delivered(_, let p)? = returnSteps.last {
            result.outcome = .reachable
            if p.protocolNumber == IPProtocol.tcp && p.tcpFlags.contains(.rst) {
                result.outcomeText =
                    "reachable both ways (the destination answered with a RST: nothing listens on port "
                    + "\(destination.port))"
            } else if synthesised {
                result.outcomeText =
                    "reachable both ways (the return packet is synthesised: \(proto.rawValue.uppercased()) has no "
                    + "stack to answer)"
            } else {
                result.outcomeText = "reachable both ways"
            }
        } else {
            result.outcome = .noAnswer
            result.reason = "no-answer"
            result.outcomeText =
                "forward delivered, but the destination did not answer within \(probeLimit) (nothing listens on port "
                + "\(destination.port) and the host sends no RST)"
        }
        return result
    }
}

/// `tcp`, `udp` or `icmp`.
public enum PathProtocol: String, Sendable, Codable {
    case tcp, udp, icmp
    var number: UInt8 {
        switch self {
        case .tcp: return IPProtocol.tcp;
        case .udp: return IPProtocol.udp;
        case .icmp: return IPProtocol.icmp
        }
    }
}

/// A problem with the request (unknown source, destination without a port, …): one line for the user.
public struct PathError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What `vpcsim path` answers: the two directions, step by step, and the outcome.
public struct PathResult: Sendable, Codable {
    public enum Outcome: String, Sendable, Codable {
        /// Forward and return both delivered.
        case reachable
        /// Forward delivered, the return dropped.
        case returnDropped = "return-dropped"
        /// The forward packet was dropped.
        case dropped
        /// Forward delivered, nothing came back (a TCP host that neither listens nor resets).
        case noAnswer = "no-answer"
        /// Both ways delivered, but the endpoint on the path denies every call the source makes.
        case policyDenied = "policy-denied"
    }
    /// One call of the source evaluated against the policy of the endpoint on the path.
    public struct PolicyCheck: Sendable, Codable, Equatable {
        public var endpoint: String
        public var principal: String
        public var action: String
        public var resource: String
        public var allowed: Bool
        public var decision: String
    }
    public var source: String
    public var sourceAddress: String
    public var destination: String
    public var destinationAddress: String
    public var `protocol`: String
    public var forward: [PathStep]
    public var `return`: [PathStep]
    /// UDP and ICMP: the return packet was synthesised (sent from the destination as delivered).
    public var returnSynthesised: Bool
    public var outcome: Outcome
    /// The drop reason's code (`DropReason.code`), or `no-answer`; nil when reachable.
    public var reason: String?
    public var outcomeText: String
    /// The resolver's answer when an interface endpoint answered the destination's name.
    public var dnsAnswer: String?
    /// The source's calls against the policy of the endpoint on the path (functions' DynamoDB calls).
    public var policy: [PolicyCheck] = []

    /// The exit status of `vpcsim path`: 0 reachable, 1 dropped (either way) or unanswered, 3
    /// every call denied by the endpoint policy on the path.
    public var exitStatus: Int32 {
        switch outcome {
        case .reachable: return 0
        case .dropped, .returnDropped, .noAnswer: return 1
        case .policyDenied: return 3
        }
    }

    enum CodingKeys: String, CodingKey {
        case source, sourceAddress = "source_address", destination, destinationAddress = "destination_address"
        case `protocol`, forward, `return`, returnSynthesised = "return_synthesised", outcome, reason
        case outcomeText = "outcome_text", dnsAnswer = "dns_answer", policy
    }

    /// The human-readable explanation.
    public var text: String {
        func endpoint(_ label: String, _ address: String) -> String {
            address.hasPrefix(label + ":") || address == label ? address : "\(label) \(address)"
        }
        var out =
            "path: \(endpoint(source, sourceAddress)) → \(endpoint(destination, destinationAddress)), \(`protocol`)\n"
        func section(_ title: String, _ steps: [PathStep]) {
            out += title + "\n"
            if steps.isEmpty { out += "   (nothing)\n" }
            for (i, s) in steps.enumerated() {
                let n = String(i + 1)
                out += String(repeating: " ", count: max(0, 3 - n.count)) + n + ". " + s.text + "\n"
            }
        }
        if let dnsAnswer { out += "dns: \(dnsAnswer)\n" }
        section("forward:", forward)
        if outcome != .dropped || !self.return.isEmpty {
            section(returnSynthesised ? "return (synthesised reply from the destination):" : "return:", self.return)
        }
        if !policy.isEmpty {
            out += "endpoint policy (\(policy[0].endpoint)), for \(policy[0].principal):\n"
            for c in policy { out += "   \(c.action) on \(c.resource): \(c.decision)\n" }
        }
        out += "outcome: \(outcomeText)\n"
        return out
    }

    /// Machine-readable form (`--json`).
    public func json() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? e.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// One decision on the way, with the AWS id of the resource that made it.
public struct PathStep: Sendable, Codable, Equatable {
    /// `leave`, `arrive`, `security-group`, `network-acl`, `same-subnet`, `route`, `internet-gateway`,
    /// `egress-only-internet-gateway`, `peering-connection`, `transit-gateway`,
    /// `transit-gateway-route`, `nat-gateway`, `gateway-endpoint`, `delivered`, `dropped`.
    public var kind: String
    /// The deciding resource's id (`eni-…`, `sg-…`, `acl-…`, `rtb-…`, `igw-…`, `nat-…`, `vpce-…`,
    /// `subnet-…`), or for `delivered` what received the packet.
    public var resource: String
    /// The rule: `egress rule 1` (security groups, 1-based position), `outbound rule 100` / `rule *`
    /// (network ACLs), the matched destination (routes: `52.94.0.0/22 via pl-02cd2c6b`), the
    /// translation (`10.0.1.5 → 54.1.2.3`), or a drop reason code.
    public var rule: String?
    /// Routes: the target's id (`local`, `igw-…`, `nat-…`, `vpce-…`, `eni-…`, `blackhole`).
    public var target: String?
    /// `allowed` / `denied` for filters.
    public var verdict: String?
    /// The packet as it is at this step (leave, arrive, delivered): `10.0.1.5:1234 → 52.94.0.74:443 tcp S`.
    public var packet: String?
    public var text: String

    public init(
        kind: String, resource: String, rule: String? = nil, target: String? = nil, verdict: String? = nil,
        packet: String? = nil, text: String
    ) {
        self.kind = kind; self.resource = resource; self.rule = rule; self.target = target
        self.verdict = verdict; self.packet = packet; self.text = text
    }
}

// MARK: - Probe

/// Runs the world's events and watches the trace: the forward direction ends at the first
/// delivered/dropped step, the return direction at the next one. It stops the scheduler as soon
/// as both are known, so retransmissions never enter the explanation.
struct PathProbe: EventHandler {
    enum Mode { case stack, datagram }
    var world: World
    let mode: Mode
    /// Trace length at the end of the forward direction (just past its delivered/dropped step).
    var forwardEnd: Int?
    var returnEnd: Int?
    var forwardDelivered: (HostIndex, Packet)?
    var done = false
    /// Datagrams: the synthesised reply is on its way.
    var replySent = false
    /// Where the scan for decisive steps resumes.
    var scanned = 0

    init(world: World, mode: Mode) { self.world = world; self.mode = mode }

    mutating func handle(_ event: Event, _ s: inout Scheduler) {
        switch mode {
        case .stack:
            // The composition root itself: the destination's real TCP stack answers.
            world.handle(event, &s)
        case .datagram:
            // No stack answers UDP or ICMP here: only move the packet through the network.
            if NetworkEvent(event.payload) == .packetArrival {
                _ = world.network.arrive(event.payload.object, now: s.now, &s)
            }
        }
        checkAfterEachEvent()
        // A datagram's reply is sent by the explainer once the forward packet has arrived.
        if done || (mode == .datagram && !replySent && forwardDelivered != nil) { s.requestStop() }
    }

    mutating func checkAfterEachEvent() {
        guard let trace = world.network.trace else { return }
        while scanned < trace.count {
            let step = trace[scanned]
            scanned += 1
            if forwardEnd == nil {
                switch step {
                case .delivered(let h, let p):
                    forwardEnd = scanned
                    forwardDelivered = (h, p)
                case .dropped:
                    forwardEnd = scanned
                    done = true
                    return
                default: break
                }
            } else {
                switch step {
                case .leave(_, let p) where isRetransmittedOpen(p):
                    // The forward SYN again: the destination never answered. Not part of the return.
                    done = true
                    world.network.trace?.removeSubrange((scanned - 1)...)
                    return
                case .delivered, .dropped:
                    returnEnd = scanned
                    done = true
                    return
                default: break
                }
            }
        }
    }

    func isRetransmittedOpen(_ p: Packet) -> Bool {
        mode == .stack && p.protocolNumber == IPProtocol.tcp && p.tcpFlags.contains(.syn) && !p.tcpFlags.contains(.ack)
    }
}
