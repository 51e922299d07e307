import Foundation
import Testing
import TestSupport

/// `vpcsim import aws` of peering connections and transit gateways whose pieces are missing from
/// the input: one error naming the file, the JSON path and the id, nothing written. (Complete
/// inputs round-trip in Tests/ExportTests.)
@Suite struct ImportInterconnectTests {
    var binary: String { vpcsimBinary() }

    func exported(_ topology: String, without file: String) throws -> String {
        let dir = temporaryDirectory("import-interconnect")
        let e = runProgram(
            binary, ["export", "aws", repositoryRoot() + "/Topologies/\(topology).yaml", "--output", dir + "/aws"])
        try #require(e.status == 0, "\(e.stderr)")
        try FileManager.default.removeItem(atPath: dir + "/aws/123456789012/us-east-1/" + file)
        return dir
    }

    @Test func aRouteToAMissingPeeringConnectionIsLocated() throws {
        let dir = try exported("vpc-peering", without: "describe-vpc-peering-connections.json")
        let r = runProgram(binary, ["import", "aws", dir + "/aws", "--output", dir + "/out.yaml"])
        #expect(r.status != 0)
        #expect(
            r.stderr.contains("describe-route-tables.json: $.RouteTables[")
                && r.stderr.contains(".VpcPeeringConnectionId: no VPC peering connection 'pcx-0a1b2c3d4e5f6072")
                && r.stderr.contains("(describe-vpc-peering-connections)"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.yaml"))
    }

    @Test func associationsOfAMissingTransitGatewayRouteTableAreLocated() throws {
        let dir = try exported("transit-gateway-three-vpcs", without: "describe-transit-gateway-route-tables.json")
        let r = runProgram(binary, ["import", "aws", dir + "/aws", "--output", dir + "/out.yaml"])
        #expect(r.status != 0)
        #expect(
            r.stderr.contains("no transit gateway route table 'tgw-rtb-0c1d2e3f4a5b6096")
                && r.stderr.contains("(describe-transit-gateway-route-tables)"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.yaml"))
    }

    @Test func anAttachmentOfAMissingTransitGatewayIsLocated() throws {
        let dir = try exported("transit-gateway-three-vpcs", without: "describe-transit-gateways.json")
        let r = runProgram(binary, ["import", "aws", dir + "/aws", "--output", dir + "/out.yaml"])
        #expect(r.status != 0)
        #expect(
            r.stderr.contains(
                "describe-transit-gateway-vpc-attachments.json: $.TransitGatewayVpcAttachments[0].TransitGatewayId: "
                    + "no transit gateway 'tgw-0c1d2e3f4a5b60901' in the input (describe-transit-gateways)"),
            "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.yaml"))
    }
}
