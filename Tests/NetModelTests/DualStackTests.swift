import Testing
import TestSupport
import SimCore
import Wire
@testable import NetModel

/// The model's structures hold IPv6 values where AWS has them — VPC and subnet blocks, ENI
/// addresses, routes, security-group and ACL rules — and the packet path handles them with the
/// families kept apart, as AWS evaluates them.
@Suite struct DualStackTests {
    static let vpc6 = TestNetworks.dualStackVPC
    static let subnetA6 = CIDR("2600:1f18:aa:bb01::/64")!
    static let a6 = TestNetworks.dualStackA
    static let b6 = TestNetworks.dualStackB

    static func dualStackLab() -> Lab {
        var lab = Lab()
        (lab.network, lab.hostA, lab.hostB) = TestNetworks.twoSubnetsDualStack()
        return lab
    }

    static func tcp(_ src: IPAddress, _ sport: UInt16, _ dst: IPAddress, _ dport: UInt16, _ flags: TCPFlags) -> Packet {
        var p = Packet(source: src, destination: dst, sourcePort: sport, destinationPort: dport, protocolNumber: 6)
        p.tcpFlags = flags
        return p
    }

    @Test func packetKnowsItsFamilyAndLength() {
        var p = Self.tcp(Self.a6, 40000, Self.b6, 443, .syn)
        #expect(p.family == .ipv6 && !p.isIPv4 && p.ipHeaderLength == 40)
        p.payloadLength = 100
        #expect(p.ipTotalLength == 40 + 20 + 100)
        var u = Packet(source: Self.a6, destination: Self.b6, sourcePort: 1, destinationPort: 2, protocolNumber: 17)
        u.payloadLength = 8
        #expect(u.ipTotalLength == 56)
        let echo = Packet(
            source: Self.a6, destination: Self.b6, sourcePort: 7, destinationPort: 128 << 8, protocolNumber: 58)
        #expect(echo.isICMP && echo.ipTotalLength == 48)
        let v4 = Packet(
            source: IPAddress(10, 0, 1, 10), destination: IPAddress(10, 0, 2, 20), sourcePort: 1, destinationPort: 2,
            protocolNumber: 6)
        #expect(v4.family == .ipv4 && v4.ipTotalLength == 40)
    }

    /// For two IPv4 addresses the key hashes exactly as the 16-byte IPv4 key did, so tables lay out
    /// as before; IPv6 keys differ from IPv4 keys with the same low bits.
    @Test func flowKeyHashKeepsIPv4() {
        forEachSeed(0..<4) { _, r in
            for _ in 0..<500 {
                let s = UInt32(truncatingIfNeeded: r.next()), d = UInt32(truncatingIfNeeded: r.next())
                let ports = r.next() & 0xFF_FFFF_FFFF
                let k = FlowKey(source: IPAddress(ipv4: s), destination: IPAddress(ipv4: d), portsAndProtocol: ports)
                // The pre-IPv6 formula, over (source << 32 | destination, ports).
                var h = (UInt64(s) << 32 | UInt64(d)) &* 0x9E37_79B9_7F4A_7C15
                h ^= (ports &+ 0x632B_E59B_D9B4_E019) &* 0xBF58_476D_1CE4_E5B9
                h ^= h >> 31
                h &*= 0x94D0_49BB_1331_11EB
                #expect(k.mixedHash == h ^ (h >> 29))
                let k6 = FlowKey(
                    source: IPAddress(high: 0x2600_1F18_0000_0000, low: UInt64(s)), destination: IPAddress(ipv4: d),
                    portsAndProtocol: ports)
                #expect(k6.mixedHash != k.mixedHash && k6 != k)
            }
        }
        let f = FlowKey(
            source: Self.b6, destination: Self.a6, sourcePort: 443, destinationPort: 40000, protocolNumber: 6)
        #expect(f.canonical == f.reversed.canonical && f.canonical.source == Self.a6)
        var t = FlowTable<Int>(capacity: 4)
        t.insert(f, 1)
        t.insert(f.reversed, 2)
        #expect(t[f] == 1 && t[f.reversed] == 2 && t.count == 2)
    }

    /// IPv4 and IPv6 routes are separate tables: `0.0.0.0/0` does not carry IPv6 traffic and
    /// `::/0` does not carry IPv4 (https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html).
    @Test func routesOfBothFamilies() {
        let rt = RouteTable(
            id: "rtb-00000001", vpc: VPCIndex(0),
            routes: [
                Route(destination: .cidr(CIDR("10.0.0.0/16")!), target: .local),
                Route(destination: .cidr(Self.vpc6), target: .local),
                Route(destination: .cidr(CIDR("::/0")!), target: .internetGateway(InternetGatewayIndex(0))),
                Route(destination: .cidr(CIDR("2600:1f18:aa:bbcc::/64")!), target: .blackhole),
            ], isMain: true)
        let t = CompiledRouteTable(rt, index: RouteTableIndex(0), localCIDRs: [], prefixLists: [])
        #expect(t.lookup(Self.b6)?.target == .local)
        #expect(t.lookup(Self.b6)?.matchedPrefix == Self.vpc6)
        #expect(t.lookup(IPAddress("2600:1f18:aa:bbcc::1")!)?.target == .blackhole)
        let out = t.lookup(IPAddress("2a00:1450:4009:81a::200e")!)
        #expect(out?.target == .internetGateway(InternetGatewayIndex(0)) && out?.matchedPrefix == CIDR("::/0")!)
        #expect(t.lookup(IPAddress(8, 8, 8, 8)) == nil, "::/0 does not match IPv4")
        #expect(t.lookup(IPAddress(10, 0, 3, 3))?.target == .local)
        let v4Only = CompiledRouteTable(
            RouteTable(
                id: "rtb-00000002", vpc: VPCIndex(0),
                routes: [Route(destination: .cidr(CIDR("0.0.0.0/0")!), target: .natGateway(NATGatewayIndex(0)))],
                isMain: false), index: RouteTableIndex(1), localCIDRs: [], prefixLists: [])
        #expect(v4Only.lookup(Self.b6) == nil, "0.0.0.0/0 does not match IPv6")
    }

    /// ACL entries match their own family; the implicit `*` is rule 32767 for IPv4 and 32768 for
    /// IPv6 (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html).
    @Test func networkACLFamilies() {
        let v4All = NetworkACLEntry(
            ruleNumber: 100, protocolNumber: -1, ports: .all, cidr: CIDR("0.0.0.0/0")!, allow: true)
        let acl = NetworkACL(id: "acl-1", vpc: VPCIndex(0), isDefault: false, inbound: [v4All], outbound: [v4All])
        let p6 = Self.tcp(Self.a6, 40000, Self.b6, 443, .syn)
        let d6 = acl.evaluate(p6, direction: .ingress, index: NetworkACLIndex(0))
        #expect(!d6.allowed && d6.ruleNumber == 32768)
        let v4 = Self.tcp(IPAddress(10, 0, 1, 10), 40000, IPAddress(10, 0, 2, 20), 443, .syn)
        #expect(acl.evaluate(v4, direction: .ingress, index: NetworkACLIndex(0)).ruleNumber == 100)
        let deny6 = NetworkACLEntry(
            ruleNumber: 90, protocolNumber: 6, ports: PortRange(443, 443), cidr: Self.subnetA6, allow: false)
        let v6All = NetworkACLEntry(ruleNumber: 101, protocolNumber: -1, ports: .all, cidr: CIDR("::/0")!, allow: true)
        let both = NetworkACL(
            id: "acl-2", vpc: VPCIndex(0), isDefault: false, inbound: [v6All, v4All, deny6], outbound: [])
        #expect(both.evaluate(p6, direction: .ingress, index: NetworkACLIndex(1)).ruleNumber == 90)
        let fromElsewhere = Self.tcp(IPAddress("2600:1f18:aa:bb09::1")!, 1, Self.b6, 443, .syn)
        #expect(both.evaluate(fromElsewhere, direction: .ingress, index: NetworkACLIndex(1)).ruleNumber == 101)
        #expect(NetworkACLEntry.defaultDenyRuleNumber(.ipv6) == 32768)
    }

    @Test func addressMapKeepsScopesAndFamilies() {
        var m = AddressMap<Int>()
        m[1, IPAddress(10, 0, 1, 10)] = 1
        m[2, IPAddress(10, 0, 1, 10)] = 2
        m[1, Self.a6] = 3
        // 10.0.1.10 and ::a00:10a share their low 32 bits; they are different keys.
        m[1, IPAddress(ipv6: 0, 0, 0, 0, 0, 0, 0x0A00, 0x010A)] = 4
        #expect(m[1, IPAddress(10, 0, 1, 10)] == 1 && m[2, IPAddress(10, 0, 1, 10)] == 2 && m[1, Self.a6] == 3)
        #expect(m[2, Self.a6] == nil && m[1, IPAddress(ipv6: 0, 0, 0, 0, 0, 0, 0x0A00, 0x010A)] == 4 && m.count == 4)
        m[1, Self.a6] = nil
        #expect(m[1, Self.a6] == nil && m.count == 3)
    }

    /// A dual-stack VPC carries IPv6 between subnets: the local route for the VPC's /56, the
    /// ACL's IPv6 rule, a security-group reference that admits the client group's IPv6 address,
    /// and the tracked reply — with no change to the packet path.
    @Test func dualStackTrafficCrossesSubnets() {
        var lab = Self.dualStackLab()
        #expect(lab.network.eni(owning: Self.b6, in: VPCIndex(0)) == lab.b)
        #expect(lab.network.enis[0].owns(Self.a6) && lab.network.enis[0].primaryAddress(.ipv6) == Self.a6)
        #expect(lab.network.groupMembers[0].contains(Self.a6))
        var s = Scheduler()
        lab.send(Self.tcp(Self.a6, 40000, Self.b6, 443, .syn), from: lab.hostA, &s)
        #expect(lab.delivered.count == 1 && lab.delivered.first?.0 == lab.hostB)
        lab.send(Self.tcp(Self.b6, 443, Self.a6, 40000, [.syn, .ack]), from: lab.hostB, at: s.now, &s)
        #expect(lab.delivered.count == 2 && lab.delivered.last?.0 == lab.hostA)
        #expect(lab.network.stats.drops.isEmpty)
        #expect(lab.network.log.taps.allSatisfy { $0.accepted && !$0.packet.isIPv4 })
        // The web group admits TCP 443 from group 0 only: port 22 from the same address is refused.
        lab.send(Self.tcp(Self.a6, 40001, Self.b6, 22, .syn), from: lab.hostA, at: s.now, &s)
        #expect(
            lab.delivered.count == 2
                && lab.network.stats.drops.keys.contains(.securityGroup(lab.b, direction: .ingress)))
    }

    /// Amazon's IPv6 platform endpoints (fd00:ec2::/32: DNS ::253, metadata ::254, Time Sync
    /// ::123) are platform addresses, like their IPv4 twins.
    @Test func platformAddressesOfBothFamilies() {
        let n = Self.dualStackLab().network
        #expect(n.isPlatformAddress(IPAddress("fd00:ec2::253")!, vpc: VPCIndex(0), subnet: SubnetIndex(0)))
        #expect(n.isPlatformAddress(IPAddress(169, 254, 169, 254), vpc: VPCIndex(0), subnet: SubnetIndex(0)))
        #expect(n.isPlatformAddress(IPAddress(10, 0, 0, 2), vpc: VPCIndex(0), subnet: SubnetIndex(0)))
        #expect(!n.isPlatformAddress(Self.b6, vpc: VPCIndex(0), subnet: SubnetIndex(0)))
        #expect(!n.isPlatformAddress(IPAddress("fd00:ec3::1")!, vpc: VPCIndex(0), subnet: SubnetIndex(0)))
    }
}
