import Foundation

/// What joins a VPC to more than itself, from the EC2 describe calls that list it:
/// egress-only internet gateways (`describe-egress-only-internet-gateways`), VPC peering
/// connections (`describe-vpc-peering-connections`) and transit gateways with their VPC
/// attachments and route tables (`describe-transit-gateways`, `describe-transit-gateway-vpc-attachments`,
/// `describe-transit-gateway-attachments`, `describe-transit-gateway-route-tables`, and per route table
/// `get-transit-gateway-route-table-associations`, `get-transit-gateway-route-table-propagations`,
/// `search-transit-gateway-routes` in files whose names hold the table's id, as collectors write
/// them).
extension AWSDescribeReader {
    mutating func egressOnlyInternetGateway(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("EgressOnlyInternetGatewayId")
        guard once(id) else { return }
        let attached = v.list("Attachments").filter { ["available", "attached"].contains($0.string("State") ?? "") }
        guard let a = attached.first else {
            inventory.skip("AWS::EC2::EgressOnlyInternetGateway (detached)")
            return
        }
        inventory.egressOnlyInternetGateways.append(
            .init(id: id, name: v.nameTag, vpc: try a.ref("VpcId"), origin: v.origin))
    }

    /// An active connection (status `active`): pending, rejected, expired or deleted ones carry
    /// no traffic (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html,
    /// "VPC peering connection lifecycle").
    mutating func peeringConnection(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("VpcPeeringConnectionId")
        guard once(id) else { return }
        let status = v["Status"]?.string("Code") ?? "active"
        guard status == "active" else {
            inventory.skip("AWS::EC2::VPCPeeringConnection (\(status))")
            return
        }
        guard let r = v["RequesterVpcInfo"], let a = v["AccepterVpcInfo"] else {
            throw ImportError(v.origin, "a peering connection needs RequesterVpcInfo and AccepterVpcInfo")
        }
        if let x = r.string("Region"), let y = a.string("Region"), x != y {
            inventory.skip("inter-Region VPC peering connection")
            return
        }
        let dns = [r, a].contains { $0["PeeringOptions"]?.bool("AllowDnsResolutionFromRemoteVpc") == true }
        inventory.peeringConnections.append(
            .init(
                id: id, name: v.nameTag, requester: try r.ref("VpcId"), accepter: try a.ref("VpcId"),
                dnsResolution: dns, origin: v.origin))
    }

    mutating func transitGateway(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("TransitGatewayId")
        guard once(id) else { return }
        guard ["available", "pending", "modifying"].contains(v.string("State") ?? "available") else {
            inventory.skip("AWS::EC2::TransitGateway (\(v.string("State") ?? ""))")
            return
        }
        inventory.transitGateways.append(.init(id: id, name: v.nameTag, account: v.string("OwnerId"), origin: v.origin))
    }

    /// describe-transit-gateway-vpc-attachments: the attachment's VPC, subnets and options.
    mutating func transitGatewayVPCAttachment(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("TransitGatewayAttachmentId")
        guard once("vpc-attachment:" + id) else { return }
        guard ["available", "pending", "modifying"].contains(v.string("State") ?? "available") else {
            inventory.skip("AWS::EC2::TransitGatewayVpcAttachment (\(v.string("State") ?? ""))")
            return
        }
        let subnets = v.list("SubnetIds").compactMap { s in s.string.map { Ref(id: $0, origin: s.origin) } }
        inventory.transitGatewayAttachments.append(
            .init(
                id: id, transitGateway: try v.ref("TransitGatewayId"), vpc: try v.ref("VpcId"), subnets: subnets,
                applianceMode: v["Options"]?.string("ApplianceModeSupport") == "enable", origin: v.origin))
    }

    /// describe-transit-gateway-attachments: every kind of attachment, each with the route table
    /// it is associated with. Only VPC attachments are modelled.
    mutating func transitGatewayAttachment(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("TransitGatewayAttachmentId")
        guard once("attachment:" + id) else { return }
        let type = v.string("ResourceType") ?? "vpc"
        guard type == "vpc" else {
            inventory.skip("transit gateway attachment (\(type))")
            return
        }
        if let a = v["Association"], let t = a.string("TransitGatewayRouteTableId"),
            (a.string("State") ?? "associated") == "associated"
        {
            tgwAssociations.append((table: t, attachment: Ref(id: id, origin: a.origin)))
        }
    }

    mutating func transitGatewayRouteTable(_ v: JSONValue) throws(ImportError) {
        let id = try v.require("TransitGatewayRouteTableId")
        guard once(id) else { return }
        inventory.transitGatewayRouteTables.append(
            .init(id: id, name: v.nameTag, transitGateway: try v.ref("TransitGatewayId"), origin: v.origin))
    }

    /// The per-table calls, in a file whose name holds the table's id.
    mutating func transitGatewayRouteTableDetails(_ json: JSONValue, file: String) throws(ImportError) {
        let hasDetails =
            json["Associations"] != nil || json["TransitGatewayRouteTablePropagations"] != nil
            || json["Routes"] != nil
        guard hasDetails else { return }
        guard let table = Self.routeTableID(in: file) else {
            throw ImportError(
                json.origin,
                "transit gateway route table associations, propagations or routes need the table's id "
                    + "(tgw-rtb-…) in the file's name")
        }
        for a in json.list("Associations") where (a.string("State") ?? "associated") == "associated" {
            guard (a.string("ResourceType") ?? "vpc") == "vpc" else { continue }
            tgwAssociations.append((table: table, attachment: try a.ref("TransitGatewayAttachmentId")))
        }
        for p in json.list("TransitGatewayRouteTablePropagations") where (p.string("State") ?? "enabled") == "enabled" {
            guard (p.string("ResourceType") ?? "vpc") == "vpc" else {
                inventory.skip("transit gateway propagation (\(p.string("ResourceType") ?? ""))")
                continue
            }
            tgwPropagations.append((table: table, attachment: try p.ref("TransitGatewayAttachmentId")))
        }
        for r in json.list("Routes") {
            // Propagated routes come back from the propagations; only static ones are the table's own.
            guard (r.string("Type") ?? "static") == "static" else { continue }
            guard let d = r["DestinationCidrBlock"], let destination = d.string else {
                inventory.skip("transit gateway route to a prefix list")
                continue
            }
            let target: Ref
            if r.string("State") == "blackhole" {
                target = Ref(id: "blackhole", origin: r.origin)
            } else if let a = r.list("TransitGatewayAttachments").first {
                target = try a.ref("TransitGatewayAttachmentId")
            } else {
                throw ImportError(r.origin, "a static route names a transit gateway attachment or is a blackhole")
            }
            tgwRoutes.append(
                (table: table, route: .init(destination: destination, destinationOrigin: d.origin, target: target)))
        }
    }

    static func routeTableID(in path: String) -> String? {
        guard let r = path.range(of: "tgw-rtb-") else { return nil }
        let id = "tgw-rtb-" + path[r.upperBound...].prefix { $0.isHexDigit }
        return id.count > 8 ? id : nil
    }

    /// Once every file is read: associations, propagations and static routes onto their tables.
    mutating func finishTransitGateways() throws(ImportError) {
        func table(_ id: String, _ origin: Origin) throws(ImportError) -> Int {
            guard let i = inventory.transitGatewayRouteTables.firstIndex(where: { $0.id == id }) else {
                throw ImportError(
                    origin,
                    "no transit gateway route table '\(id)' in the input (describe-transit-gateway-route-tables)")
            }
            return i
        }
        for (t, a) in tgwAssociations {
            let i = try table(t, a.origin)
            if !inventory.transitGatewayRouteTables[i].associations.contains(where: { $0.id == a.id }) {
                inventory.transitGatewayRouteTables[i].associations.append(a)
            }
        }
        for (t, a) in tgwPropagations {
            let i = try table(t, a.origin)
            if !inventory.transitGatewayRouteTables[i].propagations.contains(where: { $0.id == a.id }) {
                inventory.transitGatewayRouteTables[i].propagations.append(a)
            }
        }
        for (t, r) in tgwRoutes {
            let i = try table(t, r.destinationOrigin)
            inventory.transitGatewayRouteTables[i].routes.append(r)
        }
    }
}
