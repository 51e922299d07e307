import Foundation
import SimCore
import Topology

/// What a stack's resources get when it is created and `Fn::GetAtt` can ask for: private
/// addresses (chosen by the importer, so that an attribute and the topology agree), public
/// addresses, DNS names, the NAT gateway's network interface, the database's endpoint.
extension CFContext {
    /// Chooses a private address for every instance, network interface and NAT gateway the
    /// template does not give one, in template order after the explicit ones: the first free
    /// address from a hash of the stack and logical id, avoiding AWS's reserved addresses (the
    /// first four and the last, https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
    mutating func assignAddresses() throws(ImportError) {
        var taken: [String: Set<UInt32>] = [:] // subnet id → addresses
        var wanting: [(logical: String, subnet: String, cidr: (base: UInt32, bits: Int))] = []
        for name in order {
            let (type, body) = resources[name]!
            guard ["AWS::EC2::Instance", "AWS::EC2::NetworkInterface", "AWS::EC2::NatGateway"].contains(type) else {
                continue
            }
            if let c = body["Condition"]?.text, !(try condition(c, "Resources.\(name).Condition", line: body.line)) {
                continue
            }
            let path = "Resources.\(name).Properties"
            let props = body["Properties"] ?? .map([], line: body.line)
            var subnetNode = props["SubnetId"]
            var addressNode = props["PrivateIpAddress"]
            if type == "AWS::EC2::Instance",
                let nic = props["NetworkInterfaces"]?.items?.first(where: { ($0["DeviceIndex"]?.text ?? "0") == "0" })
            {
                if let e = nic["NetworkInterfaceId"] {
                    // Its address is the interface's.
                    if let id = try eval(e, path + ".NetworkInterfaces").text { attachedInterfaces[id] = name }
                    continue
                }
                subnetNode = nic["SubnetId"] ?? subnetNode
                addressNode = nic["PrivateIpAddress"] ?? addressNode
            }
            guard let s = subnetNode, let subnet = try eval(s, path + ".SubnetId").text,
                let cidr = try subnetCIDR(subnet).flatMap(CIDRText.parse)
            else { continue }
            if let a = addressNode, let ip = try eval(a, path + ".PrivateIpAddress").text {
                privateIPs[name] = ip
                if let raw = CIDRText.address(ip) { taken[subnet, default: []].insert(raw) }
            } else {
                wanting.append((name, subnet, cidr))
            }
        }
        for (name, subnet, cidr) in wanting {
            let size = UInt32(1) << UInt32(32 - cidr.bits)
            guard size > 5 else { continue }
            let usable = size - 5
            var off = 4 + UInt32(FNV1a64.hash((stackName + "/ip/" + name).utf8) % UInt64(usable))
            var used = taken[subnet, default: []]
            var tries: UInt32 = 0
            while used.contains(cidr.base + off) && tries < usable {
                off = off + 1 > 3 + usable ? 4 : off + 1
                tries += 1
            }
            guard tries < usable else {
                throw ImportError(
                    origin("Resources.\(name)", resources[name]!.body.line), "no free address left in its subnet")
            }
            used.insert(cidr.base + off)
            taken[subnet] = used
            privateIPs[name] = CIDRText.format(cidr.base + off)
        }
    }

    /// The CIDR block of the template's subnet with this id, evaluated (nil: not the template's).
    mutating func subnetCIDR(_ id: String) throws(ImportError) -> String? {
        for name in order where resources[name]!.type == "AWS::EC2::Subnet" {
            guard try ref(name) == id, let c = resources[name]!.body["Properties"]?["CidrBlock"] else { continue }
            return try eval(c, "Resources.\(name).Properties.CidrBlock").text
        }
        return nil
    }

    /// The logical id of the template's resource of `type` whose `Ref` is `id`.
    mutating func logical(_ type: String, withRef id: String) throws(ImportError) -> String? {
        for name in order where resources[name]!.type == type {
            if try ref(name) == id { return name }
        }
        return nil
    }

    /// A public IPv4 address an instance gets at launch, from the Region's EC2 pool.
    func launchPublicIP(_ logical: String) -> String { publicIP("instance/" + logical) }

    /// The public address an instance will have: an Elastic IP associated with it in the template,
    /// else one assigned at launch (AssociatePublicIpAddress, or the subnet's MapPublicIpOnLaunch),
    /// else none.
    mutating func instancePublicIP(_ logical: String) throws(ImportError) -> String? {
        let instance = try ref(logical)
        for name in order {
            let (type, body) = resources[name]!
            let props = body["Properties"]
            if type == "AWS::EC2::EIP", let i = props?["InstanceId"],
                try eval(i, "Resources.\(name).Properties.InstanceId").text == instance
            {
                return publicIP(name)
            }
            if type == "AWS::EC2::EIPAssociation", let i = props?["InstanceId"],
                try eval(i, "Resources.\(name).Properties.InstanceId").text == instance,
                let a = props?["AllocationId"] ?? props?["EIP"]
            {
                let value = try eval(a, "Resources.\(name).Properties").text ?? ""
                for eip in order where resources[eip]!.type == "AWS::EC2::EIP" {
                    if try getAtt(eip, "AllocationId", "", line: 0) == value || publicIP(eip) == value {
                        return publicIP(eip)
                    }
                }
            }
        }
        let props = resources[logical]!.body["Properties"]
        let nic = props?["NetworkInterfaces"]?.items?.first { ($0["DeviceIndex"]?.text ?? "0") == "0" }
        if let a = nic?["AssociatePublicIpAddress"] {
            return try eval(a, "Resources.\(logical).Properties.NetworkInterfaces").text == "true"
                ? launchPublicIP(logical) : nil
        }
        guard let s = nic?["SubnetId"] ?? props?["SubnetId"],
            let subnet = try eval(s, "Resources.\(logical).Properties.SubnetId").text,
            let sl = try self.logical("AWS::EC2::Subnet", withRef: subnet),
            let map = resources[sl]!.body["Properties"]?["MapPublicIpOnLaunch"]
        else { return nil }
        return try eval(map, "Resources.\(sl).Properties.MapPublicIpOnLaunch").text == "true"
            ? launchPublicIP(logical) : nil
    }

    /// Host names EC2 gives addresses (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html):
    /// `ip-10-0-1-5.ec2.internal` and `ec2-3-80-1-2.compute-1.amazonaws.com` in us-east-1,
    /// `….<region>.compute.internal` and `….<region>.compute.amazonaws.com` elsewhere.
    func dnsName(_ address: String, isPublic: Bool) -> String {
        let dashed = address.replacingOccurrences(of: ".", with: "-")
        if isPublic {
            return region == "us-east-1"
                ? "ec2-\(dashed).compute-1.amazonaws.com" : "ec2-\(dashed).\(region).compute.amazonaws.com"
        }
        return region == "us-east-1" ? "ip-\(dashed).ec2.internal" : "ip-\(dashed).\(region).compute.internal"
    }

    /// Attributes that need the resource's other properties: addresses, names, endpoints
    /// (return values as the CloudFormation resource reference lists them, e.g. "Return values" in
    /// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-instance.html).
    /// nil: not one of these.
    mutating func computedAttribute(_ logical: String, _ type: String, _ attribute: String, _ path: String, line: Int)
        throws(ImportError) -> String?
    {
        func need(_ v: String?, _ why: String) throws(ImportError) -> String {
            guard let v else { throw fail(path, line, "Fn::GetAtt \(logical).\(attribute): \(why)") }
            return v
        }
        func subnetOf() throws(ImportError) -> String? {
            let props = resources[logical]!.body["Properties"]
            let nic = props?["NetworkInterfaces"]?.items?.first { ($0["DeviceIndex"]?.text ?? "0") == "0" }
            if let e = nic?["NetworkInterfaceId"], let id = try eval(e, path).text,
                let n = try self.logical("AWS::EC2::NetworkInterface", withRef: id)
            {
                guard let s = resources[n]!.body["Properties"]?["SubnetId"] else { return nil }
                return try eval(s, path).text
            }
            guard let s = nic?["SubnetId"] ?? props?["SubnetId"] else { return nil }
            return try eval(s, path).text
        }
        func addressOf() throws(ImportError) -> String? {
            if let a = privateIPs[logical] { return a }
            let props = resources[logical]!.body["Properties"]
            let nic = props?["NetworkInterfaces"]?.items?.first { ($0["DeviceIndex"]?.text ?? "0") == "0" }
            if let e = nic?["NetworkInterfaceId"], let id = try eval(e, path).text,
                let n = try self.logical("AWS::EC2::NetworkInterface", withRef: id)
            {
                return privateIPs[n]
            }
            return nil
        }
        let noSubnet = "its subnet is not a subnet of this template, so its address cannot be chosen"
        switch (type, attribute) {
        case ("AWS::EC2::Instance", "PrivateIp"), ("AWS::EC2::NetworkInterface", "PrimaryPrivateIpAddress"):
            return try need(try addressOf(), noSubnet)
        case ("AWS::EC2::Instance", "PrivateDnsName"):
            return dnsName(try need(try addressOf(), noSubnet), isPublic: false)
        case ("AWS::EC2::Instance", "PublicIp"):
            return try need(try instancePublicIP(logical), "the instance gets no public IPv4 address")
        case ("AWS::EC2::Instance", "PublicDnsName"):
            return dnsName(
                try need(try instancePublicIP(logical), "the instance gets no public IPv4 address"), isPublic: true)
        case ("AWS::EC2::Instance", "VpcId"), ("AWS::EC2::NetworkInterface", "VpcId"),
            ("AWS::EC2::Instance", "AvailabilityZone"):
            let subnet = try need(try subnetOf(), "it names no subnet")
            guard let s = try self.logical("AWS::EC2::Subnet", withRef: subnet) else {
                throw fail(path, line, "Fn::GetAtt \(logical).\(attribute): \(noSubnet)")
            }
            return try getAtt(s, attribute == "VpcId" ? "VpcId" : "AvailabilityZone", path, line: line)
        case ("AWS::EC2::NetworkInterface", "Id"): return try ref(logical)
        case ("AWS::EC2::NatGateway", "EniId"):
            // The network interface the loader creates for the gateway (Topology.LoaderIDs).
            return LoaderIDs.natGatewayENI(try ref(logical))
        case ("AWS::EC2::Subnet", "AvailabilityZoneId"):
            let zone = try getAtt(logical, "AvailabilityZone", path, line: line)
            return try need(RegionCatalog.named(region)?.zoneIDs[zone], "vpcsim's catalog has no zone id for \(zone)")
        case ("AWS::EC2::Subnet", "NetworkAclAssociationId"): return physicalID("aclassoc-", logical)
        case ("AWS::EC2::SecurityGroup", "Id"): return try ref(logical)
        case ("AWS::EC2::PrefixList", "OwnerId"): return account
        case ("AWS::EC2::PrefixList", "Version"): return "1"
        case ("AWS::EC2::PrefixList", "Arn"):
            return "arn:aws:ec2:\(region):\(account):prefix-list/\(try ref(logical))"
        case ("AWS::RDS::DBInstance", "Endpoint.Address"):
            return LoaderIDs.rdsEndpoint(identifier: try ref(logical), account: account, region: region)
        case ("AWS::RDS::DBInstance", "Endpoint.Port"):
            guard let p = resources[logical]!.body["Properties"]?["Port"] else { return "5432" }
            return try eval(p, path).text ?? "5432"
        case ("AWS::RDS::DBInstance", "DBInstanceArn"):
            return "arn:aws:rds:\(region):\(account):db:\(try ref(logical))"
        default:
            return nil
        }
    }
}
