// swift-tools-version:6.0
// The libFuzzer harness over vpcsim's topology loader, kept out of the project's own build:
// it is built only with the sanitizers, by Tools/fuzz/run
// (swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library).
import PackageDescription

// A package depended on by path is named after its directory, whatever the clone is called.
let root = Context.packageDirectory.split(separator: "/").dropLast(2).last.map(String.init) ?? "vpcsim"

let package = Package(
    name: "vpcsim-fuzz",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "fuzz-topology",
            dependencies: [.product(name: "VPCSimTopology", package: root)],
            path: "Sources/FuzzTopology")
    ],
    swiftLanguageModes: [.v6]
)
