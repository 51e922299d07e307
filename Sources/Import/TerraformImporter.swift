import Foundation

/// `vpcsim import terraform FILE`: `terraform show -json` of a plan (what applying it would
/// create; values unknown until apply are derived deterministically, following the
/// configuration's references) or of a state (what exists). Origins are resource addresses.
public struct TerraformImporter {
    public var path: String
    /// The Region (default: the aws provider's `region`, else the subnets' zones).
    public var region: String?
    /// The account, when the input does not show one (owner ids, ARNs).
    public var account: String

    public init(path: String, region: String? = nil, account: String = "123456789012") {
        self.path = path; self.region = region; self.account = account
    }

    public func run() throws(ImportError) -> ImportedTopology {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImportError(Origin(file: path, path: ""), "cannot read the file")
        }
        let json = try JSONValue.parse(data, file: path, display: path)
        var doc = try TFDocument(json, file: path)
        doc.account = Self.account(in: doc) ?? account
        if let region {
            doc.region = region
        } else if let r = try Self.region(in: &doc) {
            doc.region = r
        } else {
            throw ImportError(
                Origin(file: path, path: ""),
                "cannot tell the Region (no aws provider region, no subnet's availability zone): give --region")
        }
        var reader = TFReader(doc: doc)
        reader.inventory.region = doc.region
        reader.inventory.account = doc.account
        try reader.run()
        var w = TopologyWriter(
            reader.inventory,
            command: "vpcsim import terraform \((path as NSString).lastPathComponent)"
                + " (\(doc.isPlan ? "a plan" : "a state")\(doc.terraformVersion.map { ", Terraform \($0)" } ?? ""))")
        w.sources = SourceHints.terraform
        let dir = (path as NSString).deletingLastPathComponent
        w.commentRoot = dir.isEmpty ? "" : dir + "/"
        return try w.render()
    }

    /// The aws provider's region (a constant or a variable), else the zones of the subnets.
    static func region(in doc: inout TFDocument) throws(ImportError) -> String? {
        if let e = doc.configuration?["provider_config"]?["aws"]?["expressions"]?["region"],
            let r = try doc.resolve(
                e, in: .init(module: "", key: nil), list: false, at: Origin(file: doc.file, path: "provider.aws.region")
            )
            .first
        {
            return r
        }
        for x in doc.instances where x.type == "aws_subnet" {
            if let z = x.values.string("availability_zone"), !z.isEmpty { return String(z.dropLast()) }
        }
        for x in doc.instances {
            if let arn = x.values.string("arn"), arn.hasPrefix("arn:aws:") {
                let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
                if parts.count > 3, !parts[3].isEmpty { return String(parts[3]) }
            }
        }
        return nil
    }

    /// The account the input shows: an owner id, or an ARN's account.
    static func account(in doc: TFDocument) -> String? {
        for x in doc.instances {
            if let o = x.values.string("owner_id"), o.count == 12, o.allSatisfy(\.isNumber) { return o }
        }
        for x in doc.instances {
            if let arn = x.values.string("arn") {
                let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
                if parts.count > 4, parts[4].count == 12, parts[4].allSatisfy(\.isNumber) { return String(parts[4]) }
            }
        }
        return nil
    }
}
