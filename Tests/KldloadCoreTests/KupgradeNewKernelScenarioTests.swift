import Foundation
import Testing

@testable import KldloadCore

/// Replays `Fixtures/scenarios/kupgrade-debian12-new-kernel-zfs-dkms-fails` (assembled by
/// Tests/scenario-builder/build-scenarios.py from the chroot captures of
/// Tests/capture/newkernel-zfs-dkms.sh and the OpenZFS 2.1.11 VM captures; its PROVENANCE.md says
/// which is which): apt offers the real bookworm-backports kernel, Debian 12's zfs-dkms 2.1.11
/// does not build for it, kupgrade retries with `dkms autoinstall -k`, which fails again, and the
/// run must end critical (exit 5, `DO NOT REBOOT`) because that kernel is the newest and boots next.
@Suite("kupgrade recorded scenario: new kernel, zfs-dkms does not build for it")
struct KupgradeNewKernelScenarioTests {
    static let name = "kupgrade-debian12-new-kernel-zfs-dkms-fails"
    static let oldKernel = "6.1.0-57-amd64"
    static let newKernel = "6.12.95+deb12-amd64"
    static let checkpoint = "pre-upgrade-20261122-103000"

    typealias Run = ScenarioReplay
    static func run() throws -> Run { try ScenarioReplay.run(name) }

    @Test func endsCriticalWithExitFive() throws {
        let r = try Self.run()
        #expect(r.report.exitCode == 5, "\(r.output)")
        #expect(r.report.result == "critical-module-failure")
        #expect(r.report.modules?.severity == .critical)
        #expect(r.replay.unusedRecordings.map(\.name) == [], "recorded but not run")
        #expect(r.replay.invocations.map(\.argv) == r.replay.recordings.map(\.argv))
    }

    @Test func transactionFailedInTheKernelPostinst() throws {
        let r = try Self.run()
        #expect(r.report.transactionFailed)
        #expect(r.report.transaction.last?.status == "exit 100")
        #expect(r.report.autoremove.isEmpty)
        #expect(r.report.autoremoveSkipped != nil)
        #expect(r.output.contains("run-parts: /etc/kernel/postinst.d/dkms exited with return code 11"))
    }

    @Test func planHasTheBackportsKernel() throws {
        let r = try Self.run()
        let plan = try #require(r.report.plan)
        #expect(plan.newKernels == [Self.newKernel])
        #expect(plan.items.contains { $0.name == "linux-image-\(Self.newKernel)" && $0.action == .install })
        #expect(plan.items.contains { $0.name == "linux-image-amd64" && $0.action == .upgrade })
        #expect(plan.items.count == 10)
        #expect(r.output.contains("[kupgrade] plan: 3 to upgrade, 7 new, 0 to remove\n"))
        #expect(r.output.contains("new kernel: \(Self.newKernel)"))
    }

    @Test func aptArgvSequence() throws {
        let r = try Self.run()
        let apt = r.replay.invocations.map(\.argv).filter { $0.first == "apt-get" }
        #expect(apt == [
            ["apt-get", "update"],
            ["apt-get", "-s", "dist-upgrade"],
            ["apt-get", "-y", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold", "dist-upgrade"],
        ])
        // The snapshot comes before the transaction, and covers the package database dataset.
        let argvs = r.replay.invocations.map(\.argv)
        let snap = try #require(argvs.firstIndex { $0.first == "zfs" && $0.dropFirst().first == "snapshot" })
        let upgrade = try #require(argvs.firstIndex { $0.last == "dist-upgrade" && $0.contains("-y") })
        #expect(snap < upgrade)
        #expect(argvs[snap].suffix(2) == ["rpool/ROOT/default@\(Self.checkpoint)", "rpool/var/lib@\(Self.checkpoint)"])
    }

    @Test func retriesDKMSForTheNewKernelOnly() throws {
        let r = try Self.run()
        let dkms = r.replay.invocations.map(\.argv).filter { $0.first == "dkms" }
        #expect(dkms == [["dkms", "status"], ["dkms", "autoinstall", "-k", Self.newKernel]])
        #expect(r.output.contains("kernel \(Self.newKernel) ... building zfs DKMS module"))
    }

    @Test func verdictPerKernel() throws {
        let r = try Self.run()
        let modules = try #require(r.report.modules)
        #expect(modules.nextBootKernel == Self.newKernel)
        #expect(modules.kernels.map(\.kernel) == [Self.newKernel, Self.oldKernel])
        let new = try #require(modules.kernels.first { $0.kernel == Self.newKernel })
        #expect(new.bootsNext)
        #expect(new.rebuildAttempted)
        #expect(!new.zfsUsable)
        #expect(new.severity == .critical)
        #expect(new.zfs.map(\.state) == [.missing, .missing])
        let old = try #require(modules.kernels.first { $0.kernel == Self.oldKernel })
        #expect(!old.bootsNext)
        #expect(!old.rebuildAttempted)
        #expect(old.zfsUsable)
        #expect(old.severity == .ok)
        #expect(modules.findings.filter { $0.severity == .critical }.allSatisfy { $0.kernel == Self.newKernel })
        #expect(r.output.contains("kernel \(Self.oldKernel) ... zfs.ko OK"))
    }

    @Test func printsTheDKMSFailureBlockAndRollback() throws {
        let r = try Self.run()
        let rollback = "kbe rollback \(Self.checkpoint) && reboot"
        #expect(r.report.rollbackCommand == rollback)
        // On Debian 12 (dkms 3.0.10) the failed build also fails the new kernel's postinst, so the
        // transaction itself fails (apt-get exit 100): the critical verdict wins over exit 4.
        #expect(r.output.contains("[kupgrade] DKMS FAILURE — the package transaction failed and ZFS may not load on kernel \(Self.newKernel)\n"))
        #expect(r.output.contains("  ZFS module zfs is missing for kernel \(Self.newKernel) even after `dkms autoinstall -k \(Self.newKernel)`."
            + " Kernel \(Self.newKernel) is the newest kernel; it has no initramfs yet, so ZFSBootMenu skips it for now,"
            + " but the first `update-initramfs` (also run by `dpkg --configure -a` or the next package upgrade) makes it boot next,"
            + " and it could not import the pool: DO NOT REBOOT or finish configuring packages until this is resolved."))
        // The half-configured kernel has no initrd (the dkms hook stopped its postinst before the
        // initramfs hook); the verdict stays critical, the message says why.
        #expect(r.report.modules?.kernels.first { $0.kernel == Self.newKernel }?.severity == .critical)
        #expect(r.output.contains("(build log: /var/lib/dkms/zfs/2.1.11/build/make.log)"))
        #expect(r.output.contains("DO NOT REBOOT until this is resolved, or use the rollback:\n  \(rollback)\n"))
        #expect(r.output.contains("  2. Keep booting the previous kernel: zfs set org.zfsbootmenu:kernel=vmlinuz-\(Self.oldKernel) rpool/ROOT/default"))
        #expect(r.output.contains("  3. Roll back: \(rollback)"))
    }

    @Test func checkpointRecordsTheResult() throws {
        let r = try Self.run()
        let set = try #require(r.replay.invocations.map(\.argv).first { $0.first == "zfs" && $0.dropFirst().first == "set" })
        #expect(set.contains("org.kldload:result=critical-module-failure"))
        #expect(set.contains("org.kldload:new-kernel=\(Self.newKernel)"))
        #expect(set.contains("org.kldload:packages=0"))  // the transaction failed
        #expect(set.last == "rpool/ROOT/default@\(Self.checkpoint)")
        // No retention after a critical run.
        #expect(!r.replay.invocations.contains { $0.argv.contains("-s") && $0.argv.contains("creation") })
    }
}
