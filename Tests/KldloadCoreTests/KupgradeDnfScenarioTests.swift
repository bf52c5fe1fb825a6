import Foundation
import Testing

@testable import KldloadCore

/// The two dnf scenarios assembled from real captures (Tests/scenario-builder/build-scenarios.py,
/// captures by Tests/capture/dnf-zfs.sh; what is real and what is staged is in each scenario's
/// PROVENANCE.md):
/// - `kupgrade-rocky9-kmod-zfs`: Rocky 9.6, a new kernel-core next to the old one, kmod-zfs built
///   for the old kernel, reached from the new one through `weak-updates/` symlinks;
/// - `kupgrade-fedora-zfs-dkms`: Fedora 40 (dnf 4), a new kernel and zfs-dkms, DKMS already built
///   zfs for both kernels (`dkms status`: installed), nothing to rebuild.
@Suite("kupgrade recorded dnf scenarios: Rocky 9 kmod-zfs, Fedora 40 zfs-dkms")
struct KupgradeDnfScenarioTests {
    static let checkpoint = "pre-upgrade-20261122-103000"
    static let be = "rpool/ROOT/default"

    typealias Run = ScenarioReplay
    static func run(_ name: String) throws -> Run { try ScenarioReplay.run(name) }

    // The pool and BE reads every kupgrade run starts with (kbe's discovery, then pool health).
    static let bootfs = ["zpool", "get", "-Hp", "bootfs", "rpool"]
    static let beList = ["zfs", "list", "-Hp", "-t", "filesystem,volume,snapshot", "-r", "-o",
                         "name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,"
                             + "creation,org.kldload:description", "rpool/ROOT"]
    static let poolFacts = ["zpool", "get", "-Hp", "bootfs,health,free,size,allocated", "rpool"]
    static let status = ["zpool", "status", "-x", "rpool"]
    static let snapshotProps = ["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                                "-o", "org.kldload:command=kupgrade"]
    static let retention = ["zfs", "list", "-Hp", "-t", "snapshot", "-d", "1", "-s", "creation", "-o",
                            "name,creation,clones,org.kldload:kupgrade-version", be]

    // MARK: - Rocky 9 with kmod-zfs

    static let elOld = "5.14.0-570.12.1.el9_6.x86_64"
    static let elNew = "5.14.0-570.17.1.el9_6.x86_64"

    @Test func rockyExitsZeroWithTheRecordedCommandsAndNoUnusedRecording() throws {
        let r = try Self.run("kupgrade-rocky9-kmod-zfs")
        #expect(r.report.exitCode == 0, "\(r.output)")
        #expect(r.report.result == "success")
        #expect(r.report.warnings == [])
        #expect(r.replay.unusedRecordingsInUse.map(\.name) == [])
        let expected: [[String]] = [
            Self.bootfs, Self.beList, Self.poolFacts, Self.status,
            ["dnf", "upgrade", "--assumeno"],
            Self.bootfs, Self.beList, SystemQuery.pairedDatasets(pool: "rpool").command.argv,
            Self.snapshotProps + ["\(Self.be)@\(Self.checkpoint)", "rpool/var/lib@\(Self.checkpoint)"],
            ["dnf", "upgrade", "-y"],
            ["dnf", "autoremove", "-y"],
            ["modinfo", "-F", "vermagic", "/lib/modules/\(Self.elNew)/weak-updates/zfs/zfs.ko"],
            ["modinfo", "-F", "vermagic", "/lib/modules/\(Self.elNew)/weak-updates/zfs/spl.ko"],
            ["modinfo", "-F", "vermagic", "/lib/modules/\(Self.elOld)/extra/zfs/zfs.ko"],
            ["modinfo", "-F", "vermagic", "/lib/modules/\(Self.elOld)/extra/zfs/spl.ko"],
            ["mokutil", "--sb-state"],
            ["zfs", "set", "org.kldload:result=success", "org.kldload:packages=3",
             "org.kldload:new-kernel=\(Self.elNew)", "\(Self.be)@\(Self.checkpoint)"],
            Self.retention,
        ]
        #expect(r.argv == expected)
        // The dnf commands, in order; no DKMS on a kmod system.
        #expect(r.argv.filter { $0.first == "dnf" } == [["dnf", "upgrade", "--assumeno"], ["dnf", "upgrade", "-y"], ["dnf", "autoremove", "-y"]])
        #expect(!r.argv.contains { $0.first == "dkms" })
        #expect(r.report.transaction.map(\.status) == ["exit 0"])
        #expect(r.report.autoremove.map(\.status) == ["exit 0"])
    }

    @Test func rockyPlanHasTheNewKernelCoreAndKmodZfs() throws {
        let r = try Self.run("kupgrade-rocky9-kmod-zfs")
        #expect(r.report.packageManager == "dnf")
        #expect(r.report.distro?.id == "rocky")
        #expect(r.report.distro?.versionID == "9.6")
        let plan = try #require(r.report.plan)
        #expect(plan.items.map(\.name) == ["kernel-core", "kmod-zfs", "zfs"])
        #expect(plan.items.map(\.action) == [.install, .upgrade, .upgrade])
        #expect(plan.items.map(\.newVersion) == ["5.14.0-570.17.1.el9_6", "2.2.8-1.el9", "2.2.8-1.el9"])
        #expect(plan.items.allSatisfy { $0.arch == "x86_64" && $0.repository == "kldload" })
        #expect(plan.newKernels == [Self.elNew])
        #expect(plan.modulePackages == ["kmod-zfs"])
        #expect(plan.downloadBytes == 90 * 1024)  // "Total size: 90 k" (the RPMs were local)
        #expect(r.output.contains("[kupgrade] new kernel: \(Self.elNew)"))
        #expect(r.output.contains("[kupgrade] kernel-module packages: kmod-zfs"))
        #expect(r.report.rebootRequired)
    }

    @Test func rockyCheckpointsTheRpmDatabaseDatasetWithTheBE() throws {
        let r = try Self.run("kupgrade-rocky9-kmod-zfs")
        // /var/lib/rpm lies on rpool/var/lib in the VM's layout: checkpointed together, and only
        // a rollback of both is consistent (Docs/DESIGN.md decision 3).
        #expect(r.report.packageDatabaseDataset == "rpool/var/lib")
        #expect(r.report.checkpoint?.snapshots == ["\(Self.be)@\(Self.checkpoint)", "rpool/var/lib@\(Self.checkpoint)"])
        #expect(r.report.rollbackCommand == "kbe rollback \(Self.checkpoint) && reboot")
        #expect(r.report.retention?.destroyed == [])
        #expect(r.report.retention?.error == nil)
    }

    @Test func rockyModulesAreKmodOnTheOldKernelAndWeakUpdatesOnTheNewOne() throws {
        let r = try Self.run("kupgrade-rocky9-kmod-zfs")
        let modules = try #require(r.report.modules)
        #expect(modules.severity == .ok)
        #expect(modules.dkmsPresent == false)
        #expect(modules.nextBootKernel == Self.elNew)
        #expect(modules.kernels.map(\.kernel) == [Self.elNew, Self.elOld])  // newest first
        let new = modules.kernels[0], old = modules.kernels[1]
        #expect(new.bootsNext && !old.bootsNext)
        #expect(!new.rebuildAttempted && !old.rebuildAttempted)
        // New kernel: the weak-updates symlinks made by weak-modules; their vermagic names the
        // build kernel, which is what kABI tracking expects.
        #expect(new.zfs.map(\.module) == ["zfs", "spl"])
        #expect(new.zfs.map(\.path) == ["/lib/modules/\(Self.elNew)/weak-updates/zfs/zfs.ko",
                                        "/lib/modules/\(Self.elNew)/weak-updates/zfs/spl.ko"])
        #expect(new.zfs.allSatisfy { $0.delivery == .kmodWeakUpdates })
        #expect(new.zfs.allSatisfy { $0.state == .okWeakUpdates(buildKernel: Self.elOld) })
        #expect(new.zfsUsable)
        // Old kernel: kmod-zfs's own files under extra/zfs/, built for exactly that kernel.
        #expect(old.zfs.map(\.path) == ["/lib/modules/\(Self.elOld)/extra/zfs/zfs.ko",
                                        "/lib/modules/\(Self.elOld)/extra/zfs/spl.ko"])
        #expect(old.zfs.allSatisfy { $0.delivery == .kmod && $0.state == .ok && $0.vermagicRelease == Self.elOld })
        #expect(r.output.contains("kernel \(Self.elNew) ... zfs.ko OK (kABI weak-updates, built for \(Self.elOld))"))
        // No DKMS on a kmod-zfs system: the step is not called a DKMS check.
        #expect(r.output.contains("[kupgrade] verifying ZFS modules...\n"))
        #expect(!r.output.contains("verifying ZFS DKMS modules"))
        #expect(r.output.contains("kernel \(Self.elOld) ... zfs.ko OK (pre-existing)"))
        #expect(r.report.signing?.enforcing == false)
    }

    // MARK: - Fedora 40 with zfs-dkms

    static let fcOld = "6.8.5-301.fc40.x86_64"
    static let fcNew = "6.10.4-200.fc40.x86_64"

    @Test func fedoraExitsZeroWithTheRecordedCommandsAndNoUnusedRecording() throws {
        let r = try Self.run("kupgrade-fedora-zfs-dkms")
        #expect(r.report.exitCode == 0, "\(r.output)")
        #expect(r.report.result == "success")
        #expect(r.report.warnings == [])
        #expect(r.replay.unusedRecordings.map(\.name) == [])
        let expected: [[String]] = [
            Self.bootfs, Self.beList, Self.poolFacts, Self.status,
            ["dnf", "upgrade", "--assumeno"],
            Self.bootfs, Self.beList, SystemQuery.pairedDatasets(pool: "rpool").command.argv,
            Self.snapshotProps + ["\(Self.be)@\(Self.checkpoint)"],
            ["dnf", "upgrade", "-y"],
            ["dnf", "autoremove", "-y"],
            ["dkms", "status"],
            ["modinfo", "-F", "vermagic", "/lib/modules/\(Self.fcNew)/extra/zfs.ko"],
            ["modinfo", "-F", "vermagic", "/lib/modules/\(Self.fcNew)/extra/spl.ko"],
            ["modinfo", "-F", "vermagic", "/lib/modules/\(Self.fcOld)/extra/zfs.ko"],
            ["modinfo", "-F", "vermagic", "/lib/modules/\(Self.fcOld)/extra/spl.ko"],
            ["mokutil", "--sb-state"],
            ["zfs", "set", "org.kldload:result=success", "org.kldload:packages=3",
             "org.kldload:new-kernel=\(Self.fcNew)", "\(Self.be)@\(Self.checkpoint)"],
            Self.retention,
        ]
        #expect(r.argv == expected)
        #expect(r.argv.filter { $0.first == "dnf" } == [["dnf", "upgrade", "--assumeno"], ["dnf", "upgrade", "-y"], ["dnf", "autoremove", "-y"]])
        // DKMS already built zfs for the new kernel inside the transaction: nothing to rebuild.
        #expect(!r.argv.contains { $0.count > 1 && $0[0] == "dkms" && $0[1] == "autoinstall" })
    }

    @Test func fedoraPlanHasTheNewKernelAndZfsDkms() throws {
        let r = try Self.run("kupgrade-fedora-zfs-dkms")
        #expect(r.report.distro?.id == "fedora")
        #expect(r.report.distro?.versionID == "40")
        let plan = try #require(r.report.plan)
        #expect(plan.items.map(\.name) == ["kernel-core", "zfs", "zfs-dkms"])
        #expect(plan.items.map(\.action) == [.install, .upgrade, .upgrade])
        #expect(plan.items.map(\.newVersion) == ["6.10.4-200.fc40", "2.2.6-1.fc40", "2.2.6-1.fc40"])
        #expect(plan.items.map(\.arch) == ["x86_64", "x86_64", "noarch"])
        #expect(plan.newKernels == [Self.fcNew])
        #expect(plan.modulePackages == ["zfs-dkms"])
        #expect(plan.downloadBytes == 20 * 1024)  // "Total size: 20 k"
        // rpm database in /usr/lib/sysimage/rpm, inside the BE: only the BE is checkpointed and
        // booting a clone of it is the way back.
        #expect(r.report.packageDatabaseDataset == nil)
        #expect(r.report.checkpoint?.snapshots == ["\(Self.be)@\(Self.checkpoint)"])
        #expect(r.report.rollbackCommand == "kbe activate \(Self.checkpoint) && reboot")
    }

    @Test func fedoraModulesAreDkmsBuiltForBothKernels() throws {
        let r = try Self.run("kupgrade-fedora-zfs-dkms")
        let modules = try #require(r.report.modules)
        #expect(modules.severity == .ok)
        #expect(modules.dkmsPresent)
        #expect(modules.dkmsWarnings == [])
        #expect(modules.nextBootKernel == Self.fcNew)
        #expect(modules.kernels.map(\.kernel) == [Self.fcNew, Self.fcOld])
        for k in modules.kernels {
            #expect(k.zfs.map(\.path) == ["/lib/modules/\(k.kernel)/extra/zfs.ko", "/lib/modules/\(k.kernel)/extra/spl.ko"])
            // extra/ is DKMS's location on Fedora; `dkms status` says installed for this kernel.
            #expect(k.zfs.allSatisfy { $0.delivery == .dkms && $0.state == .ok && $0.vermagicRelease == k.kernel })
            #expect(!k.rebuildAttempted)
            #expect(k.dkms == [])
        }
        #expect(modules.kernels[0].bootsNext)
        #expect(r.output.contains("kernel \(Self.fcNew) ... zfs.ko OK\n"))
        #expect(r.output.contains("kernel \(Self.fcOld) ... zfs.ko OK (pre-existing)"))
        #expect(r.output.contains("  new kernel: \(Self.fcNew) (reboot required)"))
    }
}
