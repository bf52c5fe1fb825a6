import Foundation
import Testing

@testable import KldloadCore

/// Reboot required: each distribution's own mechanism, in the summary and the JSON report.
@Suite("reboot required")
struct RebootRequirementTests {
    @Test func debianFlagNamesTheRequestingPackagesOnce() {
        let r = RebootRequirement.assess(
            manager: .apt, newKernels: [], transactionPackages: ["libc6", "openssl"],
            flag: "*** System restart required ***\n", flaggedPackages: "libc6\ndbus\nlibc6\n\n")
        #expect(r.required)
        #expect(r.reasons == [.distributionFlag(packages: ["libc6", "dbus"])])
        #expect(r.reasons.map(\.description) == ["/run/reboot-required (requested by libc6, dbus)"])
    }

    @Test func debianWithoutTheFlagTrustsTheDistribution() {
        // apt upgraded libc6, but no maintainer script asked for a reboot: none is reported.
        let r = RebootRequirement.assess(
            manager: .apt, newKernels: [], transactionPackages: ["libc6"], flag: nil, flaggedPackages: nil)
        #expect(!r.required)
        #expect(r.reasons.isEmpty)
    }

    @Test func dnfUsesNeedsRestartingsPackageList() {
        let r = RebootRequirement.assess(
            manager: .dnf, newKernels: [], transactionPackages: ["glibc", "bash", "systemd", "glibc", "kernel-headers"],
            flag: "ignored on dnf", flaggedPackages: nil)
        #expect(r.reasons == [.corePackage("glibc"), .corePackage("systemd")])
        #expect(r.reasonsBeyondNewKernels.count == 2)
    }

    @Test func aNewKernelIsNotSaidTwice() {
        let r = RebootRequirement.assess(
            manager: .dnf, newKernels: ["5.14.0-570.17.1.el9_6.x86_64"], transactionPackages: ["kernel", "kmod-zfs"],
            flag: nil, flaggedPackages: nil)
        #expect(r.reasons == [.newKernel("5.14.0-570.17.1.el9_6.x86_64")])
        #expect(r.reasonsBeyondNewKernels.isEmpty)
    }

    @Test func archCorePackages() {
        let r = RebootRequirement.assess(
            manager: .pacman, newKernels: [], transactionPackages: ["systemd-libs", "zfs-utils", "kernel"],
            flag: nil, flaggedPackages: nil)
        #expect(r.reasons == [.corePackage("systemd-libs")])
    }

    /// The recorded Debian 12 run, with the flag files a libc6 upgrade leaves in /run: the
    /// summary says so, and the JSON report carries the reason.
    @Test func recordedDebianRunReportsTheFlag() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("kupgrade-reboot-\(UUID().uuidString)")
        try fm.copyItem(at: Fixtures.url("scenarios/kupgrade-debian12-apt"), to: dir)
        defer { try? fm.removeItem(at: dir) }
        let run = dir.appendingPathComponent("root/run")
        try fm.createDirectory(at: run, withIntermediateDirectories: true)
        try "*** System restart required ***\n".write(to: run.appendingPathComponent("reboot-required"), atomically: true, encoding: .utf8)
        try "libc6\n".write(to: run.appendingPathComponent("reboot-required.pkgs"), atomically: true, encoding: .utf8)

        let r = try ScenarioReplay.run(path: dir.path)
        #expect(r.report.rebootRequired)
        #expect(r.report.rebootReasons == ["/run/reboot-required (requested by libc6)"])
        #expect(r.output.contains("  reboot required: /run/reboot-required (requested by libc6)\n"))

        // The unchanged recording: nothing flagged, no line.
        let plain = try ScenarioReplay.run(path: Fixtures.url("scenarios/kupgrade-debian12-apt").path)
        #expect(!plain.report.rebootRequired)
        #expect(!plain.output.contains("reboot required"))
    }
}
