import Capture
import NetModel
import Workloads

/// `captures:` entries: the ENIs whose packets are written to pcap files.
extension Builder {
    func capture(_ n: YNode, functionENIs: [String: [ENIIndex]], world: World) throws -> [CaptureSpec] {
        let m = try n.mapping(allowed: [
            "function", "eni", "nat-gateway", "database", "instance", "load-balancer",
        ])
        if let f = m["function"] {
            let name = try f.string()
            guard let enis = functionENIs[name] else {
                throw f.fail("no function named '\(name)' is defined in this file")
            }
            guard !enis.isEmpty else {
                throw f.fail("function '\(name)' is not attached to a VPC: it has no ENI to capture")
            }
            return enis.map { CaptureSpec(eni: $0, label: "function \(name)") }
        }
        if let e = m["eni"] {
            return [CaptureSpec(eni: try lookup(eniByID, e, kind: "network interface"), label: try e.string())]
        }
        if let g = m["nat-gateway"] {
            let i = try lookup(natByID, g, kind: "NAT gateway")
            return [CaptureSpec(eni: world.network.natGateways[i.int].eni, label: "NAT gateway \(try g.string())")]
        }
        if let d = m["database"] {
            let name = try d.string()
            guard let i = world.databases.firstIndex(where: { $0.identifier == name }) else {
                throw d.fail("no database named '\(name)'")
            }
            return [CaptureSpec(eni: world.databases[i].eni, label: "database \(name)")]
        }
        if let i = m["instance"] {
            let id = try i.string()
            if let e = instanceByName[id] { return [CaptureSpec(eni: e, label: "instance \(id)")] }
            guard
                let e = world.network.enis.firstIndex(where: {
                    if case .instance(let x) = $0.kind { return x == id } else { return false }
                })
            else { throw i.fail("no instance named or with id '\(id)' is defined in this file") }
            return [CaptureSpec(eni: ENIIndex(e), label: "instance \(id)")]
        }
        if let l = m["load-balancer"] {
            let name = try l.string()
            guard let placed = loadBalancers[name] else { throw l.fail("no load balancer named '\(name)'") }
            // Every node's ENI, one pcap each (what a traffic mirror session on each would see).
            return world.network.loadBalancers[placed.index.int].enis.map {
                CaptureSpec(eni: $0, label: "load balancer \(name) (\(world.network.enis[$0.int].id))")
            }
        }
        throw n.fail(
            "a capture names a 'function', 'eni', 'nat-gateway', 'database', 'instance' or 'load-balancer'")
    }
}
