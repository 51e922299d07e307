import Wire
import NetModel

/// Resources that join VPCs: VPC peering connections (and, with them, security-group references
/// across a peering connection).
extension Builder {
    /// `vpc-peering-connections: [{id: pcx-…, requester: vpc-…, accepter: vpc-…,
    /// allow-dns-resolution-from-remote-vpc: true}]`. Only an active (accepted) connection is
    /// modelled; the two VPCs' blocks must not overlap (AWS refuses the request,
    /// https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html).
    mutating func peeringConnection(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "requester", "accepter", "allow-dns-resolution-from-remote-vpc"])
        let id = try declare(try m.required("id"), kind: "peering connection")
        let aNode = try m.required("requester"), bNode = try m.required("accepter")
        let a = try lookup(vpcByID, aNode, kind: "vpc"), b = try lookup(vpcByID, bNode, kind: "vpc")
        guard a != b else { throw bNode.fail("a VPC cannot peer with itself") }
        for x in net.vpcs[a.int].cidrs {
            for y in net.vpcs[b.int].cidrs where x.family == y.family && x.overlaps(y) {
                throw bNode.fail(
                    "\(net.vpcs[b.int].id)'s \(y) overlaps \(net.vpcs[a.int].id)'s \(x): VPCs with overlapping "
                        + "CIDR blocks cannot be peered (see "
                        + "https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html)")
            }
        }
        for c in net.peeringConnections where Set([c.requester, c.accepter]) == Set([a, b]) {
            throw n.fail("\(c.id) already peers \(net.vpcs[a.int].id) and \(net.vpcs[b.int].id)")
        }
        var c = PeeringConnection(id: id, requester: a, accepter: b)
        if let d = m["allow-dns-resolution-from-remote-vpc"] {
            let on = try d.bool()
            c.requesterResolvesAccepterPrivateNames = on
            c.accepterResolvesRequesterPrivateNames = on
        }
        peeringByID[id] = PeeringConnectionIndex(net.peeringConnections.count)
        net.peeringConnections.append(c)
    }

    /// Whether VPCs `a` and `b` are joined by a peering connection: a security group may then
    /// reference a group of the other VPC (same Region,
    /// https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html).
    func peered(_ a: VPCIndex, _ b: VPCIndex) -> Bool {
        net.peeringConnections.contains { $0.peer(of: a) == b }
    }
}
