import Foundation

/// `vpcsim import aws DIR`: the JSON the AWS CLI prints for `ec2 describe-*`, `lambda
/// list-functions` / `get-function-configuration` and `rds describe-db-instances`, one file per
/// call or several calls merged in one file, anywhere under DIR; and AWS Config snapshots and
/// configuration items (`.json`, or `.json.gz` as Config delivers them). A 12-digit folder name is an
/// account and a Region-shaped one a Region (`DIR/123456789012/us-east-1/…`, as collectors and
/// AWS Config lay them out). Files are read in path order; each resource is dispatched by the
/// top-level key its call prints (`Vpcs`, `Subnets`, …); pagination tokens are ignored.
public struct AWSDescribeImporter {
    public var directory: String
    /// The Region to import when the input holds several.
    public var region: String?

    public init(directory: String, region: String? = nil) { self.directory = directory; self.region = region }

    /// Top-level keys each call prints, and what vpcsim does with them.
    static let known: Set<String> = [
        "Vpcs", "Subnets", "RouteTables", "NetworkAcls", "SecurityGroups", "SecurityGroupRules", "InternetGateways",
        "EgressOnlyInternetGateways", "NatGateways", "VpcEndpoints", "PrefixLists", "Entries", "PrefixListEntries",
        "NetworkInterfaces", "Reservations", "Addresses", "VpcPeeringConnections", "TransitGateways",
        "TransitGatewayAttachments", "TransitGatewayVpcAttachments", "TransitGatewayRouteTables", "FlowLogs",
        "Functions", "DBInstances", "Configuration", "Associations", "TransitGatewayRouteTablePropagations", "Routes",
    ]
    static let ignored: Set<String> = [
        "NextToken", "Marker", "NextMarker", "ResponseMetadata", "PrefixListId", "AdditionalRoutesAvailable",
    ]

    /// One input file's parsed content and where it sits.
    struct File {
        var json: JSONValue
        var account: String?
        var region: String?
        var relative: String
    }

    public func run() throws(ImportError) -> ImportedTopology {
        let files = try readFiles()
        // The Region: from the folders, else from the files' availability zones.
        var regions = Set(files.compactMap(\.region))
        if regions.isEmpty {
            for f in files {
                for s in f.json.list("Subnets") {
                    if let z = s.string("AvailabilityZone") { regions.insert(String(z.dropLast())) }
                }
                for item in f.json.list("configurationItems") + f.json.list("baseConfigurationItems") {
                    if let r = item.string("awsRegion")
                        ?? AWSDescribeReader.arnRegion(item.string("ARN") ?? item.string("arn"))
                    {
                        regions.insert(r)
                    }
                }
            }
        }
        let chosen: String
        if let region {
            guard regions.isEmpty || regions.contains(region) else {
                throw ImportError(
                    Origin(file: directory, path: ""),
                    "--region \(region): the input holds \(regions.sorted().joined(separator: ", ")) only")
            }
            chosen = region
        } else if regions.count == 1 {
            chosen = regions.first!
        } else if regions.isEmpty {
            throw ImportError(
                Origin(file: directory, path: ""),
                "cannot tell the Region (no Region folder, no subnet's availability zone): give --region")
        } else {
            throw ImportError(
                Origin(file: directory, path: ""),
                "the input holds several Regions (\(regions.sorted().joined(separator: ", "))); a topology is one "
                    + "Region: give --region")
        }
        var reader = AWSDescribeReader(inventory: Inventory())
        reader.inventory.region = chosen
        let inRegion = files.filter { $0.region == nil || $0.region == chosen }
        let accounts = Set(inRegion.compactMap(\.account))
        if accounts.count == 1 { reader.inventory.account = accounts.first }
        for f in inRegion { try reader.read(f) }
        try reader.finish()
        var w = TopologyWriter(reader.inventory, command: "vpcsim import aws \(displayName)")
        var isDir: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: directory, isDirectory: &isDir)
        let root = isDir.boolValue ? directory : (directory as NSString).deletingLastPathComponent
        w.commentRoot = root.isEmpty || root.hasSuffix("/") ? root : root + "/"
        return try w.render()
    }

    var displayName: String { (directory as NSString).lastPathComponent + "/" }

    /// Every `.json` file under the directory (or the one file named), in path order.
    func readFiles() throws(ImportError) -> [File] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) else {
            throw ImportError(Origin(file: directory, path: ""), "no such file or directory")
        }
        var paths: [String] = []
        if isDir.boolValue {
            guard let e = FileManager.default.enumerator(atPath: directory) else {
                throw ImportError(Origin(file: directory, path: ""), "cannot list the directory")
            }
            while let p = e.nextObject() as? String {
                if p.hasSuffix(".json") || p.hasSuffix(".json.gz") { paths.append(p) }
            }
            paths.sort()
        } else {
            paths = [""]
        }
        guard !paths.isEmpty else { throw ImportError(Origin(file: directory, path: ""), "no .json files") }
        var out: [File] = []
        for p in paths {
            let full = p.isEmpty ? directory : directory + "/" + p
            let display = p.isEmpty ? (directory as NSString).lastPathComponent : p
            guard var data = FileManager.default.contents(atPath: full) else {
                throw ImportError(Origin(file: full, path: ""), "cannot read the file")
            }
            if full.hasSuffix(".gz") {
                guard let plain = gunzip(data) else {
                    throw ImportError(Origin(file: full, path: ""), "not a complete gzip file")
                }
                data = plain
            }
            var json = try JSONValue.parse(data, file: full, display: full)
            json = JSONValue(value: json.value, origin: Origin(file: full, path: "$"))
            var account: String?
            var region: String?
            for part in p.split(separator: "/").dropLast().map(String.init) {
                if part.count == 12, part.allSatisfy(\.isNumber) { account = part }
                if Self.isRegion(part) { region = part }
            }
            out.append(File(json: json, account: account, region: region, relative: display))
        }
        return out
    }

    static func isRegion(_ s: String) -> Bool {
        let parts = s.split(separator: "-")
        return parts.count >= 3 && parts[0].count == 2 && parts.last!.allSatisfy(\.isNumber)
            && parts[0].allSatisfy(\.isLetter)
    }
}
