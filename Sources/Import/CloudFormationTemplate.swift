import Foundation
import Yams
import SimCore
import Topology

/// A template value: text, a list or a mapping, with the line it starts on. Numbers and booleans
/// stay text, as CloudFormation passes them to resources.
indirect enum CFValue {
    case text(String, line: Int)
    case list([CFValue], line: Int)
    case map([(String, CFValue)], line: Int)
    /// `AWS::NoValue`: the property or item is left out.
    case none

    var line: Int {
        switch self {
        case .text(_, let l), .list(_, let l), .map(_, let l): return l
        case .none: return 0
        }
    }
    var text: String? { if case .text(let s, _) = self { return s } else { return nil } }
    var items: [CFValue]? { if case .list(let a, _) = self { return a } else { return nil } }
    subscript(_ key: String) -> CFValue? {
        if case .map(let m, _) = self { return m.first { $0.0 == key }?.1 }
        return nil
    }
    var keys: [String] { if case .map(let m, _) = self { return m.map(\.0) } else { return [] } }

    /// From YAML (or JSON, which YAML reads): the short tags (`!Ref X`, `!GetAtt A.B`, `!Sub …`)
    /// become the long forms (`{Ref: X}`, `{Fn::GetAtt: [A, B]}`, `{Fn::Sub: …}`).
    init(_ n: Node) {
        let line = n.mark?.line ?? 0
        let tag = n.tag.description
        var plain: CFValue
        switch n {
        case .scalar(let s):
            plain = .text(s.string, line: line)
            if tag == "tag:yaml.org,2002:null" && s.string.isEmpty || s.string == "~" { plain = .text("", line: line) }
        case .sequence(let q): plain = .list(q.map(CFValue.init), line: line)
        case .mapping(let m):
            plain = .map(m.map { ($0.key.string ?? "", CFValue($0.value)) }, line: line)
        case .alias: plain = .text("", line: line)
        }
        guard tag.hasPrefix("!") else {
            self = plain
            return
        }
        let name = String(tag.dropFirst())
        switch name {
        case "Ref", "Condition": self = .map([(name, plain)], line: line)
        case "GetAtt":
            if let s = plain.text, let dot = s.firstIndex(of: ".") {
                self = .map(
                    [
                        (
                            "Fn::GetAtt",
                            .list(
                                [
                                    .text(String(s[..<dot]), line: line),
                                    .text(String(s[s.index(after: dot)...]), line: line),
                                ], line: line)
                        )
                    ],
                    line: line)
            } else {
                self = .map([("Fn::GetAtt", plain)], line: line)
            }
        default: self = .map([("Fn::" + name, plain)], line: line)
        }
    }
}

/// A template being evaluated: parameters, conditions, mappings, and the physical ids and
/// attributes of its resources, as the stack would have them (deterministic, derived from the
/// stack name and logical ids where AWS would generate them).
struct CFContext {
    var file: String
    var region: String
    var account: String
    var stackName: String
    var parameters: [String: CFValue] = [:]
    var conditionNodes: [String: CFValue] = [:]
    var conditions: [String: Bool] = [:]
    var mappings: CFValue?
    /// Resource logical id → (type, its definition).
    var resources: [String: (type: String, body: CFValue)] = [:]
    var order: [String] = []
    var evaluatingConditions: [String] = []
    /// Private addresses of instances, network interfaces and NAT gateways, by logical id
    /// (`assignAddresses`), and which instance each network interface is attached to, by its id.
    var privateIPs: [String: String] = [:]
    var attachedInterfaces: [String: String] = [:]

    func origin(_ path: String, _ line: Int) -> Origin { Origin(file: file, path: path, line: line > 0 ? line : nil) }

    /// A stable AWS-style id for what CloudFormation would create: prefix + 17 hex digits.
    func physicalID(_ prefix: String, _ logical: String) -> String {
        var v = SplitMix64.mix(FNV1a64.hash((stackName + "/" + logical).utf8))
        let hex = Array("0123456789abcdef".utf8)
        var s = prefix + "0"
        for _ in 0..<16 { s.append(Character(UnicodeScalar(hex[Int(v & 0xF)]))); v >>= 4 }
        return s
    }

    /// What `Ref` of a resource returns, by type.
    mutating func ref(_ logical: String) throws(ImportError) -> String {
        guard let r = resources[logical] else { return logical }
        // A name the template sets, evaluated (it may be built with Fn::Sub or Fn::Join).
        func named(_ key: String) throws(ImportError) -> String? {
            guard let v = r.body["Properties"]?[key] else { return nil }
            return try eval(v, "Resources.\(logical).Properties.\(key)").text
        }
        switch r.type {
        case "AWS::EC2::VPC": return physicalID("vpc-", logical)
        case "AWS::EC2::Subnet": return physicalID("subnet-", logical)
        case "AWS::EC2::RouteTable": return physicalID("rtb-", logical)
        case "AWS::EC2::NetworkAcl": return physicalID("acl-", logical)
        case "AWS::EC2::SecurityGroup": return physicalID("sg-", logical)
        case "AWS::EC2::InternetGateway": return physicalID("igw-", logical)
        case "AWS::EC2::NatGateway": return physicalID("nat-", logical)
        case "AWS::EC2::VPCEndpoint": return physicalID("vpce-", logical)
        case "AWS::EC2::PrefixList": return physicalID("pl-", logical)
        case "AWS::EC2::Instance": return physicalID("i-", logical)
        case "AWS::EC2::FlowLog": return physicalID("fl-", logical)
        case "AWS::EC2::NetworkInterface": return physicalID("eni-", logical)
        case "AWS::EC2::EgressOnlyInternetGateway": return physicalID("eigw-", logical)
        case "AWS::EC2::VPCPeeringConnection": return physicalID("pcx-", logical)
        case "AWS::EC2::TransitGateway": return physicalID("tgw-", logical)
        case "AWS::EC2::TransitGatewayVpcAttachment", "AWS::EC2::TransitGatewayAttachment":
            return physicalID("tgw-attach-", logical)
        case "AWS::EC2::TransitGatewayRouteTable": return physicalID("tgw-rtb-", logical)
        case "AWS::EC2::EIP": return publicIP(logical)
        case "AWS::Lambda::Function", "AWS::Serverless::Function":
            return try named("FunctionName") ?? generatedName(logical)
        case "AWS::RDS::DBInstance":
            return try named("DBInstanceIdentifier")?.lowercased() ?? generatedName(logical).lowercased()
        case "AWS::RDS::DBSubnetGroup": return try named("DBSubnetGroupName") ?? generatedName(logical).lowercased()
        default: return physicalID("", logical)
        }
    }

    /// `<stack>-<logical id>-<12 characters>`, the shape of names CloudFormation generates.
    func generatedName(_ logical: String) -> String {
        let suffix = physicalID("", logical + "#name").dropFirst().prefix(12).uppercased()
        return "\(stackName)-\(logical)-\(suffix)"
    }

    /// An Elastic IP's address, from the Region's EC2 pool (3.80.0.0/12 in vpcsim's catalog).
    func publicIP(_ logical: String) -> String {
        let pool = RegionCatalog.named(region)?.publicIPPool ?? RegionCatalog.usEast1.publicIPPool
        let h = FNV1a64.hash((stackName + "/eip/" + logical).utf8)
        let off = UInt32(h % (pool.size - 2)) + 1
        return CIDRText.format(pool.base.ipv4Raw + off)
    }

    // MARK: Evaluation

    /// Evaluates intrinsic functions in `v` (at `path`, for errors).
    mutating func eval(_ v: CFValue, _ path: String) throws(ImportError) -> CFValue {
        switch v {
        case .none, .text: return v
        case .list(let items, let line):
            var out: [CFValue] = []
            for (i, x) in items.enumerated() {
                let e = try eval(x, "\(path)[\(i)]")
                if case .none = e { continue }
                out.append(e)
            }
            return .list(out, line: line)
        case .map(let pairs, let line):
            if pairs.count == 1, let (k, arg) = pairs.first,
                k == "Ref" || k.hasPrefix("Fn::") || k == "Condition" && path.contains("Fn::")
            {
                return try intrinsic(k, arg, "\(path).\(k)", line: line)
            }
            var out: [(String, CFValue)] = []
            for (k, x) in pairs {
                let e = try eval(x, "\(path).\(k)")
                if case .none = e { continue }
                out.append((k, e))
            }
            return .map(out, line: line)
        }
    }

    func fail(_ path: String, _ line: Int, _ message: String) -> ImportError {
        ImportError(origin(path, line), message)
    }

    func string(_ v: CFValue, _ path: String) throws(ImportError) -> String {
        guard let s = v.text else { throw fail(path, v.line, "expected a string here") }
        return s
    }

    mutating func intrinsic(_ k: String, _ arg: CFValue, _ path: String, line: Int) throws(ImportError) -> CFValue {
        switch k {
        case "Ref":
            let name = try string(arg, path)
            return try refValue(name, path, line: line)
        case "Fn::GetAtt":
            var parts: [String] = []
            if let s = arg.text {
                parts = s.split(separator: ".", maxSplits: 1).map(String.init)
            } else if let items = arg.items {
                for (i, x) in items.enumerated() { parts.append(try string(try eval(x, "\(path)[\(i)]"), path)) }
            }
            guard parts.count == 2 else { throw fail(path, line, "Fn::GetAtt takes [LogicalId, Attribute]") }
            return .text(try getAtt(parts[0], parts[1], path, line: line), line: line)
        case "Fn::Sub":
            var template: String
            var vars: [String: String] = [:]
            if let items = arg.items, items.count == 2 {
                template = try string(items[0], path)
                if case .map(let m, _) = items[1] {
                    for (name, x) in m {
                        vars[name] = try string(try eval(x, "\(path)[1].\(name)"), "\(path)[1].\(name)")
                    }
                }
            } else {
                template = try string(arg, path)
            }
            return .text(try substitute(template, vars, path, line: line), line: line)
        case "Fn::Join":
            guard let items = arg.items, items.count == 2, let sep = items[0].text else {
                throw fail(path, line, "Fn::Join takes [delimiter, [values]]")
            }
            guard let list = try eval(items[1], path + "[1]").items else {
                throw fail(path, line, "Fn::Join needs a list")
            }
            return .text(
                try list.map { v throws(ImportError) in try string(v, path) }.joined(separator: sep), line: line)
        case "Fn::Split":
            guard let items = arg.items, items.count == 2, let sep = items[0].text else {
                throw fail(path, line, "Fn::Split takes [delimiter, string]")
            }
            let s = try string(try eval(items[1], path + "[1]"), path)
            return .list(s.components(separatedBy: sep).map { .text($0, line: line) }, line: line)
        case "Fn::Select":
            guard let items = arg.items, items.count == 2 else {
                throw fail(path, line, "Fn::Select takes [index, list]")
            }
            let index = try string(try eval(items[0], path + "[0]"), path)
            guard let i = Int(index) else { throw fail(path, line, "Fn::Select: '\(index)' is not an index") }
            guard let list = try eval(items[1], path + "[1]").items else {
                throw fail(path, line, "Fn::Select needs a list")
            }
            guard list.indices.contains(i) else {
                throw fail(path, line, "Fn::Select: index \(i) is outside the list of \(list.count)")
            }
            return list[i]
        case "Fn::GetAZs":
            let r = try string(try eval(arg, path), path)
            let region = r.isEmpty ? self.region : r
            guard let c = RegionCatalog.named(region) else {
                throw fail(path, line, "Fn::GetAZs: vpcsim's catalog has no availability zones for \(region)")
            }
            return .list(c.zoneIDs.keys.sorted().map { .text($0, line: line) }, line: line)
        case "Fn::Cidr":
            guard let items = arg.items, items.count == 3 else {
                throw fail(path, line, "Fn::Cidr takes [ipBlock, count, cidrBits]")
            }
            let block = try string(try eval(items[0], path + "[0]"), path)
            guard let c = CIDRText.parse(block), let count = Int(try string(try eval(items[1], path + "[1]"), path)),
                let bits = Int(try string(try eval(items[2], path + "[2]"), path)), bits > 0, 32 - bits >= c.bits,
                count >= 1, count <= 256, UInt64(count) <= UInt64(1) << UInt64(32 - bits - c.bits)
            else { throw fail(path, line, "Fn::Cidr: cannot cut \(block) into those blocks") }
            let size = UInt32(1) << UInt32(bits)
            return .list(
                (0..<count).map { .text("\(CIDRText.format(c.base &+ UInt32($0) &* size))/\(32 - bits)", line: line) },
                line: line)
        case "Fn::If":
            guard let items = arg.items, items.count == 3, let name = items[0].text else {
                throw fail(path, line, "Fn::If takes [condition, value if true, value if false]")
            }
            return try eval(
                try condition(name, path, line: line) ? items[1] : items[2],
                path + (try condition(name, path, line: line) ? "[1]" : "[2]"))
        case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition":
            return .text(try test(.map([(k, arg)], line: line), path) ? "true" : "false", line: line)
        case "Fn::FindInMap":
            guard let items = arg.items, items.count >= 3 else {
                throw fail(path, line, "Fn::FindInMap takes [map, key, key]")
            }
            var keys: [String] = []
            for (i, x) in items.prefix(3).enumerated() { keys.append(try string(try eval(x, "\(path)[\(i)]"), path)) }
            guard let v = mappings?[keys[0]]?[keys[1]]?[keys[2]] else {
                throw fail(path, line, "Fn::FindInMap: no Mappings.\(keys.joined(separator: "."))")
            }
            return try eval(v, "Mappings.\(keys.joined(separator: "."))")
        case "Fn::Base64": return try eval(arg, path)
        case "Fn::ImportValue":
            throw fail(path, line, "Fn::ImportValue names another stack's output, which an offline import cannot read")
        default:
            throw fail(path, line, "\(k) is not an intrinsic function vpcsim evaluates")
        }
    }

    mutating func refValue(_ name: String, _ path: String, line: Int) throws(ImportError) -> CFValue {
        switch name {
        case "AWS::Region": return .text(region, line: line)
        case "AWS::AccountId": return .text(account, line: line)
        case "AWS::StackName": return .text(stackName, line: line)
        case "AWS::StackId":
            return .text(
                "arn:aws:cloudformation:\(region):\(account):stack/\(stackName)/\(physicalID("", "stack"))", line: line)
        case "AWS::Partition": return .text("aws", line: line)
        case "AWS::URLSuffix": return .text("amazonaws.com", line: line)
        case "AWS::NoValue": return .none
        case "AWS::NotificationARNs": return .list([], line: line)
        default: break
        }
        if let p = parameters[name] { return p }
        if resources[name] != nil { return .text(try ref(name), line: line) }
        throw fail(path, line, "Ref '\(name)': no parameter or resource of that name in the template")
    }

    mutating func getAtt(_ logical: String, _ attribute: String, _ path: String, line: Int) throws(ImportError)
        -> String
    {
        guard let r = resources[logical] else {
            throw fail(path, line, "Fn::GetAtt '\(logical)': no resource of that name in the template")
        }
        // A property the attribute repeats, evaluated in the referenced resource's context.
        func property(_ key: String) throws(ImportError) -> String? {
            guard let v = r.body["Properties"]?[key] else { return nil }
            return try eval(v, "Resources.\(logical).Properties.\(key)").text
        }
        switch (r.type, attribute) {
        case ("AWS::EC2::VPC", "VpcId"), ("AWS::EC2::Subnet", "SubnetId"), ("AWS::EC2::SecurityGroup", "GroupId"),
            ("AWS::EC2::RouteTable", "RouteTableId"), ("AWS::EC2::InternetGateway", "InternetGatewayId"),
            ("AWS::EC2::NatGateway", "NatGatewayId"), ("AWS::EC2::VPCEndpoint", "Id"),
            ("AWS::EC2::PrefixList", "PrefixListId"), ("AWS::EC2::NetworkAcl", "Id"), ("AWS::EC2::EIP", "PublicIp"),
            ("AWS::EC2::FlowLog", "Id"), ("AWS::EC2::Instance", "InstanceId"),
            ("AWS::EC2::EgressOnlyInternetGateway", "Id"), ("AWS::EC2::VPCPeeringConnection", "Id"),
            ("AWS::EC2::TransitGateway", "Id"), ("AWS::EC2::TransitGatewayVpcAttachment", "Id"),
            ("AWS::EC2::TransitGatewayAttachment", "Id"),
            ("AWS::EC2::TransitGatewayRouteTable", "TransitGatewayRouteTableId"):
            return try ref(logical)
        case ("AWS::EC2::VPC", "DefaultSecurityGroup"): return physicalID("sg-", logical + "#default")
        case ("AWS::EC2::VPC", "DefaultNetworkAcl"): return physicalID("acl-", logical + "#default")
        case ("AWS::EC2::VPC", "CidrBlock"), ("AWS::EC2::Subnet", "CidrBlock"):
            if let c = try property("CidrBlock") { return c }
        case ("AWS::EC2::Subnet", "AvailabilityZone"):
            if let z = try property("AvailabilityZone") { return z }
        case ("AWS::EC2::Subnet", "VpcId"), ("AWS::EC2::SecurityGroup", "VpcId"):
            if let v = try property("VpcId") { return v }
        case ("AWS::EC2::EIP", "AllocationId"): return physicalID("eipalloc-", logical)
        case ("AWS::Lambda::Function", "Arn"), ("AWS::Serverless::Function", "Arn"):
            return "arn:aws:lambda:\(region):\(account):function:\(try ref(logical))"
        default:
            if let v = try computedAttribute(logical, r.type, attribute, path, line: line) { return v }
            // A resource vpcsim does not read (a role, a bucket): its attribute only has to exist.
            if !r.type.hasPrefix("AWS::EC2::") && !r.type.hasPrefix("AWS::RDS::") {
                return "\(logical).\(attribute)"
            }
        }
        throw fail(
            path, line,
            "Fn::GetAtt \(logical).\(attribute) (\(r.type)) is not known before the stack exists, "
                + "or not one vpcsim reads"
        )
    }

    mutating func substitute(_ s: String, _ vars: [String: String], _ path: String, line: Int) throws(ImportError)
        -> String
    {
        var out = ""
        var rest = Substring(s)
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw fail(path, line, "Fn::Sub: unclosed ${")
            }
            let name = String(rest[open.upperBound..<close])
            rest = rest[rest.index(after: close)...]
            if name.hasPrefix("!") {
                out += "${" + name.dropFirst() + "}"
            } else if let v = vars[name] {
                out += v
            } else if let dot = name.firstIndex(of: "."), resources[String(name[..<dot])] != nil {
                out += try getAtt(String(name[..<dot]), String(name[name.index(after: dot)...]), path, line: line)
            } else {
                let v = try refValue(name, path, line: line)
                guard let t = v.text else { throw fail(path, line, "Fn::Sub: ${\(name)} is not a string") }
                out += t
            }
        }
        return out + rest
    }

    // MARK: Conditions

    mutating func condition(_ name: String, _ path: String, line: Int) throws(ImportError) -> Bool {
        if let c = conditions[name] { return c }
        guard let node = conditionNodes[name] else { throw fail(path, line, "no condition '\(name)' in Conditions") }
        guard !evaluatingConditions.contains(name) else {
            throw fail(
                "Conditions.\(name)", node.line,
                "conditions refer to each other in a cycle: \((evaluatingConditions + [name]).joined(separator: " → "))"
            )
        }
        evaluatingConditions.append(name)
        let value = try test(node, "Conditions.\(name)")
        evaluatingConditions.removeLast()
        conditions[name] = value
        return value
    }

    mutating func test(_ v: CFValue, _ path: String) throws(ImportError) -> Bool {
        guard case .map(let pairs, let line) = v, pairs.count == 1, let (k, arg) = pairs.first else {
            if let t = v.text { return t == "true" }
            throw fail(path, v.line, "expected a condition (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition)")
        }
        switch k {
        case "Fn::Equals":
            guard let items = arg.items, items.count == 2 else { throw fail(path, line, "Fn::Equals takes two values") }
            let a = try eval(items[0], path + "[0]")
            let b = try eval(items[1], path + "[1]")
            return a.text != nil && a.text == b.text
        case "Fn::And", "Fn::Or":
            guard let items = arg.items, (2...10).contains(items.count) else {
                throw fail(path, line, "\(k) takes 2 to 10 conditions")
            }
            var results: [Bool] = []
            for (i, x) in items.enumerated() { results.append(try test(x, "\(path).\(k)[\(i)]")) }
            return k == "Fn::And" ? results.allSatisfy { $0 } : results.contains(true)
        case "Fn::Not":
            guard let items = arg.items, items.count == 1 else { throw fail(path, line, "Fn::Not takes one condition") }
            return !(try test(items[0], path + ".Fn::Not[0]"))
        case "Condition": return try condition(try string(arg, path), path, line: line)
        default: throw fail(path, line, "'\(k)' is not a condition function")
        }
    }
}
