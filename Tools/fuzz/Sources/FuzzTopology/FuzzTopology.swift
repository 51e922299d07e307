import Topology

/// libFuzzer's entry point: one input, loaded as a topology file. The loader must return a
/// scenario or throw a TopologyError of one line located in the file; a crash, a hang
/// (libFuzzer's -timeout), a leak or an out-of-memory (-rss_limit_mb) is a finding, kept in
/// Tools/fuzz/crashers.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTopology(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    do {
        _ = try TopologyLoader.load(yaml: text, file: "fuzz.yaml")
    } catch {
        let d = error.description
        if !d.hasPrefix("fuzz.yaml") || d.contains("\n") { fatalError("an error that is not one located line: \(d)") }
    }
    return 0
}

/// libFuzzer's driver, from the runtime that -sanitize=fuzzer links.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The executable's entry point: SwiftPM names it `<module>_main` and makes it `main`, so
/// libFuzzer's own `main` is not used; this one enters the same driver.
@_cdecl("fuzz_topology_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { fuzzTopology($0, $1) }
}
