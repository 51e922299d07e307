import ArgumentParser
import Foundation
import Topology
import Import

/// `vpcsim import aws|cloudformation|terraform`: an input describing a network → a topology file.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write a topology from AWS describe-* JSON, a CloudFormation template or a Terraform plan or state.",
        discussion: """
            The topology holds the network (ids as the input has them, each entry commented with where it came \
            from); keep workloads in a file of your own that includes it (`include: FILE`), so a re-import \
            loses nothing. What vpcsim does not model is listed in one warning and in the file's header. A \
            problem in the input is one error naming the file and JSON path (or line); nothing is written.
            """,
        subcommands: [ImportAWS.self, ImportCloudFormation.self, ImportTerraform.self])
}

/// What every import shares: where the topology goes, and how it is checked and written.
struct ImportOutput: ParsableArguments {
    @Option(name: .shortAndLong, help: "The topology file to write.")
    var output: String

    @Flag(help: "Print no warning summary.")
    var quiet = false

    /// Checks the text with the loader (a problem is traced back to the input entry), then writes
    /// it under a temporary name and renames it; on any error nothing is written.
    func write(_ make: () throws(ImportError) -> ImportedTopology) throws {
        let imported: ImportedTopology
        do {
            imported = try make()
        } catch {
            fail("\(error)")
        }
        do {
            _ = try TopologyLoader.load(yaml: imported.text, file: output)
        } catch {
            let origin = imported.origin(ofLine: error.line)
            let from = origin.map { " (from \($0.file) \($0.path))" } ?? ""
            fail("the imported topology does not load: \(error.message)\(from)")
        }
        let temporary = output + ".tmp-\(getpid())"
        do {
            let parent = (output as NSString).deletingLastPathComponent
            if !parent.isEmpty {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            }
            try imported.text.write(toFile: temporary, atomically: false, encoding: .utf8)
            if FileManager.default.fileExists(atPath: output) { try FileManager.default.removeItem(atPath: output) }
            try FileManager.default.moveItem(atPath: temporary, toPath: output)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            fail("cannot write \(output): \(error)")
        }
        if !quiet && !imported.warningSummary.isEmpty {
            FileHandle.standardError.write(Data(("vpcsim: warning: " + imported.warningSummary).utf8))
        }
    }

    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("vpcsim: error: \(message)\n".utf8))
        ImportCommand.exit(withError: ExitCode(2))
    }
}

struct ImportAWS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws",
        abstract: "From describe-* JSON (AWS CLI output, one file per call or merged) or AWS Config snapshots.")

    @Argument(help: "A directory of .json files (account/Region folders allowed), or one .json file.")
    var input: String

    @Option(help: "The Region to import when the input holds several.")
    var region: String?

    @OptionGroup var out: ImportOutput

    func run() throws {
        try out.write { () throws(ImportError) in try AWSDescribeImporter(directory: input, region: region).run() }
    }
}

struct ImportCloudFormation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cloudformation",
        abstract: "From a CloudFormation template (YAML or JSON), as the stack it would create.")

    @Argument(help: "The template.")
    var template: String

    @Option(parsing: .upToNextOption, help: "Parameter values, KEY=VALUE (override the template's defaults).")
    var parameters: [String] = []

    @Option(help: "The Region the stack is created in (AWS::Region).")
    var region = "us-east-1"

    @Option(help: "The account (AWS::AccountId).")
    var account = "123456789012"

    @Option(help: "The stack's name (AWS::StackName; default: the template's file name).")
    var stackName: String?

    @OptionGroup var out: ImportOutput

    func validate() throws {
        for p in parameters where !p.contains("=") {
            throw ValidationError("--parameters takes KEY=VALUE, not '\(p)'")
        }
    }

    func run() throws {
        var values: [String: String] = [:]
        for p in parameters {
            let i = p.firstIndex(of: "=")!
            values[String(p[..<i])] = String(p[p.index(after: i)...])
        }
        let name = stackName ?? ((template as NSString).lastPathComponent as NSString).deletingPathExtension
        try out.write { () throws(ImportError) in
            try CloudFormationImporter(
                path: template, parameters: values, region: region, account: account, stackName: name
            ).run()
        }
    }
}

struct ImportTerraform: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "terraform",
        abstract: "From `terraform show -json` of a plan (what applying it would create) or of a state.")

    @Argument(help: "The JSON file (`terraform show -json tfplan > plan.json`, or of the state).")
    var input: String

    @Option(help: "The Region (default: the aws provider's region, else the subnets' availability zones).")
    var region: String?

    @Option(help: "The account, when the input shows none (owner ids, ARNs).")
    var account = "123456789012"

    @OptionGroup var out: ImportOutput

    func run() throws {
        try out.write { () throws(ImportError) in
            try TerraformImporter(path: input, region: region, account: account).run()
        }
    }
}
