/// Where each kind of resource comes from, per input, as errors about a missing one name it.
enum SourceHints {
    static let aws: [String: String] = [
        "VPC": "describe-vpcs", "subnet": "describe-subnets", "route table": "describe-route-tables",
        "network ACL": "describe-network-acls", "security group": "describe-security-groups",
        "internet gateway": "describe-internet-gateways", "NAT gateway": "describe-nat-gateways",
        "prefix list": "describe-managed-prefix-lists and its entries", "instance": "describe-instances",
        "network interface of an instance": "describe-instances",
        "network interface of an instance or a NAT gateway": "describe-instances, describe-nat-gateways",
        "egress-only internet gateway": "describe-egress-only-internet-gateways",
        "VPC peering connection": "describe-vpc-peering-connections", "transit gateway": "describe-transit-gateways",
        "transit gateway attachment": "describe-transit-gateway-vpc-attachments",
    ]
    static let cloudFormation: [String: String] = [
        "VPC": "AWS::EC2::VPC", "subnet": "AWS::EC2::Subnet", "route table": "AWS::EC2::RouteTable",
        "network ACL": "AWS::EC2::NetworkAcl", "security group": "AWS::EC2::SecurityGroup",
        "internet gateway": "AWS::EC2::InternetGateway", "NAT gateway": "AWS::EC2::NatGateway",
        "prefix list": "AWS::EC2::PrefixList", "instance": "AWS::EC2::Instance",
        "network interface of an instance": "AWS::EC2::Instance",
        "network interface of an instance or a NAT gateway": "AWS::EC2::Instance, AWS::EC2::NatGateway",
    ]
    static let terraform: [String: String] = [
        "VPC": "aws_vpc or data.aws_vpc", "subnet": "aws_subnet or data.aws_subnet",
        "route table": "aws_route_table", "network ACL": "aws_network_acl", "security group": "aws_security_group",
        "internet gateway": "aws_internet_gateway", "NAT gateway": "aws_nat_gateway",
        "prefix list": "aws_ec2_managed_prefix_list", "instance": "aws_instance",
        "network interface of an instance": "aws_instance",
        "network interface of an instance or a NAT gateway": "aws_instance, aws_nat_gateway",
    ]
}
