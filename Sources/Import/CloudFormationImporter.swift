import Foundation
import Yams

/// `vpcsim import cloudformation TEMPLATE`: the stack a template would create. Parameters take
/// their defaults unless `--parameters K=V` overrides them; conditions decide which resources
/// exist; intrinsic functions are evaluated (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select,
/// Fn::Split, Fn::GetAZs, Fn::Cidr, Fn::If, Fn::FindInMap, the condition functions); ids and
/// addresses CloudFormation would generate are derived from the stack name and logical ids, so
/// the same template gives the same topology.
public struct CloudFormationImporter {
    public var path: String
    public var parameters: [String: String]
    public var region: String
    public var account: String
    public var stackName: String

    public init(path: String, parameters: [String: String], region: String, account: String, stackName: String) {
        self.path = path; self.parameters = parameters; self.region = region; self.account = account
        self.stackName = stackName
    }

    public func run() throws(ImportError) -> ImportedTopology {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImportError(Origin(file: path, path: ""), "cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        let root: Node
        do {
            guard let r = try Yams.compose(yaml: text) else {
                throw ImportError(Origin(file: path, path: ""), "the template is empty")
            }
            root = r
        } catch let e as ImportError {
            throw e
        } catch let e as YamlError {
            var line: Int?
            if case .scanner(_, _, let m, _) = e { line = m.line }
            if case .parser(_, _, let m, _) = e { line = m.line }
            throw ImportError(Origin(file: path, path: "", line: line), "not a valid YAML or JSON template: \(e)")
        } catch {
            throw ImportError(Origin(file: path, path: ""), "\(error)")
        }
        let template = CFValue(root)
        var cx = CFContext(file: path, region: region, account: account, stackName: stackName)
        cx.mappings = template["Mappings"]
        guard case .map(let resources, let resourcesLine) = template["Resources"] ?? .none else {
            throw ImportError(Origin(file: path, path: "Resources"), "a template needs a Resources section")
        }
        _ = resourcesLine
        for (name, body) in resources {
            guard let type = body["Type"]?.text else {
                throw ImportError(cx.origin("Resources.\(name)", body.line), "missing 'Type'")
            }
            cx.resources[name] = (type, body)
            cx.order.append(name)
        }
        try readParameters(template, &cx, keyLines: Self.parameterKeyLines(root))
        if case .map(let conditions, _) = template["Conditions"] ?? .none {
            for (name, v) in conditions { cx.conditionNodes[name] = v }
        }
        try checkCycles(cx)
        try cx.assignAddresses()

        // Globals of the serverless transform, for its functions.
        let globals = template["Globals"]?["Function"]
        var reader = CFReader(cx: cx, inventory: Inventory())
        reader.inventory.account = account
        reader.inventory.region = region
        for name in cx.order {
            let (type, body) = cx.resources[name]!
            if let c = body["Condition"]?.text,
                !(try reader.cx.condition(c, "Resources.\(name).Condition", line: body.line))
            {
                continue
            }
            var props = body["Properties"] ?? .map([], line: body.line)
            if type == "AWS::Serverless::Function", case .map(let g, _) = globals ?? .none,
                case .map(let p, let l) = props
            {
                props = .map(g.filter { k, _ in !p.contains { $0.0 == k } } + p, line: l)
            }
            let evaluated = try reader.cx.eval(props, "Resources.\(name).Properties")
            try reader.resource(name, type, evaluated, line: body.line)
        }
        try reader.finish()
        var w = TopologyWriter(
            reader.inventory, command: "vpcsim import cloudformation \((path as NSString).lastPathComponent)")
        w.sources = SourceHints.cloudFormation
        w.commentRoot =
            (path as NSString).deletingLastPathComponent.isEmpty
            ? "" : (path as NSString).deletingLastPathComponent + "/"
        return try w.render()
    }

    /// The line of the `Parameters` key and of each parameter's name, where errors about them point.
    static func parameterKeyLines(_ root: Node) -> (section: Int?, names: [String: Int]) {
        guard case .mapping(let m) = root,
            let entry = m.first(where: { $0.key.string == "Parameters" })
        else { return (nil, [:]) }
        var names: [String: Int] = [:]
        if case .mapping(let ps) = entry.value {
            for (k, _) in ps { if let n = k.string, let l = k.mark?.line { names[n] = l } }
        }
        return (entry.key.mark?.line, names)
    }

    func readParameters(_ template: CFValue, _ cx: inout CFContext, keyLines: (section: Int?, names: [String: Int]))
        throws(ImportError)
    {
        var declared = Set<String>()
        if case .map(let ps, _) = template["Parameters"] ?? .none {
            for (name, body) in ps {
                declared.insert(name)
                // Errors point at the parameter's name, not the first line of its body.
                var p = body
                if let l = keyLines.names[name], case .map(let fields, _) = body { p = .map(fields, line: l) }
                let type = p["Type"]?.text ?? "String"
                var value: String
                if let v = parameters[name] {
                    value = v
                } else if let d = p["Default"] {
                    value = d.text ?? (d.items?.compactMap(\.text).joined(separator: ",") ?? "")
                } else {
                    throw ImportError(
                        cx.origin("Parameters.\(name)", p.line),
                        "no value: the parameter has no Default; give --parameters \(name)=…")
                }
                if type.hasPrefix("AWS::SSM::Parameter::Value"), parameters[name] == nil {
                    throw ImportError(
                        cx.origin("Parameters.\(name)", p.line),
                        "an SSM parameter cannot be read offline; give --parameters \(name)=…")
                }
                if let allowed = p["AllowedValues"]?.items?.compactMap(\.text), !allowed.isEmpty,
                    !allowed.contains(value)
                {
                    throw ImportError(
                        cx.origin("Parameters.\(name)", p.line),
                        "'\(value)' is not one of the AllowedValues (\(allowed.joined(separator: ", ")))")
                }
                if type.hasPrefix("List<") || type == "CommaDelimitedList" {
                    cx.parameters[name] = .list(
                        value.split(separator: ",").map {
                            .text($0.trimmingCharacters(in: .whitespaces), line: p.line)
                        }, line: p.line)
                } else {
                    cx.parameters[name] = .text(value, line: p.line)
                }
            }
        }
        for k in parameters.keys.sorted() where !declared.contains(k) {
            throw ImportError(
                Origin(file: path, path: "Parameters", line: keyLines.section),
                "--parameters \(k): the template has no such parameter (it declares "
                    + "\(declared.isEmpty ? "none" : declared.sorted().joined(separator: ", ")))")
        }
    }

    /// CloudFormation refuses a template whose resources depend on each other in a cycle (through
    /// Ref, Fn::GetAtt, Fn::Sub or DependsOn); so does the import, naming the cycle.
    func checkCycles(_ cx: CFContext) throws(ImportError) {
        var edges: [String: [(String, Int)]] = [:]
        func collect(_ v: CFValue, into out: inout [(String, Int)]) {
            switch v {
            case .map(let pairs, let line):
                if pairs.count == 1, let (k, arg) = pairs.first {
                    if k == "Ref", let t = arg.text, cx.resources[t] != nil { out.append((t, line)); return }
                    if k == "Fn::GetAtt" {
                        let t = arg.text.map { String($0.split(separator: ".")[0]) } ?? arg.items?.first?.text
                        if let t, cx.resources[t] != nil { out.append((t, line)) }
                        return
                    }
                    if k == "Fn::Sub" {
                        let s = arg.text ?? arg.items?.first?.text ?? ""
                        var rest = Substring(s)
                        while let open = rest.range(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}")
                        {
                            let name = rest[open.upperBound..<close].split(separator: ".").first.map(String.init) ?? ""
                            if cx.resources[name] != nil { out.append((name, line)) }
                            rest = rest[rest.index(after: close)...]
                        }
                    }
                }
                for (_, x) in pairs { collect(x, into: &out) }
            case .list(let items, _): for x in items { collect(x, into: &out) }
            default: break
            }
        }
        for name in cx.order {
            let body = cx.resources[name]!.body
            var out: [(String, Int)] = []
            if let p = body["Properties"] { collect(p, into: &out) }
            for d in body["DependsOn"].map({ $0.items ?? [$0] }) ?? [] {
                if let t = d.text { out.append((t, d.line)) }
            }
            edges[name] = out
        }
        var state: [String: Int] = [:] // 1 visiting, 2 done
        var stack: [(String, Int)] = []
        func visit(_ n: String) -> [(String, Int)]? {
            state[n] = 1
            for (m, line) in edges[n] ?? [] {
                stack.append((m, line))
                if state[m] == 1 {
                    return stack
                }
                if state[m] == nil, let c = visit(m) { return c }
                stack.removeLast()
            }
            state[n] = 2
            return nil
        }
        for n in cx.order where state[n] == nil {
            stack = [(n, cx.resources[n]!.body.line)]
            if let cycle = visit(n) {
                let start = cycle.firstIndex { $0.0 == cycle.last!.0 }!
                let names = cycle[start...].map(\.0)
                let first = cycle[start + 1]
                throw ImportError(
                    cx.origin("Resources.\(cycle[start].0)", first.1),
                    "circular dependency between resources: \(names.joined(separator: " → ")) "
                        + "(CloudFormation rejects the template)"
                )
            }
        }
    }
}
