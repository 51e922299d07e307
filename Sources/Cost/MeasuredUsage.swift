/// What a run measured that AWS bills: the resources that exist (billed by the hour) and the
/// volumes that passed during the measured window. Written to `summary.json` as `usage`, and read
/// back by `vpcsim cost`; every figure comes from the simulation's counters.
public struct MeasuredUsage: Codable, Sendable, Equatable {
    public struct NATGateway: Codable, Sendable, Equatable {
        public var id: String
        public var availabilityZone: String
        /// Bytes processed, both directions (IP total lengths): what the per-GB charge applies to.
        public var bytes: UInt64
        enum CodingKeys: String, CodingKey {
            case id = "id"
            case availabilityZone = "availability_zone"
            case bytes = "bytes"
        }
        public init(id: String, availabilityZone: String, bytes: UInt64) {
            self.id = id; self.availabilityZone = availabilityZone; self.bytes = bytes
        }

    }
    public struct Endpoint: Codable, Sendable, Equatable {
        public var id: String
        public var service: String
        public var type: String
        /// Availability zones it has a network interface in (interface endpoints are billed per AZ).
        public var availabilityZones: Int
        public var bytes: UInt64
        enum CodingKeys: String, CodingKey {
            case id = "id"
            case service = "service"
            case type = "type"
            case availabilityZones = "availability_zones"
            case bytes = "bytes"
        }
        public init(id: String, service: String, type: String, availabilityZones: Int, bytes: UInt64) {
            self.id = id; self.service = service; self.type = type; self.availabilityZones = availabilityZones
            self.bytes = bytes
        }

    }
    public struct ZonePair: Codable, Sendable, Equatable {
        public var from: String
        public var to: String
        public var bytes: UInt64
        enum CodingKeys: String, CodingKey {
            case from = "from"
            case to = "to"
            case bytes = "bytes"
        }
        public init(from: String, to: String, bytes: UInt64) { self.from = from; self.to = to; self.bytes = bytes }

    }
    public struct Function: Codable, Sendable, Equatable {
        public var name: String
        public var architecture: String
        public var memoryMB: Int
        public var invocations: UInt64
        /// Billed duration summed over invocations (init included), milliseconds.
        public var billedMilliseconds: UInt64
        public var initMilliseconds: Double
        enum CodingKeys: String, CodingKey {
            case name = "name"
            case architecture = "architecture"
            case memoryMB = "memory_mb"
            case invocations = "invocations"
            case billedMilliseconds = "billed_milliseconds"
            case initMilliseconds = "init_milliseconds"
        }
        public init(
            name: String, architecture: String, memoryMB: Int, invocations: UInt64, billedMilliseconds: UInt64,
            initMilliseconds: Double
        ) {
            self.name = name; self.architecture = architecture; self.memoryMB = memoryMB
            self.invocations = invocations; self.billedMilliseconds = billedMilliseconds
            self.initMilliseconds = initMilliseconds
        }
        /// GB-seconds: memory in GB (MB / 1024) × billed seconds.
        public var gbSeconds: Double { Double(memoryMB) / 1024 * Double(billedMilliseconds) / 1000 }

    }
    public struct DynamoDBCalls: Codable, Sendable, Equatable {
        /// "function/Operation".
        public var call: String
        public var readRequestUnits: Double
        public var writeRequestUnits: Double
        enum CodingKeys: String, CodingKey {
            case call = "call"
            case readRequestUnits = "read_request_units"
            case writeRequestUnits = "write_request_units"
        }
        public init(call: String, readRequestUnits: Double, writeRequestUnits: Double) {
            self.call = call; self.readRequestUnits = readRequestUnits; self.writeRequestUnits = writeRequestUnits
        }

    }
    public struct StateMachine: Codable, Sendable, Equatable {
        public var name: String
        public var stateTransitions: UInt64
        enum CodingKeys: String, CodingKey {
            case name = "name"
            case stateTransitions = "state_transitions"
        }
        public init(name: String, stateTransitions: UInt64) {
            self.name = name; self.stateTransitions = stateTransitions
        }

    }
    public struct FlowLog: Codable, Sendable, Equatable {
        public var id: String
        /// `s3` or `cloudwatch-logs`.
        public var destination: String
        /// Bytes of the records delivered (text lines with their newlines, before compression).
        public var bytes: UInt64
        public var records: UInt64
        enum CodingKeys: String, CodingKey {
            case id = "id"
            case destination = "destination"
            case bytes = "bytes"
            case records = "records"
        }
        public init(id: String, destination: String, bytes: UInt64, records: UInt64) {
            self.id = id; self.destination = destination; self.bytes = bytes; self.records = records
        }

    }

    /// A transit gateway VPC attachment: billed per attachment-hour, and per GB its VPC sent
    /// into the transit gateway (https://aws.amazon.com/transit-gateway/pricing/).
    public struct TransitGatewayAttachment: Codable, Sendable, Equatable {
        public var id: String
        public var transitGateway: String
        /// Bytes sent from the VPC into the transit gateway through this attachment.
        public var bytes: UInt64
        enum CodingKeys: String, CodingKey {
            case id = "id"
            case transitGateway = "transit_gateway"
            case bytes = "bytes"
        }
        public init(id: String, transitGateway: String, bytes: UInt64) {
            self.id = id; self.transitGateway = transitGateway; self.bytes = bytes
        }
    }

    /// An Application Load Balancer: billed per hour and per LCU-hour, an LCU-hour being the
    /// highest of its dimensions in the hour — 25 new connections per second, 3,000 active
    /// connections per minute, 1 GB processed per hour (EC2 targets), 1,000 rule evaluations per
    /// second (https://aws.amazon.com/elasticloadbalancing/pricing/). vpcsim measures the first
    /// three over the window (active connections: the most open at once); a listener's default
    /// action alone evaluates no billed rule.
    public struct LoadBalancer: Codable, Sendable, Equatable {
        public var name: String
        public var newConnections: UInt64
        public var peakActiveConnections: Int
        public var processedBytes: UInt64
        enum CodingKeys: String, CodingKey {
            case name = "name"
            case newConnections = "new_connections"
            case peakActiveConnections = "peak_active_connections"
            case processedBytes = "processed_bytes"
        }
        public init(name: String, newConnections: UInt64, peakActiveConnections: Int, processedBytes: UInt64) {
            self.name = name; self.newConnections = newConnections
            self.peakActiveConnections = peakActiveConnections; self.processedBytes = processedBytes
        }

        /// Its LCUs over a window of `seconds`: the highest dimension, as AWS bills each hour.
        public func capacityUnits(windowSeconds seconds: Double) -> Double {
            guard seconds > 0 else { return 0 }
            let connections = Double(newConnections) / seconds / 25
            let active = Double(peakActiveConnections) / 3_000
            let gigabytesPerHour = Double(processedBytes) / BillItem.bytesPerGB / (seconds / 3_600)
            return max(connections, active, gigabytesPerHour)
        }
    }

    public var region: String
    /// The measured window: the workload's duration after the warm-up, seconds. Volumes below
    /// were counted in it (flow logs excepted, see `flowLogWindowSeconds`).
    public var windowSeconds: Double
    public var warmupSeconds: Double
    /// Flow-log records cover whole capture windows that do not line up with the warm-up: their
    /// bytes are those of the whole run, counted over the whole workload.
    public var flowLogWindowSeconds: Double
    public var natGateways: [NATGateway]
    /// Public IPv4 addresses: NAT gateways' Elastic IPs and instances' public IPs.
    public var publicIPv4Addresses: Int
    public var endpoints: [Endpoint]
    public var crossAZ: [ZonePair]
    public var internetEgressBytes: UInt64
    public var functions: [Function]
    public var dynamodb: [DynamoDBCalls]
    public var stateMachines: [StateMachine]
    public var flowLogs: [FlowLog]
    /// Transit gateway attachments (absent from summaries of runs without any).
    public var transitGatewayAttachments: [TransitGatewayAttachment]?
    /// Bytes between Regions, per direction (`from` the Region they left, `to` the Region they
    /// entered): calls to services of another Region (absent from summaries of runs without any).
    public var interRegion: [ZonePair]?
    /// Application Load Balancers (absent from summaries of runs without any).
    public var loadBalancers: [LoadBalancer]?

    enum CodingKeys: String, CodingKey {
        case region = "region"
        case windowSeconds = "window_seconds"
        case warmupSeconds = "warmup_seconds"
        case flowLogWindowSeconds = "flow_log_window_seconds"
        case natGateways = "nat_gateways"
        case publicIPv4Addresses = "public_ipv4_addresses"
        case endpoints = "endpoints"
        case crossAZ = "cross_az"
        case internetEgressBytes = "internet_egress_bytes"
        case functions = "functions"
        case dynamodb = "dynamodb"
        case stateMachines = "state_machines"
        case flowLogs = "flow_logs"
        case transitGatewayAttachments = "transit_gateway_attachments"
        case interRegion = "inter_region"
        case loadBalancers = "load_balancers"
    }
    public init(
        region: String, windowSeconds: Double, warmupSeconds: Double = 0, flowLogWindowSeconds: Double? = nil,
        natGateways: [NATGateway] = [], publicIPv4Addresses: Int = 0, endpoints: [Endpoint] = [],
        crossAZ: [ZonePair] = [], internetEgressBytes: UInt64 = 0,
        functions: [Function] = [], dynamodb: [DynamoDBCalls] = [], stateMachines: [StateMachine] = [],
        flowLogs: [FlowLog] = [], transitGatewayAttachments: [TransitGatewayAttachment]? = nil,
        interRegion: [ZonePair]? = nil, loadBalancers: [LoadBalancer]? = nil
    ) {
        self.loadBalancers = loadBalancers
        self.region = region; self.windowSeconds = windowSeconds; self.warmupSeconds = warmupSeconds
        self.flowLogWindowSeconds = flowLogWindowSeconds ?? windowSeconds + warmupSeconds
        self.natGateways = natGateways; self.publicIPv4Addresses = publicIPv4Addresses; self.endpoints = endpoints
        self.crossAZ = crossAZ; self.internetEgressBytes = internetEgressBytes
        self.functions = functions; self.dynamodb = dynamodb
        self.stateMachines = stateMachines; self.flowLogs = flowLogs
        self.transitGatewayAttachments = transitGatewayAttachments
        self.interRegion = interRegion
    }

    /// The quantity of bytes from Region `from` to Region `to` (``BillItem/interRegion(from:to:)``).
    public static func interRegionQuantity(from: String, to: String) -> String {
        "inter_region_bytes_\(from)_\(to)"
    }

    /// One bill item per direction and pair of Regions with bytes, in the order measured.
    public var interRegionBillItems: [BillItem] {
        (interRegion ?? []).map { BillItem.interRegion(from: $0.from, to: $0.to) }
    }

    /// The named quantities bill items refer to (``BillItem/quantity``): counts of resources for
    /// fixed items, volumes in the measured window for usage items.
    public var quantities: [String: Double] {
        var q: [String: Double] = [:]
        q["nat_gateway_count"] = Double(natGateways.count)
        q["nat_gateway_bytes"] = Double(natGateways.reduce(0) { $0 + $1.bytes })
        q["public_ipv4_count"] = Double(publicIPv4Addresses)
        q["gateway_endpoint_count"] = Double(endpoints.filter { $0.type == "Gateway" }.count)
        q["gateway_endpoint_bytes"] = Double(endpoints.filter { $0.type == "Gateway" }.reduce(0) { $0 + $1.bytes })
        q["interface_endpoint_az_count"] = Double(
            endpoints.filter { $0.type == "Interface" }.reduce(0) { $0 + $1.availabilityZones })
        q["interface_endpoint_bytes"] = Double(
            endpoints.filter { $0.type == "Interface" }.reduce(0) { $0 + $1.bytes })
        q["cross_az_bytes"] = Double(crossAZ.reduce(0) { $0 + $1.bytes })
        q["transit_gateway_attachment_count"] = Double(transitGatewayAttachments?.count ?? 0)
        q["transit_gateway_bytes"] = Double(transitGatewayAttachments?.reduce(0) { $0 + $1.bytes } ?? 0)
        q["internet_egress_bytes"] = Double(internetEgressBytes)
        q["alb_count"] = Double(loadBalancers?.count ?? 0)
        q["alb_lcu"] = loadBalancers?.reduce(0) { $0 + $1.capacityUnits(windowSeconds: windowSeconds) } ?? 0
        for pair in interRegion ?? [] {
            q[Self.interRegionQuantity(from: pair.from, to: pair.to), default: 0] += Double(pair.bytes)
        }
        q["lambda_requests"] = Double(functions.reduce(0) { $0 + $1.invocations })
        for arch in ["x86_64", "arm64"] {
            q["lambda_gb_seconds_" + arch] = functions.filter { $0.architecture == arch }.reduce(0) {
                $0 + $1.gbSeconds
            }
        }
        q["dynamodb_read_units"] = dynamodb.reduce(0) { $0 + $1.readRequestUnits }
        q["dynamodb_write_units"] = dynamodb.reduce(0) { $0 + $1.writeRequestUnits }
        q["step_functions_transitions"] = Double(stateMachines.reduce(0) { $0 + $1.stateTransitions })
        for d in ["s3", "cloudwatch-logs"] {
            q["flow_log_bytes_" + d] = Double(flowLogs.filter { $0.destination == d }.reduce(0) { $0 + $1.bytes })
        }
        return q
    }
}
