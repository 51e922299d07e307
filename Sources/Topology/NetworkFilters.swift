import Wire
import NetModel

/// What the network allows: network ACLs, security groups and their rules, and the groups of a
/// network interface.
extension Builder {
    mutating func networkACL(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "vpc", "default", "inbound", "outbound"])
        let id = try declare(try m.required("id"), kind: "network ACL")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        let isDefault = try m["default"]?.bool() ?? false
        let a = NetworkACLIndex(net.networkACLs.count)
        if isDefault {
            if net.vpcs[v.int].defaultNetworkACL.raw != .max {
                throw m["default"]!.fail("\(net.vpcs[v.int].id) already has a default network ACL")
            }
            net.vpcs[v.int].defaultNetworkACL = a
        }
        func entries(_ key: String, peer: String) throws -> [NetworkACLEntry] {
            var out: [NetworkACLEntry] = []
            var numbers: Set<Int32> = []
            for e in try m[key]?.list() ?? [] {
                let em = try e.mapping(allowed: ["rule", "protocol", "ports", "icmp-type", "icmp-code", peer, "action"])
                let ruleNode = try em.required("rule")
                let rule = Int32(try ruleNode.int(1...32766))
                guard numbers.insert(rule).inserted else { throw ruleNode.fail("rule number \(rule) is used twice") }
                let proto = try protocolSelector(try em.required("protocol"))
                let ports = try portRange(em, protocolNumber: proto)
                let peerNode = try em.required(peer)
                if (try? peerNode.string())?.hasPrefix("pl-") == true {
                    throw peerNode.fail(
                        "network ACLs cannot reference prefix lists; list the CIDRs (see "
                            + "https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists-referencing.html)")
                }
                let action = try em.required("action")
                let allow: Bool
                switch try action.string().lowercased() {
                case "allow": allow = true
                case "deny": allow = false
                case let s: throw action.fail("'\(s)' must be allow or deny")
                }
                out.append(
                    NetworkACLEntry(
                        ruleNumber: rule, protocolNumber: proto, ports: ports, cidr: try peerNode.anyCIDR(),
                        allow: allow))
            }
            return out
        }
        aclByID[id] = a
        net.networkACLs.append(
            NetworkACL(
                id: id, vpc: v, isDefault: isDefault,
                inbound: try entries("inbound", peer: "source"),
                outbound: try entries("outbound", peer: "destination")))
    }

    mutating func declareSecurityGroup(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "name", "vpc", "ingress", "egress", "description"])
        let id = try declare(try m.required("id"), kind: "security group")
        let v = try lookup(vpcByID, try m.required("vpc"), kind: "vpc")
        sgByID[id] = SecurityGroupIndex(net.securityGroups.count)
        net.securityGroups.append(
            SecurityGroup(id: id, name: try m["name"]?.string() ?? id, vpc: v, ingress: [], egress: []))
    }

    mutating func securityGroupRules(_ n: YNode) throws {
        let m = try n.mapping(allowed: ["id", "name", "vpc", "ingress", "egress", "description"])
        let g = sgByID[try m.required("id").string()]!
        let vpc = net.securityGroups[g.int].vpc
        func rules(_ key: String, peerKey: String) throws -> [SecurityGroupRule] {
            guard let list = m[key] else {
                // A new group allows all outbound and no inbound; in a VPC with an IPv6 block the
                // outbound rules include ::/0 as well
                // (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html,
                // "Default security group rules" / "Custom security groups").
                guard key == "egress" else { return [] }
                var all = [SecurityGroupRule(protocolNumber: -1, ports: .all, peer: .cidr(CIDR("0.0.0.0/0")!))]
                if net.vpcs[vpc.int].cidrs.contains(where: { !$0.isIPv4 }) {
                    all.append(SecurityGroupRule(protocolNumber: -1, ports: .all, peer: .cidr(CIDR("::/0")!)))
                }
                return all
            }
            return try list.list().map { r in
                let rm = try r.mapping(allowed: ["protocol", "ports", "icmp-type", "icmp-code", peerKey, "description"])
                let proto = try protocolSelector(try rm.required("protocol"))
                let ports = try portRange(rm, protocolNumber: proto)
                let peerNode = try rm.required(peerKey)
                let p = try peerNode.string()
                let peer: SecurityGroupPeer
                if p.hasPrefix("pl-") {
                    peer = .prefixList(try lookup(prefixListByID, peerNode, kind: "prefix list"))
                } else if p.hasPrefix("sg-") {
                    let other = try lookup(sgByID, peerNode, kind: "security group")
                    let otherVPC = net.securityGroups[other.int].vpc
                    guard otherVPC == vpc || peered(vpc, otherVPC) else {
                        throw peerNode.fail(
                            "\(p) is in \(net.vpcs[otherVPC.int].id), which is not peered with "
                                + "\(net.vpcs[vpc.int].id); security groups reference groups in the same or a "
                                + "peered VPC")
                    }
                    peer = .securityGroup(other)
                } else {
                    peer = .cidr(try peerNode.anyCIDR())
                }
                return SecurityGroupRule(
                    protocolNumber: proto, ports: ports, peer: peer, description: try rm["description"]?.string() ?? "")
            }
        }
        net.securityGroups[g.int].ingress = try rules("ingress", peerKey: "source")
        net.securityGroups[g.int].egress = try rules("egress", peerKey: "destination")
    }

    func protocolSelector(_ n: YNode) throws -> ProtocolSelector {
        switch try n.string().lowercased() {
        case "tcp", "6": return 6
        case "udp", "17": return 17
        case "icmp", "1": return 1
        case "icmpv6", "58": return 58
        case "all", "-1": return -1
        case let s:
            guard let v = Int16(s), (0...255).contains(v) else {
                throw n.fail("'\(s)' is not a protocol (tcp, udp, icmp, icmpv6, all or a number)")
            }
            return v
        }
    }

    /// `ports: 443`, `ports: 1024-65535` or `ports: all`; ICMP takes `icmp-type`/`icmp-code`.
    func portRange(_ m: YMap, protocolNumber: ProtocolSelector) throws -> PortRange {
        if protocolNumber == 1 || protocolNumber == 58 {
            let t = try m["icmp-type"].map { UInt16(try $0.int(-1...255) < 0 ? 65535 : try $0.int(-1...255)) } ?? 65535
            let c = try m["icmp-code"].map { UInt16(try $0.int(-1...255) < 0 ? 65535 : try $0.int(-1...255)) } ?? 65535
            return PortRange(t, c)
        }
        guard let p = m["ports"] else {
            if protocolNumber == 6 || protocolNumber == 17 {
                throw m.owner.fail("missing required key 'ports' (a port, a range like 1024-65535, or all)")
            }
            return .all
        }
        let s = try p.string()
        if s == "all" { return .all }
        let parts = s.split(separator: "-")
        guard (1...2).contains(parts.count), let lo = UInt16(parts[0]), let hi = UInt16(parts.last!), lo <= hi else {
            throw p.fail("'\(s)' is not a port or port range (like 443 or 1024-65535)")
        }
        return PortRange(lo, hi)
    }

    func securityGroups(_ m: YMap, vpc v: VPCIndex) throws -> [SecurityGroupIndex] {
        guard let list = m["security-groups"] else { throw m.owner.fail("missing required key 'security-groups'") }
        let nodes = try list.list()
        guard !nodes.isEmpty else { throw list.fail("at least one security group is needed") }
        guard nodes.count <= 5 else {
            throw list.fail(
                "at most 5 security groups per network interface (see "
                    + "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html)")
        }
        return try nodes.map { g in
            let i = try lookup(sgByID, g, kind: "security group")
            guard net.securityGroups[i.int].vpc == v else { throw g.fail("\(try g.string()) is in another VPC") }
            return i
        }
    }
}
