// swift-tools-version:6.0
// vpcsim — a packet-level discrete-event simulator of AWS VPC networking.
//
// Each target declares exactly the modules it imports (A → B means A imports B):
//   SimCore, Wire → NetModel → Transport → Workloads ─┐
//                   NetModel → Capture ────────────────┴→ Topology → Experiments → vpcsim (CLI)
//   SimCore, Wire → Messages (TLS with swift-crypto and swift-certificates, application
//                   messages) ← Workloads, Capture, Topology
// Benchmarks (`vpcsim bench`) sits beside Experiments and measures the layers from outside; Import
// (`vpcsim import`) beside them turns AWS describe-* JSON, CloudFormation and Terraform into topology text,
// and Export (`vpcsim export`) turns a loaded topology back into describe-* JSON.
// SimCore knows nothing of packets; Wire knows nothing of time; NetModel knows nothing of pcap
// or flow-log text — captures observe the model from outside through its tap log, and know no
// YAML: Topology builds their specifications.
import PackageDescription

let package = Package(
    name: "vpcsim",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vpcsim", targets: ["vpcsim"]),
        // For the fuzzing package in Tools/fuzz, which depends on this one by path.
        .library(name: "VPCSimTopology", targets: ["Topology"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        .target(name: "SimCore"),
        .target(name: "Wire"),
        .target(name: "NetModel", dependencies: ["SimCore", "Wire"]),
        .target(
            name: "Messages",
            dependencies: [
                "SimCore", "Wire", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
        .target(name: "Transport", dependencies: ["SimCore", "Wire", "NetModel"]),
        .target(
            name: "Workloads",
            dependencies: [
                "SimCore", "Wire", "NetModel", "Transport", "Messages",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]),
        // Topology also imports CYaml, the libyaml module Yams builds and exports: its budget pass
        // reads libyaml's events before Yams composes the document (YAMLBudget.swift).
        .target(
            name: "Topology",
            dependencies: [
                "SimCore", "Wire", "NetModel", "Messages", "Workloads", "Capture", "Cost", "Yams",
            ],
            // The Region catalog (regions.yaml and the pinned, trimmed ip-ranges.json), read at load time.
            resources: [.copy("Catalog")]),
        // Cost: the price catalog's values, bill items and their arithmetic; knows no YAML and no model.
        .target(name: "Cost"),
        .systemLibrary(
            name: "CPcap", pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(name: "Capture", dependencies: ["SimCore", "Wire", "NetModel", "Messages", "CPcap", "CZlib"]),
        .target(
            name: "Experiments",
            dependencies: [
                "SimCore", "Wire", "NetModel", "Transport", "Workloads", "Topology", "Capture", "Cost",
            ]),
        // The importers read AWS describe-* JSON (and AWS Config snapshots, gzipped as Config
        // delivers them: CZlib), CloudFormation and Terraform and write topology YAML text; the
        // loader validates it. Topology only for the Region catalog and the ids the loader derives.
        .target(name: "Import", dependencies: ["SimCore", "Topology", "Yams", "CZlib"]),
        // `vpcsim export aws`: a loaded topology as describe-* JSON (reads the model; Foundation's JSON).
        .target(name: "Export", dependencies: ["SimCore", "Wire", "NetModel", "Workloads", "Capture", "Topology"]),
        .target(
            name: "Benchmarks", dependencies: ["SimCore", "Wire", "NetModel", "Capture", "Topology", "Experiments"]),
        .executableTarget(
            name: "vpcsim",
            dependencies: [
                "Experiments", "Benchmarks", "Topology", "Cost", "SimCore", "Import", "Export",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .target(name: "TestSupport", dependencies: ["SimCore", "Wire", "NetModel"], path: "Tests/TestSupport"),
        .testTarget(name: "SimCoreTests", dependencies: ["SimCore", "TestSupport"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "SimCore"]),
        .testTarget(
            name: "MessagesTests",
            dependencies: [
                "Messages", "Wire", "SimCore", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
        .testTarget(name: "NetModelTests", dependencies: ["NetModel", "Wire", "SimCore", "TestSupport"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "NetModel", "SimCore", "Wire", "TestSupport"]),
        .testTarget(
            name: "WorkloadsTests",
            dependencies: ["Workloads", "Messages", "Transport", "NetModel", "Wire", "SimCore", "TestSupport"]),
        .testTarget(
            name: "TopologyTests",
            dependencies: ["Topology", "NetModel", "Workloads", "Messages", "Wire", "TestSupport"]),
        .testTarget(
            name: "CaptureTests", dependencies: ["Capture", "Topology", "NetModel", "Wire", "SimCore", "TestSupport"]),
        // ImportTests runs the vpcsim binary on imported topologies, besides importing Import.
        .testTarget(name: "ImportTests", dependencies: ["Import", "Topology", "TestSupport", "vpcsim"]),
        // ExportTests runs `vpcsim export` and `vpcsim import` and compares the loaded networks.
        .testTarget(
            name: "ExportTests",
            dependencies: ["Topology", "NetModel", "Workloads", "Capture", "TestSupport", "vpcsim"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks"]),
        .testTarget(name: "CostTests", dependencies: ["Cost", "Topology", "TestSupport"]),
        // EndToEndTests runs the vpcsim binary (hence the dependency), besides importing the rest.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Experiments", "Topology", "Cost", "SimCore", "Wire", "NetModel", "TestSupport", "vpcsim"]),
    ],
    swiftLanguageModes: [.v6]
)
