import ArgumentParser
import Export
import Foundation
import Topology

/// `vpcsim export aws TOPOLOGY --output DIR`: the topology's network as describe-* JSON.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a topology's network as the JSON AWS prints for it (the inverse of `vpcsim import`).",
        subcommands: [ExportAWS.self])
}

struct ExportAWS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws",
        abstract: "As describe-* JSON, one file per call, under DIR/<account>/<region>/ as collectors lay it out.",
        discussion: """
            The files are what `aws ec2 describe-vpcs`, `describe-subnets`, … `lambda list-functions` and \
            `rds describe-db-instances` would print for the topology's network; `vpcsim import aws DIR` reads \
            them back into the same network. Workloads, traffic and captures are not AWS resources and are \
            not written. DIR must not exist or be empty; on any error nothing is written.
            """)

    @Argument(help: "The topology file (YAML).")
    var topology: String

    @Option(name: .shortAndLong, help: "The directory to write (must not exist, or be empty).")
    var output: String

    func run() throws {
        let scenario: Scenario
        do {
            scenario = try TopologyLoader.load(path: topology)
        } catch {
            fail("\(error)")
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDir) {
            guard isDir.boolValue, (try? FileManager.default.contentsOfDirectory(atPath: output))?.isEmpty == true
            else {
                fail("\(output) exists and is not an empty directory: give a new one")
            }
        }
        // Elastic Load Balancing has its own APIs (elbv2 describe-load-balancers, describe-listeners,
        // describe-target-groups) that the export does not write yet; exporting the rest would
        // give a network whose load balancer nodes' interfaces import as strays.
        if let lb = scenario.network.loadBalancers.first {
            fail(
                "\(topology): load balancer \(lb.name) cannot be exported: vpcsim export aws does not write "
                    + "Elastic Load Balancing (elbv2 describe-load-balancers, describe-listeners, "
                    + "describe-target-groups) yet; remove 'load-balancers:' to export the rest")
        }
        let export = AWSExport(scenario)
        let folder = "\(export.account)/\(export.region)"
        // Written beside the destination, then moved into place.
        let temporary =
            output.hasSuffix("/") ? String(output.dropLast()) + ".tmp-\(getpid())" : output + ".tmp-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: temporary + "/" + folder, withIntermediateDirectories: true)
            for (file, json) in export.documents() {
                try AWSExport.text(json).write(
                    toFile: temporary + "/\(folder)/\(file)", atomically: false, encoding: .utf8)
            }
            if FileManager.default.fileExists(atPath: output) { try FileManager.default.removeItem(atPath: output) }
            try FileManager.default.moveItem(atPath: temporary, toPath: output)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            fail("cannot write \(output): \(error)")
        }
        print("wrote \(export.documents().count) files to \(output)/\(folder)/")
    }

    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("vpcsim: error: \(message)\n".utf8))
        ExportCommand.exit(withError: ExitCode(2))
    }
}
