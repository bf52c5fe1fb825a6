import Foundation
import Testing

@testable import KldloadCore

/// `kupgrade --new-be` on a stub machine (captured apt output, kbe's listing format): every
/// branch of the out-of-place run, and that no command writes to the running BE.
@Suite("kupgrade --new-be")
struct KupgradeNewBETests {
    static let name = "upgrade-20260325-091530"
    static let dataset = "rpool/ROOT/" + name
    static let dir = "/run/kbe/" + name
    static let origin = "rpool/ROOT/default@kbe-" + name
    static let running = "rpool/ROOT/default"

    static let rootRows = [
        "rpool/ROOT\tfilesystem\t4000000000\t0\t98304\t20000000000\tnone\toff\tno\t-\t-\t1774000000\t-",
        "rpool/ROOT/default\tfilesystem\t3900000000\t0\t3900000000\t20000000000\t/\tnoauto\tyes\t-\t-\t1774000000\t-",
    ]
    static func newRows(description: String = NewBEUpgrade.inProgressDescription, name: String = name) -> [String] {
        [
            "rpool/ROOT/default@kbe-\(name)\tsnapshot\t1000\t-\t3900000000\t-\t-\t-\t-\t-\trpool/ROOT/\(name)\t1774430130\t-",
            "rpool/ROOT/\(name)\tfilesystem\t1000\t0\t3900000000\t20000000000\t/\tnoauto\tno\trpool/ROOT/default@kbe-\(name)\t-\t1774430130\t\(description)",
        ]
    }

    static let clone = [
        "zfs", "clone", "-o", "canmount=noauto", "-o", "mountpoint=/",
        "-o", "org.kldload:description=\(NewBEUpgrade.inProgressDescription)",
        "-o", "org.kldload:new-be=in-progress", "-o", "org.kldload:kupgrade-version=\(KldloadVersion.current)",
        "-o", "org.kldload:command=kupgrade --yes --new-be", origin, dataset,
    ]
    static func chroot(_ argv: [String]) -> [String] { ["chroot", dir] + argv }
    static let kernelMounts = NewBEUpgrade.kernelMounts(root: dir).map(\.argv)
    static let mountedTargets = [dir, dir + "/proc", dir + "/sys", dir + "/dev", dir + "/dev/pts", dir + "/run"]
    static let unmounts = mountedTargets.reversed().map { ["umount", $0] }

    /// A Debian rig with the package database inside the BE, answering everything up to and
    /// including the mounts; the listing shows the new BE from the third read on.
    static func rig(newBEName: String? = nil) throws -> KupgradeRig {
        let rig = try KupgradeRig()
        rig.options.newBE = true
        rig.options.newBEName = newBEName
        rig.options.commandLine = ["kupgrade", "--yes", "--new-be"]
        rig.healthyPool()  // answers bootfs and the listing (first read) too
        let before = (rootRows).joined(separator: "\n") + "\n"
        let after = (rootRows + newRows()).joined(separator: "\n") + "\n"
        rig.runner.on(KupgradeRig.listing, stdout: before)  // createEnvironment's read
        rig.runner.on(KupgradeRig.listing, stdout: after)  // mount, activate, destroy
        rig.runner.on(SystemQuery.localProperties(of: running).command.argv, stdout: "rpool/ROOT/default\tmountpoint\t/\tlocal\n")
        rig.runner.on(["zfs", "snapshot", origin])
        rig.runner.on(clone)
        rig.runner.on(["mount", "-t", "zfs", "-o", "zfsutil", dataset, dir])
        for m in kernelMounts { rig.runner.on(m) }
        rig.runner.on(["chmod", "0755", dir + NewBEUpgrade.policyRCDPath])
        for u in unmounts { rig.runner.on(u) }
        return rig
    }

    static func aptPlanInside(_ rig: KupgradeRig, simulation: String = "apt/2.6.1-debian12-chroot/apt-get-s-dist-upgrade.stdout") {
        rig.runner.on(chroot(AptDriver.update.argv), stdout: kupgradeFixture("apt/2.6.1-debian12-chroot/apt-get-update-v2.stdout"))
        rig.runner.on(chroot(AptDriver.simulate.argv), stdout: kupgradeFixture(simulation))
    }

    static func resultProps(marker: String, result: String, packages: Int, description: String) -> [String] {
        ["zfs", "set", "org.kldload:new-be=\(marker)", "org.kldload:result=\(result)", "org.kldload:packages=\(packages)",
         "org.kldload:new-kernel=none", "org.kldload:description=\(description)", dataset]
    }

    /// Commands that change something: none may name the running BE, except the one snapshot
    /// its clone is made from (kbe create --be's `BE@kbe-NAME`).
    static func writesToRunningBE(_ invocations: [[String]]) -> [[String]] {
        let readOnly: Set<String> = ["list", "get"]
        return invocations.filter { argv in
            guard argv.first == "zfs" || argv.first == "zpool" else { return false }
            if argv.count > 1 && readOnly.contains(argv[1]) { return false }
            if argv == ["zfs", "snapshot", origin] { return false }
            // clone reads the snapshot and writes the new dataset
            if argv.first == "zfs" && argv.dropFirst().first == "clone" { return argv.last == running }
            return argv.contains { $0 == running || $0.hasPrefix(running + "@") || $0.hasPrefix(running + "/") }
        }
    }

    @Test func upgradesACloneAndActivatesItWithoutWritingTheRunningBE() throws {
        let rig = try Self.rig()
        Self.aptPlanInside(rig)
        let upgrade = Self.chroot(KupgradeRig.apt)
        rig.runner.on(upgrade, stdout: kupgradeFixture("apt/2.6.1-debian12-chroot/apt-get-dist-upgrade-confold.stdout"))
        rig.runner.on(Self.chroot(AptDriver.autoremoveCommand.argv))
        let props = Self.resultProps(marker: "done", result: "success", packages: 3, description: "kupgrade --new-be from default: 3 packages")
        rig.runner.on(props)
        rig.runner.on(["zpool", "set", "bootfs=\(Self.dataset)", "rpool"])
        // While apt runs, kupgrade's policy-rc.d forbids starting services in the clone.
        let policy = Lines()
        let files = rig.files
        rig.effects.on(upgrade) {
            policy.add(files.textIfPresent(Self.dir + NewBEUpgrade.policyRCDPath) ?? "(none)")
        }
        // The module step gets a context rooted at the new BE.
        let seen = Lines()
        rig.modules = ModuleStep { context, progress, kernels in
            seen.add((context.files as? SubtreeFileSystem)?.root ?? "not rooted")
            seen.add((context.runner as? ChrootRunner)?.root ?? "not chrooted")
            return KupgradeRig.modulesOK.run(context, progress, kernels)
        }
        let report = rig.run()

        #expect(report.exitCode == 0)
        #expect(report.result == "success")
        #expect(report.newBootEnvironment?.dataset == Self.dataset)
        #expect(report.newBootEnvironment?.activated == true)
        #expect(report.newBootEnvironment?.state == "done")
        #expect(report.newBootEnvironment?.stillMounted == [])
        #expect(report.checkpoint == nil)
        #expect(report.rollbackCommand == "kbe activate default && reboot")
        #expect(seen.all == [Self.dir, Self.dir])
        #expect(policy.all == [NewBEUpgrade.policyRCD])
        #expect(!rig.files.exists(Self.dir + NewBEUpgrade.policyRCDPath))
        #expect(rig.files.isDirectory(Self.dir + "/var/cache/apt/archives/partial"))
        #expect(rig.runner.argvs == [
            KupgradeRig.bootfs, KupgradeRig.listing, KupgradeRig.zpoolGet, ["zpool", "status", "-x", "rpool"],
            KupgradeRig.bootfs, KupgradeRig.listing, ["zfs", "get", "-Hp", "-s", "local", "all", Self.running],
            ["zfs", "snapshot", Self.origin], Self.clone,
            KupgradeRig.bootfs, KupgradeRig.listing, ["mount", "-t", "zfs", "-o", "zfsutil", Self.dataset, Self.dir],
        ] + Self.kernelMounts + [
            ["chmod", "0755", Self.dir + NewBEUpgrade.policyRCDPath],
            Self.chroot(AptDriver.update.argv), Self.chroot(AptDriver.simulate.argv), upgrade,
            Self.chroot(AptDriver.autoremoveCommand.argv),
        ] + Self.unmounts + [props, KupgradeRig.bootfs, KupgradeRig.listing, ["zpool", "set", "bootfs=\(Self.dataset)", "rpool"]])
        #expect(Self.writesToRunningBE(rig.runner.argvs) == [])
        // apt never runs on the running system, only in the chroot, non-interactively.
        #expect(!rig.runner.argvs.contains { $0.first == "apt-get" })
        let transaction = rig.runner.invocations.first { $0.argv == upgrade }
        #expect(transaction?.environment["DEBIAN_FRONTEND"] == "noninteractive")
        let text = rig.output.text
        #expect(text.contains("[kupgrade] creating boot environment \(Self.dataset) from rpool/ROOT/default\n"))
        #expect(text.contains("  running system: rpool/ROOT/default, unchanged\n  next boot: \(Self.dataset) (reboot to use it)\n"))
        #expect(text.contains("To go back after the reboot:\n  kbe activate default && reboot\n"))
        let decoded = try JSONDecoder().decode(UpgradeReport.self, from: Data(report.json().utf8))
        #expect(decoded == report)
    }

    /// The successful run up to the activation (the transaction, its result recorded).
    static func successfulRun(_ rig: KupgradeRig) {
        aptPlanInside(rig)
        rig.runner.on(chroot(KupgradeRig.apt), stdout: kupgradeFixture("apt/2.6.1-debian12-chroot/apt-get-dist-upgrade-confold.stdout"))
        rig.runner.on(chroot(AptDriver.autoremoveCommand.argv))
        rig.runner.on(resultProps(marker: "done", result: "success", packages: 3, description: "kupgrade --new-be from default: 3 packages"))
        rig.runner.on(["zpool", "set", "bootfs=\(dataset)", "rpool"])
    }

    /// The firmware of a UEFI machine: OVMF's efivarfs bytes (BootCurrent 0001 "kldload default")
    /// and efibootmgr's real answers to kbe's trial argv, from the kbe-trial-arm scenario.
    static func uefi(_ rig: KupgradeRig) throws {
        let scenario = ScenarioReplay.path("kbe-trial-arm")
        let vars = scenario + "/root/sys/firmware/efi/efivars"
        for f in try FileManager.default.contentsOfDirectory(atPath: vars) {
            try rig.files.write(try Data(contentsOf: URL(fileURLWithPath: vars + "/" + f)), to: "/sys/firmware/efi/efivars/" + f)
        }
        func recorded(_ n: String) throws -> String { try String(contentsOfFile: scenario + "/commands/" + n + "/stdout", encoding: .utf8) }
        rig.runner.on(SystemQuery.localProperties(of: "rpool/ROOT").command.argv, stdout: "rpool/ROOT\tmountpoint\tnone\tlocal\n")
        rig.runner.on(SystemQuery.blockDevices.command.argv, stdout: try recorded("004"))
        rig.runner.on(SystemQuery.property(TrialBoot.commandLineProperty, withSourceOf: dataset).command.argv,
                      stdout: "\(dataset)\t\(TrialBoot.commandLineProperty)\t-\t-\n")
        rig.runner.on(["zfs", "set", "\(TrialBoot.commandLineProperty)=panic=30", dataset])
        rig.runner.on(trialCreate, stdout: try recorded("007"))
        rig.runner.on(["zfs", "set", "org.kldload:trial=\(dataset)", "org.kldload:trial-from=rpool/ROOT/default",
                       "org.kldload:trial-since=1774430130", "rpool/ROOT"])
        rig.runner.on(["efibootmgr", "--bootnext", "0006"], stdout: try recorded("009"))
    }

    static let trialCreate = [
        "efibootmgr", "--create-only", "--disk", "/dev/vda", "--part", "1", "--loader", #"\EFI\kldload\vmlinuz.efi"#,
        "--label", "kldload trial", "--unicode",
        #"initrd=\EFI\kldload\initrd.img root=LABEL=efiroot ro console=ttyS0 systemd.show_status=0 kldload.entry=default zbm.prefer=rpool/ROOT/upgrade-20260325-091530!"#,
    ]

    /// The default on a UEFI machine: the new BE is armed as a trial; bootfs does not move, and
    /// the summary says what boots next, what a failed boot does, and how to confirm or cancel.
    @Test func onUEFITheNewBEIsArmedAsATrialByDefault() throws {
        let rig = try Self.rig()
        Self.successfulRun(rig)
        try Self.uefi(rig)
        let report = rig.run()
        #expect(report.exitCode == 0, "\(rig.output.text)")
        #expect(report.newBootEnvironment?.activated == true)
        #expect(report.newBootEnvironment?.trial == true)
        #expect(report.newBootEnvironment?.trialNotPossible == nil)
        #expect(!rig.runner.argvs.contains { $0.first == "zpool" && $0.dropFirst().first == "set" }, "bootfs must not move")
        #expect(rig.runner.argvs.contains(Self.trialCreate))
        #expect(rig.runner.argvs.last == ["efibootmgr", "--bootnext", "0006"])
        let text = rig.output.text
        #expect(text.contains("  next boot: \(Self.dataset), once, as a trial (reboot to use it); the default stays rpool/ROOT/default\n"))
        #expect(text.contains("the boot after it is rpool/ROOT/default again, by itself\n"))
        #expect(text.contains("To keep it by hand: kbe confirm (in the new BE)   To cancel before rebooting: kbe activate --cancel-trial\n"))
        // The trial's own textfile (one writer per metric): pending, with target and fallback.
        #expect(!UpgradeMetrics.render(report, finishedAt: Date(timeIntervalSince1970: 0)).contains("kldload_trial_pending"))
        let prom = TrialMetrics.render(pending: true, trial: report.newBootEnvironment?.trialInfo)
        #expect(prom.contains("kldload_trial_pending 1\n"))
        #expect(prom.contains("kldload_trial_info{target=\"\(Self.dataset)\",from=\"rpool/ROOT/default\"} 1\n"))
    }

    /// Without UEFI the default activates the ordinary way, with exactly the commands it ran
    /// before trials existed, and says that a failed boot needs the menu.
    @Test func withoutUEFITheDefaultActivatesAndSaysItIsNotATrial() throws {
        let rig = try Self.rig()
        Self.successfulRun(rig)
        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(report.newBootEnvironment?.activated == true)
        #expect(report.newBootEnvironment?.trial == false)
        #expect(report.newBootEnvironment?.trialNotPossible?.contains("did not boot through UEFI") == true)
        #expect(rig.runner.argvs.last == ["zpool", "set", "bootfs=\(Self.dataset)", "rpool"])
        #expect(!rig.runner.argvs.contains { $0.first == "efibootmgr" })
        #expect(rig.output.text.contains("if \(Self.dataset) fails to boot, choose rpool/ROOT/default in the ZFSBootMenu menu\n"))
    }

    /// `--trial` is a requirement: without UEFI the new BE is kept, not activated (exit 1).
    @Test func requiredTrialWithoutUEFIKeepsTheBENotActivated() throws {
        let rig = try Self.rig()
        rig.options.trial = .required
        Self.successfulRun(rig)
        let report = rig.run()
        #expect(report.exitCode == 1)
        #expect(report.newBootEnvironment?.activated == false)
        #expect(!rig.runner.argvs.contains { $0.first == "zpool" && $0.dropFirst().first == "set" })
        #expect(rig.output.text.contains("NOT activated"))
    }

    /// `--no-trial` on a UEFI machine: the ordinary activation, no efibootmgr at all.
    @Test func noTrialActivatesTheOrdinaryWayEvenOnUEFI() throws {
        let rig = try Self.rig()
        rig.options.trial = .never
        Self.successfulRun(rig)
        try Self.uefi(rig)
        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(report.newBootEnvironment?.trial == false)
        #expect(report.newBootEnvironment?.trialNotPossible == nil)
        #expect(rig.runner.argvs.last == ["zpool", "set", "bootfs=\(Self.dataset)", "rpool"])
        #expect(!rig.runner.argvs.contains { $0.first == "efibootmgr" || $0.first == "lsblk" })
    }

    /// `--release trixie` on Debian 12: only the new BE's sources change, then the usual plan and
    /// full-upgrade inside it; the summary names the BEs a `zpool upgrade` would strand, and
    /// kupgrade never runs one.
    @Test func debianReleaseUpgradeRewritesOnlyTheNewBEsSources() throws {
        let rig = try Self.rig()
        rig.options.release = "trixie"
        let sources = kupgradeFixture("apt-sources/debian12-docker.sources")
        try rig.files.write(Data(sources.utf8), to: "/etc/apt/sources.list.d/debian.sources")
        try rig.files.write(Data(sources.utf8), to: Self.dir + "/etc/apt/sources.list.d/debian.sources")
        Self.aptPlanInside(rig)
        rig.runner.on(Self.chroot(KupgradeRig.apt), stdout: kupgradeFixture("apt/2.6.1-debian12-chroot/apt-get-dist-upgrade-confold.stdout"))
        rig.runner.on(Self.chroot(AptDriver.autoremoveCommand.argv))
        rig.runner.on(Self.resultProps(marker: "done", result: "success", packages: 3, description: "kupgrade --new-be from default: 3 packages"))
        rig.runner.on(["zpool", "set", "bootfs=\(Self.dataset)", "rpool"])
        let report = rig.run()
        #expect(report.exitCode == 0, "\(rig.output.text)")
        #expect(report.release == .init(from: "bookworm", to: "trixie", rewrittenSources: ["/etc/apt/sources.list.d/debian.sources"],
                                        strandedByPoolUpgrade: ["default"]))
        #expect(rig.files.textIfPresent("/etc/apt/sources.list.d/debian.sources") == sources)
        #expect(rig.files.textIfPresent(Self.dir + "/etc/apt/sources.list.d/debian.sources")?.contains("Suites: trixie trixie-updates") == true)
        #expect(!rig.runner.argvs.contains { $0.first == "zpool" && $0.dropFirst().first == "upgrade" })
        let text = rig.output.text
        #expect(text.contains("  release: bookworm -> trixie in \(Self.dataset)\n"))
        #expect(text.contains("  pool features: kupgrade never runs zpool upgrade; upgrading rpool's features would strand the older boot environments default"))
    }

    @Test func ubuntuReleaseUpgradeIsRefusedBeforeAnythingIsMade() throws {
        let rig = try KupgradeRig()
        rig.options.newBE = true
        rig.options.release = "25.04"
        try rig.files.write(Data(kupgradeFixture("os-release/ubuntu-24.04.os-release").utf8), to: "/etc/os-release")
        rig.healthyPool()
        let report = rig.run()
        #expect(report.exitCode == 3)
        #expect(report.refusal?.reason == "release-unsupported")
        #expect(rig.output.text.contains("do-release-upgrade"))
        #expect(!rig.runner.argvs.contains { $0.first == "zfs" && $0.dropFirst().first != "list" })
    }

    /// kbe move-pkgdb's layout: /var/lib on rpool/var/lib holds `dpkg -> ../../usr/lib/sysimage/dpkg`.
    /// Not refused (the database is in the BE), and the shared /var/lib is bound into the clone,
    /// after the kernel file systems and unmounted first.
    @Test func aPackageDatabaseLinkedIntoTheBEIsUpgradedWithTheSharedDatasetBound() throws {
        let rig = try Self.rig()
        let fm = FileManager.default
        try fm.removeItem(at: rig.dir.appendingPathComponent("var/lib/dpkg"))
        try fm.createDirectory(at: rig.dir.appendingPathComponent("usr/lib/sysimage/dpkg"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: rig.dir.appendingPathComponent("var/lib/dpkg").path, withDestinationPath: "../../usr/lib/sysimage/dpkg")
        try "rpool/ROOT/default / zfs rw,relatime,xattr,posixacl 0 0\nrpool/var/lib /var/lib zfs rw,relatime,xattr,posixacl 0 0\n"
            .write(to: rig.dir.appendingPathComponent("proc/self/mounts"), atomically: true, encoding: .utf8)
        let bind = ["mount", "--bind", "/var/lib", Self.dir + "/var/lib"]
        rig.runner.on(bind)
        rig.runner.on(["umount", Self.dir + "/var/lib"])
        Self.aptPlanInside(rig, simulation: "apt/2.6.1-debian12-chroot/apt-get-s-dist-upgrade-noop.stdout")
        rig.runner.on(["zfs", "destroy", "-r", Self.dataset])
        rig.runner.on(["zfs", "destroy", "-r", Self.origin])
        let report = rig.run()
        #expect(report.exitCode == 0, "\(rig.output.text)")
        #expect(report.packageDatabaseDataset == nil)
        let argv = rig.runner.argvs
        let kernelEnd = try #require(argv.firstIndex(of: Self.kernelMounts.last!))
        #expect(argv[kernelEnd + 1] == bind)
        let firstUmount = try #require(argv.firstIndex { $0.first == "umount" })
        #expect(argv[firstUmount] == ["umount", Self.dir + "/var/lib"])
        #expect(Array(argv[firstUmount...].prefix(7)) == [["umount", Self.dir + "/var/lib"]] + Self.unmounts)
    }

    @Test func aSplitPackageDatabaseIsRefusedBeforeAnythingIsMade() throws {
        let rig = try KupgradeRig()
        rig.options.newBE = true
        try "rpool/ROOT/default / zfs rw,relatime,xattr,posixacl 0 0\nrpool/var/lib /var/lib zfs rw,relatime,xattr,posixacl 0 0\n"
            .write(to: rig.dir.appendingPathComponent("proc/self/mounts"), atomically: true, encoding: .utf8)
        rig.healthyPool()
        let report = rig.run()
        #expect(report.exitCode == 3)
        #expect(report.refusal?.reason == "split-package-database")
        #expect(report.refusal?.message.contains("rpool/var/lib") == true)
        #expect(report.refusal?.hint.contains("kbe move-pkgdb") == true)
        #expect(report.newBootEnvironment == nil)
        #expect(!rig.runner.argvs.contains { $0.first == "zfs" && $0.dropFirst().first != "list" })
    }

    @Test func aFailedTransactionKeepsTheBENotActivatedAndSaysHowToRemoveIt() throws {
        let rig = try Self.rig()
        Self.aptPlanInside(rig)
        let upgrade = Self.chroot(KupgradeRig.apt)
        let failing = "apt/2.6.1-debian12-chroot/apt-get-dist-upgrade-postinst-fails"
        rig.runner.on(upgrade, stdout: kupgradeFixture(failing + ".stdout"), stderr: kupgradeFixture(failing + ".stderr"),
                      status: Int32(kupgradeFixture(failing + ".status").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1)
        let props = Self.resultProps(marker: "failed", result: "transaction-failed", packages: 0,
                                     description: "kupgrade --new-be from default: transaction-failed, not activated")
        rig.runner.on(props)
        let report = rig.run()
        #expect(report.exitCode == 4)
        #expect(report.transactionFailed)
        #expect(report.newBootEnvironment?.activated == false)
        #expect(report.newBootEnvironment?.destroyed == false)
        #expect(report.newBootEnvironment?.state == "failed")
        #expect(rig.runner.argvs.contains(props))
        #expect(!rig.runner.argvs.contains { $0.first == "zpool" && $0.dropFirst().first == "set" })
        #expect(!rig.runner.argvs.contains(Self.chroot(AptDriver.autoremoveCommand.argv)))
        #expect(Array(rig.runner.argvs.filter { $0.first == "umount" }) == Self.unmounts)
        #expect(Self.writesToRunningBE(rig.runner.argvs) == [])
        #expect(!rig.files.exists(Self.dir + NewBEUpgrade.policyRCDPath))
        let text = rig.output.text
        #expect(text.contains("[kupgrade] FAILED — the package transaction in the new boot environment did not complete\n"))
        #expect(text.contains("  \(Self.dataset): kept for inspection, NOT activated; the running system boots as before\n"))
        #expect(text.contains("To look at it: kbe mount \(Self.name)   To remove it: kbe destroy \(Self.name)\n"))
    }

    /// SIGINT arrives while apt runs in the clone: the run stops at the next safe point,
    /// unmounts everything in reverse, marks the BE interrupted and never activates it.
    @Test func anInterruptDuringTheTransactionUnmountsAndKeepsTheBE() throws {
        let rig = try Self.rig()
        Self.aptPlanInside(rig)
        let upgrade = Self.chroot(KupgradeRig.apt)
        rig.runner.on(upgrade, stdout: kupgradeFixture("apt/2.6.1-debian12-chroot/apt-get-dist-upgrade-confold.stdout"))
        let props = Self.resultProps(marker: "interrupted", result: "interrupted", packages: 3,
                                     description: "kupgrade --new-be from default: interrupted, not activated")
        rig.runner.on(props)
        let interrupts = AfterCommand(runner: rig.runner, argv: upgrade)
        let report = Self.run(rig, interrupts: interrupts)
        #expect(report.exitCode == 130)
        #expect(report.interrupted == "SIGINT")
        #expect(report.newBootEnvironment?.state == "interrupted")
        #expect(report.newBootEnvironment?.activated == false)
        #expect(Array(rig.runner.argvs.suffix(Self.unmounts.count + 1)) == Self.unmounts + [props])
        #expect(!rig.runner.argvs.contains { $0.first == "zpool" && $0.dropFirst().first == "set" })
    }

    /// SIGTERM before the package manager ran: the untouched clone is destroyed again.
    @Test func anInterruptBeforeTheTransactionRemovesTheUntouchedClone() throws {
        let rig = try Self.rig()
        Self.aptPlanInside(rig)
        rig.runner.on(["zfs", "destroy", "-r", Self.dataset])
        rig.runner.on(["zfs", "destroy", "-r", Self.origin])
        let interrupts = AfterCommand(runner: rig.runner, argv: Self.chroot(AptDriver.simulate.argv), signal: SIGTERM)
        let report = Self.run(rig, interrupts: interrupts)
        #expect(report.exitCode == 130)
        #expect(report.interrupted == "SIGTERM")
        #expect(report.transaction.isEmpty)
        #expect(report.newBootEnvironment?.destroyed == true)
        #expect(rig.runner.argvs.contains(["zfs", "destroy", "-r", Self.dataset]))
        #expect(rig.runner.argvs.contains(["zfs", "destroy", "-r", Self.origin]))
        #expect(!rig.runner.argvs.contains(Self.chroot(KupgradeRig.apt)))
    }

    @Test func nothingToUpgradeRemovesTheCloneAgain() throws {
        let rig = try Self.rig()
        Self.aptPlanInside(rig, simulation: "apt/2.6.1-debian12-chroot/apt-get-s-dist-upgrade-noop.stdout")
        rig.runner.on(["zfs", "destroy", "-r", Self.dataset])
        rig.runner.on(["zfs", "destroy", "-r", Self.origin])
        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(report.nothingToDo)
        #expect(report.newBootEnvironment?.destroyed == true)
        #expect(Array(rig.runner.argvs.suffix(2)) == [["zfs", "destroy", "-r", Self.dataset], ["zfs", "destroy", "-r", Self.origin]])
        #expect(rig.output.text.contains("[kupgrade] removed \(Self.dataset) (nothing was upgraded in it)\n"))
    }

    @Test func anExistingNameIsRefused() throws {
        let rig = try KupgradeRig()
        rig.options.newBE = true
        rig.options.newBEName = "taken"
        rig.runner.on(KupgradeRig.bootfs, stdout: "rpool\tbootfs\trpool/ROOT/default\tlocal\n")
        rig.runner.on(KupgradeRig.listing, stdout: (Self.rootRows + [
            "rpool/ROOT/taken\tfilesystem\t1000\t0\t3900000000\t20000000000\t/\tnoauto\tno\t-\t-\t1774430130\t-",
        ]).joined(separator: "\n") + "\n")
        rig.runner.on(KupgradeRig.zpoolGet, stdout: "rpool\thealth\tONLINE\t-\nrpool\tfree\t20000000000\t-\n")
        rig.runner.on(["zpool", "status", "-x", "rpool"], stdout: "all pools are healthy\n")
        let report = rig.run()
        #expect(report.exitCode == 3)
        #expect(report.refusal?.reason == "new-be-exists")
        #expect(report.refusal?.message == "boot environment rpool/ROOT/taken already exists")
    }

    @Test func dryRunChangesNothingAndSaysWhatWouldRun() throws {
        let rig = try KupgradeRig()
        rig.options.newBE = true
        rig.options.dryRun = true
        rig.healthyPool()
        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(rig.runner.argvs == [KupgradeRig.bootfs, KupgradeRig.listing, KupgradeRig.zpoolGet, ["zpool", "status", "-x", "rpool"]])
        #expect(rig.output.text.contains("[kupgrade] dry run: would plan and then run inside it: chroot \(Self.dir) apt-get -y"))
    }

    /// A BE left `in-progress` (power cut, kill -9) with its mounts: the next kupgrade unmounts
    /// everything on and under it, deepest first, marks it interrupted, keeps it, and says so.
    @Test func theNextKupgradeFindsALeftoverUnmountsAndMarksIt() throws {
        let rig = try KupgradeRig()
        let left = "/run/kbe/upgrade-20260301-101010"
        let mounts = ["rpool/ROOT/default / zfs rw 0 0", "rpool/ROOT/upgrade-20260301-101010 \(left) zfs rw 0 0",
                      "proc \(left)/proc proc rw 0 0", "sysfs \(left)/sys sysfs rw 0 0", "udev \(left)/dev devtmpfs rw 0 0",
                      "devpts \(left)/dev/pts devpts rw 0 0", "tmpfs \(left)/run tmpfs rw 0 0", "tmpfs /run tmpfs rw 0 0"]
        try (mounts.joined(separator: "\n") + "\n").write(to: rig.dir.appendingPathComponent("proc/self/mounts"), atomically: true, encoding: .utf8)
        rig.runner.on(KupgradeRig.bootfs, stdout: "rpool\tbootfs\trpool/ROOT/default\tlocal\n")
        rig.runner.on(KupgradeRig.listing, stdout: (Self.rootRows + Self.newRows(name: "upgrade-20260301-101010")).joined(separator: "\n") + "\n")
        rig.runner.on(KupgradeRig.zpoolGet, stdout: "rpool\thealth\tONLINE\t-\nrpool\tfree\t20000000000\t-\n")
        rig.runner.on(["zpool", "status", "-x", "rpool"], stdout: "all pools are healthy\n")
        let get = ["zfs", "get", "-H", "-o", "value", NewBEUpgrade.markerProperty, "rpool/ROOT/upgrade-20260301-101010"]
        rig.runner.on(get, stdout: "in-progress\n")
        let unmounts = ["/run", "/dev/pts", "/dev", "/sys", "/proc", ""].map { ["umount", left + $0] }
        for u in unmounts { rig.runner.on(u) }
        let mark = ["zfs", "set", "org.kldload:new-be=interrupted", "org.kldload:description=kupgrade --new-be interrupted; not activated",
                    "rpool/ROOT/upgrade-20260301-101010"]
        rig.runner.on(mark)
        rig.aptPlan(simulation: "apt/2.6.1-debian12-chroot/apt-get-s-dist-upgrade-noop.stdout")
        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(report.leftovers == [.init(dataset: "rpool/ROOT/upgrade-20260301-101010", unmounted: unmounts.map { $0[1] },
                                           action: "unmounted and marked interrupted; kept")])
        #expect(Array(rig.runner.argvs[4..<(5 + unmounts.count + 1)]) == [get] + unmounts + [mark])
        let text = rig.output.text
        #expect(text.contains("[kupgrade] found rpool/ROOT/upgrade-20260301-101010, left by a kupgrade --new-be that did not finish (power cut or killed); it was never activated\n"))
        #expect(text.contains("  remove it with: kbe destroy upgrade-20260301-101010\n"))
    }

    /// The marker, not the description alone, decides: a user's description that happens to
    /// match is left alone once `zfs get` says otherwise.
    @Test func aMatchingDescriptionWithoutTheMarkerIsNotALeftover() throws {
        let rig = try KupgradeRig()
        rig.runner.on(KupgradeRig.bootfs, stdout: "rpool\tbootfs\trpool/ROOT/default\tlocal\n")
        rig.runner.on(KupgradeRig.listing, stdout: (Self.rootRows + Self.newRows(name: "mine")).joined(separator: "\n") + "\n")
        rig.runner.on(KupgradeRig.zpoolGet, stdout: "rpool\thealth\tONLINE\t-\nrpool\tfree\t20000000000\t-\n")
        rig.runner.on(["zpool", "status", "-x", "rpool"], stdout: "all pools are healthy\n")
        rig.runner.on(["zfs", "get", "-H", "-o", "value", NewBEUpgrade.markerProperty, "rpool/ROOT/mine"], stdout: "-\n")
        rig.aptPlan(simulation: "apt/2.6.1-debian12-chroot/apt-get-s-dist-upgrade-noop.stdout")
        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(report.leftovers.isEmpty)
        #expect(!rig.runner.argvs.contains { $0.first == "umount" || ($0.first == "zfs" && $0.dropFirst().first == "set") })
    }

    @Test func eachManagerRunsInsideTheNewRootItsOwnWay() {
        let root = "/run/kbe/x"
        #expect(AptDriver().rooted(AptDriver.upgrade, at: root).argv == ["chroot", root] + AptDriver.upgrade.argv)
        #expect(AptDriver().rooted(AptDriver.upgrade.adding(environment: ["A": "1"]), at: root).environment == ["A": "1"])
        #expect(DnfDriver().rooted(DnfDriver.upgrade, at: root).argv == ["dnf", "--installroot=/run/kbe/x", "upgrade", "-y"])
        #expect(PacmanDriver().rooted(Command(["pacman", "-Syu", "--noconfirm"]), at: root).argv
                == ["pacman", "--sysroot", root, "-Syu", "--noconfirm"])
        #expect(PacmanDriver().rooted(PacmanDriver.link, at: root).argv == ["chroot", root] + PacmanDriver.link.argv)
    }

    @Test func defaultNameAndSubtreePaths() throws {
        #expect(NewBEUpgrade.defaultName(at: Date(timeIntervalSince1970: 1_774_430_130), timeZone: TimeZone(identifier: "UTC")!)
                == "upgrade-20260325-091530")
        let rig = try KupgradeRig()
        let sub = SubtreeFileSystem(base: rig.files, root: "/etc/")
        #expect(sub.textIfPresent("/os-release")?.contains("bookworm") == true)
        #expect(throws: FileSystemError.notFound("/nothing")) { try sub.contents(of: "/nothing") }
        try sub.write(Data("x".utf8), to: "/new")
        #expect(rig.files.textIfPresent("/etc/new") == "x")
    }

    @Test func commandLine() throws {
        func options(_ args: [String]) throws -> UpgradeOptions {
            let parsed = try KupgradeCommand.parser.parse(args)
            return try KupgradeCommand.options(arguments: args, parsed: parsed, files: OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent")))
        }
        #expect(try options(["--new-be"]).newBE)
        #expect(try options(["--new-be"]).newBEName == nil)
        #expect(try options(["--new-be", "next"]).newBEName == "next")
        #expect(try options(["next", "--new-be"]).newBEName == "next")
        #expect(throws: UsageError.self) { try options(["--new-be", "bad@name"]) }
        #expect(KupgradeCommand.main(["--new-be", "a", "b"], stdout: { _ in }, stderr: { _ in }) == 2)
        #expect(KupgradeCommand.main(["name-without-flag"], stdout: { _ in }, stderr: { _ in }) == 2)
        // Trial boots: the default tries one; --trial requires it, --no-trial never tries; both
        // need --new-be (in place the next boot is the same BE) and contradict each other.
        #expect(try options(["--new-be"]).trial == .whenPossible)
        #expect(try options(["--new-be", "--trial"]).trial == .required)
        #expect(try options(["--new-be", "--no-trial"]).trial == .never)
        #expect(throws: UsageError.self) { try options(["--trial"]) }
        #expect(throws: UsageError.self) { try options(["--no-trial"]) }
        #expect(throws: UsageError.self) { try options(["--new-be", "--trial", "--no-trial"]) }
    }

    static func run(_ rig: KupgradeRig, interrupts: any InterruptSource) -> UpgradeReport {
        let context = SystemContext(runner: rig.runner, files: rig.files, now: { Date(timeIntervalSince1970: 1_774_430_130) },
                                    userID: 0, isInteractive: false, console: rig.console, interrupts: interrupts)
        return Upgrader(context: context, options: rig.options, locks: ScenarioLockProbe(held: [], files: rig.files),
                        progress: rig.output.add, output: { [output = rig.output] _, line in output.add(line) },
                        moduleStep: rig.modules).run()
    }
}

/// An interrupt that arrives while a given command runs (seen once it returned).
struct AfterCommand: InterruptSource {
    let runner: ReplayRunner
    let argv: [String]
    var signal: Int32 = SIGINT
    var received: Int32? { runner.argvs.contains(argv) ? signal : nil }
}

/// The recorder and a mount on a directory the run created (kupgrade --new-be's /run/kbe/NAME):
/// what the mounted file system holds is pre-run state and is recorded; what the run writes
/// there afterwards is not.
@Suite struct RecorderMountTests {
    @Test func readsUnderAMountOnACreatedDirectoryAreRecorded() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("rec-mount-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let host = RootedFileSystem(root: base.appendingPathComponent("host").path)
        try host.createDirectory("/run")
        let rec = base.appendingPathComponent("rec").path
        let files = CopyOnReadFileSystem(lower: host, scenarioDirectory: rec)
        try files.createDirectory("/run/kbe/new")  // the run made it: not recorded from now on
        try host.write(Data("6.1.0-21-amd64\n".utf8), to: "/run/kbe/new/etc/kernel")  // stands for the mounted BE
        _ = try files.contents(of: "/run/kbe/new/etc/kernel")
        #expect(!FileManager.default.fileExists(atPath: rec + "/root/run/kbe/new/etc/kernel"))
        let mount = Command(["mount", "-t", "zfs", "-o", "zfsutil", "rpool/ROOT/new", "/run/kbe/new"])
        let target = CopyOnReadFileSystem.mountTarget(of: mount, result: CommandResult(command: mount, status: .exited(0)))
        #expect(target == "/run/kbe/new")
        #expect(CopyOnReadFileSystem.mountTarget(of: mount, result: CommandResult(command: mount, status: .exited(32))) == nil)
        files.mounted(at: "/run/kbe/new")
        try host.write(Data("6.1.0-22-amd64\n".utf8), to: "/run/kbe/new/etc/other")
        _ = try files.contents(of: "/run/kbe/new/etc/other")
        #expect(FileManager.default.fileExists(atPath: rec + "/root/run/kbe/new/etc/other"))
        // Written by the run after the mount: not recorded.
        try files.write(Data("exit 101\n".utf8), to: "/run/kbe/new/usr/sbin/policy-rc.d")
        _ = try files.contents(of: "/run/kbe/new/usr/sbin/policy-rc.d")
        #expect(!FileManager.default.fileExists(atPath: rec + "/root/run/kbe/new/usr/sbin/policy-rc.d"))
    }
}
