import Foundation
import Cost

/// An error with a message meant for the user.
public struct ExperimentError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Prices measured usage, and reads it back from a run's `summary.json`.
public enum Pricing {
    /// The bill of `usage` in `region`, or an error naming the Regions the catalog has.
    public static func price(_ usage: MeasuredUsage, catalog: PriceCatalog, region: String) throws -> CostBreakdown {
        guard catalog.regions.contains(region) else {
            throw ExperimentError(
                "the price catalog has no prices for \(region) (it has \(catalog.regions.joined(separator: ", ")))")
        }
        return CostModel.price(usage, catalog: catalog, region: region)
    }

    public static func json(_ b: CostBreakdown) throws -> String {
        String(decoding: try encoder().encode(b), as: UTF8.self)
    }

    static func encoder() -> JSONEncoder {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.keyEncodingStrategy = .convertToSnakeCase
        enc.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return enc
    }
}

/// The `usage` section of a run's `summary.json`.
public enum SummaryFile {
    struct UsageOnly: Decodable { var usage: MeasuredUsage }

    public static func usage(_ path: String) throws -> MeasuredUsage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExperimentError("\(path): cannot read it (give a run's output directory or its summary.json)")
        }
        do {
            return try JSONDecoder().decode(UsageOnly.self, from: data).usage
        } catch {
            throw ExperimentError("\(path): no usage section this vpcsim can read (\(error))")
        }
    }
}

/// Files vpcsim reads beside its binary: the price catalog and the plotting script. Found from
/// the working directory, then from the executable's location (`.build/<config>/vpcsim` in a
/// checkout); `VPCSIM_ROOT` overrides both.
public enum ResourcePaths {
    public static func root() -> String? {
        let fm = FileManager.default
        if let r = ProcessInfo.processInfo.environment["VPCSIM_ROOT"] { return r }
        let cwd = fm.currentDirectoryPath
        if fm.fileExists(atPath: cwd + "/Topologies/prices") { return cwd }
        var dir = (CommandLine.arguments[0] as NSString).deletingLastPathComponent
        if !dir.hasPrefix("/") { dir = cwd + "/" + dir }
        for _ in 0..<5 {
            if fm.fileExists(atPath: dir + "/Topologies/prices") { return dir }
            dir = (dir as NSString).deletingLastPathComponent
        }
        return nil
    }

    /// `Topologies/prices`.
    public static func prices() throws -> String {
        guard let r = root() else {
            throw ExperimentError("cannot find Topologies/prices (run from the vpcsim checkout, or set VPCSIM_ROOT)")
        }
        return r + "/Topologies/prices"
    }
}
