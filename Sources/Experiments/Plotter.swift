import Foundation

/// The plots of an experiment, drawn by `Tools/plot-experiment` with matplotlib (in the Python
/// virtualenv `Tools/install-deps` makes) from `results.json` and `requests.csv.gz`, as SVG files
/// in `plots/`, which the report embeds.
struct Plotter: Sendable {
    var python: String
    var script: String

    /// The interpreter and script, checked before anything runs: `VPCSIM_PYTHON`, else
    /// `.build/pyenv/bin/python3` of the checkout, must import matplotlib.
    static func locate() throws -> Plotter {
        guard let root = ResourcePaths.root() else {
            throw ExperimentError(
                "cannot find Tools/plot-experiment (run from the vpcsim checkout, or set VPCSIM_ROOT)")
        }
        let python = ProcessInfo.processInfo.environment["VPCSIM_PYTHON"] ?? root + "/.build/pyenv/bin/python3"
        let p = Plotter(python: python, script: root + "/Tools/plot-experiment")
        guard FileManager.default.isExecutableFile(atPath: python),
            (try? p.execute(["-c", "import matplotlib"]))?.status == 0
        else {
            throw ExperimentError(
                "plots need Python with matplotlib at \(python): run Tools/install-deps (or give --no-plots)")
        }
        return p
    }

    /// Draws every plot into `directory/plots/`; returns each file's name and SVG text, in the
    /// order the report shows them.
    func draw(directory: String) throws -> [(name: String, svg: String)] {
        let r = try execute([script, directory])
        guard r.status == 0 else {
            throw ExperimentError("Tools/plot-experiment failed (exit \(r.status)):\n\(r.stderr.suffix(2000))")
        }
        let names = r.stdout.split(separator: "\n").map(String.init).filter { $0.hasSuffix(".svg") }
        guard !names.isEmpty else {
            throw ExperimentError("Tools/plot-experiment drew no plot:\n\(r.stderr.suffix(2000))")
        }
        return try names.map { n in
            guard let data = FileManager.default.contents(atPath: directory + "/plots/" + n) else {
                throw ExperimentError("Tools/plot-experiment listed plots/\(n) but did not write it")
            }
            return (n, String(decoding: data, as: UTF8.self))
        }
    }

    func execute(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["MPLBACKEND"] = "Agg"
        env["PYTHONHASHSEED"] = "0"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
