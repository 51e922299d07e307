import Messages

// DynamoDB's messages are built in Messages (DynamoDBRequest, DynamoDBResponse: real HTTP/1.1
// with SigV4, whose lengths the model uses); the names below keep Workloads' vocabulary.

public typealias DynamoDBOperation = Messages.DynamoDBOperation
public typealias DynamoDBCall = Messages.DynamoDBCall
public typealias HTTPMessageSize = Messages.HTTPMessageSize

public enum DynamoDBWire {
    /// `User-Agent` of boto3 1.43 in a Python 3.12 Lambda (shape measured from boto3 1.43.11 with
    /// `AWS_EXECUTION_ENV=AWS_Lambda_python3.12`; the kernel and Python versions are Lambda's).
    public static let userAgent =
        "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#5.10.240-257.962.amzn2.x86_64 md/arch#x86_64 "
        + "lang/python#3.12.11 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 m/P,e,Z,b,D cfg/retry-mode#legacy "
        + "Botocore/1.43.11"

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
