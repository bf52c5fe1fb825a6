import Foundation
import Testing

@testable import KldloadCore

/// The `kupgrade --new-be` runs recorded in the Debian 13 VM (Tests/e2e/scenarios/21-new-be,
/// 22-move-pkgdb-power-cut), replayed.
@Suite("kupgrade --new-be recorded scenarios")
struct KupgradeNewBEScenarioTests {
    @Test func splitPackageDatabaseRefused() throws {
        let r = try ScenarioReplay.run("kupgrade-new-be-split-pkgdb-refused")
        #expect(r.report.exitCode == 3)
        #expect(r.report.refusal?.reason == "split-package-database")
        #expect(r.report.newBootEnvironment == nil)
        #expect(r.argv.allSatisfy { $0[0] == "zpool" || ($0[0] == "zfs" && $0[1] == "list") })
        let live = try String(contentsOfFile: ScenarioReplay.path("kupgrade-new-be-split-pkgdb-refused") + "/live/kupgrade.stdout", encoding: .utf8)
        #expect(r.output == live)
    }

    /// The VM run: clone, mounts, apt in the chroot, modules of the new BE's kernel read under
    /// /run/kbe/NAME, unmounts in reverse, result, activation; no command writes the running BE.
    @Test func successInANewBE() throws {
        let r = try ScenarioReplay.run("kupgrade-new-be-success")
        let name = "upgrade-20261205-153727"
        let dir = "/run/kbe/" + name
        #expect(r.report.exitCode == 0, "\(r.output)")
        #expect(r.report.newBootEnvironment?.activated == true)
        #expect(r.report.newBootEnvironment?.state == "done")
        #expect(r.report.modules?.zfsOKForAllKernels == true)
        #expect(r.report.modules?.kernels.map(\.kernel) == ["6.12.117+deb13-amd64"])
        #expect(KupgradeNewBETests.writesToRunningBE(r.argv).filter { $0 != ["zfs", "snapshot", "rpool/ROOT/default@kbe-" + name] } == [])
        #expect(!r.argv.contains { $0.first == "apt-get" || $0.first == "dpkg" })
        #expect(r.argv.filter { $0.first == "umount" }.map { $0[1] }
                == [dir + "/run", dir + "/dev/pts", dir + "/dev", dir + "/sys", dir + "/proc", dir])
        #expect(r.argv.last == ["zpool", "set", "bootfs=rpool/ROOT/" + name, "rpool"])
        // The policy-rc.d kupgrade wrote into the clone is gone again.
        #expect(!r.files.exists(dir + NewBEUpgrade.policyRCDPath))
        let live = try String(contentsOfFile: ScenarioReplay.path("kupgrade-new-be-success") + "/live/kupgrade.stdout", encoding: .utf8)
        for line in ["[kupgrade] DONE", "  running system: rpool/ROOT/default, unchanged",
                     "  next boot: rpool/ROOT/\(name) (reboot to use it)", "  ZFS DKMS: OK for all kernels in rpool/ROOT/\(name)"] {
            #expect(live.contains(line + "\n"))
            #expect(r.output.contains(line + "\n"))
        }
        #expect(try String(contentsOfFile: ScenarioReplay.path("kupgrade-new-be-success") + "/live/zfs-diff", encoding: .utf8) == "")
    }

    /// On a UEFI machine (VM booted through OVMF and the ZFSBootMenu stand-in) the default
    /// activation is a trial: a `kldload trial` entry and BootNext, bootfs untouched; the summary
    /// says what boots next, what a failed boot does and how to confirm or cancel.
    @Test func theNewBEIsArmedAsATrialOnUEFI() throws {
        let r = try ScenarioReplay.run("kupgrade-new-be-trial")
        #expect(r.report.exitCode == 0, "\(r.output)")
        #expect(r.report.newBootEnvironment?.activated == true)
        #expect(r.report.newBootEnvironment?.trial == true)
        #expect(!r.argv.contains { $0.first == "zpool" && $0.dropFirst().first == "set" }, "bootfs must not move")
        #expect(r.argv.last == ["efibootmgr", "--bootnext", "0008"])
        #expect(r.argv.contains { $0.starts(with: ["efibootmgr", "--create-only"]) && $0.last?.hasSuffix("zbm.prefer=rpool/ROOT/upgrade-a!") == true })
        let live = try String(contentsOfFile: ScenarioReplay.path("kupgrade-new-be-trial") + "/live/kupgrade.stdout", encoding: .utf8)
        for line in [
            "  next boot: rpool/ROOT/upgrade-a, once, as a trial (reboot to use it); the default stays rpool/ROOT/default",
            "  if that boot fails (health check, emergency mode, panic, hang then reset), the boot after it is rpool/ROOT/default again, by itself",
            "To keep it by hand: kbe confirm (in the new BE)   To cancel before rebooting: kbe activate --cancel-trial",
        ] {
            #expect(live.contains(line + "\n"))
            #expect(r.output.contains(line + "\n"))
        }
    }

    /// After kbe move-pkgdb (VM): the shared /var/lib holding the links is bound into the clone
    /// after the kernel file systems and unmounted first.
    @Test func afterMovePkgdbTheSharedVarLibIsBound() throws {
        let r = try ScenarioReplay.run("kupgrade-new-be-after-move-pkgdb")
        let dir = "/run/kbe/upgrade-20261205-154333"
        #expect(r.report.exitCode == 0, "\(r.output)")
        #expect(r.report.packageDatabaseDataset == nil)
        #expect(r.argv.contains(["mount", "--bind", "/var/lib", dir + "/var/lib"]))
        #expect(r.argv.first { $0.first == "umount" } == ["umount", dir + "/var/lib"])
        #expect(r.report.newBootEnvironment?.activated == true)
    }

    @Test func failedTransactionKeepsTheBE() throws {
        let r = try ScenarioReplay.run("kupgrade-new-be-transaction-failed")
        #expect(r.report.exitCode == 4, "\(r.output)")
        #expect(r.report.newBootEnvironment?.state == "failed")
        #expect(r.report.newBootEnvironment?.activated == false)
        #expect(!r.argv.contains { $0.first == "zpool" && $0.dropFirst().first == "set" })
        #expect(r.argv.contains { $0.first == "zfs" && $0.dropFirst().first == "set" && $0.contains("org.kldload:new-be=failed") })
        #expect(r.output.contains("To look at it: kbe mount failed-be   To remove it: kbe destroy failed-be\n"))
    }

    @Test func ctrlCUnmountsAndKeepsTheBE() throws {
        let r = try ScenarioReplay.run("kupgrade-new-be-ctrl-c")
        #expect(r.report.exitCode == 130, "\(r.output)")
        #expect(r.report.interrupted == "SIGINT")
        #expect(r.report.newBootEnvironment?.state == "interrupted")
        #expect(r.report.autoremoveSkipped == "the run was interrupted (SIGINT)")
        #expect(r.argv.filter { $0.first == "umount" }.count == 6)
        #expect(!r.argv.contains { $0.first == "zpool" && $0.dropFirst().first == "set" })
    }

    @Test func leftoverOfAKilledRunIsUnmountedAndMarked() throws {
        let r = try ScenarioReplay.run("kupgrade-new-be-leftover")
        #expect(r.report.exitCode == 0, "\(r.output)")
        let left = "/run/kbe/killed-be"
        #expect(r.report.leftovers == [.init(dataset: "rpool/ROOT/killed-be",
                                             unmounted: [left + "/run", left + "/dev/pts", left + "/dev", left + "/sys", left + "/proc", left],
                                             action: "unmounted and marked interrupted; kept")])
        #expect(r.argv.contains(["zfs", "set", "org.kldload:new-be=interrupted",
                                 "org.kldload:description=kupgrade --new-be interrupted; not activated", "rpool/ROOT/killed-be"]))
        #expect(r.report.newBootEnvironment?.activated == true)
    }

    /// After the power cut (VM, scenario 22): nothing is mounted after the reboot, so the
    /// leftover is only marked; the running BE was untouched (dpkg --audit clean).
    @Test func leftoverAfterAPowerCutIsMarked() throws {
        let r = try ScenarioReplay.run("kupgrade-new-be-after-power-cut")
        #expect(r.report.exitCode == 0, "\(r.output)")
        #expect(r.report.leftovers == [.init(dataset: "rpool/ROOT/powercut-be", unmounted: [],
                                             action: "marked interrupted; kept")])
        #expect(r.output.contains("[kupgrade] found rpool/ROOT/powercut-be, left by a kupgrade --new-be that did not finish (power cut or killed); it was never activated\n"))
        let audit = try String(contentsOfFile: ScenarioReplay.path("kupgrade-new-be-after-power-cut") + "/live/dpkg-audit", encoding: .utf8)
        #expect(audit == "")
    }

    /// Debian 12 -> 13 in a new BE (VM, scenario 27, Debian 12 pool booted through the
    /// ZFSBootMenu stand-in): only the new BE's sources are rewritten (bookworm -> trixie), apt
    /// runs in the clone, the modules of its new 6.12 kernel are read there, the summary says
    /// kupgrade never runs zpool upgrade and which BE a pool upgrade would strand, and no
    /// command writes the running BE or the pool's features.
    @Test func debian12To13ReleaseUpgradeInANewBE() throws {
        let fixture = "kupgrade-new-be-release-debian12-13"
        let r = try ScenarioReplay.run(fixture)
        let name = "upgrade-20261205-215244"
        let dir = "/run/kbe/" + name
        let live = try String(contentsOfFile: ScenarioReplay.path(fixture) + "/live/kupgrade.stdout", encoding: .utf8)
        #expect(r.report.release == .init(from: "bookworm", to: "trixie",
                                          rewrittenSources: ["/etc/apt/sources.list.d/kldload-e2e-release.list"],
                                          strandedByPoolUpgrade: ["default"]))
        #expect(r.report.newBootEnvironment?.activated == true)
        #expect(r.report.newBootEnvironment?.state == "done")
        #expect(r.report.modules?.kernels.contains { $0.kernel == "6.12.117+deb13-amd64" && $0.bootsNext && $0.zfsUsable } == true)
        // The rewrite happened in the clone, not in the running BE.
        #expect(r.files.textIfPresent(dir + "/etc/apt/sources.list.d/kldload-e2e-release.list")?.contains(" trixie main contrib") == true)
        #expect(KupgradeNewBETests.writesToRunningBE(r.argv).filter { $0 != ["zfs", "snapshot", "rpool/ROOT/default@kbe-" + name] } == [])
        #expect(!r.argv.contains { $0.first == "zpool" && $0.dropFirst().first == "upgrade" })
        #expect(!r.argv.contains { $0.first == "apt-get" || $0.first == "dpkg" })
        #expect(r.argv.last == ["zpool", "set", "bootfs=rpool/ROOT/" + name, "rpool"])
        for line in ["  release: bookworm -> trixie in rpool/ROOT/\(name)",
                     "  pool features: kupgrade never runs zpool upgrade; upgrading rpool's features would strand the older boot environments default (their OpenZFS may not import the pool then)"] {
            #expect(live.contains(line + "\n"))
            #expect(r.output.contains(line + "\n"))
        }
    }
}
