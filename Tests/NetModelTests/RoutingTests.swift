import Testing
import Wire
@testable import NetModel

/// Route priority (https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html): longest prefix first;
/// on equal length a CIDR route beats a prefix-list route; the local route covers the VPC.
@Suite struct RoutingTests {
    let dynamo = PrefixList(
        id: "pl-02cd2c6b", name: "com.amazonaws.us-east-1.dynamodb",
        cidrs: [CIDR("52.94.0.0/22")!, CIDR("3.218.180.0/22")!], awsService: "dynamodb")

    func compile(_ routes: [Route], lists: [PrefixList]? = nil) -> CompiledRouteTable {
        let rt = RouteTable(id: "rtb-00000001", vpc: VPCIndex(0), routes: routes, isMain: false)
        return CompiledRouteTable(
            rt, index: RouteTableIndex(0), localCIDRs: [CIDR("10.0.0.0/16")!], prefixLists: lists ?? [dynamo])
    }
    let local = Route(destination: .cidr(CIDR("10.0.0.0/16")!), target: .local)
    let defaultToNAT = Route(destination: .cidr(CIDR("0.0.0.0/0")!), target: .natGateway(NATGatewayIndex(0)))
    let endpoint = Route(
        destination: .prefixList(PrefixListIndex(0)), target: .gatewayEndpoint(GatewayEndpointIndex(0)))

    @Test func localRouteCoversTheVPC() {
        let t = compile([local, defaultToNAT])
        #expect(t.lookup(IPAddress("10.0.7.9")!)?.target == .local)
        #expect(t.lookup(IPAddress("8.8.8.8")!)?.target == .natGateway(NATGatewayIndex(0)))
    }

    @Test func prefixListRouteBeatsTheDefaultRouteBecauseItIsMoreSpecific() {
        let t = compile([local, defaultToNAT, endpoint])
        let d = t.lookup(IPAddress("52.94.1.10")!)
        #expect(d?.target == .gatewayEndpoint(GatewayEndpointIndex(0)))
        #expect(d?.matchedPrefix == CIDR("52.94.0.0/22")!)
        #expect(t.lookup(IPAddress("52.95.0.1")!)?.target == .natGateway(NATGatewayIndex(0)))
    }

    @Test func moreSpecificCIDRRouteBeatsThePrefixList() {
        // The doc's example: 54.123.165.0/24 → igw beats the S3 list's 54.123.160.0/19.
        let s3 = PrefixList(id: "pl-63a5400a", name: "s3", cidrs: [CIDR("54.123.160.0/19")!], awsService: "s3")
        let specific = Route(
            destination: .cidr(CIDR("54.123.165.0/24")!), target: .internetGateway(InternetGatewayIndex(0)))
        let t = compile([local, endpoint, specific], lists: [s3])
        #expect(t.lookup(IPAddress("54.123.165.4")!)?.target == .internetGateway(InternetGatewayIndex(0)))
        #expect(t.lookup(IPAddress("54.123.170.4")!)?.target == .gatewayEndpoint(GatewayEndpointIndex(0)))
    }

    @Test func equalPrefixCIDRRouteWinsOverPrefixListRoute() {
        let cidr = Route(destination: .cidr(CIDR("52.94.0.0/22")!), target: .natGateway(NATGatewayIndex(1)))
        // Listed after the prefix-list route, still wins on the tie.
        let t = compile([local, endpoint, cidr])
        #expect(t.lookup(IPAddress("52.94.2.2")!)?.target == .natGateway(NATGatewayIndex(1)))
        // The list's other range still goes to the endpoint.
        #expect(t.lookup(IPAddress("3.218.181.1")!)?.target == .gatewayEndpoint(GatewayEndpointIndex(0)))
    }

    @Test func noRouteAndBlackhole() {
        let hole = Route(destination: .cidr(CIDR("192.168.0.0/16")!), target: .blackhole)
        let t = compile([local, hole])
        #expect(t.lookup(IPAddress("52.94.0.1")!) == nil)
        let d = t.lookup(IPAddress("192.168.3.3")!)
        #expect(d?.target == .blackhole)
        #expect(d?.route == 1)
    }
}
