/// A line of a bill: which catalog price applies to which measured quantity, and how the
/// quantity becomes billed units. Adding an item is one value here, its prices in the catalog,
/// and the quantity in ``MeasuredUsage/quantities``.
public struct BillItem: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// Billed per hour while the resource exists: the quantity is a count, × hours per month.
        case fixed
        /// Billed by volume: the quantity measured in the window, scaled to a month.
        case usage
    }
    /// The line's name in outputs, e.g. `nat-gateway-hours`.
    public var id: String
    public var title: String
    /// The catalog item (``PriceEntry/item``).
    public var price: String
    /// The measured quantity (a key of ``MeasuredUsage/quantities``).
    public var quantity: String
    public var kind: Kind
    /// The billed unit, e.g. `hour`, `GB`.
    public var unit: String
    /// Measured units in one billed unit (bytes per GB).
    public var measuredPerUnit: Double
    /// The Region whose price applies when it is not the bill's (data leaving another Region),
    /// and the destination the price is for (``PriceEntry/destination``).
    public var priceRegion: String?
    public var destination: String?

    public init(
        id: String, title: String, price: String, quantity: String, kind: Kind, unit: String,
        measuredPerUnit: Double = 1
    ) {
        self.id = id; self.title = title; self.price = price; self.quantity = quantity; self.kind = kind
        self.unit = unit; self.measuredPerUnit = measuredPerUnit
    }

    /// Data transfer between Regions, one item per direction and pair of Regions the run measured:
    /// priced as data sent out of the Region the bytes leave, to the Region they enter (the EC2
    /// pricing page's "Data Transfer OUT From Amazon EC2 To another AWS Region",
    /// https://aws.amazon.com/ec2/pricing/on-demand/; receiving is free). A call to a service in
    /// another Region pays both directions: its request at the caller's Region's rate, its
    /// response at the other Region's.
    public static func interRegion(from: String, to: String) -> BillItem {
        var item = BillItem(
            id: "inter-region-\(from)-to-\(to)", title: "Data transfer between Regions, \(from) to \(to)",
            price: "data_transfer.inter_region_out", quantity: MeasuredUsage.interRegionQuantity(from: from, to: to),
            kind: .usage, unit: "GB", measuredPerUnit: bytesPerGB)
        item.priceRegion = from
        item.destination = to
        return item
    }

    /// AWS bills data in GB of 2³⁰ bytes (the "GB" of its usage reports; ASSUMED for every data
    /// item, as AWS's pricing pages do not say).
    public static let bytesPerGB = 1_073_741_824.0

    /// The items vpcsim prices, in the order bills list them.
    public static let standard: [BillItem] = [
        BillItem(
            id: "nat-gateway-hours", title: "NAT gateway hours", price: "nat_gateway.hour",
            quantity: "nat_gateway_count", kind: .fixed, unit: "hour"),
        BillItem(
            id: "public-ipv4-hours", title: "Public IPv4 address hours (Elastic IPs included)",
            price: "public_ipv4.hour", quantity: "public_ipv4_count", kind: .fixed, unit: "hour"),
        BillItem(
            id: "interface-endpoint-hours", title: "Interface endpoint hours (per AZ)",
            price: "interface_endpoint.hour_per_az", quantity: "interface_endpoint_az_count", kind: .fixed,
            unit: "hour"),
        BillItem(
            id: "transit-gateway-attachment-hours", title: "Transit gateway VPC attachment hours",
            price: "transit_gateway.attachment_hour", quantity: "transit_gateway_attachment_count", kind: .fixed,
            unit: "hour"),
        BillItem(
            id: "alb-hours", title: "Application Load Balancer hours", price: "elb.alb_hour", quantity: "alb_count",
            kind: .fixed, unit: "hour"),
        // LCUs are a rate: the window's average, billed for every hour of the month.
        BillItem(
            id: "alb-lcu-hours", title: "Application Load Balancer LCU-hours", price: "elb.alb_lcu_hour",
            quantity: "alb_lcu", kind: .fixed, unit: "LCU-hour"),
        BillItem(
            id: "nat-gateway-data", title: "NAT gateway data processed (both directions)",
            price: "nat_gateway.data_processed", quantity: "nat_gateway_bytes", kind: .usage, unit: "GB",
            measuredPerUnit: bytesPerGB),
        BillItem(
            id: "gateway-endpoint-data", title: "Gateway endpoint data (no charge)",
            price: "gateway_endpoint.hour_and_gb", quantity: "gateway_endpoint_bytes", kind: .usage, unit: "GB",
            measuredPerUnit: bytesPerGB),
        BillItem(
            id: "interface-endpoint-data", title: "Interface endpoint data processed",
            price: "interface_endpoint.data_processed", quantity: "interface_endpoint_bytes", kind: .usage,
            unit: "GB", measuredPerUnit: bytesPerGB),
        BillItem(
            id: "transit-gateway-data", title: "Transit gateway data processed (sent into it from VPCs)",
            price: "transit_gateway.data_processed", quantity: "transit_gateway_bytes", kind: .usage, unit: "GB",
            measuredPerUnit: bytesPerGB),
        // Data between AZs (VPC peering's cross-AZ traffic included: the same rate, billed as
        // VpcPeering-In/Out-Bytes, https://aws.amazon.com/blogs/networking-and-content-delivery/
        // demystifying-amazon-vpc-peering-charges) is charged when it leaves one AZ and again when
        // it enters the other
        // (https://aws.amazon.com/about-aws/global-infrastructure/global-network/faqs: "in" and "out").
        BillItem(
            id: "cross-az-out", title: "Data transfer between AZs, out", price: "data_transfer.cross_az",
            quantity: "cross_az_bytes", kind: .usage, unit: "GB", measuredPerUnit: bytesPerGB),
        BillItem(
            id: "cross-az-in", title: "Data transfer between AZs, in", price: "data_transfer.cross_az",
            quantity: "cross_az_bytes", kind: .usage, unit: "GB", measuredPerUnit: bytesPerGB),
        BillItem(
            id: "internet-egress", title: "Data transfer out to the internet", price: "data_transfer.internet_egress",
            quantity: "internet_egress_bytes", kind: .usage, unit: "GB", measuredPerUnit: bytesPerGB),
        BillItem(
            id: "lambda-requests", title: "Lambda requests", price: "lambda.requests", quantity: "lambda_requests",
            kind: .usage, unit: "request"),
        BillItem(
            id: "lambda-duration-x86", title: "Lambda duration, x86_64 (init included)", price: "lambda.duration_x86",
            quantity: "lambda_gb_seconds_x86_64", kind: .usage, unit: "GB-second"),
        BillItem(
            id: "lambda-duration-arm64", title: "Lambda duration, arm64 (init included)",
            price: "lambda.duration_arm64", quantity: "lambda_gb_seconds_arm64", kind: .usage, unit: "GB-second"),
        BillItem(
            id: "dynamodb-reads", title: "DynamoDB on-demand read request units", price: "dynamodb.ondemand_read",
            quantity: "dynamodb_read_units", kind: .usage, unit: "read request unit"),
        BillItem(
            id: "dynamodb-writes", title: "DynamoDB on-demand write request units", price: "dynamodb.ondemand_write",
            quantity: "dynamodb_write_units", kind: .usage, unit: "write request unit"),
        BillItem(
            id: "step-functions-transitions", title: "Step Functions Standard state transitions",
            price: "step_functions.standard_state_transition", quantity: "step_functions_transitions", kind: .usage,
            unit: "state transition"),
        BillItem(
            id: "flow-logs-cloudwatch-logs", title: "Flow logs delivered to CloudWatch Logs (vended logs)",
            price: "flow_logs.vended_to_cloudwatch_logs", quantity: "flow_log_bytes_cloudwatch-logs", kind: .usage,
            unit: "GB", measuredPerUnit: bytesPerGB),
        BillItem(
            id: "flow-logs-s3", title: "Flow logs delivered to S3 (vended logs)", price: "flow_logs.vended_to_s3",
            quantity: "flow_log_bytes_s3", kind: .usage, unit: "GB", measuredPerUnit: bytesPerGB),
    ]
}
