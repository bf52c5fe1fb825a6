import Foundation
import Testing

@testable import KldloadCore

/// Replays Fixtures/scenarios/kupgrade-arch-holdback: an Arch system (assembled from real pacman
/// 6.0.2 captures with kupgrade's exact argv, staged zfs-linux modules and the OpenZFS VM's ZFS
/// recordings; see its PROVENANCE.md) where the repository's `linux` moves to 6.12.3 while the
/// installed and repository `zfs-linux` still pins `linux=6.12.1.arch1-1`.
@Suite("kupgrade recorded scenario: Arch kernel hold-back")
struct KupgradeArchScenarioTests {
    static let path = Fixtures.root.appendingPathComponent("scenarios/kupgrade-arch-holdback").path
    static let planDB = "/var/lib/kupgrade/checkupdates"
    static let checkpoint = "rpool/ROOT/default@pre-upgrade-20261122-051036"
    static let upgrade = ["pacman", "-Syu", "--noconfirm", "--ignore", "linux,linux-headers"]

    typealias Run = ScenarioReplay
    static func run(archAutoremove: Bool = false) throws -> Run {
        try ScenarioReplay.run("kupgrade-arch-holdback") { $0.archAutoremove = archAutoremove }
    }

    @Test func holdBackEndsWithWarningsNeverZero() throws {
        let r = try Self.run()
        #expect(r.report.exitCode == 1, "\(r.output)")
        #expect(r.report.result == "success-with-warnings")
        #expect(!r.report.transactionFailed)
        #expect(r.report.packageManager == "pacman")
        #expect(r.report.distro?.id == "arch")
        #expect(r.report.bootEnvironment == "rpool/ROOT/default")
        #expect(r.report.warnings.contains {
            $0.hasPrefix("held back linux, linux-headers until the repository's zfs-linux supports the new kernel")
        })
        #expect(r.report.checkpoint?.name == "pre-upgrade-20261122-051036")
        // /var/lib/pacman is inside the BE here: the checkpoint is the BE alone.
        #expect(r.report.packageDatabaseDataset == nil)
        #expect(r.report.checkpoint?.snapshots == [Self.checkpoint])
        #expect(r.report.rollbackCommand == "kbe activate pre-upgrade-20261122-051036 && reboot")
        // The checkpoint records the outcome: success with warnings, 1 package, no new kernel.
        #expect(r.argv.contains(["zfs", "set", "org.kldload:result=success-with-warnings", "org.kldload:packages=1",
                                  "org.kldload:new-kernel=none", Self.checkpoint]))
        #expect(r.report.retention?.destroyed == [])
    }

    @Test func holdsExactlyLinuxAndItsHeadersWithTheReason() throws {
        let r = try Self.run()
        let plan = try #require(r.report.plan)
        #expect(plan.holds.map(\.name) == ["linux", "linux-headers"])
        let linux = try #require(plan.holds.first)
        #expect(linux.installedVersion == "6.12.1.arch1-1")
        #expect(linux.availableVersion == "6.12.3.arch1-1")
        #expect(linux.reason == "zfs-linux 2.2.7_6.12.1.arch1.1-1 requires linux=6.12.1.arch1-1")
        #expect(plan.holds.last?.reason == "kept with linux (headers must match the kernel)")
        // Only the held packages are left out; the rest is upgraded. No new kernel is planned.
        #expect(plan.items.map(\.name) == ["kldload-app"])
        #expect(plan.items.first?.newVersion == "1.1-1")
        #expect(plan.newKernels == [])
        #expect(r.report.rebootRequired == false)
    }

    @Test func upgradesWithIgnoreAndNeverSyncsTheRealDatabasesAlone() throws {
        let r = try Self.run()
        #expect(r.report.transaction.map(\.argv) == [Self.upgrade])
        #expect(r.report.transaction.first?.status == "exit 0")
        // Planning syncs only kupgrade's private copy: no `pacman -Sy` without --dbpath (the
        // partial-upgrade hazard), and never a plain `-Syu --noconfirm` that would pull linux in.
        let pacman = r.argv.filter { $0.first == "pacman" }
        for argv in pacman where argv.contains("-Sy") {
            #expect(Array(argv.suffix(4)) == ["--dbpath", Self.planDB, "--logfile", "/dev/null"], "\(argv)")
        }
        #expect(!r.argv.contains(["pacman", "-Sy"]))
        #expect(!r.argv.contains(["pacman", "-Syu", "--noconfirm"]))
        #expect(pacman == [
            ["pacman", "-Sy", "--dbpath", Self.planDB, "--logfile", "/dev/null"],
            ["pacman", "-Qu", "--dbpath", Self.planDB],
            ["pacman", "-Q"],
            ["pacman", "-Qi", "zfs-linux"],
            ["pacman", "-Si", "--dbpath", Self.planDB, "zfs-linux"],
            Self.upgrade,
        ])
        // The private database's `local` is a link to the real one, made before the sync; the
        // checkpoint is taken after planning and before the transaction.
        let link = try #require(r.argv.firstIndex(of: ["ln", "-sfn", "/var/lib/pacman/local", Self.planDB + "/local"]))
        let sync = try #require(r.argv.firstIndex(of: pacman[0]))
        let snapshot = try #require(r.argv.firstIndex { $0.prefix(2) == ["zfs", "snapshot"] })
        let transaction = try #require(r.argv.firstIndex(of: Self.upgrade))
        #expect(link < sync)
        #expect(sync < snapshot && snapshot < transaction)
        #expect(r.argv[snapshot].last == Self.checkpoint)
    }

    @Test func autoremoveIsSkippedWithoutTheFlag() throws {
        let r = try Self.run()
        #expect(r.report.autoremove.isEmpty)
        #expect(r.report.autoremoveSkipped == "on Arch only with --autoremove (arch_autoremove = yes)")
        #expect(!r.argv.contains(["pacman", "-Qdtq"]))
        #expect(!r.argv.contains { $0.count > 1 && $0[0] == "pacman" && $0[1] == "-Rns" })
        // With the flag, kupgrade would ask pacman for orphans (this scenario has no recording
        // for that, so the replay answers "no recording" and kupgrade skips, naming why).
        let flagged = try Self.run(archAutoremove: true)
        #expect(flagged.argv.contains(["pacman", "-Qdtq"]))
        #expect(flagged.report.autoremoveSkipped == "pacman -Qdtq could not run")
    }

    @Test func zfsLinuxModulesAreCheckedOnTheKernelThatStays() throws {
        let r = try Self.run()
        let modules = try #require(r.report.modules)
        #expect(modules.kernels.map(\.kernel) == ["6.12.1-arch1-1"])
        #expect(modules.nextBootKernel == "6.12.1-arch1-1")
        #expect(modules.zfsOKForAllKernels)
        #expect(!modules.dkmsPresent)
        let files = modules.kernels.first?.zfs.compactMap(\.path) ?? []
        #expect(Set(files) == ["/lib/modules/6.12.1-arch1-1/extra/zfs.ko.zst", "/lib/modules/6.12.1-arch1-1/extra/spl.ko.zst"])
        #expect(modules.kernels.first?.zfs.allSatisfy { $0.vermagicRelease == "6.12.1-arch1-1" && $0.state == .ok } == true)
        for m in ["zfs", "spl"] {
            #expect(r.argv.contains(["modinfo", "-F", "vermagic", "/lib/modules/6.12.1-arch1-1/extra/\(m).ko.zst"]))
        }
        #expect(!r.argv.contains { $0.first == "dkms" })
    }

    @Test func summaryNamesTheHoldAndTheRollback() throws {
        let r = try Self.run()
        let text = r.output
        for line in [
            "[kupgrade] detected: pacman (Arch)",
            "[kupgrade] plan: 1 to upgrade, 0 new, 0 to remove",
            "[kupgrade] holding back linux 6.12.1.arch1-1 (repository has 6.12.3.arch1-1): zfs-linux 2.2.7_6.12.1.arch1.1-1 requires linux=6.12.1.arch1-1",
            "[kupgrade] running: pacman -Syu --noconfirm --ignore linux,linux-headers",
            "warning: linux: ignoring package upgrade (6.12.1.arch1-1 => 6.12.3.arch1-1)",
            "[kupgrade] DONE",
            "  upgraded: 1 package",
            "  held back: linux 6.12.1.arch1-1 (repository has 6.12.3.arch1-1): zfs-linux 2.2.7_6.12.1.arch1.1-1 requires linux=6.12.1.arch1-1",
            "  held back: linux-headers 6.12.1.arch1-1 (repository has 6.12.3.arch1-1): kept with linux (headers must match the kernel)",
            "  ZFS modules: OK for all kernels",
            "  warning: held back linux, linux-headers until the repository's zfs-linux supports the new kernel; run kupgrade again then",
            "  checkpoint: pre-upgrade-20261122-051036 (rollback available)",
            "  kbe activate pre-upgrade-20261122-051036 && reboot",
        ] {
            #expect(r.lines.all.contains(line), "missing line: \(line)\n\(text)")
        }
        #expect(!text.contains("new kernel:"))
    }

    @Test func everyRecordingIsUsedInOrder() throws {
        let r = try Self.run()
        #expect(r.replay.unusedRecordings.map(\.name) == [])
        #expect(r.argv == r.replay.recordings.map(\.argv))
        #expect(r.argv.count == 20)
    }
}
