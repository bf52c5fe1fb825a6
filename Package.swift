// swift-tools-version:6.0
import PackageDescription

// kldload-swift: safe OS upgrades and boot environments for Linux on ZFS.
// No package dependencies and no C targets, by design (see Docs/DESIGN.md).
// Linux only (glibc, /proc, ZFS on Linux): no `platforms:` line pretends otherwise
// (Docs/DESIGN.md, "Concurrency and platforms").
let package = Package(
    name: "kldload-swift",
    products: [
        .library(name: "KldloadCore", targets: ["KldloadCore"]),
        .executable(name: "kupgrade", targets: ["kupgrade"]),
        .executable(name: "kbe", targets: ["kbe"]),
        .executable(name: "kldload", targets: ["kldload"]),
    ],
    targets: [
        .target(name: "KldloadCore"),
        .executableTarget(name: "kupgrade", dependencies: ["KldloadCore"]),
        .executableTarget(name: "kbe", dependencies: ["KldloadCore"]),
        // The installed binary: kbe and kupgrade in one file, dispatched on argv[0] (Docs/INSTALL.md).
        .executableTarget(name: "kldload", dependencies: ["KldloadCore"]),
        .executableTarget(name: "kldload-bench", dependencies: ["KldloadCore", "kbe", "kupgrade"]),  // Docs/PERFORMANCE.md
        // A tiny child program the runner tests start: floods both pipes, waits for signals.
        .executableTarget(name: "kldload-testchild"),
        .testTarget(
            name: "KldloadCoreTests",
            dependencies: ["KldloadCore", "kldload-testchild"]
        ),
    ]
)
