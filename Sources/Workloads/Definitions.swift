import SimCore
import Wire
import NetModel
import Transport
import Messages

/// One thing a function's handler does, in order.
public enum Step: Sendable, Hashable {
    /// An AWS SDK call to DynamoDB.
    case dynamodb(DynamoDBCall)
    /// An AWS SDK call to a JSON-protocol service (SQS, Secrets Manager).
    case call(AWSJSONCall)
    /// A query to a database instance over its wire protocol (e.g. PostgreSQL on 5432).
    case database(DatabaseQuery)
    /// CPU work in the handler.
    case compute(SimDuration)
}

/// A PostgreSQL simple query: message sizes of the request and the result set.
public struct DatabaseQuery: Sendable, Hashable {
    public var instance: Int
    public var requestBytes: Int
    public var responseBytes: Int
    public var serverTime: SimDuration
    public init(
        instance: Int, requestBytes: Int = 96, responseBytes: Int = 420, serverTime: SimDuration = .microseconds(900)
    ) {
        self.instance = instance; self.requestBytes = requestBytes; self.responseBytes = responseBytes;
        self.serverTime = serverTime
    }
}

/// When invocations arrive.
public enum ArrivalPattern: Sendable, Hashable {
    /// Poisson arrivals at `perSecond`.
    case poisson(perSecond: Double)
    /// Evenly spaced arrivals.
    case uniform(perSecond: Double)
    /// Only when something else (Step Functions) invokes the function.
    case none

    /// The time to the next arrival, or nil when there are none. With `randomPhase`, the first
    /// gap of evenly spaced arrivals is uniform within one period, so that sources with the same
    /// rate do not fire in step.
    func nextGap(first: Bool, randomPhase: Bool, _ random: inout RandomStream) -> SimDuration? {
        switch self {
        case .none: return nil
        case .poisson(let rate):
            guard rate > 0 else { return nil }
            return SimDuration(seconds: random.exponential(mean: 1 / rate))
        case .uniform(let rate):
            guard rate > 0 else { return nil }
            let period = SimDuration(seconds: 1 / rate)
            guard first && randomPhase else { return period }
            return SimDuration(nanoseconds: Int64(random.bounded(UInt64(period.nanoseconds))))
        }
    }
}

/// A Lambda runtime the model reproduces: its identifier in a function's configuration, the TLS
/// client its AWS SDK speaks through, and the one its PostgreSQL driver speaks through
/// (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
///
/// Adding a runtime: its TLS client profiles in Wire (TLSClientProfiles*.swift, each tested
/// against a capture), then an entry in ``modelled``.
public struct LambdaRuntime: Hashable, Sendable {
    public let name: String
    /// The AWS SDK's HTTPS client (DynamoDB and the other service APIs).
    public let tlsClient: TLSClientProfileID
    /// The PostgreSQL driver's TLS client, after its SSLRequest (RDS).
    public let databaseTLSClient: TLSClientProfileID
    /// How its SDK writes a DynamoDB request (headers, User-Agent, body style).
    public var http = DynamoDBWire.boto3
    /// CPU work of its SDK on one full vCPU (scaled by the function's share, see
    /// ``LambdaFunction/cpuTime(_:)``).
    public var sdk = SDKCosts.boto3

    /// The runtimes a topology may name, and what each one's code is assumed to use:
    /// - `python3.x`: boto3 (its profile was captured with OpenSSL 3.0, which python3.12 and later
    ///   on Amazon Linux 2023 use; the Amazon Linux 2 runtimes are mapped to it) and psycopg2,
    ///   which drives libpq.
    /// - `nodejs18.x`, `nodejs20.x`: Node.js 18/20 on OpenSSL 3.0 with aws-sdk-js v3 (the SDK the
    ///   Node.js 18+ runtimes bundle, https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html)
    ///   and node-postgres — the same Node `tls` hello for both.
    /// - `nodejs22.x`, `nodejs24.x`: Node.js 22.20+/24 on OpenSSL 3.5 (hybrid post-quantum key share).
    /// - `java17`, `java21`: the AWS SDK for Java v2's Apache client on that JDK's JSSE; the
    ///   PostgreSQL JDBC driver also connects through JSSE's default factory without ALPN, so
    ///   it sends the same hello (inferred from the JSSE capture, not captured with pgjdbc).
    /// - `provided.al2023`, `provided.al2`: a Go binary built with Go 1.24 and aws-sdk-go-v2,
    ///   and pgx (Go's crypto/tls without ALPN) — an assumption: custom runtimes may run anything.
    public static let modelled: [LambdaRuntime] =
        ["python3.9", "python3.10", "python3.11", "python3.12", "python3.13"].map {
            LambdaRuntime(name: $0, tlsClient: .boto3OpenSSL3, databaseTLSClient: .libpqOpenSSL30)
        } + [
            LambdaRuntime(
                name: "nodejs18.x", tlsClient: .nodeOpenSSL30, databaseTLSClient: .nodeOpenSSL30, sdk: .node,
                http: DynamoDBWire.nodeSDK(node: "18.20.8", runtime: "nodejs18.x")),
            LambdaRuntime(
                name: "nodejs20.x", tlsClient: .nodeOpenSSL30, databaseTLSClient: .nodeOpenSSL30, sdk: .node,
                http: DynamoDBWire.nodeSDK(node: "20.19.5", runtime: "nodejs20.x")),
            LambdaRuntime(
                name: "nodejs22.x", tlsClient: .nodeOpenSSL35, databaseTLSClient: .nodeOpenSSL35, sdk: .node,
                http: DynamoDBWire.nodeSDK(node: "22.20.0", runtime: "nodejs22.x")),
            LambdaRuntime(
                name: "nodejs24.x", tlsClient: .nodeOpenSSL35, databaseTLSClient: .nodeOpenSSL35, sdk: .node,
                http: DynamoDBWire.nodeSDK(node: "24.11.0", runtime: "nodejs24.x")),
            LambdaRuntime(
                name: "java17", tlsClient: .java17, databaseTLSClient: .java17, sdk: .java,
                http: DynamoDBWire.javaSDK(java: "17.0.21", runtime: "java17")),
            LambdaRuntime(
                name: "java21", tlsClient: .java21, databaseTLSClient: .java21, sdk: .java,
                http: DynamoDBWire.javaSDK(java: "21.0.8", runtime: "java21")),
            LambdaRuntime(
                name: "provided.al2023", tlsClient: .goSDKv2, databaseTLSClient: .goNoALPN, sdk: .go,
                http: DynamoDBWire.goSDK(runtime: "provided.al2023")),
            LambdaRuntime(
                name: "provided.al2", tlsClient: .goSDKv2, databaseTLSClient: .goNoALPN, sdk: .go,
                http: DynamoDBWire.goSDK(runtime: "provided.al2")),
        ]

    public static let python312 = LambdaRuntime(
        name: "python3.12", tlsClient: .boto3OpenSSL3, databaseTLSClient: .libpqOpenSSL30)

    init(
        name: String, tlsClient: TLSClientProfileID, databaseTLSClient: TLSClientProfileID, sdk: SDKCosts = .boto3,
        http: DynamoDBWire.SDK = DynamoDBWire.boto3
    ) {
        self.name = name
        self.tlsClient = tlsClient
        self.databaseTLSClient = databaseTLSClient
        self.sdk = sdk
        self.http = http
    }

    /// The modelled runtime called `name`, or nil.
    public init?(named name: String) {
        guard let r = Self.modelled.first(where: { $0.name == name }) else { return nil }
        self = r
    }
}

/// CPU time an SDK spends per connection and per call, on one full vCPU.
public struct SDKCosts: Hashable, Sendable {
    /// Before the ClientHello of each new HTTPS connection. boto3: botocore sets `ca_certs` on
    /// its pools, and urllib3's `ssl_wrap_socket` calls `SSLContext.load_verify_locations` with
    /// certifi's bundle on every new connection (https://github.com/urllib3/urllib3/issues/3623);
    /// with OpenSSL 3 that load takes ~15 ms (https://github.com/sethmlarson/truststore/pull/171,
    /// "~15 ms per call"; https://github.com/python/cpython/issues/95031, "about 5x slower" than
    /// OpenSSL 1.1).
    public var connectionSetup: SimDuration
    /// Certificate-chain verification and the key schedule after the server's flight
    /// (ASSUMED: 0.45 ms on one vCPU — an RSA-2048 chain and X25519; no measurement found).
    public var handshake: SimDuration
    /// Parsing a response and the handler's own work before its next step (ASSUMED: 72 µs on
    /// one vCPU, the 250 µs this model used at 512 MB).
    public var response: SimDuration
    public static let boto3 = SDKCosts(
        connectionSetup: .milliseconds(15), handshake: .microseconds(450), response: .microseconds(72))
    /// aws-sdk-js v3: Node loads its root store once per process (node_crypto's
    /// `NewRootCertStore`), so a new connection costs only the SecureContext (ASSUMED: 0.5 ms;
    /// not measured). Handshake and response as boto3's (ASSUMED).
    public static let node = SDKCosts(
        connectionSetup: .microseconds(500), handshake: .microseconds(450), response: .microseconds(72))
    /// The Java SDK v2's Apache client reuses one SSLContext (ASSUMED: 0.3 ms per connection).
    public static let java = SDKCosts(
        connectionSetup: .microseconds(300), handshake: .microseconds(450), response: .microseconds(72))
    /// Go's crypto/tls with the system roots loaded once (ASSUMED: 0.1 ms per connection).
    public static let go = SDKCosts(
        connectionSetup: .microseconds(100), handshake: .microseconds(450), response: .microseconds(72))
}

/// The instruction set a function runs on (priced differently; `architectures` in the API).
public enum LambdaArchitecture: String, Sendable, CaseIterable {
    case x86_64
    case arm64
}

/// A Lambda function and how it is attached.
public struct LambdaFunction: Sendable {
    public var name: String
    public var accountID: String
    public var region: String
    public var timeout: SimDuration
    public var runtime: LambdaRuntime
    /// Hyperplane ENIs (one per configured subnet), or empty for a function outside any VPC.
    public var enis: [ENIIndex] = []
    /// The host behind each Hyperplane ENI (same order), or the one public-side host.
    public var hosts: [HostIndex] = []
    public var program: [Step]
    public var arrivals: ArrivalPattern
    /// Init phase duration of a cold start: log-normal (median, sigma). Assumed: Python + boto3 import
    /// and client creation take 250–450 ms, inside AWS's "under 100 ms to over 1 second"
    /// (https://docs.aws.amazon.com/lambda/latest/operatorguide/execution-environments.html).
    public var initMedian = SimDuration.milliseconds(320)
    public var initSigma = 0.25
    /// Idle environments are reclaimed after this long: 10 minutes, as measured in 2019
    /// (https://mikhail.io/2019/08/aws-lambda-cold-starts-after-10-minutes/).
    public var idleReclaim = SimDuration.seconds(600)
    /// Configured memory (MB): billed GB-seconds and the CPU share (128 MB is Lambda's default).
    public var memoryMB = 128
    public var architecture = LambdaArchitecture.x86_64
    /// The SDK keeps connections open between calls (boto3 always does; `false` models an SDK
    /// configured without keep-alive, e.g. aws-sdk-js v2 before AWS_NODEJS_CONNECTION_REUSE_ENABLED).
    public var connectionReuse = true
    /// The SDK sets TCP_NODELAY (urllib3 does: `HTTPConnection.default_socket_options`).
    public var tcpNoDelay = true
    /// The SDK calls services' dual-stack names (`use_dualstack_endpoint`,
    /// AWS_USE_DUALSTACK_ENDPOINT; https://docs.aws.amazon.com/sdkref/latest/guide/feature-endpoints.html).
    public var useDualStackEndpoint = false
    /// The execution role's credentials its SDK signs with: by default AWS's documented example
    /// key pair with a made-up session token of the measured length.
    public var credentials: AWSCredentials

    public init(
        name: String, accountID: String, region: String, timeout: SimDuration = .seconds(3),
        runtime: LambdaRuntime = .python312, program: [Step], arrivals: ArrivalPattern
    ) {
        self.name = name; self.accountID = accountID; self.region = region
        self.timeout = timeout; self.runtime = runtime; self.program = program; self.arrivals = arrivals
        self.credentials = .documentedExample(tokenSeed: FNV1a64.hash(name.utf8))
    }
    /// The principal its SDK calls are made as: the execution role's assumed-role session.
    public var principal: String { "arn:aws:sts::\(accountID):assumed-role/\(name)-role/\(name)" }

    /// Lambda allocates CPU in proportion to memory, one full vCPU at 1,769 MB
    /// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html); a single-threaded
    /// runtime gains nothing above it. `work` on one vCPU takes this long in the function.
    public func cpuTime(_ work: SimDuration) -> SimDuration {
        memoryMB >= 1769 ? work : SimDuration(nanoseconds: work.nanoseconds * 1769 / Int64(memoryMB))
    }
}

/// An AWS service front end (DynamoDB) as the model answers it.
public struct ServiceEndpoint: Sendable {
    public var name: String // "dynamodb"
    public var hostname: String // "dynamodb.us-east-1.amazonaws.com"
    public var host: HostIndex
    /// Addresses DNS hands out (inside the service's prefix-list ranges).
    public var addresses: [IPAddress]
    public var accountID: String
    public var region: String
    /// Server-side latency per operation: log-normal (median, sigma). DynamoDB promises "single-digit
    /// millisecond" latency (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Introduction.html).
    /// Assumed: p50 3.4 ms GetItem, 5.2 ms PutItem, so a warm call lands near the ~10 ms measured with
    /// keep-alive (https://theburningmonk.com/2019/02/lambda-optimization-tip-enable-http-keep-alive/).
    public var getMedian = SimDuration.microseconds(3_400)
    public var putMedian = SimDuration.microseconds(5_200)
    public var latencySigma = 0.35
    /// Added to the median per KB of item read or written. ASSUMED (no published figure): AWS
    /// says a 1 KB and a 400 KB item differ in latency
    /// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TroubleshootingLatency.html);
    /// 20 µs/KB for reads and 40 µs/KB for writes (replicated to three AZs) put a 400 KB item at
    /// +8 ms and +16 ms.
    public var readPerKB = SimDuration.microseconds(20)
    public var writePerKB = SimDuration.microseconds(40)
    /// TLS server processing before its first flight (key exchange and signature).
    public var handshakeTime = SimDuration.microseconds(450)
    /// Idle keep-alive connections are closed (close_notify + FIN) after this long: ~60 s in 2017
    /// (https://github.com/aws/aws-sdk-java/issues/1365), ~90 s in 2025
    /// (https://github.com/feast-dev/feast/pull/5167).
    public var idleTimeout = SimDuration.seconds(60)
    /// The interface endpoint this front end answers for (at its ENIs' addresses), if any: its
    /// policy is evaluated for every request, and with private DNS the VPC's resolver answers
    /// `privateDNSName` (the service's Regional name) with `addresses` inside that VPC.
    public var interfaceEndpoint: InterfaceEndpointIndex?
    /// The catalog's lists of `addresses` in every order (an interface endpoint's, set by
    /// World.addService): the first and how many; the resolver answers with one of them.
    var answerOrders: (first: AnswerListIndex, count: Int)?
    public var vpc: VPCIndex?
    public var privateDNSName: String?
    /// The service's dual-stack name (``Topology/RegionCatalog/Service/dualStackHostname``), which
    /// the resolver answers with `addresses` (A) and `ipv6Addresses` (AAAA); clients with
    /// `use-dualstack-endpoint` call it.
    public var dualStackHostname: String?
    public var ipv6Addresses: [IPAddress] = []
    /// An interface endpoint ENI's zonal name (`vpce-…-<suffix>-<az>.<service>.<region>.vpce.amazonaws.com`),
    /// which the resolver answers with `zonalAddress`, this ENI's own address only
    /// (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html,
    /// "DNS hostnames").
    public var zonalHostname: String?
    public var zonalAddress: IPAddress?
    public init(
        name: String, hostname: String, host: HostIndex, addresses: [IPAddress], accountID: String, region: String
    ) {
        self.name = name; self.hostname = hostname; self.host = host; self.addresses = addresses
        self.accountID = accountID; self.region = region
    }
}

/// A database instance (RDS for PostgreSQL) reachable inside the VPC.
public struct DatabaseInstance: Sendable {
    public var identifier: String
    public var eni: ENIIndex
    public var host: HostIndex
    public var port: UInt16
    public var address: IPAddress
    /// The DNS name clients connect to, e.g. `orders-db.c9akciq32.us-east-1.rds.amazonaws.com`.
    public var endpoint: String
    /// How it answers TLS (``TLSServerProfileID/postgreSQLTLS12`` with `ssl_max_protocol_version` TLSv1.2).
    public var tlsServer = TLSServerProfileID.postgreSQL
    /// The login functions use: user, database and password (simulation values; the password is
    /// never sent, SCRAM proves it).
    public var user = "app"
    public var databaseName = "orders"
    public var password = "example-password"
    public init(
        identifier: String, eni: ENIIndex, host: HostIndex, port: UInt16, address: IPAddress, endpoint: String
    ) {
        self.identifier = identifier; self.eni = eni; self.host = host; self.port = port; self.address = address
        self.endpoint = endpoint
    }
}

/// A Step Functions state machine: a sequence of Task states invoking Lambda functions.
public struct StateMachine: Sendable {
    public struct Task: Sendable {
        public var name: String
        public var function: Int
        /// Retrier for `Lambda.Unknown` etc.: IntervalSeconds, MaxAttempts, BackoffRate
        /// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
        public var retryInterval: SimDuration
        public var maxAttempts: Int
        public var backoffRate: Double
        public init(
            name: String, function: Int, retryInterval: SimDuration = .seconds(1), maxAttempts: Int = 3,
            backoffRate: Double = 2
        ) {
            self.name = name; self.function = function; self.retryInterval = retryInterval
            self.maxAttempts = maxAttempts; self.backoffRate = backoffRate
        }
    }
    public var name: String
    public var tasks: [Task]
    public var arrivals: ArrivalPattern
    /// Scheduling overhead per Task state. Assumed: 25 ms; AWS publishes no per-transition latency.
    public var transitionOverhead = SimDuration.milliseconds(25)
    public init(name: String, tasks: [Task], arrivals: ArrivalPattern) {
        self.name = name; self.tasks = tasks; self.arrivals = arrivals
    }
}
