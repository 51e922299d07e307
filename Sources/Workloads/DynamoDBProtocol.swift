import Messages

// DynamoDB's messages are built in Messages (DynamoDBRequest, DynamoDBResponse: real HTTP/1.1
// with SigV4, whose lengths the model uses); the names below keep Workloads' vocabulary.

public typealias DynamoDBOperation = Messages.DynamoDBOperation
public typealias DynamoDBCall = Messages.DynamoDBCall
public typealias HTTPMessageSize = Messages.HTTPMessageSize
public typealias SDKHTTPDialect = Messages.SDKHTTPDialect

public enum DynamoDBWire {
    /// `User-Agent` of boto3 1.43 in a Python 3.12 Lambda (shape measured from boto3 1.43.11 with
    /// `AWS_EXECUTION_ENV=AWS_Lambda_python3.12`; the kernel and Python versions are Lambda's).
    public static let userAgent =
        "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#5.10.240-257.962.amzn2.x86_64 md/arch#x86_64 "
        + "lang/python#3.12.11 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 m/P,e,Z,b,D cfg/retry-mode#legacy "
        + "Botocore/1.43.11"

    /// A runtime's SDK as its HTTP requests show it: header layout and body style, User-Agent,
    /// and aws-sdk-js v3's short x-amz-user-agent.
    public struct SDK: Hashable, Sendable {
        public var dialect: SDKHTTPDialect
        public var userAgent: String
        public var sdkUserAgent: String
    }

    /// Lambda's kernel as the SDKs' User-Agents name it (the boto3 measurement above).
    static let kernel = "5.10.240-257.962.amzn2.x86_64"

    public static let boto3 = SDK(dialect: .botocore, userAgent: userAgent, sdkUserAgent: "")

    /// aws-sdk-js v3 as a Lambda Node.js runtime bundles it. The shape follows
    /// middleware-user-agent's `defaultUserAgent` (sdk/version, ua/2.1, os/platform#release,
    /// lang/js, md/nodejs#version, api/dynamodb#version, exec-env/$AWS_EXECUTION_ENV, m/ feature
    /// ids); the SDK and Node patch versions are ASSUMED (what the runtimes shipped late 2026 is
    /// not documented).
    public static func nodeSDK(node: String, runtime: String) -> SDK {
        let v = "3.896.0"
        return SDK(
            dialect: .awsSDKJSv3,
            userAgent: "aws-sdk-js/\(v) ua/2.1 os/linux#\(kernel) lang/js md/nodejs#\(node) api/dynamodb#\(v) "
                + "exec-env/AWS_Lambda_\(runtime) m/E,N",
            sdkUserAgent: "aws-sdk-js/\(v)")
    }

    /// The AWS SDK for Java v2 (Apache client): the `SdkUserAgentBuilder` shape (sdk/version,
    /// io and http client, ua/2.1, os/Linux#release, lang/java#version, VM, vendor,
    /// exec-env, m/ feature ids); versions ASSUMED.
    public static func javaSDK(java: String, runtime: String) -> SDK {
        SDK(
            dialect: .awsSDKJavaV2,
            userAgent: "aws-sdk-java/2.33.4 md/io#sync md/http#Apache ua/2.1 os/Linux#\(kernel) lang/java#\(java) "
                + "md/OpenJDK_64-Bit_Server_VM#\(java)+9-LTS md/vendor#Amazon.com_Inc. md/en_US "
                + "exec-env/AWS_Lambda_\(runtime) m/D,N",
            sdkUserAgent: "")
    }

    /// aws-sdk-go-v2: the shape of its request debug log (`m/E aws-sdk-go-v2/1.30.4 os/macos
    /// lang/go#1.23.0 md/GOOS#darwin md/GOARCH#arm64 api/s3#1.60.1`), with Lambda's exec-env;
    /// versions ASSUMED (Go 1.24.11 is the captured compiler).
    public static func goSDK(runtime: String) -> SDK {
        SDK(
            dialect: .awsSDKGoV2,
            userAgent: "m/E aws-sdk-go-v2/1.39.2 os/linux lang/go#1.24.11 md/GOOS#linux md/GOARCH#amd64 "
                + "exec-env/AWS_Lambda_\(runtime) api/dynamodb#1.50.1",
            sdkUserAgent: "")
    }

    /// The message DynamoDB returns when a gateway endpoint's policy denies the call.
    public static func endpointPolicyDenial(principal: String, action: String, resource: String, explicit: Bool)
        -> String
    {
        "User: \(principal) is not authorized to perform: \(action) on resource: \(resource) "
            + (explicit
                ? "with an explicit deny in a VPC endpoint policy"
                : "because no VPC endpoint policy allows the \(action) action")
    }
}
