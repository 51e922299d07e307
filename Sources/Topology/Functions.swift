import Foundation
import Wire
import NetModel
import Workloads
import Messages

/// Lambda functions, read with the network (phase 1) for their Hyperplane ENIs and given hosts with
/// the world (phase 3), and Step Functions state machines.
extension Builder {
    /// A `functions:` entry: one function, or with `count: N` and `name: orders-{n}`, N of them
    /// from one template.
    mutating func functionEntry(_ n: YNode) throws {
        var count = 1
        if case .mapping(let fm) = n.node, let c = fm.first(where: { $0.key.string == "count" })?.value {
            count = try YNode(node: c, path: n.path + ".count", file: n.file, keyMark: c.mark).int(1...10_000)
        }
        for k in 1...count {
            var f = try function(n, databases: databases, index: count > 1 ? k : nil)
            if count > 1 { f.name = f.name.replacingOccurrences(of: "{n}", with: String(k)) }
            guard functionByName[f.name] == nil else { throw n.fail("duplicate function name '\(f.name)'") }
            functionENIs[f.name] = f.enis
            functionByName[f.name] = functions.count
            functions.append(f)
        }
    }

    /// A function and, if it is attached to a VPC, its Hyperplane ENIs; its hosts join with the world.
    mutating func function(_ n: YNode, databases: [PlacedDatabase], index: Int? = nil) throws -> LambdaFunction {
        let m = try n.mapping(allowed: [
            "name", "count", "memory", "architecture", "timeout", "runtime", "vpc", "invocations", "handler",
            "init-duration", "idle-reclaim", "connection-reuse", "tcp-nodelay", "credentials", "use-dualstack-endpoint",
        ])
        let nameNode = try m.required("name")
        var name = try nameNode.string()
        if let index { name = name.replacingOccurrences(of: "{n}", with: String(index)) }
        guard functionByName[name] == nil else { throw nameNode.fail("duplicate function name '\(name)'") }
        var arrivals = ArrivalPattern.none
        if let inv = m["invocations"] {
            let im = try inv.mapping(allowed: ["rate", "every", "pattern"])
            let pattern = try im["pattern"]?.string() ?? "poisson"
            if let r = im["rate"] {
                let rate = try r.rate()
                switch pattern {
                case "poisson": arrivals = .poisson(perSecond: rate)
                case "uniform": arrivals = .uniform(perSecond: rate)
                default: throw im["pattern"]!.fail("'\(pattern)' must be poisson or uniform")
                }
            } else if let e = im["every"] {
                arrivals = .uniform(perSecond: try e.period())
            } else {
                throw inv.fail("give a 'rate' (like 2/s) or 'every' (like 500ms)")
            }
        }
        // No handler: the function exists (its ENIs are placed) but runs nothing, as an imported
        // function does until a workload file gives it one.
        var program: [Step] = []
        for s in try m["handler"]?.list() ?? [] {
            program.append(try step(s, databases: databases, function: name))
        }
        var runtime = LambdaRuntime.python312
        if let r = m["runtime"] {
            let wanted = try r.string()
            guard let known = LambdaRuntime(named: wanted) else {
                let modelled = LambdaRuntime.modelled.map(\.name).joined(separator: ", ")
                throw r.fail("runtime '\(wanted)' is not modelled (modelled: \(modelled))")
            }
            runtime = known
        }
        // A Lambda timeout is 1 s to 900 s (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
        var f = LambdaFunction(
            name: name, accountID: account, region: catalog.name,
            timeout: try m["timeout"]?.duration(in: .seconds(1)...(.seconds(900))) ?? .seconds(3),
            runtime: runtime, program: program, arrivals: arrivals)
        if let v = m["memory"] { f.memoryMB = try v.int(128...10240) }
        if let a = m["architecture"] {
            let wanted = try a.string()
            guard let arch = LambdaArchitecture(rawValue: wanted) else {
                throw a.fail("'\(wanted)' is not a Lambda architecture (x86_64, arm64)")
            }
            f.architecture = arch
        }
        if let v = m["connection-reuse"] { f.connectionReuse = try v.bool() }
        if let v = m["tcp-nodelay"] { f.tcpNoDelay = try v.bool() }
        if let v = m["use-dualstack-endpoint"] {
            f.useDualStackEndpoint = try v.bool()
            if f.useDualStackEndpoint { try checkDualStackNames(program, at: v) }
        }
        if let c = m["credentials"] {
            // The execution role's credentials the SDK signs with (decryptable captures show the
            // SigV4 signature); any key left out keeps the default, AWS's documented example pair.
            let cm = try c.mapping(allowed: ["access-key-id", "secret-access-key", "session-token"])
            if let v = cm["access-key-id"] { f.credentials.accessKeyID = try v.string() }
            if let v = cm["secret-access-key"] { f.credentials.secretAccessKey = try v.string() }
            if let v = cm["session-token"] { f.credentials.sessionToken = try v.string() }
            for (key, value) in [
                ("access-key-id", f.credentials.accessKeyID), ("secret-access-key", f.credentials.secretAccessKey),
            ] where value.isEmpty || value.utf8.contains(where: { $0 <= 32 || $0 > 126 }) {
                throw (cm[key] ?? c).fail("must be printable ASCII without spaces")
            }
        }
        // The init phase is limited to 10 s
        // (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
        if let d = m["init-duration"] { f.initMedian = try d.duration(in: .milliseconds(1)...(.seconds(10))) }
        if let d = m["idle-reclaim"] { f.idleReclaim = try d.duration(in: .seconds(1)...TopologyLimits.longestDelay) }
        if let vpcNode = m["vpc"] {
            let vm = try vpcNode.mapping(allowed: ["subnets", "security-groups", "ipv6-allowed-for-dual-stack"])
            // `Ipv6AllowedForDualStack`: the function's ENIs get an IPv6 address and it may
            // connect over IPv6; every subnet must be dual-stack
            // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-ipv6).
            let dualStack = try vm["ipv6-allowed-for-dual-stack"]?.bool() ?? false
            let subnetNodes = try (try vm.required("subnets")).list()
            guard !subnetNodes.isEmpty else { throw vpcNode.fail("a VPC-attached function needs at least one subnet") }
            var vpc: VPCIndex?
            var subnets: [SubnetIndex] = []
            for sn in subnetNodes {
                let s = try lookup(subnetByID, sn, kind: "subnet")
                let v = net.subnets[s.int].vpc
                // Lambda's VPC configuration takes IPv4 and dual-stack subnets: Ipv6AllowedForDualStack
                // "allows outbound IPv6 traffic on VPC functions that are connected to dual-stack
                // subnets"; the Lambda guide documents no IPv6-only subnet support
                // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-ipv6).
                if net.subnets[s.int].isIPv6Only {
                    throw sn.fail(
                        "\(net.subnets[s.int].id) is IPv6-only (ipv6-native): Lambda attaches functions to IPv4 or "
                            + "dual-stack subnets (see "
                            + "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html)"
                    )
                }
                if dualStack && net.subnets[s.int].ipv6CIDR == nil {
                    throw sn.fail(
                        "ipv6-allowed-for-dual-stack needs dual-stack subnets: \(net.subnets[s.int].id) has no "
                            + "'ipv6-cidr' (see https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html)")
                }
                if let vpc, vpc != v { throw sn.fail("all of a function's subnets must be in one VPC") }
                vpc = v
                subnets.append(s)
            }
            let groups = try securityGroups(vm, vpc: vpc!)
            for s in subnets {
                // One Hyperplane ENI per (subnet, security-group set), shared by every function
                // with the same pair (https://docs.aws.amazon.com/lambda/latest/dg/foundation-networking.html).
                // A dual-stack function's ENI carries an IPv6 address, so it is not shared with
                // IPv4-only functions of the same pair (assumed: AWS does not document the sharing).
                let key =
                    net.subnets[s.int].id + ":"
                    + groups.map { net.securityGroups[$0.int].id }.sorted().joined(separator: ",")
                    + (dualStack ? ":ipv6" : "")
                let e: ENIIndex
                if let existing = hyperplane[key] {
                    e = existing
                } else {
                    let eniID = Self.generatedID("eni-", "lambda:" + key)
                    let ip = try allocate(in: s, want: nil, key: eniID, at: vpcNode)
                    var eni = ENI(
                        id: eniID, subnet: s, vpc: vpc!, privateIP: ip, mac: Self.mac(for: eniID),
                        securityGroups: groups,
                        kind: .lambda, accountID: net.vpcs[vpc!.int].accountID)
                    eni.description = "AWS Lambda VPC ENI-\(name)"
                    if dualStack { eni.ipv6Addresses = [try allocateIPv6(in: s, want: nil, key: eniID, at: vpcNode)] }
                    eni.hostLatency = net.latency.hyperplane.median.nanoseconds
                    e = ENIIndex(net.enis.count)
                    net.enis.append(eni)
                    eniByID[eniID] = e
                    hyperplane[key] = e
                }
                f.enis.append(e)
            }
        }
        return f
    }

    /// `use-dualstack-endpoint: true` (the SDK setting `use_dualstack_endpoint`,
    /// AWS_USE_DUALSTACK_ENDPOINT): "If a dual-stack endpoint does not exist for the service
    /// and/or AWS Region, the request will fail"
    /// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-endpoints.html), so a handler
    /// calling a service the catalog knows no dual-stack name for is refused here. A call with
    /// its own endpoint URL (an interface endpoint's vpce-… name) keeps it.
    func checkDualStackNames(_ program: [Step], at n: YNode) throws {
        for step in program {
            let key: String, region: String
            switch step {
            case .dynamodb(let c):
                guard c.endpointHost.isEmpty else { continue }
                key = "dynamodb"; region = c.region.isEmpty ? catalog.name : c.region
            case .call(let c): key = c.operation.service; region = catalog.name
            case .database, .compute: continue
            }
            guard RegionCatalog.named(region)?.service(key)?.dualStackHostname != nil else {
                throw n.fail(
                    "use-dualstack-endpoint: the Region catalog knows no dual-stack endpoint for \(key) in \(region) "
                        + "(it has them for "
                        + (RegionCatalog.named(region)?.services.filter { $0.dualStackHostname != nil }.map(\.key)
                            .joined(separator: ", ") ?? "none")
                        + "); the SDK would fail the call")
            }
        }
    }

    /// The functions' hosts: one behind each Hyperplane ENI, shared by the functions that share the
    /// ENI; outside any VPC, one at an AWS public address in the Lambda service's network.
    func attachFunctions(_ world: inout World) {
        for var f in functions {
            if f.enis.isEmpty {
                let a = catalog.lambdaServiceAddresses[world.functions.count % catalog.lambdaServiceAddresses.count]
                f.hosts = [world.addHost(.publicAddress(a, internet: false), role: .lambdaEnvironment)]
            }
            for e in f.enis {
                f.hosts.append(world.network.enis[e.int].host ?? world.addHost(.eni(e), role: .lambdaEnvironment))
            }
            world.addFunction(f)
        }
    }

    mutating func step(_ n: YNode, databases: [PlacedDatabase], function: String = "") throws -> Step {
        guard case .mapping = n.node else {
            throw n.fail("a handler step is a mapping like {dynamodb: PutItem, table: Orders}")
        }
        let m = try n.mapping(allowed: [
            "dynamodb", "table", "item-bytes", "items", "consistent-read", "database", "query-bytes", "result-bytes",
            "server-time", "compute", "region", "endpoint", "endpoint-zone", "sqs", "secretsmanager", "queue", "secret",
            "message-bytes",
            "secret-bytes", "cold-start-only", "kms", "key", "plaintext-bytes", "sns", "topic", "sts", "role",
            "session-name", "lambda", "function", "payload-bytes", "result-bytes", "invocation-type", "states",
            "state-machine", "input-bytes",
        ])
        for key in Self.callServices {
            if let op = m[key] { return try jsonStep(m, service: key, op, function: function) }
        }
        if let op = m["dynamodb"] {
            let name = try op.string()
            guard let o = DynamoDBOperation(rawValue: name) else {
                throw op.fail(
                    "'\(name)' is not a modelled DynamoDB operation "
                        + "(\(DynamoDBOperation.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            let table = try (try m.required("table")).string()
            var itemSize = SizeDistribution.constant(110)
            if let b = m["item-bytes"] {
                // DynamoDB's item size limit is 400 KB
                // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
                itemSize = try b.sizeDistribution(
                    in: DynamoDBCall.itemBytesRange, why: "DynamoDB items are at most 400 KB")
            }
            var consistent = false
            if let c = m["consistent-read"] {
                consistent = try c.bool()
                guard o == .getItem || o == .query || !consistent else {
                    throw c.fail("only GetItem and Query take ConsistentRead")
                }
            }
            var region = ""
            if let r = m["region"] { region = try remoteRegion(r) }
            // `endpoint: vpce-…`: the SDK client's endpoint_url is the interface endpoint's name.
            var endpointHost = ""
            if let e = m["endpoint"] {
                let id = try e.string()
                guard let placed = interfaceEndpoints[id] else {
                    throw e.fail("'\(id)' is not an interface endpoint defined in this file")
                }
                guard placed.service.key == "dynamodb", region.isEmpty else {
                    throw e.fail(
                        "\(id) is an endpoint of \(placed.service.endpointServiceName), not of this call's DynamoDB")
                }
                endpointHost = placed.dnsName
                if let z = m["endpoint-zone"] { endpointHost = try zonalEndpointName(placed, z) }
            } else if let z = m["endpoint-zone"] {
                throw z.fail("'endpoint-zone' picks the zonal name of the step's 'endpoint: vpce-…'; give the endpoint")
            }
            return .dynamodb(
                DynamoDBCall(
                    operation: o, table: table, itemSize: itemSize, resultItems: try m["items"]?.int(0...1000) ?? 1,
                    consistentRead: consistent, region: region, endpointHost: endpointHost))
        }
        if let d = m["database"] {
            let name = try d.string()
            guard let i = databases.firstIndex(where: { $0.identifier == name }) else {
                throw d.fail("no database named '\(name)' is defined in this file")
            }
            return .database(
                DatabaseQuery(
                    instance: i, requestBytes: try m["query-bytes"]?.int(6...1_000_000) ?? 96,
                    responseBytes: try m["result-bytes"]?.int(6...10_000_000) ?? 420,
                    serverTime: try m["server-time"]?.duration(in: .zero...TopologyLimits.longestDelay)
                        ?? .microseconds(900)))
        }
        if let c = m["compute"] { return .compute(try c.duration(in: .zero...TopologyLimits.longestDelay)) }
        throw n.fail(
            "a handler step needs 'dynamodb', "
                + Self.callServices.map { "'\($0)'" }.joined(separator: ", ") + ", 'database' or 'compute'")
    }

    /// A DynamoDB step's `region:`: the topology's own Region (""), or another of the catalog,
    /// whose front end joins the world with its addresses and the inter-Region delay.
    mutating func remoteRegion(_ n: YNode) throws -> String {
        let r = try n.string()
        if r == catalog.name { return "" }
        guard let other = RegionCatalog.named(r) else {
            let names = RegionCatalog.names.joined(separator: ", ")
            throw n.fail("region '\(r)' is not in vpcsim's Region catalog (available: \(names))")
        }
        guard RegionCatalog.interRegionOneWay(catalog.name, r) != nil else {
            throw n.fail("the catalog has no measured latency between \(catalog.name) and \(r)")
        }
        if !remoteRegions.contains(r) {
            remoteRegions.append(r)
            // ip-ranges.json's prefixes of that Region (flow logs' pkt-*-aws-service).
            net.catalog.awsServiceRanges += other.ipRanges
        }
        return r
    }

    func stateMachine(_ n: YNode) throws -> StateMachine {
        let m = try n.mapping(allowed: ["name", "executions", "states", "transition-overhead"])
        let name = try (try m.required("name")).string()
        var arrivals = ArrivalPattern.none
        if let e = m["executions"] {
            let em = try e.mapping(allowed: ["rate", "every"])
            if let r = em["rate"] {
                arrivals = .poisson(perSecond: try r.rate())
            } else if let ev = em["every"] {
                arrivals = .uniform(perSecond: try ev.period())
            }
        }
        var tasks: [StateMachine.Task] = []
        for s in try (try m.required("states")).list() {
            let sm = try s.mapping(allowed: ["name", "function", "retry"])
            let fNode = try sm.required("function")
            let fname = try fNode.string()
            guard let fi = functionByName[fname] else {
                throw fNode.fail("no function named '\(fname)' is defined in this file")
            }
            var task = StateMachine.Task(name: try sm["name"]?.string() ?? fname, function: fi)
            if let r = sm["retry"] {
                let rm = try r.mapping(allowed: ["interval", "max-attempts", "backoff-rate"])
                // IntervalSeconds 1…99999999, MaxAttempts 0…99999999, BackoffRate ≥ 1.0
                // (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html);
                // vpcsim also caps BackoffRate at 1000 (assumed: no larger value is useful).
                if let v = rm["interval"] {
                    task.retryInterval = try v.duration(in: .seconds(1)...(.seconds(99_999_999)))
                }
                if let v = rm["max-attempts"] { task.maxAttempts = try v.int(0...99_999_999) }
                if let v = rm["backoff-rate"] { task.backoffRate = try v.number(in: 1...1000) }
            }
            tasks.append(task)
        }
        guard !tasks.isEmpty else { throw n.fail("a state machine needs at least one state") }
        var sm = StateMachine(name: name, tasks: tasks, arrivals: arrivals)
        if let o = m["transition-overhead"] {
            sm.transitionOverhead = try o.duration(in: .zero...TopologyLimits.longestDelay)
        }
        return sm
    }
}
