import Foundation
import Testing

@testable import KldloadCore

/// Step 11's summary is a pure function of the run's outcome; these are the outputs that
/// Docs/KUPGRADE.md shows, read from the document itself so that the two cannot drift apart.
@Suite struct UpgradeSummaryTests {
    static let checkpoint = "pre-upgrade-20260325-091530"

    /// The lines of the fenced block of Docs/KUPGRADE.md's "Output" section that contains
    /// `first`, from `first` on.
    static func documented(from first: String) throws -> [String] {
        let doc = try String(contentsOf: Fixtures.root.deletingLastPathComponent().appendingPathComponent("Docs/KUPGRADE.md"),
                             encoding: .utf8)
        let lines = doc.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let section = try #require(lines.firstIndex(of: "## Output"), "Docs/KUPGRADE.md has no Output section")
        let start = try #require(lines[section...].firstIndex(of: first), "Docs/KUPGRADE.md's Output has no line \(first)")
        let end = try #require(lines[start...].firstIndex(of: "```"))
        return Array(lines[start..<end])
    }

    static func kernel(_ release: String, bootsNext: Bool, usable: Bool) -> KernelModuleReport {
        KernelModuleReport(kernel: release, bootsNext: bootsNext, zfs: [
            ZFSModuleCheck(module: "zfs", delivery: .dkms, state: usable ? .ok : .missing),
            ZFSModuleCheck(module: "spl", delivery: .dkms, state: usable ? .ok : .missing),
        ])
    }

    static func render(_ report: UpgradeReport, _ plan: UpgradePlan, _ verification: ModuleVerification) -> [String] {
        UpgradeSummary.lines(
            report: report, plan: plan, verification: verification,
            signing: SigningReport(secureBoot: "not active", enforcing: false), reboot: RebootRequirement(),
            checkpoint: checkpoint, be: "rpool/ROOT/default", logPath: "/var/log/kupgrade.log"
        ).map(\.text)
    }

    @Test func successIsTheDocumentedSummary() throws {
        var report = UpgradeReport()
        report.rollbackCommand = "kbe activate \(Self.checkpoint) && reboot"
        let plan = UpgradePlan(
            items: [
                .init(name: "libc6", action: .upgrade, currentVersion: "2.36-9+deb12u7", newVersion: "2.36-9+deb12u8"),
                .init(name: "linux-image-amd64", action: .upgrade, currentVersion: "6.1.90-1", newVersion: "6.1.94-1"),
                .init(name: "linux-image-6.1.0-21-amd64", action: .install, newVersion: "6.1.90-1"),
                .init(name: "old-tool", action: .remove, currentVersion: "1.0"),
            ],
            newKernels: ["6.1.0-21-amd64"])
        let verification = ModuleVerification(kernels: [Self.kernel("6.1.0-21-amd64", bootsNext: true, usable: true)])
        #expect(Self.render(report, plan, verification) == (try Self.documented(from: "[kupgrade] DONE")))
    }

    @Test func aModuleThatCannotLoadIsTheDocumentedWarning() throws {
        var report = UpgradeReport()
        report.rollbackCommand = "kbe activate \(Self.checkpoint) && reboot"
        let plan = UpgradePlan(items: [.init(name: "linux-image-6.1.0-22-amd64", action: .install, newVersion: "6.1.94-1")],
                               newKernels: ["6.1.0-22-amd64"])
        let verification = ModuleVerification(
            kernels: [Self.kernel("6.1.0-21-amd64", bootsNext: false, usable: true),
                      Self.kernel("6.1.0-22-amd64", bootsNext: true, usable: false)],
            nextBootKernel: "6.1.0-22-amd64",
            findings: [ModuleFinding(severity: .critical, kernel: "6.1.0-22-amd64", module: "zfs",
                                     message: "ERROR: DKMS build failed for kernel 6.1.0-22-amd64",
                                     buildLog: "/var/lib/dkms/zfs/2.1.11/build/make.log")])
        #expect(Self.render(report, plan, verification)
            == (try Self.documented(from: "[kupgrade] DKMS FAILURE — upgrade complete but ZFS may not load on new kernel 6.1.0-22-amd64")))
    }

    /// The way back defaults to activating the checkpoint; an interrupted run says so first.
    @Test func interruptedRunSaysWhatRan() {
        var report = UpgradeReport()
        report.interrupted = "SIGINT"
        let lines = Self.render(report, UpgradePlan(items: [.init(name: "a", action: .upgrade)]), ModuleVerification())
        #expect(lines.first == "[kupgrade] INTERRUPTED (SIGINT) — stopped at a safe point; autoremove and retention were skipped")
        #expect(lines.contains("  upgraded: 0 packages (interrupted; see /var/log/kupgrade.log)"))
        #expect(lines.suffix(2) == ["To roll back:", "  kbe activate \(Self.checkpoint) && reboot"])
    }
}
