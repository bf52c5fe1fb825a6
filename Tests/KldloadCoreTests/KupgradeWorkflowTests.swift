import Foundation
import Testing

@testable import KldloadCore

/// Reads a captured fixture (verbatim program output) from Fixtures/.
func kupgradeFixture(_ path: String) -> String {
    guard let text = try? Fixtures.text(path) else {
        Issue.record("fixture \(path) not found")
        return ""
    }
    return text
}

/// One test machine: a temporary root tree, a stub runner, fixed clock, and the outcome.
final class KupgradeRig: @unchecked Sendable {
    let dir: URL
    /// What commands do to the tree (dkms installing a module file).
    let effects = CommandEffects()
    /// The run's commands, answered from recordings held in memory.
    let runner: ReplayRunner
    let output = Lines()
    var uid: UInt32 = 0
    var held: Set<String> = []
    var options = UpgradeOptions()
    var modules: ModuleStep = KupgradeRig.modulesOK
    var interactive = false
    var answer = false
    /// The console the run's context reports losses from (tests mark a stream lost).
    var console = Console(output: ConsoleStream(name: "stdout") { .wrote($0.count) },
                          error: ConsoleStream(name: "stderr") { .wrote($0.count) })
    let files: OverlayFileSystem

    static let apt = AptDriver.upgrade.argv
    static let zpoolGet = ["zpool", "get", "-Hp", "bootfs,health,free,size,allocated", "rpool"]
    static let bootfs = ["zpool", "get", "-Hp", "bootfs", "rpool"]
    static let listing = SystemQuery.bootEnvironmentRecords(root: "rpool/ROOT").command.argv

    /// kbe's reads (bootfs, the one listing, the paired datasets); `snapshots` are existing
    /// checkpoints of default; `paired` the answer of the paired-datasets query.
    func bootEnvironments(snapshots: [String] = [], paired: String = "", children: [String] = []) {
        runner.on(Self.bootfs, stdout: "rpool\tbootfs\trpool/ROOT/default\tlocal\n")
        var rows = [
            "rpool/ROOT\tfilesystem\t4000000000\t0\t98304\t20000000000\tnone\toff\tno\t-\t-\t1774000000\t-",
            "rpool/ROOT/default\tfilesystem\t3900000000\t0\t3900000000\t20000000000\t/\tnoauto\tyes\t-\t-\t1774000000\t-",
        ]
        for name in snapshots {
            rows.append("rpool/ROOT/default@\(name)\tsnapshot\t1000\t-\t3900000000\t-\t-\t-\t-\t-\t-\t1774100000\t-")
        }
        for child in children {
            rows.append("rpool/ROOT/default/\(child)\tfilesystem\t100000\t0\t100000\t20000000000\t/\(child)\ton\tyes\t-\t-\t1774000000\t-")
            for name in snapshots {
                rows.append("rpool/ROOT/default/\(child)@\(name)\tsnapshot\t1000\t-\t100000\t-\t-\t-\t-\t-\t-\t1774100000\t-")
            }
        }
        runner.on(Self.listing, stdout: rows.joined(separator: "\n") + "\n")
        runner.on(SystemQuery.pairedDatasets(pool: "rpool").command.argv, stdout: paired)
    }

    /// The rest of a Debian run after `healthyPool()` and `aptPlan()`: the checkpoint, the
    /// transaction answering `stdout`/`stderr` with exit 0, autoremove, recording `result`
    /// (3 packages, as the plan says) and an empty retention listing. Returns the `zfs set` argv.
    @discardableResult
    func aptRunSucceeds(stdout: String, stderr: String = "", result: String) -> [String] {
        let checkpoint = "rpool/ROOT/default@pre-upgrade-20260325-091530"
        runner.on(["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                   "-o", "org.kldload:command=kupgrade --yes", checkpoint])
        runner.on(Self.apt, stdout: stdout, stderr: stderr)
        runner.on(AptDriver.autoremoveCommand.argv)
        let set = ["zfs", "set", "org.kldload:result=\(result)", "org.kldload:packages=3", "org.kldload:new-kernel=none", checkpoint]
        runner.on(set)
        runner.on(SystemQuery.retentionRows(of: "rpool/ROOT/default").command.argv)
        return set
    }

    static let modulesOK = ModuleStep { _, progress, _ in
        progress("[kupgrade] verifying ZFS DKMS modules...")  // as ModuleVerifier prints it
        progress("kernel 6.1.0-21-amd64 ... zfs.ko OK")
        let k = KernelModuleReport(kernel: "6.1.0-21-amd64", bootsNext: true,
                                   zfs: [ZFSModuleCheck(module: "zfs", delivery: .dkms, state: .ok),
                                         ZFSModuleCheck(module: "spl", delivery: .dkms, state: .ok)])
        return (ModuleVerification(kernels: [k], nextBootKernel: "6.1.0-21-amd64"),
                SigningReport(secureBoot: "disabled", enforcing: false))
    }

    static let modulesCritical = ModuleStep { _, _, _ in
        let k = KernelModuleReport(kernel: "6.1.0-21-amd64", bootsNext: true,
                                   zfs: [ZFSModuleCheck(module: "zfs", delivery: .dkms, state: .missing)])
        let old = KernelModuleReport(kernel: "6.1.0-18-amd64", bootsNext: false,
                                     zfs: [ZFSModuleCheck(module: "zfs", delivery: .dkms, state: .ok)])
        let finding = ModuleFinding(severity: .critical, kernel: "6.1.0-21-amd64", module: "zfs",
                                    message: "ERROR: DKMS build failed for kernel 6.1.0-21-amd64",
                                    buildLog: "/var/lib/dkms/zfs/2.1.11/build/make.log")
        return (ModuleVerification(kernels: [old, k], nextBootKernel: "6.1.0-21-amd64", findings: [finding]),
                SigningReport(secureBoot: "disabled", enforcing: false))
    }

    init(distro: String = "debian") throws
    {
        runner = ReplayRunner(name: "kupgrade test", observe: effects.observe)
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kupgrade-rig-\(UUID().uuidString)")
        let fm = FileManager.default
        for sub in ["etc", "proc/self", "usr/bin", "var/lib/dpkg", "var/log", "run"] {
            try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let release: String
        switch distro {
        case "rocky":
            release = "NAME=\"Rocky Linux\"\nVERSION=\"9.5 (Blue Onyx)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.5\"\nPRETTY_NAME=\"Rocky Linux 9.5 (Blue Onyx)\"\n"
            _ = fm.createFile(atPath: dir.appendingPathComponent("usr/bin/dnf").path, contents: Data())
        case "arch":
            release = "NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\nBUILD_ID=rolling\n"
            _ = fm.createFile(atPath: dir.appendingPathComponent("usr/bin/pacman").path, contents: Data())
        case "gentoo":
            release = "NAME=Gentoo\nID=gentoo\nPRETTY_NAME=\"Gentoo Linux\"\n"
        default:
            release = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n"
            _ = fm.createFile(atPath: dir.appendingPathComponent("usr/bin/apt-get").path, contents: Data())
        }
        try release.write(to: dir.appendingPathComponent("etc/os-release"), atomically: true, encoding: .utf8)
        // Present on the Debian rig too: kupgrade must not choose dnf just because it exists.
        _ = fm.createFile(atPath: dir.appendingPathComponent("usr/bin/dnf").path, contents: Data())
        try "rpool/ROOT/default / zfs rw,relatime,xattr,posixacl 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\nrpool/home /home zfs rw,relatime,xattr,posixacl 0 0\n"
            .write(to: dir.appendingPathComponent("proc/self/mounts"), atomically: true, encoding: .utf8)
        files = OverlayFileSystem(lower: RootedFileSystem(root: dir.path))
        options.timeZone = TimeZone(identifier: "UTC")!
        options.commandLine = ["kupgrade", "--yes"]
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    func healthyPool(free: UInt64 = 20_000_000_000, health: String = "ONLINE", status: String? = nil,
                     snapshots: [String] = [], paired: String = "", children: [String] = []) {
        bootEnvironments(snapshots: snapshots, paired: paired, children: children)
        runner.on(Self.zpoolGet, stdout: "rpool\tbootfs\trpool/ROOT/default\tlocal\nrpool\thealth\t\(health)\t-\nrpool\tfree\t\(free)\t-\nrpool\tsize\t32212254720\t-\nrpool\tallocated\t\(32212254720 - min(free, 32212254720))\t-\n")
        runner.on(["zpool", "status", "-x", "rpool"], stdout: status ?? """
              pool: rpool
             state: \(health)
            config:

            \tNAME        STATE     READ WRITE CKSUM
            \trpool       \(health)       0     0     0
            \t  vda3      \(health)       0     0     0

            errors: No known data errors

            """)
    }

    func aptPlan(simulation: String = "apt/2.6.1-debian12-chroot/apt-get-s-dist-upgrade.stdout") {
        runner.on(AptDriver.update.argv, stdout: kupgradeFixture("apt/2.6.1-debian12-chroot/apt-get-update-v2.stdout"))
        runner.on(AptDriver.simulate.argv, stdout: kupgradeFixture(simulation))
    }

    /// The captured apt transaction (confold dist-upgrade, then autoremove), answered in order.
    func aptTransaction() {
        runner.on(KupgradeRig.apt, stdout: kupgradeFixture("apt/2.6.1-debian12-chroot/apt-get-dist-upgrade-confold.stdout"))
        runner.on(AptDriver.autoremoveCommand.argv, stdout: kupgradeFixture("apt/2.6.1-debian12-chroot/apt-get-autoremove.stdout"))
    }

    func run() -> UpgradeReport {
        let context = SystemContext(runner: runner, files: files, now: { Date(timeIntervalSince1970: 1_774_430_130) },
                                    userID: uid, isInteractive: interactive, console: console)
        let answer = self.answer
        let upgrader = Upgrader(context: context, options: options, locks: ScenarioLockProbe(held: held, files: files),
                                progress: output.add, output: { [output] _, line in output.add(line) },
                                confirm: { _ in answer }, moduleStep: modules)
        return upgrader.run()
    }
}

@Suite("kupgrade workflow")
struct KupgradeWorkflowTests {
    static let checkpoint = "pre-upgrade-20260325-091530"
    /// The result kupgrade records on its checkpoint after the captured 3-package transaction.
    static let successProps = ["zfs", "set", "org.kldload:result=success", "org.kldload:packages=3", "org.kldload:new-kernel=none",
                               "rpool/ROOT/default@\(checkpoint)"]

    /// The seeds' own layout: /var/lib (and so /var/lib/dpkg) on rpool/var/lib, outside the BE.
    /// The checkpoint covers both datasets in one snapshot call, and the rollback command printed
    /// is the one kbe accepts for that layout (rolling both back), not an activation kbe refuses.
    @Test func splitPackageDatabaseGetsTheConsistentRollbackCommand() throws {
        let rig = try KupgradeRig()
        try "rpool/ROOT/default / zfs rw,relatime,xattr,posixacl 0 0\nrpool/var/lib /var/lib zfs rw,relatime,xattr,posixacl 0 0\n"
            .write(to: rig.dir.appendingPathComponent("proc/self/mounts"), atomically: true, encoding: .utf8)
        rig.healthyPool()
        rig.aptPlan()
        let snapshot = ["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                        "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(Self.checkpoint)",
                        "rpool/var/lib@\(Self.checkpoint)"]
        rig.runner.on(snapshot)
        rig.aptTransaction()
        let report = rig.run()
        #expect(report.packageDatabaseDataset == "rpool/var/lib")
        #expect(rig.runner.argvs.contains(snapshot))
        #expect(report.rollbackCommand == "kbe rollback \(Self.checkpoint) && reboot")
        #expect(rig.output.text.contains("To roll back:\n  kbe rollback \(Self.checkpoint) && reboot\n"))
    }

    /// The summary's Secure Boot line never reads as "all fine" while a module could not be
    /// re-signed (here for a kernel that does not boot next: a warning, exit 1).
    @Test func secureBootSummaryCountsSignedAndFailedModules() throws {
        let rig = try KupgradeRig()
        rig.healthyPool()
        rig.aptPlan()
        rig.modules = ModuleStep { _, progress, _ in
            let k = KernelModuleReport(kernel: "6.1.0-21-amd64", bootsNext: true,
                                       zfs: [ZFSModuleCheck(module: "zfs", delivery: .dkms, state: .ok),
                                             ZFSModuleCheck(module: "spl", delivery: .dkms, state: .ok)])
            let signing = SigningReport(secureBoot: "enforcing (efivars)", enforcing: true, modules: [
                SignedModule(kernel: "6.1.0-21-amd64", path: "/lib/modules/6.1.0-21-amd64/updates/dkms/zfs.ko", outcome: .alreadySigned(signer: "k")),
                SignedModule(kernel: "6.1.0-21-amd64", path: "/lib/modules/6.1.0-21-amd64/updates/dkms/spl.ko", outcome: .alreadySigned(signer: "k")),
                SignedModule(kernel: "6.1.0-20-amd64", path: "/lib/modules/6.1.0-20-amd64/updates/dkms/zfs.ko", outcome: .failed(reason: "sign-file failed")),
            ], severity: .warning)
            return (ModuleVerification(kernels: [k], nextBootKernel: "6.1.0-21-amd64"), signing)
        }
        rig.runner.on(["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                       "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(Self.checkpoint)"])
        rig.runner.on(KupgradeRig.apt, stdout: kupgradeFixture("apt/2.6.1-debian12-chroot/apt-get-dist-upgrade-confold.stdout"))
        rig.runner.on(AptDriver.autoremoveCommand.argv)
        rig.runner.on(["zfs", "set", "org.kldload:result=success-with-warnings", "org.kldload:packages=3", "org.kldload:new-kernel=none",
                       "rpool/ROOT/default@\(Self.checkpoint)"])
        rig.runner.on(SystemQuery.retentionRows(of: "rpool/ROOT/default").command.argv)
        let report = rig.run()
        #expect(report.exitCode == 1)
        #expect(rig.output.text.contains("  Secure Boot: enforcing; 2 modules already signed; 1 module could not be re-signed (see above)\n"))
    }

    @Test func debianHappyPath() throws {
        let rig = try KupgradeRig()
        rig.healthyPool()
        rig.aptPlan()
        let snapshot = ["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                        "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(Self.checkpoint)"]
        rig.runner.on(snapshot)
        rig.aptTransaction()
        let setProps = ["zfs", "set", "org.kldload:result=success", "org.kldload:packages=3", "org.kldload:new-kernel=none",
                        "rpool/ROOT/default@\(Self.checkpoint)"]
        rig.runner.on(setProps)
        rig.runner.on(SystemQuery.retentionRows(of: "rpool/ROOT/default").command.argv,
                      stdout: "rpool/ROOT/default@\(Self.checkpoint)\t1774430130\t-\t0.1.0\n")

        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(report.result == "success")
        #expect(report.packageManager == "apt")
        #expect(report.bootEnvironment == "rpool/ROOT/default")
        #expect(report.packageDatabaseDataset == nil)
        #expect(report.plan?.count(.upgrade) == 2)
        #expect(report.plan?.count(.install) == 1)
        #expect(report.plan?.count(.remove) == 1)
        #expect(report.plan?.keptBack == ["kldload-held"])
        #expect(report.checkpoint?.name == Self.checkpoint)
        #expect(report.rollbackCommand == "kbe activate \(Self.checkpoint) && reboot")
        #expect(rig.runner.argvs == [
            KupgradeRig.bootfs, KupgradeRig.listing,
            KupgradeRig.zpoolGet, ["zpool", "status", "-x", "rpool"], AptDriver.update.argv, AptDriver.simulate.argv,
            KupgradeRig.bootfs, KupgradeRig.listing, SystemQuery.pairedDatasets(pool: "rpool").command.argv, snapshot, KupgradeRig.apt, AptDriver.autoremoveCommand.argv, setProps,
            SystemQuery.retentionRows(of: "rpool/ROOT/default").command.argv,
        ])
        let text = rig.output.text
        #expect(text.contains("[kupgrade] detected: apt (Debian bookworm)\n"))
        #expect(text.contains("[kupgrade] checking pool health... rpool ONLINE\n"))
        #expect(text.contains("[kupgrade] taking checkpoint: \(Self.checkpoint)\n"))
        #expect(text.contains("[kupgrade] running: apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade\n"))
        #expect(text.contains("Setting up kldload-demo (2.0) ...\r\n"))  // dpkg's CRLF, passed through
        #expect(text.contains("[kupgrade] DONE\n  upgraded: 2 packages (1 new, 1 removed)\n"))
        #expect(text.contains("  ZFS DKMS: OK for all kernels\n"))
        #expect(text.contains("  checkpoint: \(Self.checkpoint) (rollback available)\nTo roll back:\n  kbe activate \(Self.checkpoint) && reboot\n"))
        // The log got timestamped lines, through the (overlay) file system only.
        let log = String(decoding: rig.files.writtenFiles["/var/log/kupgrade.log"] ?? Data(), as: UTF8.self)
        #expect(log.contains("2026-03-25T09:15:30Z [kupgrade] checking pool health... rpool ONLINE\n"))
        #expect(log.contains("2026-03-25T09:15:30Z [apt-get] Setting up kldload-lib (2.0) ...\n"))
        // Module-step lines carry the log's own tag once (the live VM log had `[kupgrade] [kupgrade]`).
        #expect(log.contains("2026-03-25T09:15:30Z [kupgrade] verifying ZFS DKMS modules...\n"))
        #expect(!log.contains("[kupgrade] [kupgrade]"))
        // The JSON report is versioned and round-trips.
        let decoded = try JSONDecoder().decode(UpgradeReport.self, from: Data(report.json().utf8))
        #expect(decoded.version == 1)
        #expect(decoded == report)
    }

    @Test func retentionDestroysOnlyOldKupgradeCheckpoints() throws {
        let rig = try KupgradeRig()
        rig.options.keep = 2
        rig.healthyPool(snapshots: (1...4).map { "pre-upgrade-2026010\($0)-000000" })
        rig.aptPlan()
        let snapshot = ["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                        "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(Self.checkpoint)"]
        rig.runner.on(snapshot)
        rig.aptTransaction()
        rig.runner.on(Self.successProps)
        rig.runner.on(SystemQuery.retentionRows(of: "rpool/ROOT/default").command.argv, stdout: [
            "rpool/ROOT/default@pre-upgrade-20260101-000000\t100\t-\t0.1.0",
            "rpool/ROOT/default@pre-upgrade-20260102-000000\t200\trpool/ROOT/restored\t0.1.0",
            "rpool/ROOT/default@pre-upgrade-20260103-000000\t300\t-\t-",
            "rpool/ROOT/default@pre-upgrade-20260104-000000\t400\t-\t0.1.0",
            "rpool/ROOT/default@\(Self.checkpoint)\t1774430130\t-\t0.1.0",
        ].joined(separator: "\n") + "\n")
        rig.runner.on(["zfs", "destroy", "rpool/ROOT/default@pre-upgrade-20260101-000000"])
        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(report.retention?.destroyed == ["rpool/ROOT/default@pre-upgrade-20260101-000000"])
        #expect(report.retention?.error == nil)
        #expect(report.retention?.spared == ["pre-upgrade-20260102-000000"])
        // kbe's own destroy plan: no children, so no -r (`kbe destroy --dry-run` prints the same).
        #expect(rig.runner.argvs.filter { $0.starts(with: ["zfs", "destroy"]) } == [["zfs", "destroy", "rpool/ROOT/default@pre-upgrade-20260101-000000"]])
    }

    /// A paired dataset is part of every checkpoint: the checkpoint takes it in the same
    /// `zfs snapshot`, the way back takes the data (`--with-data`), and retention destroys its
    /// snapshot of an old checkpoint with it (listed only because something is destroyed).
    @Test func pairedDatasetsTravelWithTheCheckpointAndItsRetention() throws {
        let rig = try KupgradeRig()
        rig.options.keep = 1
        rig.healthyPool(snapshots: ["pre-upgrade-20260101-000000"], paired: "rpool/srv/pg\torg.kldload:paired\ton\tlocal\n")
        rig.aptPlan()
        let snapshot = ["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                        "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(Self.checkpoint)",
                        "rpool/srv/pg@\(Self.checkpoint)"]
        rig.runner.on(snapshot)
        rig.aptTransaction()
        rig.runner.on(Self.successProps)
        rig.runner.on(SystemQuery.retentionRows(of: "rpool/ROOT/default").command.argv, stdout: [
            "rpool/ROOT/default@pre-upgrade-20260101-000000\t100\t-\t0.1.0",
            "rpool/ROOT/default@\(Self.checkpoint)\t1774430130\t-\t0.1.0",
        ].joined(separator: "\n") + "\n")
        // kbe's destroy plan reads the paired datasets' snapshots in its own listing.
        rig.runner.on(SystemQuery.bootEnvironmentRecords(roots: ["rpool/srv/pg"], depth: 1).command.argv, stdout: [
            "rpool/srv/pg\tfilesystem\t5000000\t1000\t5000000\t20000000000\t/srv/pg\ton\tyes\t-\t-\t1774000000\t-",
            "rpool/srv/pg@pre-upgrade-20260101-000000\tsnapshot\t1000\t-\t5000000\t-\t-\t-\t-\t-\t-\t1774100000\t-",
            "rpool/srv/pg@\(Self.checkpoint)\tsnapshot\t0\t-\t5000000\t-\t-\t-\t-\t-\t-\t1774430130\t-",
        ].joined(separator: "\n") + "\n")
        rig.runner.on(["zfs", "destroy", "rpool/ROOT/default@pre-upgrade-20260101-000000"])
        rig.runner.on(["zfs", "destroy", "rpool/srv/pg@pre-upgrade-20260101-000000"])
        let report = rig.run()
        #expect(report.exitCode == 0, "\(rig.output.text)")
        #expect(report.checkpoint?.snapshots == ["rpool/ROOT/default@\(Self.checkpoint)", "rpool/srv/pg@\(Self.checkpoint)"])
        #expect(report.rollbackCommand == "kbe activate \(Self.checkpoint) --with-data && reboot")
        #expect(report.retention?.destroyed == ["rpool/ROOT/default@pre-upgrade-20260101-000000", "rpool/srv/pg@pre-upgrade-20260101-000000"])
    }

    /// A checkpoint is recursive (the BE and its children, e.g. rpool/ROOT/default/var), so
    /// retention destroys it recursively: `zfs destroy -r BE@OLD` takes the children's same-named
    /// snapshots, which a plain `zfs destroy BE@OLD` left behind for ever. When zfs refuses
    /// (a child's snapshot has a dependent clone), nothing is destroyed, the whole reason is
    /// reported, and the package-database twin is kept with the checkpoint.
    @Test func retentionDestroysTheWholeRecursiveCheckpointOrReportsWhyNot() throws {
        func rig(destroyStatus: Int32, stderr: String) throws -> KupgradeRig {
            let rig = try KupgradeRig()
            rig.options.keep = 1
            try "rpool/ROOT/default / zfs rw,relatime,xattr,posixacl 0 0\nrpool/var/lib /var/lib zfs rw,relatime,xattr,posixacl 0 0\n"
                .write(to: rig.dir.appendingPathComponent("proc/self/mounts"), atomically: true, encoding: .utf8)
            rig.healthyPool(snapshots: ["pre-upgrade-20260101-000000"], children: ["var"])
            rig.aptPlan()
            rig.runner.on(["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                           "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(Self.checkpoint)",
                           "rpool/ROOT/default/var@\(Self.checkpoint)", "rpool/var/lib@\(Self.checkpoint)"])
            rig.aptTransaction()
            rig.runner.on(["zfs", "set", "org.kldload:result=success", "org.kldload:packages=3", "org.kldload:new-kernel=none",
                           "rpool/ROOT/default@\(Self.checkpoint)"])
            rig.runner.on(SystemQuery.retentionRows(of: "rpool/ROOT/default").command.argv, stdout: [
                "rpool/ROOT/default@pre-upgrade-20260101-000000\t100\t-\t0.1.0",
                "rpool/ROOT/default@\(Self.checkpoint)\t1774430130\t-\t0.1.0",
            ].joined(separator: "\n") + "\n")
            // kbe's destroy plan reads the package database dataset's snapshots in its own listing.
            rig.runner.on(SystemQuery.bootEnvironmentRecords(root: "rpool/var/lib", depth: 1, types: "snapshot").command.argv, stdout: [
                "rpool/var/lib@pre-upgrade-20260101-000000\tsnapshot\t1000\t-\t5000000\t-\t-\t-\t-\t-\t-\t1774100000\t-",
                "rpool/var/lib@\(Self.checkpoint)\tsnapshot\t0\t-\t5000000\t-\t-\t-\t-\t-\t-\t1774430130\t-",
            ].joined(separator: "\n") + "\n")
            rig.runner.on(["zfs", "destroy", "-r", "rpool/ROOT/default@pre-upgrade-20260101-000000"], stderr: stderr, status: destroyStatus)
            rig.runner.on(["zfs", "destroy", "rpool/var/lib@pre-upgrade-20260101-000000"])
            return rig
        }
        let ok = try rig(destroyStatus: 0, stderr: "")
        let done = ok.run()
        #expect(done.retention?.destroyed == ["rpool/ROOT/default@pre-upgrade-20260101-000000",
                                              "rpool/ROOT/default/var@pre-upgrade-20260101-000000",
                                              "rpool/var/lib@pre-upgrade-20260101-000000"])
        #expect(done.retention?.error == nil)
        #expect(ok.runner.argvs.filter { $0.starts(with: ["zfs", "destroy"]) } == [
            ["zfs", "destroy", "-r", "rpool/ROOT/default@pre-upgrade-20260101-000000"],
            ["zfs", "destroy", "rpool/var/lib@pre-upgrade-20260101-000000"],
        ])
        // It is kbe's plan: `kbe destroy --dry-run` on the same system prints exactly what retention ran.
        let dryRun = BootEnvironmentManager(
            context: SystemContext(runner: ok.runner, files: ok.files, now: { Date(timeIntervalSince1970: 1_774_430_130) }),
            options: KBEOptions(dryRun: true))
        let plan = try dryRun.destroy("rpool/ROOT/default@pre-upgrade-20260101-000000", keepOrigin: false).report.plan
        #expect(plan == ok.runner.argvs.filter { $0.starts(with: ["zfs", "destroy"]) })

        // zfs's own wording for a child snapshot with a dependent clone (zfs_main.c, destroy_check_dependent).
        let refused = try rig(destroyStatus: 1, stderr: """
            cannot destroy 'rpool/ROOT/default/var@pre-upgrade-20260101-000000': snapshot has dependent clones
            use '-R' to destroy the following datasets:
            rpool/ROOT/restored/var

            """)
        let kept = refused.run()
        #expect(kept.retention?.destroyed == [])
        #expect(kept.retention?.error?.contains("snapshot has dependent clones") == true)
        #expect(kept.retention?.error?.contains("rpool/ROOT/restored/var") == true)
        #expect(!refused.runner.argvs.contains(["zfs", "destroy", "rpool/var/lib@pre-upgrade-20260101-000000"]))
        #expect(refused.output.text.contains("retention: could not destroy rpool/ROOT/default@pre-upgrade-20260101-000000: step 1 of 2 failed"))
        // kbe's failure report and its hint for the refusal survive into kupgrade's output and report.
        #expect(refused.output.text.contains("  not run:\n    zfs destroy rpool/var/lib@pre-upgrade-20260101-000000\n"))
        #expect(refused.output.text.contains("  hint: boot environments were cloned from that snapshot"))
        #expect(kept.retention?.error?.contains("hint: boot environments were cloned from that snapshot") == true)
    }

    @Test func resilverIsAWarning() throws {
        let rig = try KupgradeRig()
        rig.options.dryRun = true
        rig.healthyPool(status: """
              pool: rpool
             state: ONLINE
            status: One or more devices is currently being resilvered.  The pool will
            \tcontinue to function, possibly in a degraded state.
            action: Wait for the resilver to complete.
              scan: resilver in progress since Wed Mar 25 09:00:01 2026
            \t1.20G scanned at 410M/s, 800M issued at 270M/s, 3.50G total
            \t790M resilvered, 22.32% done, 00:00:10 to go
            config:

            \tNAME        STATE     READ WRITE CKSUM
            \trpool       ONLINE       0     0     0
            \t  mirror-0  ONLINE       0     0     0
            \t    vda3    ONLINE       0     0     0
            \t    vdb3    ONLINE       0     0     0  (resilvering)

            errors: No known data errors

            """)
        rig.aptPlan()
        let report = rig.run()
        #expect(report.pool?.resilvering == true)
        #expect(report.exitCode == 1)
        #expect(report.warnings.contains { $0.contains("resilvering") })
    }

    @Test func onATerminalKupgradeAsksUnlessYes() throws {
        let rig = try KupgradeRig()
        rig.interactive = true
        rig.answer = false
        rig.options.assumeYes = false
        rig.healthyPool()
        rig.aptPlan()
        let report = rig.run()
        #expect(report.exitCode == 3)
        #expect(report.refusal?.reason == "not-confirmed")
        #expect(!rig.runner.argvs.contains { $0.starts(with: ["zfs", "snapshot"]) })

        // --yes: no question, straight to the checkpoint (the stub has no snapshot answer: refused there).
        let yes = try KupgradeRig()
        yes.interactive = true
        yes.options.assumeYes = true
        yes.healthyPool()
        yes.aptPlan()
        let r2 = yes.run()
        #expect(r2.refusal?.reason == "step-failed")
        #expect(yes.runner.argvs.contains { $0.starts(with: ["zfs", "snapshot"]) })
    }

    /// kbe takes the checkpoint; when zfs refuses, kbe's hint for that refusal is kupgrade's hint.
    @Test func aRefusedCheckpointKeepsKbesHint() throws {
        let rig = try KupgradeRig()
        rig.healthyPool()
        rig.aptPlan()
        rig.runner.on(["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                       "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(Self.checkpoint)"],
                      stderr: "cannot create snapshot 'rpool/ROOT/default@\(Self.checkpoint)': out of space\n", status: 1)
        let report = rig.run()
        #expect(report.exitCode == 3)
        #expect(report.refusal?.reason == "step-failed")
        #expect(report.refusal?.message.contains("out of space") == true)
        #expect(report.refusal?.hint == "nothing was changed; the pool is full: free space (kbe list -s shows the checkpoints and their space) and retry; then run kupgrade again")
        #expect(rig.output.text.contains("  nothing was changed; the pool is full"))
    }

    @Test func nothingToUpgradeTakesNoSnapshot() throws {
        let rig = try KupgradeRig()
        rig.healthyPool()
        rig.aptPlan(simulation: "apt/2.6.1-debian12-chroot/apt-get-s-dist-upgrade-noop.stdout")
        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(report.nothingToDo)
        #expect(report.checkpoint == nil)
        #expect(!rig.runner.argvs.contains { $0.starts(with: ["zfs", "snapshot"]) })
        #expect(rig.runner.argvs.last == AptDriver.simulate.argv)
        #expect(rig.output.text.contains("[kupgrade] nothing to upgrade; no snapshot taken\n"))
    }

    @Test func degradedPoolIsRefused() throws {
        let rig = try KupgradeRig()
        rig.healthyPool(health: "DEGRADED")
        let report = rig.run()
        #expect(report.exitCode == 3)
        #expect(report.refusal?.reason == "pool-unhealthy")
        #expect(rig.runner.argvs == [KupgradeRig.bootfs, KupgradeRig.listing, KupgradeRig.zpoolGet, ["zpool", "status", "-x", "rpool"]])
        #expect(rig.output.text.contains("--allow-degraded"))
    }

    @Test func degradedPoolAllowedWithFlagButNeverFaulted() throws {
        let rig = try KupgradeRig()
        rig.options.allowDegraded = true
        rig.options.dryRun = true
        rig.healthyPool(health: "DEGRADED")
        rig.aptPlan()
        let report = rig.run()
        #expect(report.exitCode == 1)
        #expect(report.warnings.contains { $0.contains("DEGRADED") })
        #expect(!rig.runner.argvs.contains { $0.starts(with: ["zfs", "snapshot"]) })

        let faulted = try KupgradeRig()
        faulted.options.allowDegraded = true
        faulted.healthyPool(health: "FAULTED")
        #expect(faulted.run().exitCode == 3)
    }

    @Test func dryRunChangesNothing() throws {
        let rig = try KupgradeRig()
        rig.options.dryRun = true
        rig.healthyPool()
        rig.aptPlan()
        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(report.dryRun)
        #expect(rig.runner.argvs == [KupgradeRig.bootfs, KupgradeRig.listing, KupgradeRig.zpoolGet, ["zpool", "status", "-x", "rpool"], AptDriver.update.argv, AptDriver.simulate.argv])
        #expect(rig.output.text.contains("[kupgrade] dry run: would snapshot rpool/ROOT/default@\(Self.checkpoint)\n"))
    }

    @Test func notEnoughSpaceIsRefusedWithFigures() throws {
        let rig = try KupgradeRig()
        rig.healthyPool(free: 100 * 1024 * 1024)
        rig.aptPlan()
        let report = rig.run()
        #expect(report.exitCode == 3)
        #expect(report.refusal?.reason == "not-enough-space")
        #expect(report.refusal?.message.contains("100M free") == true)
        #expect(!rig.runner.argvs.contains { $0.starts(with: ["zfs", "snapshot"]) })
    }

    @Test func failingTransactionExitsFourAndStillVerifiesModules() throws {
        let rig = try KupgradeRig()
        rig.healthyPool(snapshots: [Self.checkpoint])
        rig.aptPlan(simulation: "apt/2.6.1-debian12-chroot/apt-get-s-dist-upgrade.stdout")
        let name = Self.checkpoint + "-2"
        let snapshot = ["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                        "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(name)"]
        rig.runner.on(snapshot)
        rig.runner.on(KupgradeRig.apt, stdout: kupgradeFixture("apt/2.6.1-debian12-chroot/apt-get-dist-upgrade-postinst-fails.stdout"),
                      stderr: kupgradeFixture("apt/2.6.1-debian12-chroot/apt-get-dist-upgrade-postinst-fails.stderr"), status: 100)
        let setProps = ["zfs", "set", "org.kldload:result=transaction-failed", "org.kldload:packages=0",
                        "org.kldload:new-kernel=none", "rpool/ROOT/default@\(name)"]
        rig.runner.on(setProps)
        let verified = Lines()
        rig.modules = ModuleStep { ctx, progress, kernels in
            verified.add("ran")
            return KupgradeRig.modulesOK.run(ctx, progress, kernels)
        }
        let report = rig.run()
        #expect(report.exitCode == 4)
        #expect(report.transactionFailed)
        #expect(report.checkpoint?.name == name)
        #expect(report.autoremoveSkipped == "the package transaction failed")
        #expect(verified.all == ["ran"])
        #expect(!rig.runner.argvs.contains(AptDriver.autoremoveCommand.argv))
        #expect(!rig.runner.argvs.contains { $0.starts(with: ["zfs", "destroy"]) })
        #expect(rig.runner.argvs.last == setProps)
        let text = rig.output.text
        #expect(text.contains("[kupgrade] FAILED — the package transaction did not complete\n"))
        #expect(text.contains("E: Sub-process /usr/bin/dpkg returned an error code (1)"))
        #expect(text.contains("To roll back:\n  kbe activate \(name) && reboot\n"))
    }

    @Test func criticalModuleFailurePrintsTheDKMSBlock() throws {
        let rig = try KupgradeRig()
        rig.modules = KupgradeRig.modulesCritical
        rig.healthyPool()
        rig.aptPlan()
        rig.runner.on(["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                       "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(Self.checkpoint)"])
        rig.aptTransaction()
        rig.runner.on(["zfs", "set", "org.kldload:result=critical-module-failure", "org.kldload:packages=3",
                       "org.kldload:new-kernel=none", "rpool/ROOT/default@\(Self.checkpoint)"])
        let report = rig.run()
        #expect(report.exitCode == 5)
        #expect(report.retention == nil)
        let text = rig.output.text
        #expect(text.contains("[kupgrade] DKMS FAILURE — upgrade complete but ZFS may not load on new kernel"))
        #expect(text.contains("DO NOT REBOOT until this is resolved, or use the rollback:\n  kbe activate \(Self.checkpoint) && reboot\n"))
        #expect(text.contains("Manual fix options:\n  1. Wait for a new ZFS DKMS package update and re-run kupgrade\n"))
        #expect(text.contains("  2. Keep booting the previous kernel: zfs set org.zfsbootmenu:kernel=vmlinuz-6.1.0-18-amd64 rpool/ROOT/default\n"))
        #expect(text.contains("  3. Roll back: kbe activate \(Self.checkpoint) && reboot\n"))
        #expect(text.contains("build log: /var/lib/dkms/zfs/2.1.11/build/make.log"))
    }

    @Test func refusalsBeforeAnyCommand() throws {
        let notRoot = try KupgradeRig()
        notRoot.uid = 1000
        var report = notRoot.run()
        #expect(report.exitCode == 3 && report.refusal?.reason == "not-root")
        #expect(notRoot.runner.argvs.isEmpty)

        let busy = try KupgradeRig()
        busy.held = ["/var/lib/dpkg/lock-frontend"]
        report = busy.run()
        #expect(report.exitCode == 3 && report.refusal?.reason == "package-manager-busy")
        #expect(report.refusal?.message.contains("/var/lib/dpkg/lock-frontend") == true)
        #expect(busy.runner.argvs.isEmpty)

        let twice = try KupgradeRig()
        twice.held = [RunLock.defaultPath]
        report = twice.run()
        #expect(report.exitCode == 3 && report.refusal?.reason == "already-running")

        let gentoo = try KupgradeRig(distro: "gentoo")
        report = gentoo.run()
        #expect(report.exitCode == 3 && report.refusal?.reason == "unsupported-distro")
        #expect(gentoo.runner.argvs.isEmpty)
    }

    @Test func debianWithDnfInstalledStillUsesApt() throws {
        let rig = try KupgradeRig()
        rig.options.dryRun = true
        rig.healthyPool()
        rig.aptPlan()
        let report = rig.run()
        #expect(report.packageManager == "apt")
        #expect(!rig.runner.argvs.contains { $0.first == "dnf" })
    }

    @Test func noZFSRootAndNoMarkerIsRefused() throws {
        let rig = try KupgradeRig()
        try "/dev/vda1 / ext4 rw 0 0\n".write(to: rig.dir.appendingPathComponent("proc/self/mounts"), atomically: true, encoding: .utf8)
        let report = rig.run()
        #expect(report.refusal?.reason == "no-boot-environment")
        #expect(!rig.runner.argvs.contains { $0.first == "apt-get" || $0.starts(with: ["zfs", "snapshot"]) })
    }

    @Test func rockyDnfPlanFromCapturedTransaction() throws {
        let rig = try KupgradeRig(distro: "rocky")
        rig.options.dryRun = true
        rig.healthyPool()
        rig.runner.on(DnfDriver.simulate.argv, stdout: kupgradeFixture("dnf/4.14.0-debian12/upgrade-assumeno.stdout"),
                      stderr: kupgradeFixture("dnf/4.14.0-debian12/upgrade-assumeno.stderr"), status: 1)
        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(report.packageManager == "dnf")
        #expect(report.plan?.newKernels == ["5.14.0-570.el9.x86_64"])
        #expect(report.plan?.modulePackages.contains("kmod-zfs") == true)
        #expect(report.plan?.modulePackages.contains("zfs-dkms") == true)
        #expect(report.plan?.downloadBytes == 50_176)
        #expect(rig.output.text.contains("[kupgrade] dry run: would run: dnf upgrade -y\n"))
    }

    @Test func archHoldBackDecision() {
        let upgrades = [
            PacmanUpgrade(upgrade: PackageUpgrade(name: "linux", currentVersion: "6.12.1.arch1-1", newVersion: "6.12.3.arch1-1"), ignored: false),
            PacmanUpgrade(upgrade: PackageUpgrade(name: "linux-headers", currentVersion: "6.12.1.arch1-1", newVersion: "6.12.3.arch1-1"), ignored: false),
            PacmanUpgrade(upgrade: PackageUpgrade(name: "kldload-demo", currentVersion: "1.0-1", newVersion: "2.0-1"), ignored: false),
        ]
        let local = PacmanPackageInfo(fields: ["Name": "zfs-linux", "Version": "2.2.7_6.12.1.arch1.1-1",
                                               "Depends On": "kmod  zfs-utils=2.2.7  linux=6.12.1.arch1-1"])
        let plan = PacmanDriver.plan(upgrades: upgrades, zfsPackages: ["zfs-linux"], local: [local], sync: [])
        #expect(plan.holds.map(\.name) == ["linux", "linux-headers"])
        #expect(plan.items.map(\.name) == ["kldload-demo"])
        #expect(plan.newKernels.isEmpty)
        #expect(PacmanDriver().upgradeCommands(for: plan) == [Command(["pacman", "-Syu", "--noconfirm", "--ignore", "linux,linux-headers"])])

        // When the repository's zfs-linux follows the new kernel, nothing is held.
        let synced = PacmanPackageInfo(fields: ["Name": "zfs-linux", "Version": "2.2.7_6.12.3.arch1.1-1",
                                                "Depends On": "kmod  zfs-utils=2.2.7  linux=6.12.3.arch1-1"])
        let withZFS = upgrades + [PacmanUpgrade(upgrade: PackageUpgrade(name: "zfs-linux", currentVersion: "2.2.7_6.12.1.arch1.1-1", newVersion: "2.2.7_6.12.3.arch1.1-1"), ignored: false)]
        let free = PacmanDriver.plan(upgrades: withZFS, zfsPackages: ["zfs-linux"], local: [local], sync: [synced])
        #expect(free.holds.isEmpty)
        #expect(free.newKernels == ["6.12.3-arch1-1"])
        #expect(PacmanDriver().upgradeCommands(for: free) == [Command(["pacman", "-Syu", "--noconfirm"])])
    }
}

@Suite("kupgrade workflow: Arch and replays")
struct KupgradeArchAndReplayTests {
    static let pac = "pacman/6.0.2-debian12/"

    @Test func archHoldBackOnCapturedPacmanOutput() throws {
        let rig = try KupgradeRig(distro: "arch")
        rig.healthyPool()
        rig.runner.on(PacmanDriver.link.argv)
        rig.runner.on(PacmanDriver.refresh.argv, stdout: kupgradeFixture(Self.pac + "Sy-refresh.stdout"))
        rig.runner.on(PacmanDriver.pending.argv, stdout: kupgradeFixture(Self.pac + "Qu-pending.stdout"))
        rig.runner.on(PacmanDriver.installed.argv, stdout: kupgradeFixture(Self.pac + "Q-before.stdout"))
        rig.runner.on(["pacman", "-Qi", "zfs-linux"], stdout: kupgradeFixture(Self.pac + "Qi-zfs-linux.stdout"))
        rig.runner.on(["pacman", "-Si", "--dbpath", PacmanDriver.planDBPath, "zfs-linux"],
                      stdout: kupgradeFixture(Self.pac + "Si-zfs-linux.stdout"))
        let snapshot = ["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                        "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@pre-upgrade-20260325-091530"]
        rig.runner.on(snapshot)
        let upgrade = ["pacman", "-Syu", "--noconfirm", "--ignore", "linux,linux-headers"]
        rig.runner.on(upgrade, stdout: kupgradeFixture(Self.pac + "Syu-ignore-linux.stdout"),
                      stderr: kupgradeFixture(Self.pac + "Syu-ignore-linux.stderr"))
        rig.runner.on(["zfs", "set", "org.kldload:result=success-with-warnings", "org.kldload:packages=1", "org.kldload:new-kernel=none",
                       "rpool/ROOT/default@pre-upgrade-20260325-091530"])
        rig.runner.on(SystemQuery.retentionRows(of: "rpool/ROOT/default").command.argv,
                      stdout: "rpool/ROOT/default@pre-upgrade-20260325-091530\t1774430130\t-\t0.1.0\n")
        let report = rig.run()
        // Held packages leave the system short of the repository: success with warnings.
        #expect(report.exitCode == 1)
        #expect(report.warnings.contains { $0.hasPrefix("held back linux, linux-headers until") })
        #expect(report.packageManager == "pacman")
        #expect(report.plan?.holds.map(\.name) == ["linux", "linux-headers"])
        #expect(report.plan?.holds.first?.reason.contains("requires linux=6.12.1.arch1-1") == true)
        #expect(report.plan?.items.map(\.name) == ["kldload-app"])
        #expect(report.autoremoveSkipped?.contains("--autoremove") == true)
        // Planning never runs a bare `pacman -Sy` against the real databases.
        #expect(!rig.runner.argvs.contains(["pacman", "-Sy"]))
        #expect(rig.runner.argvs.contains(upgrade))
        #expect(!rig.runner.argvs.contains(["pacman", "-Syu", "--noconfirm"]))
        #expect(rig.output.text.contains("  held back: linux 6.12.1.arch1-1 (repository has 6.12.3.arch1-1): zfs-linux 2.2.7_6.12.1.arch1.1-1 requires linux=6.12.1.arch1-1\n"))
    }

    @Test func archFailedTransactionIsNeverSuccess() throws {
        let rig = try KupgradeRig(distro: "arch")
        rig.healthyPool()
        rig.runner.on(PacmanDriver.link.argv)
        rig.runner.on(PacmanDriver.refresh.argv, stdout: kupgradeFixture(Self.pac + "Sy-refresh.stdout"))
        rig.runner.on(PacmanDriver.pending.argv, stdout: "kldload-app 1.0-1 -> 1.1-1\n")
        rig.runner.on(PacmanDriver.installed.argv, stdout: "kldload-app 1.0-1\n")
        rig.runner.on(["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                       "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@pre-upgrade-20260325-091530"])
        rig.runner.on(["pacman", "-Syu", "--noconfirm"], stdout: kupgradeFixture(Self.pac + "Syu-fails-dependency.stdout"),
                      stderr: kupgradeFixture(Self.pac + "Syu-fails-dependency.stderr"), status: 1)
        rig.runner.on(["zfs", "set", "org.kldload:result=transaction-failed", "org.kldload:packages=0",
                       "org.kldload:new-kernel=none", "rpool/ROOT/default@pre-upgrade-20260325-091530"])
        let report = rig.run()
        #expect(report.exitCode == 4)
        #expect(report.result == "transaction-failed")
        #expect(report.rollbackCommand == "kbe activate pre-upgrade-20260325-091530 && reboot")
    }

    /// A scenario directory in the Docs/REPLAY.md layout, built in a temp dir by the test.
    static func scenario(_ commands: [([String], String, Int32)], conf: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kupgrade-scn-\(UUID().uuidString)")
        let fm = FileManager.default
        for (i, (argv, stdout, status)) in commands.enumerated() {
            let d = dir.appendingPathComponent("commands").appendingPathComponent(String(format: "%03d", i + 1))
            try fm.createDirectory(at: d, withIntermediateDirectories: true)
            try (argv.joined(separator: "\n") + "\n").write(to: d.appendingPathComponent("argv"), atomically: true, encoding: .utf8)
            try stdout.write(to: d.appendingPathComponent("stdout"), atomically: true, encoding: .utf8)
            if status != 0 { try "\(status)\n".write(to: d.appendingPathComponent("status"), atomically: true, encoding: .utf8) }
        }
        for sub in ["root/etc", "root/proc/self", "root/usr/bin"] {
            try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nNAME=\"Debian GNU/Linux\"\n"
            .write(to: dir.appendingPathComponent("root/etc/os-release"), atomically: true, encoding: .utf8)
        try "rpool/ROOT/default / zfs rw,relatime 0 0\n".write(to: dir.appendingPathComponent("root/proc/self/mounts"), atomically: true, encoding: .utf8)
        _ = fm.createFile(atPath: dir.appendingPathComponent("root/usr/bin/apt-get").path, contents: Data())
        try conf.write(to: dir.appendingPathComponent("scenario.conf"), atomically: true, encoding: .utf8)
        return dir
    }

    static let kbeReads: [([String], String, Int32)] = [
        (KupgradeRig.bootfs, "rpool\tbootfs\trpool/ROOT/default\tlocal\n", 0),
        (KupgradeRig.listing, "rpool/ROOT\tfilesystem\t4000000000\t0\t98304\t20000000000\tnone\toff\tno\t-\t-\t1774000000\t-\nrpool/ROOT/default\tfilesystem\t3900000000\t0\t3900000000\t20000000000\t/\tnoauto\tyes\t-\t-\t1774000000\t-\n", 0),
    ]

    @Test func replayJSONOnStdoutHumanOnStderr() throws {
        let dir = try Self.scenario(Self.kbeReads + [
            (KupgradeRig.zpoolGet, "rpool\tbootfs\trpool/ROOT/default\tlocal\nrpool\thealth\tDEGRADED\t-\nrpool\tfree\t1000000000\t-\nrpool\tsize\t2000000000\t-\nrpool\tallocated\t1000000000\t-\n", 0),
            (["zpool", "status", "-x", "rpool"], "  pool: rpool\n state: DEGRADED\nstatus: One or more devices could not be used because the label is missing or\n\tinvalid.\naction: Replace the device using 'zpool replace'.\nconfig:\n\n\tNAME        STATE     READ WRITE CKSUM\n\trpool       DEGRADED     0     0     0\n\t  mirror-0  DEGRADED     0     0     0\n\t    vda3    ONLINE       0     0     0\n\t    vdb3    UNAVAIL      0     0     0\n\nerrors: No known data errors\n", 0),
        ], conf: "now=2026-03-25T09:15:30Z\nuid=0\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = Lines(), err = Lines()
        let code = KupgradeCommand.main(["--replay", dir.path, "--json"], stdout: out.add, stderr: err.add)
        #expect(code == 3)
        let report = try JSONDecoder().decode(UpgradeReport.self, from: Data(out.text.utf8))
        #expect(report.version == 1)
        #expect(report.refusal?.reason == "pool-unhealthy")
        #expect(report.pool?.health == "DEGRADED")
        #expect(err.text.contains("[kupgrade] checking pool health... rpool DEGRADED\n"))
        #expect(err.text.contains("[kupgrade] REFUSED: pool rpool is DEGRADED"))
        #expect(!out.text.contains("[kupgrade]"))
    }

    /// `--json` is not part of `org.kldload:command`, so a live recording made as plain
    /// `kupgrade` replays with `--json` and gives the same outcome as a JSON report.
    @Test func recordedScenarioReplaysWithJSON() throws {
        let dir = Fixtures.url("scenarios/kupgrade-debian12-apt").path
        let out = Lines(), err = Lines()
        let code = KupgradeCommand.main(["--replay", dir, "--json"], stdout: out.add, stderr: err.add)
        #expect(code == 0)
        let report = try JSONDecoder().decode(UpgradeReport.self, from: Data(out.text.utf8))
        #expect(report.exitCode == 0)
        #expect(report.checkpoint?.name.hasPrefix("pre-upgrade-") == true)
        #expect(err.text.contains("[kupgrade] DONE"))
    }

    @Test func replayLocksAndUidFromScenarioConf() throws {
        let busy = try Self.scenario([], conf: "uid=0\nlocks_held=/var/lib/dpkg/lock-frontend\n")
        defer { try? FileManager.default.removeItem(at: busy) }
        let out = Lines()
        #expect(KupgradeCommand.main(["--replay", busy.path], stdout: out.add, stderr: out.add) == 3)
        #expect(out.text.contains("dpkg/apt is busy: /var/lib/dpkg/lock-frontend"))

        let user = try Self.scenario([], conf: "uid=1000\n")
        defer { try? FileManager.default.removeItem(at: user) }
        let out2 = Lines()
        #expect(KupgradeCommand.main(["--replay", user.path, "--dry-run"], stdout: out2.add, stderr: out2.add) == 3)
        #expect(out2.text.contains("kupgrade must run as root (running as uid 1000)"))
        #expect(out2.text.contains("sudo kupgrade"))

        let missing = Lines()
        #expect(KupgradeCommand.main(["--replay", "/nonexistent/scenario"], stdout: missing.add, stderr: missing.add) == 2)
    }
}

/// The real steps 9–10 (`ModuleStep.real`: ModuleVerifier + ModuleSigner) inside a kupgrade run.
@Suite("kupgrade workflow: real module step")
struct KupgradeModuleIntegrationTests {
    static let old = "6.1.0-55-amd64"
    static let new = "6.1.0-56-amd64"
    static let checkpoint = "pre-upgrade-20260325-091530"

    /// Two kernels with images; zfs/spl for the old one; for the new one only if `newHasZFS`.
    static func rig(newHasZFS: Bool) throws -> KupgradeRig {
        let rig = try KupgradeRig()
        rig.modules = .real
        let fm = FileManager.default
        for k in [old, new] {
            try fm.createDirectory(at: rig.dir.appendingPathComponent("boot"), withIntermediateDirectories: true)
            _ = fm.createFile(atPath: rig.dir.appendingPathComponent("boot/vmlinuz-\(k)").path, contents: Data())
            let dkmsDir = rig.dir.appendingPathComponent("lib/modules/\(k)/updates/dkms")
            try fm.createDirectory(at: dkmsDir, withIntermediateDirectories: true)
            if k == old || newHasZFS {
                for m in ["zfs", "spl"] {
                    _ = fm.createFile(atPath: dkmsDir.appendingPathComponent("\(m).ko").path, contents: Data())
                    rig.runner.on(["modinfo", "-F", "vermagic", "/lib/modules/\(k)/updates/dkms/\(m).ko"],
                                  stdout: "\(k) SMP preempt mod_unload modversions \n")
                }
            }
        }
        try fm.createDirectory(at: rig.dir.appendingPathComponent("usr/sbin"), withIntermediateDirectories: true)
        _ = fm.createFile(atPath: rig.dir.appendingPathComponent("usr/sbin/dkms").path, contents: Data())
        let installed = [old] + (newHasZFS ? [new] : [])
        rig.runner.on(["dkms", "status"], stdout: installed.flatMap { k in
            ["spl/2.1.11, \(k), x86_64: installed\n", "zfs/2.1.11, \(k), x86_64: installed\n"] }.joined())
        // This machine has no EFI: the captured `mokutil --sb-state` answer.
        rig.runner.on(["mokutil", "--sb-state"],
                      stdout: kupgradeFixture("mokutil/0.6.0-debian12/sb-state-no-efi.stdout"),
                      stderr: kupgradeFixture("mokutil/0.6.0-debian12/sb-state-no-efi.stderr"),
                      status: Int32(kupgradeFixture("mokutil/0.6.0-debian12/sb-state-no-efi.status")
                          .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
        rig.healthyPool()
        rig.aptPlan()
        rig.runner.on(["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                       "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(checkpoint)"])
        rig.aptTransaction()
        return rig
    }

    @Test func allKernelsOK() throws {
        let rig = try Self.rig(newHasZFS: true)
        rig.runner.on(KupgradeWorkflowTests.successProps)
        rig.runner.on(SystemQuery.retentionRows(of: "rpool/ROOT/default").command.argv,
                      stdout: "rpool/ROOT/default@\(Self.checkpoint)\t1774430130\t-\t0.1.0\n")
        let report = rig.run()
        #expect(report.exitCode == 0, "\(rig.output.text)")
        #expect(report.modules?.kernels.count == 2)
        #expect(report.modules?.nextBootKernel == Self.new)
        #expect(report.signing?.enforcing == false)
        let text = rig.output.text
        #expect(text.contains("[kupgrade] verifying ZFS DKMS modules...\n"))
        #expect(text.contains("  ZFS DKMS: OK for all kernels\n"))
        #expect(!rig.runner.argvs.contains { $0.starts(with: ["dkms", "autoinstall"]) })
    }

    @Test func dkmsBuildFailureForTheNextKernelIsCritical() throws {
        let rig = try Self.rig(newHasZFS: false)
        rig.runner.on(["dkms", "autoinstall", "-k", Self.new],
                      stdout: kupgradeFixture("dkms/3.0.10-debian12/autoinstall-with-broken.stdout"),
                      stderr: kupgradeFixture("dkms/3.0.10-debian12/autoinstall-with-broken.stderr"), status: 11)
        rig.runner.on(["zfs", "set", "org.kldload:result=critical-module-failure", "org.kldload:packages=3",
                       "org.kldload:new-kernel=none", "rpool/ROOT/default@\(Self.checkpoint)"])
        let report = rig.run()
        #expect(report.exitCode == 5, "\(rig.output.text)")
        #expect(report.result == "critical-module-failure")
        #expect(report.retention == nil)
        #expect(rig.runner.argvs.contains(["dkms", "autoinstall", "-k", Self.new]))
        let text = rig.output.text
        #expect(text.contains("DO NOT REBOOT until this is resolved, or use the rollback:\n  kbe activate \(Self.checkpoint) && reboot\n"))
        #expect(text.contains("  2. Keep booting the previous kernel: zfs set org.zfsbootmenu:kernel=vmlinuz-\(Self.old) rpool/ROOT/default\n"))
    }
}

@Suite("kupgrade workflow: Secure Boot")
struct KupgradeSecureBootTests {
    /// Secure Boot enforcing (efivars), the only kernel's zfs/spl are unsigned `.ko.xz` and there
    /// is no MOK key: the next boot could not load ZFS, so exit 5 and DO NOT REBOOT.
    @Test func unsignedXZModulesWithoutKeyAreCritical() throws {
        let kver = "6.1.0-56-amd64"
        let checkpoint = "pre-upgrade-20260325-091530"
        let rig = try KupgradeRig()
        rig.modules = .real
        let fm = FileManager.default
        try fm.createDirectory(at: rig.dir.appendingPathComponent("boot"), withIntermediateDirectories: true)
        _ = fm.createFile(atPath: rig.dir.appendingPathComponent("boot/vmlinuz-\(kver)").path, contents: Data())
        let dkmsDir = rig.dir.appendingPathComponent("lib/modules/\(kver)/updates/dkms")
        try fm.createDirectory(at: dkmsDir, withIntermediateDirectories: true)
        for m in ["zfs", "spl"] {
            let path = "/lib/modules/\(kver)/updates/dkms/\(m).ko.xz"
            _ = fm.createFile(atPath: rig.dir.path + path, contents: Data())
            rig.runner.on(["modinfo", "-F", "vermagic", path], stdout: "\(kver) SMP preempt mod_unload modversions \n")
            rig.runner.on(["modinfo", "-F", "signer", path], stdout: "\n")
            rig.runner.on(["modinfo", "-F", "sig_id", path], stdout: "\n")
        }
        // efivars: 4 attribute bytes, then the value (SecureBoot=1, SetupMode=0).
        let efivars = rig.dir.appendingPathComponent("sys/firmware/efi/efivars")
        try fm.createDirectory(at: efivars, withIntermediateDirectories: true)
        try Data([6, 0, 0, 0, 1]).write(to: efivars.appendingPathComponent("SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"))
        try Data([6, 0, 0, 0, 0]).write(to: efivars.appendingPathComponent("SetupMode-8be4df61-93ca-11d2-aa0d-00e098032b8c"))
        rig.healthyPool()
        rig.aptPlan()
        rig.runner.on(["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                       "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(checkpoint)"])
        rig.aptTransaction()
        rig.runner.on(["zfs", "set", "org.kldload:result=critical-module-failure", "org.kldload:packages=3",
                       "org.kldload:new-kernel=none", "rpool/ROOT/default@\(checkpoint)"])
        let report = rig.run()
        #expect(report.exitCode == 5, "\(rig.output.text)")
        #expect(report.signing?.enforcing == true)
        #expect(report.signing?.problems.isEmpty == false)
        #expect(report.modules?.severity == .ok)
        let text = rig.output.text
        #expect(text.contains("[kupgrade] Secure Boot: enforcing"))
        #expect(text.contains("  unsigned: /lib/modules/\(kver)/updates/dkms/zfs.ko.xz"))
        #expect(text.contains("[kupgrade] SECURE BOOT FAILURE — ZFS modules for kernel \(kver) are unsigned"))
        #expect(text.contains("DO NOT REBOOT until this is resolved"))
        #expect(text.contains("  1. Provide the DKMS signing key"))
        #expect(!rig.runner.argvs.contains { $0.first == "mokutil" })
    }
}

@Suite("kupgrade workflow: Ubuntu built-in ZFS")
struct KupgradeUbuntuTests {
    /// Ubuntu 24.04 (real os-release): ZFS ships inside the kernel package (`kernel/zfs/*.ko.zst`),
    /// there is no DKMS, nothing is rebuilt, and the summary says "ZFS modules" (not DKMS).
    @Test func builtInZFSNeedsNoDKMS() throws {
        let kver = "6.8.0-52-generic"
        let checkpoint = "pre-upgrade-20260325-091530"
        let rig = try KupgradeRig()
        rig.modules = .real
        try kupgradeFixture("os-release/ubuntu-24.04.os-release")
            .write(to: rig.dir.appendingPathComponent("etc/os-release"), atomically: true, encoding: .utf8)
        let fm = FileManager.default
        try fm.createDirectory(at: rig.dir.appendingPathComponent("boot"), withIntermediateDirectories: true)
        _ = fm.createFile(atPath: rig.dir.appendingPathComponent("boot/vmlinuz-\(kver)").path, contents: Data())
        let zfsDir = rig.dir.appendingPathComponent("lib/modules/\(kver)/kernel/zfs")
        try fm.createDirectory(at: zfsDir, withIntermediateDirectories: true)
        for m in ["zfs", "spl"] {
            let path = "/lib/modules/\(kver)/kernel/zfs/\(m).ko.zst"
            _ = fm.createFile(atPath: rig.dir.path + path, contents: Data())
            rig.runner.on(["modinfo", "-F", "vermagic", path], stdout: "\(kver) SMP preempt mod_unload modversions \n")
        }
        rig.runner.on(["mokutil", "--sb-state"],
                      stdout: kupgradeFixture("mokutil/0.6.0-debian12/sb-state-no-efi.stdout"),
                      stderr: kupgradeFixture("mokutil/0.6.0-debian12/sb-state-no-efi.stderr"), status: 1)
        rig.healthyPool()
        rig.aptPlan()
        rig.runner.on(["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                       "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(checkpoint)"])
        rig.aptTransaction()
        rig.runner.on(["zfs", "set", "org.kldload:result=success", "org.kldload:packages=3", "org.kldload:new-kernel=none",
                       "rpool/ROOT/default@\(checkpoint)"])
        rig.runner.on(SystemQuery.retentionRows(of: "rpool/ROOT/default").command.argv,
                      stdout: "rpool/ROOT/default@\(checkpoint)\t1774430130\t-\t0.1.0\n")
        let report = rig.run()
        #expect(report.exitCode == 0, "\(rig.output.text)")
        #expect(report.distro?.id == "ubuntu")
        #expect(report.modules?.kernels.first?.zfs.allSatisfy { $0.delivery == .builtIn } == true)
        #expect(!rig.runner.argvs.contains { $0.first == "dkms" })
        let text = rig.output.text
        #expect(text.contains("[kupgrade] detected: apt (Ubuntu noble)\n"))
        #expect(text.contains("  ZFS modules: OK for all kernels\n"))
    }
}

@Suite("kupgrade workflow: Fedora zfs-dkms")
struct KupgradeFedoraTests {
    /// Fedora (real os-release), dnf with the captured transaction (kernel-core + zfs-dkms): the
    /// new kernel has no ZFS until `dkms autoinstall -k` builds it (captured dkms output), then OK.
    @Test func dkmsRebuildForTheNewKernel() throws {
        let old = "5.14.0-503.el9.x86_64", new = "5.14.0-570.el9.x86_64"
        let checkpoint = "pre-upgrade-20260325-091530"
        let rig = try KupgradeRig(distro: "rocky")
        rig.modules = .real
        try kupgradeFixture("os-release/fedora-42.os-release")
            .write(to: rig.dir.appendingPathComponent("etc/os-release"), atomically: true, encoding: .utf8)
        let fm = FileManager.default
        try fm.createDirectory(at: rig.dir.appendingPathComponent("usr/sbin"), withIntermediateDirectories: true)
        _ = fm.createFile(atPath: rig.dir.appendingPathComponent("usr/sbin/dkms").path, contents: Data())
        for k in [old, new] {
            let dir = rig.dir.appendingPathComponent("lib/modules/\(k)/extra")
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            _ = fm.createFile(atPath: rig.dir.appendingPathComponent("lib/modules/\(k)/vmlinuz").path, contents: Data())
            for m in ["zfs", "spl"] {
                rig.runner.on(["modinfo", "-F", "vermagic", "/lib/modules/\(k)/extra/\(m).ko.xz"],
                              stdout: "\(k) SMP preempt mod_unload modversions \n")
            }
        }
        for m in ["zfs", "spl"] {
            _ = fm.createFile(atPath: rig.dir.path + "/lib/modules/\(old)/extra/\(m).ko.xz", contents: Data())
        }
        rig.runner.on(["dkms", "status"], stdout: "spl/2.2.8, \(old), x86_64: installed\nzfs/2.2.8, \(old), x86_64: installed\n")
        let autoinstall = ["dkms", "autoinstall", "-k", new]
        rig.runner.on(autoinstall, stdout: kupgradeFixture("dkms/3.0.10-debian12/autoinstall-success.stdout"))
        let root = rig.dir.path
        rig.effects.on(autoinstall) {
            for m in ["zfs", "spl"] { _ = FileManager.default.createFile(atPath: root + "/lib/modules/\(new)/extra/\(m).ko.xz", contents: Data()) }
        }
        rig.runner.on(["mokutil", "--sb-state"],
                      stdout: kupgradeFixture("mokutil/0.6.0-debian12/sb-state-no-efi.stdout"),
                      stderr: kupgradeFixture("mokutil/0.6.0-debian12/sb-state-no-efi.stderr"), status: 1)
        rig.healthyPool()
        rig.runner.on(DnfDriver.simulate.argv, stdout: kupgradeFixture("dnf/4.14.0-debian12/upgrade-assumeno.stdout"),
                      stderr: kupgradeFixture("dnf/4.14.0-debian12/upgrade-assumeno.stderr"), status: 1)
        rig.runner.on(["zfs", "snapshot", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
                       "-o", "org.kldload:command=kupgrade --yes", "rpool/ROOT/default@\(checkpoint)"])
        rig.runner.on(DnfDriver.upgrade.argv, stdout: kupgradeFixture("dnf/4.14.0-debian12/upgrade-y.stdout"))
        rig.runner.on(DnfDriver.autoremoveCommand.argv, stdout: kupgradeFixture("dnf/4.14.0-debian12/autoremove-y.stdout"))
        let setProps = ["zfs", "set", "org.kldload:result=success", "org.kldload:packages=8",
                        "org.kldload:new-kernel=\(new)", "rpool/ROOT/default@\(checkpoint)"]
        rig.runner.on(setProps)
        rig.runner.on(SystemQuery.retentionRows(of: "rpool/ROOT/default").command.argv,
                      stdout: "rpool/ROOT/default@\(checkpoint)\t1774430130\t-\t0.1.0\n")
        let report = rig.run()
        #expect(report.exitCode == 0, "\(rig.output.text)")
        #expect(report.distro?.id == "fedora")
        #expect(report.packageManager == "dnf")
        #expect(report.plan?.newKernels == [new])
        #expect(report.rebootRequired)
        #expect(rig.runner.argvs.contains(autoinstall))
        #expect(rig.runner.argvs.contains(setProps))
        let text = rig.output.text
        #expect(text.contains("[kupgrade] detected: dnf (Fedora 42)\n"))
        #expect(text.contains("[kupgrade] running: dnf upgrade -y\n"))
        #expect(text.contains("kernel \(new) ... building zfs DKMS module"))
        #expect(text.contains("  new kernel: \(new) (reboot required)\n"))
        #expect(text.contains("  ZFS DKMS: OK for all kernels\n"))
    }
}
