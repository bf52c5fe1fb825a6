// swift-tools-version:6.0
import PackageDescription

// An embedder's program: lists the pools and boot environments of a machine, or of a recorded
// scenario (`swift run list-boot-environments --replay ../../../Fixtures/scenarios/NAME`).
// It depends on KldloadCore by path, as a program inside the same checkout would; from another
// repository, use `.package(url: "https://…/kldload-swift", from: "…")` instead.
let package = Package(
    name: "ListBootEnvironments",
    dependencies: [.package(name: "kldload-swift", path: "../../..")],
    targets: [
        .executableTarget(
            name: "list-boot-environments",
            dependencies: [.product(name: "KldloadCore", package: "kldload-swift")],
            path: "Sources/ListBootEnvironments"
        )
    ]
)
