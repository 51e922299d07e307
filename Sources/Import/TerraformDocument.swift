import Foundation
import SimCore
import Topology

/// `terraform show -json` of a plan or a state, in the format documented at
/// https://developer.hashicorp.com/terraform/internals/json-format: the resource instances of
/// `planned_values` (a plan; data sources from `prior_state`) or `values` (a state), every module
/// included, each with what the plan does not know yet (`resource_changes[].change.after_unknown`)
/// and its configuration (`configuration`, whose expressions name the resources a value comes from).
struct TFDocument {
    /// One resource instance: `module.net.aws_subnet.private[0]`.
    struct Instance {
        var address: String
        /// The module instance it is in (`module.net`, `""` for the root module).
        var module: String
        var mode: String
        var type: String
        var name: String
        /// The instance key as the address writes it (`0`, `"a"` with its quotes), nil without count/for_each.
        var key: String?
        var values: JSONValue
        var unknown: Any?
        /// Its `configuration` resource object (`expressions`, …), when the input has a configuration.
        var config: JSONValue?
        var origin: Origin
        /// The configuration address within its module: `aws_subnet.private`, `data.aws_vpc.main`.
        var local: String { mode == "data" ? "data.\(type).\(name)" : "\(type).\(name)" }
    }

    /// Where an expression is evaluated: the module instance, and the instance key that
    /// `count.index` / `each.key` stand for there.
    struct Context {
        var module: String
        var key: String?
    }

    var file: String
    var isPlan = false
    var instances: [Instance] = []
    var byAddress: [String: Int] = [:]
    var variables: JSONValue?
    var configuration: JSONValue?
    var terraformVersion: String?
    /// (address, attribute) pairs being resolved, to report a cycle rather than recurse forever.
    var resolving: [String] = []
    /// Values computed for what is unknown until apply (ids, addresses), by `address attribute`.
    var generated: [String: String] = [:]
    var region = "us-east-1"
    var account = "123456789012"

    /// The format versions this reader understands: major 0 and 1 (the documentation says to
    /// reject any other major version).
    static func checkFormatVersion(_ root: JSONValue) throws(ImportError) {
        guard let v = root.string("format_version") else {
            throw ImportError(
                root.origin.at("format_version"),
                "missing: not the output of `terraform show -json` (a plan or a state)")
        }
        let major = v.split(separator: ".").first.map(String.init) ?? v
        guard major == "0" || major == "1" else {
            throw ImportError(
                root.origin.at("format_version"),
                "unsupported format_version \"\(v)\": vpcsim reads major versions 0 and 1 of Terraform's JSON "
                    + "output format (https://developer.hashicorp.com/terraform/internals/json-format)")
        }
    }

    init(_ root: JSONValue, file: String) throws(ImportError) {
        self.file = file
        guard root.object != nil else {
            throw ImportError(root.origin, "expected a JSON object, as `terraform show -json` prints it")
        }
        try Self.checkFormatVersion(root)
        terraformVersion = root.string("terraform_version")
        variables = root["variables"]
        configuration = root["configuration"]
        if let planned = root["planned_values"] {
            isPlan = true
            var unknown: [String: Any] = [:]
            for c in root.list("resource_changes") {
                if let a = c.string("address"), let u = c["change"]?["after_unknown"]?.value { unknown[a] = u }
            }
            if let m = planned["root_module"] { try walk(m, module: "", unknown: unknown) }
            // Data sources read while planning are in the prior state only.
            if let m = root["prior_state"]?["values"]?["root_module"] {
                try walk(m, module: "", unknown: [:], onlyData: true)
            }
        } else if let values = root["values"] {
            if let m = values["root_module"] { try walk(m, module: "", unknown: [:]) }
        } else if root["resource_changes"] != nil || root["configuration"] != nil {
            throw ImportError(root.origin, "a plan without planned_values: not the output of `terraform show -json`")
        }
    }

    mutating func walk(_ m: JSONValue, module: String, unknown: [String: Any], onlyData: Bool = false)
        throws(ImportError)
    {
        for r in m.list("resources") {
            let address = try r.require("address")
            let mode = r.string("mode") ?? "managed"
            if onlyData && mode != "data" || byAddress[address] != nil { continue }
            var key: String?
            if let k = r["index"]?.value {
                if let s = k as? String { key = "\"\(s)\"" } else if let n = k as? NSNumber { key = n.stringValue }
            }
            var instance = Instance(
                address: address, module: module, mode: mode, type: try r.require("type"), name: try r.require("name"),
                key: key, values: r["values"] ?? JSONValue(value: [String: Any](), origin: r.origin.at("values")),
                unknown: unknown[address], config: nil, origin: Origin(file: file, path: address))
            instance.config = configResource(module: module, local: instance.local)
            byAddress[address] = instances.count
            instances.append(instance)
        }
        for c in m.list("child_modules") {
            try walk(c, module: try c.require("address"), unknown: unknown, onlyData: onlyData)
        }
    }

    // MARK: Configuration

    /// The module call names of a module instance address: `module.a[0].module.b` → [a, b].
    static func callPath(_ module: String) -> [String] {
        var out: [String] = []
        let t = tokens(module)
        var i = 0
        while i + 1 < t.count {
            if t[i] == "module" { out.append(stripKey(t[i + 1]).name) }
            i += 2
        }
        return out
    }

    /// The configuration of a module (by its call path).
    func configModule(_ path: [String]) -> JSONValue? {
        var m = configuration?["root_module"]
        for call in path { m = m?["module_calls"]?[call]?["module"] }
        return m
    }

    func configResource(module: String, local: String) -> JSONValue? {
        configModule(Self.callPath(module))?.list("resources").first { $0.string("address") == local }
    }

    // MARK: References

    /// A reference split into traversal steps: `aws_subnet.a["x.y"].id` → [aws_subnet, a["x.y"], id].
    static func tokens(_ s: String) -> [String] {
        var out: [String] = []
        var current = ""
        var depth = 0
        var quoted = false
        for c in s {
            if c == "\"" { quoted.toggle() }
            if !quoted {
                if c == "[" { depth += 1 }
                if c == "]" { depth -= 1 }
                if c == "." && depth == 0 {
                    out.append(current)
                    current = ""
                    continue
                }
            }
            current.append(c)
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// `private[0]` → (private, 0); `private` → (private, nil).
    static func stripKey(_ s: String) -> (name: String, key: String?) {
        guard let open = s.firstIndex(of: "["), s.hasSuffix("]") else { return (s, nil) }
        return (String(s[..<open]), String(s[s.index(after: open)..<s.index(before: s.endIndex)]))
    }

    /// The instances a reference names in a module: with a key, that one; without, all of them
    /// (in their order in the input).
    func find(mode: String, type: String, name: String, key: String?, module: String) -> [Int] {
        instances.indices.filter { i in
            let x = instances[i]
            return x.module == module && x.mode == mode && x.type == type && x.name == name
                && (key == nil || x.key == key)
        }
    }

    /// The values an expression's references give, in order: attributes of resource instances
    /// (their own values, or those their configuration resolves to, or what vpcsim generates for
    /// what is unknown until apply), module outputs and input variables. `list`: a reference to a
    /// resource with several instances gives all of them (a splat); otherwise the instance whose
    /// key is the context's (`count.index`, `each.key`), or the only one.
    mutating func resolve(_ expression: JSONValue, in cx: Context, list: Bool, at origin: Origin) throws(ImportError)
        -> [String]
    {
        if let c = expression["constant_value"]?.value { return Self.strings(c) }
        let refs = expression.list("references").compactMap(\.string)
        // Terraform lists each traversal and its prefixes (`aws_vpc.main.id`, `aws_vpc.main`): keep the longest.
        var kept: [String] = []
        for r in refs where !kept.contains(where: { $0 == r || $0.hasPrefix(r + ".") || $0.hasPrefix(r + "[") }) {
            kept.append(r)
        }
        var out: [String] = []
        var unresolved: [String] = []
        for r in kept {
            let t = Self.tokens(r)
            guard let head = t.first else { continue }
            switch head {
            case "count", "each", "self", "path", "terraform":
                continue
            case "local":
                unresolved.append(r)
            case "var":
                guard t.count >= 2 else { continue }
                out += try variable(Self.stripKey(t[1]).name, in: cx, at: origin)
            case "module":
                guard t.count >= 3 else { continue }
                out += try output(call: t[1], name: Self.stripKey(t[2]).name, in: cx, at: origin)
            default:
                let isData = head == "data"
                let steps = isData ? Array(t.dropFirst()) : t
                guard steps.count >= 2 else { continue }
                let (name, key) = Self.stripKey(steps[1])
                let wanted = steps.count >= 3 ? Self.stripKey(steps[2]).name : "id"
                var found = find(
                    mode: isData ? "data" : "managed", type: steps[0], name: name, key: key, module: cx.module)
                if found.isEmpty {
                    throw ImportError(
                        origin,
                        "refers to \(r), and the \(isPlan ? "plan" : "state") holds no \(isData ? "data." : "")"
                            + "\(steps[0]).\(name)\(key.map { "[\($0)]" } ?? "")"
                            + (cx.module.isEmpty ? "" : " in \(cx.module)"))
                }
                if found.count > 1 && !list {
                    guard let k = cx.key, let one = found.first(where: { instances[$0].key == k }) else {
                        throw ImportError(
                            origin,
                            "refers to \(r), which has \(found.count) instances; the expression does not say which")
                    }
                    found = [one]
                }
                for i in found {
                    if let v = try attribute(i, wanted) { out.append(v) }
                }
            }
        }
        if out.isEmpty, let l = unresolved.first {
            throw ImportError(
                origin,
                "unknown until apply, and its expression uses \(l), whose value `terraform show -json` does not "
                    + "record: give the value in the configuration, or import the state after apply")
        }
        return out
    }

    /// A JSON value as strings: a string, a number, a list of them.
    static func strings(_ v: Any) -> [String] {
        switch v {
        case let s as String: return [s]
        case let n as NSNumber: return [n.stringValue]
        case let a as [Any]: return a.flatMap { strings($0) }
        default: return []
        }
    }

    mutating func variable(_ name: String, in cx: Context, at origin: Origin) throws(ImportError) -> [String] {
        let path = Self.callPath(cx.module)
        if path.isEmpty {
            guard let v = variables?[name]?.value else {
                throw ImportError(origin, "refers to var.\(name), which the plan's variables do not hold")
            }
            return Self.strings((v as? [String: Any])?["value"] ?? [])
        }
        // A child module's variable: the argument its caller passes.
        guard let e = configModule(Array(path.dropLast()))?["module_calls"]?[path.last!]?["expressions"]?[name] else {
            return []
        }
        let parent = Self.parentModule(cx.module)
        return try resolve(e, in: Context(module: parent, key: nil), list: true, at: origin)
    }

    mutating func output(call: String, name: String, in cx: Context, at origin: Origin) throws(ImportError) -> [String]
    {
        let (callName, key) = Self.stripKey(call)
        let path = Self.callPath(cx.module) + [callName]
        guard let e = configModule(path)?["outputs"]?[name]?["expression"] else {
            throw ImportError(origin, "refers to module.\(callName).\(name), an output the configuration does not hold")
        }
        let base = (cx.module.isEmpty ? "" : cx.module + ".") + "module.\(callName)"
        // The instances of the module call (several with count or for_each), or the one named.
        var modules: [String] = []
        for x in instances {
            guard let m = Self.moduleInstance(of: x.module, under: base) else { continue }
            if let key, m != base + "[\(key)]" { continue }
            if !modules.contains(m) { modules.append(m) }
        }
        if modules.isEmpty { modules = [key.map { base + "[\($0)]" } ?? base] }
        var out: [String] = []
        for m in modules { out += try resolve(e, in: Context(module: m, key: nil), list: true, at: origin) }
        return out
    }

    /// The instance of module call `base` (`module.net`) that `module` is in or under:
    /// `module.net[0].module.sub` → `module.net[0]`; nil when it is not under it.
    static func moduleInstance(of module: String, under base: String) -> String? {
        let mt = tokens(module)
        let bt = tokens(base)
        guard mt.count >= bt.count, mt.prefix(bt.count - 1).elementsEqual(bt.prefix(bt.count - 1)),
            stripKey(mt[bt.count - 1]).name == stripKey(bt[bt.count - 1]).name
        else { return nil }
        return mt.prefix(bt.count).joined(separator: ".")
    }

    static func parentModule(_ module: String) -> String {
        let t = tokens(module)
        return t.count <= 2 ? "" : t.dropLast(2).joined(separator: ".")
    }

    // MARK: Attributes

    /// An attribute of an instance: known, resolved from its configuration, or generated.
    mutating func attribute(_ i: Int, _ name: String) throws(ImportError) -> String? {
        let x = instances[i]
        let key = x.address + " " + name
        guard !resolving.contains(key) else {
            throw ImportError(
                x.origin.at(name), "references between resources form a cycle: \(resolving.joined(separator: " → "))")
        }
        resolving.append(key)
        defer { resolving.removeLast() }
        if let v = try object(i).scalar(name, &self) { return v }
        return generate(i, name)
    }

    /// The instance as an object whose fields can be resolved.
    func object(_ i: Int) -> TFObject {
        let x = instances[i]
        return TFObject(
            value: x.values, unknown: x.unknown, expressions: x.config?["expressions"],
            context: Context(module: x.module, key: x.key), origin: x.origin)
    }

    /// What vpcsim gives an attribute unknown until apply: ids of the shape AWS gives, derived
    /// from the address, so the same plan always gives the same topology.
    mutating func generate(_ i: Int, _ name: String) -> String? {
        let x = instances[i]
        let cacheKey = x.address + " " + name
        if let v = generated[cacheKey] { return v }
        let prefixes = [
            "aws_vpc": "vpc-", "aws_subnet": "subnet-", "aws_route_table": "rtb-", "aws_internet_gateway": "igw-",
            "aws_nat_gateway": "nat-", "aws_eip": "eipalloc-", "aws_security_group": "sg-", "aws_network_acl": "acl-",
            "aws_vpc_endpoint": "vpce-", "aws_ec2_managed_prefix_list": "pl-", "aws_instance": "i-",
            "aws_flow_log": "fl-", "aws_network_interface": "eni-", "aws_egress_only_internet_gateway": "eigw-",
            "aws_vpc_peering_connection": "pcx-", "aws_ec2_transit_gateway": "tgw-",
            "aws_ec2_transit_gateway_vpc_attachment": "tgw-attach-", "aws_ec2_transit_gateway_route_table": "tgw-rtb-",
        ]
        var v: String?
        switch (x.type, name) {
        case ("aws_lambda_function", "id"), ("aws_lambda_function", "function_name"):
            v = x.values.string("function_name") ?? "terraform-" + generatedID("", x.address).dropFirst(2)
        case ("aws_db_instance", "id"), ("aws_db_instance", "identifier"):
            v = x.values.string("identifier") ?? Self.uniqueName(x.values.string("identifier_prefix"), x.address)
        case ("aws_db_subnet_group", "id"), ("aws_db_subnet_group", "name"):
            v = x.values.string("name") ?? Self.uniqueName(x.values.string("name_prefix"), x.address)
        case ("aws_security_group", "name"):
            v = Self.uniqueName(x.values.string("name_prefix"), x.address)
        case ("aws_eip", "allocation_id"):
            v = generate(i, "id")
        case ("aws_eip", "public_ip"):
            v = Self.publicIP(key: x.address, region: region)
        case ("aws_instance", "public_ip"):
            v = Self.publicIP(key: x.address, region: region)
        case ("aws_vpc", "default_security_group_id"):
            v = generatedID("sg-", "default:" + x.address)
        case ("aws_vpc", "main_route_table_id"), ("aws_vpc", "default_route_table_id"):
            // The id the loader gives a VPC's main route table when the topology names none.
            v = (try? attribute(i, "id")).flatMap { $0 }.map { LoaderIDs.generated("rtb-", "main:" + $0) }
        case ("aws_vpc", "default_network_acl_id"):
            v = (try? attribute(i, "id")).flatMap { $0 }.map { LoaderIDs.generated("acl-", "default:" + $0) }
        case ("aws_vpc", "owner_id"), (_, "owner_id"):
            v = account
        case ("aws_nat_gateway", "network_interface_id"):
            v = (try? attribute(i, "id")).flatMap { $0 }.map(LoaderIDs.natGatewayENI)
        case ("aws_instance", "primary_network_interface_id"):
            v = (try? attribute(i, "id")).flatMap { $0 }.map(LoaderIDs.instanceENI)
        case ("aws_db_instance", "address"), ("aws_db_instance", "endpoint"):
            v = (try? attribute(i, "identifier")).flatMap { $0 }.map {
                LoaderIDs.rdsEndpoint(identifier: $0, account: account, region: region)
            }
        case ("aws_ec2_transit_gateway", "association_default_route_table_id"),
            ("aws_ec2_transit_gateway", "propagation_default_route_table_id"):
            // The default route table AWS creates with a transit gateway: one for both.
            v = generatedID("tgw-rtb-", "terraform-default:" + x.address)
        case ("aws_cloudwatch_log_group", "arn"):
            v = x.values.string("name").map { "arn:aws:logs:\(region):\(account):log-group:\($0)" }
        case ("aws_vpc_endpoint", "prefix_list_id"):
            let service = x.values.string("service_name")?.split(separator: ".").last.map(String.init) ?? ""
            v = RegionCatalog.named(region)?.prefixList(forService: service)?.id
        case ("aws_subnet", "availability_zone"):
            v = RegionCatalog.named(region)?.zoneIDs.keys.sorted().first ?? region + "a"
        case (_, "id"):
            if let p = prefixes[x.type] { v = generatedID(p, "terraform:" + x.address) }
        default:
            v = nil
        }
        if let v { generated[cacheKey] = v }
        return v
    }

    /// A name Terraform generates (`terraform-` and 26 digits, or the prefix and 26 digits), here
    /// derived from the address.
    static func uniqueName(_ prefix: String?, _ address: String) -> String {
        var h = FNV1a64.hash(address.utf8)
        var digits = ""
        for _ in 0..<26 {
            digits.append(Character(UnicodeScalar(UInt8(48 + h % 10))))
            h = SplitMix64.mix(h)
        }
        return (prefix ?? "terraform-") + digits
    }

    /// A public IPv4 address from the Region's EC2 pool (vpcsim's catalog), chosen from `key`.
    static func publicIP(key: String, region: String) -> String {
        let pool = RegionCatalog.named(region)?.publicIPPool ?? RegionCatalog.usEast1.publicIPPool
        let h = FNV1a64.hash(("terraform/" + key).utf8)
        return CIDRText.format(pool.base.ipv4Raw + UInt32(h % (pool.size - 2)) + 1)
    }
}
