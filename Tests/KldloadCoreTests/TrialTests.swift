import Foundation
import Synchronization
import Testing
@testable import KldloadCore

/// Trial boots (Docs/TRIAL.md) on replay scenarios assembled from real captures
/// (Fixtures/scenarios/kbe-trial-*: OpenZFS 2.3.9 VM + OVMF efivarfs/efibootmgr), plus the
/// cases no capture can show (a trial boot whose root is the trial BE, a bundle under Secure
/// Boot) on the in-memory world with real efivarfs bytes.
@Suite struct TrialReplayTests {
    static func run(_ name: String, _ argv: [String]) throws -> (KBECommand.Result, [[String]]) {
        let context = try SystemContext.replay(scenario: KBEReplayTests.scenario(name))
        let r = KBECommand.run(try KBEInvocation.parse(argv), context: context, timeZone: TimeZone(identifier: "UTC")!)
        let ran = (context.runner as? ReplayRunner)?.invocations.map(\.argv) ?? []
        return (r, ran)
    }

    /// Everything kbe ran that changes something (anything but reads).
    static func mutations(_ ran: [[String]]) -> [[String]] {
        ran.filter { argv in
            !(argv.first == "lsblk" || (argv.count > 1 && ["list", "get"].contains(argv[1])))
        }
    }

    static let bootfsArgv = ["zpool", "get", "-Hp", "bootfs", "rpool"]
    static let rootPropsArgv = ["zfs", "get", "-Hp", "-s", "local", "all", "rpool/ROOT"]
    static let createArgv = [
        "efibootmgr", "--create-only", "--disk", "/dev/vda", "--part", "1", "--loader", #"\EFI\kldload\vmlinuz.efi"#,
        "--label", "kldload trial", "--unicode",
        #"initrd=\EFI\kldload\initrd.img root=LABEL=efiroot ro console=ttyS0 systemd.show_status=0 kldload.entry=default zbm.prefer=rpool/ROOT/test!"#,
    ]
    static let recordArgv = [
        "zfs", "set", "org.kldload:trial=rpool/ROOT/test", "org.kldload:trial-from=rpool/ROOT/default",
        "org.kldload:trial-since=1795319621", "rpool/ROOT",
    ]
    static let inherits = ["org.kldload:trial", "org.kldload:trial-from", "org.kldload:trial-since"].map {
        ["zfs", "inherit", $0, "rpool/ROOT"]
    }

    @Test func activateTrialArmsBootNextAndKeepsBootfs() throws {
        let (r, ran) = try Self.run("kbe-trial-arm", ["activate", "--trial", "test"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(
            Self.mutations(ran) == [
                ["zfs", "set", "org.zfsbootmenu:commandline=quiet panic=30", "rpool/ROOT/test"], Self.createArgv,
                Self.recordArgv, ["efibootmgr", "--bootnext", "0006"],
            ])
        #expect(!ran.contains { $0.first == "zpool" && $0.count > 1 && $0[1] == "set" }, "bootfs must not move")
        #expect(r.stdout.contains("Boot0006 \"kldload trial\""))
        #expect(r.stdout.contains("The default stays rpool/ROOT/default"))
    }

    /// kbe rewrites kldload_trial.prom after a trial command when kupgrade's textfile_dir exists:
    /// pending with its target and fallback after arming, 0 after a cancel.
    @Test func trialCommandsRewriteTheTrialTextfile() throws {
        func run(_ argv: [String]) throws -> (KBECommand.Result, SystemContext) {
            let context = try SystemContext.replay(scenario: KBEReplayTests.scenario(argv.contains("--cancel-trial") ? "kbe-trial-armed" : "kbe-trial-arm"))
            try context.files.write(Data("textfile_dir = /m\n".utf8), to: UpgradeOptions.configPath)
            try context.files.createDirectory("/m")
            return (KBECommand.run(try KBEInvocation.parse(argv), context: context, timeZone: TimeZone(identifier: "UTC")!), context)
        }
        let (armed, c1) = try run(["activate", "--trial", "test"])
        #expect(armed.exitCode == 0, "\(armed.stderr)")
        let prom = try c1.files.text(of: "/m/" + TrialMetrics.fileName)
        #expect(prom.contains("kldload_trial_pending 1\n"))
        #expect(prom.contains("kldload_trial_info{target=\"rpool/ROOT/test\",from=\"rpool/ROOT/default\"} 1\n"))
        let (cancelled, c2) = try run(["activate", "--cancel-trial"])
        #expect(cancelled.exitCode == 0, "\(cancelled.stderr)")
        #expect(try c2.files.text(of: "/m/" + TrialMetrics.fileName).contains("kldload_trial_pending 0\n"))
        #expect(TrialMetrics.pendingAfter(.list(checkpoints: false, scripted: false, exact: false), report: KBEReport(command: "list", dryRun: false)) == nil)
    }

    @Test func activateTrialJSON() throws {
        let (r, _) = try Self.run("kbe-trial-arm", ["activate", "--trial", "test", "--json"])
        #expect(r.exitCode == 0)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let trial = obj?["trial"] as? [String: Any]
        #expect(trial?["target"] as? String == "rpool/ROOT/test")
        #expect(trial?["from"] as? String == "rpool/ROOT/default")
        #expect(trial?["entry"] as? String == "0006")
        #expect(trial?["bootNext"] as? String == "0006")
        #expect(obj?["executed"] as? Bool == true)
        #expect((obj?["plan"] as? [[String]])?.count == 4)
    }

    @Test func dryRunChangesNothing() throws {
        let (r, ran) = try Self.run("kbe-trial-arm", ["activate", "--trial", "test", "--dry-run"])
        #expect(r.exitCode == 0)
        #expect(Self.mutations(ran).isEmpty)
        #expect(r.stdout.contains("efibootmgr --bootnext 0006"))
        #expect(r.stdout.contains("zbm.prefer=rpool/ROOT/test!"))
    }

    /// Each refusal: exit 3, a hint, and nothing changed.
    @Test(arguments: [
        ("kbe-trial-arm", ["activate", "--trial", "default"], "is the running boot environment"),
        ("kbe-trial-not-uefi", ["activate", "--trial", "test"], "did not boot through UEFI"),
        ("kbe-trial-no-bootcurrent", ["activate", "--trial", "test"], "no BootCurrent variable"),
        ("kbe-trial-efivars-ro", ["--pool", "rpool", "activate", "--trial", "test"], "efivarfs is mounted read-only"),
        ("kbe-trial-armed", ["activate", "--trial", "test"], "a trial of rpool/ROOT/test is already pending"),
        ("kbe-trial-fallback", ["confirm"], "has not booted"),
    ])
    func refusals(scenario: String, argv: [String], message: String) throws {
        let (r, ran) = try Self.run(scenario, argv)
        #expect(r.exitCode == 3, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.contains("hint: "))
        #expect(Self.mutations(ran).isEmpty, "\(ran)")
    }

    @Test func refusalInJSON() throws {
        let (r, _) = try Self.run("kbe-trial-not-uefi", ["activate", "--trial", "test", "--json"])
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect((obj?["error"] as? [String: Any])?["kind"] as? String == "refused")
        #expect(r.exitCode == 3)
    }

    @Test func listShowsTheTrialFlag() throws {
        let (r, ran) = try Self.run("kbe-trial-armed", ["list"])
        #expect(r.exitCode == 0)
        #expect(r.stdout.contains("\ntest     T  "), "\(r.stdout)")
        #expect(ran.contains(Self.rootPropsArgv))
        let (j, _) = try Self.run("kbe-trial-armed", ["list", "--json"])
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any]
        let envs = obj?["bootEnvironments"] as? [[String: Any]] ?? []
        #expect(envs.last?["active"] as? String == "T")
        #expect((envs.last?["trial"] as? [String: Any])?["pending"] as? Bool == true)
        #expect(envs.first?["trial"] == nil)
    }

    @Test func listOnANonUEFIMachineMakesTwoCalls() throws {
        let (r, ran) = try Self.run("kbe-trial-not-uefi", ["list"])
        #expect(r.exitCode == 0)
        #expect(ran.count == 2)
    }

    @Test func trialCheckBeforeTheTrialBootChangesNothing() throws {
        let (r, ran) = try Self.run("kbe-trial-armed", ["trial-check"])
        #expect(r.exitCode == 0)
        #expect(r.stdout.contains("armed for the next boot"))
        #expect(Self.mutations(ran).isEmpty)
    }

    @Test func cancelDeletesBootNextEntryAndRecord() throws {
        let (r, ran) = try Self.run("kbe-trial-armed", ["activate", "--cancel-trial"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(
            Self.mutations(ran) == [
                ["efibootmgr", "--delete-bootnext"], ["efibootmgr", "--bootnum", "0006", "--delete-bootnum"],
            ] + Self.inherits)
    }

    @Test func fallbackIsRecordedAndCleared() throws {
        let (r, ran) = try Self.run("kbe-trial-fallback", ["trial-check"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(
            Self.mutations(ran) == [
                ["zfs", "set", "org.kldload:trial-result=failed rpool/ROOT/test", "rpool/ROOT"],
                ["efibootmgr", "--bootnum", "0006", "--delete-bootnum"],
            ] + Self.inherits)
        #expect(r.stderr.contains("FAILED"))
    }

    @Test func timeoutOutsideATrialBootDoesNothing() throws {
        let (r, ran) = try Self.run("kbe-trial-fallback", ["trial-check", "--timeout"])
        #expect(r.exitCode == 0)
        #expect(Self.mutations(ran).isEmpty)
    }
}

/// The trial boot itself (BootCurrent = the trial entry, root = the trial BE): no capture has a
/// ZFS root booted through OVMF, so the pool side is the in-memory world and the firmware side
/// is real efivarfs bytes from Fixtures/efi (boot 2 of ovmf-2022.11-debian12: BootCurrent 0002
/// "kldload trial", BootNext consumed).
@Suite
struct TrialBootTests {
    static func world(trialTarget: String = "rpool/ROOT/default") throws -> (ReplayRunner, SystemContext) {
        let (runner, context) = KBEWorld.make(bootfs: "rpool/ROOT/test")
        runner.on(
            ["zfs", "get", "-Hp", "-s", "local", "all", "rpool/ROOT"],
            stdout: "rpool/ROOT\tmountpoint\tnone\tlocal\nrpool/ROOT\torg.kldload:trial\t\(trialTarget)\tlocal\n"
                + "rpool/ROOT\torg.kldload:trial-from\trpool/ROOT/test\tlocal\nrpool/ROOT\torg.kldload:trial-since\t1795319621\tlocal\n")
        let dir = FixtureLoader.root().appendingPathComponent("efi/ovmf-2022.11-debian12/2-trial-then-panic/efivars")
        try context.files.createDirectory("/sys/firmware/efi/efivars")
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) where !f.hasSuffix(".hex") {
            try context.files.write(try Data(contentsOf: dir.appendingPathComponent(f)), to: "/sys/firmware/efi/efivars/" + f)
        }
        return (runner, context)
    }

    @Test func healthyTrialIsConfirmed() throws {
        let (runner, context) = try Self.world()
        let r = KBEWorld.run(["trial-check"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(
            runner.mutations == [
                ["zpool", "set", "bootfs=rpool/ROOT/default", "rpool"], ["efibootmgr", "--bootnum", "0002", "--delete-bootnum"],
            ] + TrialReplayTests.inherits)
        #expect(r.stdout.contains("Trial confirmed"))
    }

    @Test func confirmByHandDoesTheSame() throws {
        let (runner, context) = try Self.world()
        #expect(KBEWorld.run(["confirm"], context).exitCode == 0)
        #expect(runner.mutations.first == ["zpool", "set", "bootfs=rpool/ROOT/default", "rpool"])
    }

    @Test func unconfirmedTrialRebootsOnTimeout() throws {
        let (runner, context) = try Self.world()
        #expect(KBEWorld.run(["trial-check", "--timeout"], context).exitCode == 0)
        #expect(runner.mutations == [["systemctl", "reboot"]])
    }

    @Test func anotherBEChosenInTheMenuIsNotAttempted() throws {
        let (runner, context) = try Self.world(trialTarget: "rpool/ROOT/test")
        #expect(KBEWorld.run(["trial-check"], context).exitCode == 0)
        #expect(runner.mutations.first == ["zfs", "set", "org.kldload:trial-result=not-attempted rpool/ROOT/test", "rpool/ROOT"])
        #expect(!runner.mutations.contains { $0.first == "zpool" })
    }

    @Test func aTrialBootCannotArmAnother() throws {
        let (runner, context) = try Self.world(trialTarget: "rpool/ROOT/default")
        let r = KBEWorld.run(["activate", "--trial", "test"], context)
        #expect(r.exitCode == 3)
        #expect(runner.mutations.isEmpty)
    }

    @Test func checkpointTrialClonesFirstAndTriesTheClone() throws {
        let (runner, context) = KBEWorld.make()
        runner.on(["zfs", "get", "-Hp", "-s", "local", "all", "rpool/ROOT"], stdout: "rpool/ROOT\tmountpoint\tnone\tlocal\n")
        let cap = FixtureLoader.root().appendingPathComponent("efi/ovmf-2022.11-debian12-kbe-commands")
        runner.on(SystemQuery.blockDevices.command.argv, stdout: try String(contentsOf: cap.appendingPathComponent("2-commands/lsblk.stdout"), encoding: .utf8))
        runner.on(
            ["zfs", "get", "-Hp", "-o", "name,property,value,source", "org.zfsbootmenu:commandline", "rpool/ROOT/default"],
            stdout: "rpool/ROOT/default\torg.zfsbootmenu:commandline\tquiet splash\tlocal\n")
        try context.files.createDirectory("/sys/firmware/efi/efivars")
        let dir = cap.appendingPathComponent("2-before-trial/efivars")
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) where !f.hasSuffix(".hex") {
            try context.files.write(try Data(contentsOf: dir.appendingPathComponent(f)), to: "/sys/firmware/efi/efivars/" + f)
        }
        let r = KBEWorld.run(["activate", "--trial", "before-nginx-rewrite", "--dry-run", "--json"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let plan = obj?["plan"] as? [[String]] ?? []
        #expect(plan.first?.prefix(2) == ["zfs", "clone"])
        #expect(plan.contains(["zfs", "set", "org.zfsbootmenu:commandline=quiet splash panic=30", "rpool/ROOT/before-nginx-rewrite"]))
        #expect(plan.contains { $0.last?.hasSuffix("zbm.prefer=rpool/ROOT/before-nginx-rewrite!") == true })
        #expect(runner.mutations.filter { $0.first != "lsblk" }.isEmpty)
    }

    @Test func trialOfTheBootfsIsRefused() throws {
        let (runner, context) = KBEWorld.make(bootfs: "rpool/ROOT/test")
        let r = KBEWorld.run(["activate", "--trial", "test"], context)
        #expect(r.exitCode == 3)
        #expect(r.stderr.contains("already the pool's bootfs"))
        #expect(runner.mutations.isEmpty)
    }

    /// A BootCurrent entry with no load options (a bundle), captured as efibootmgr made it
    /// (Boot0006 of ovmf-2022.11-debian12-kbe-commands/2-no-options-entry), under the Secure
    /// Boot variable bytes of the kupgrade-secureboot scenario (SecureBoot = 1).
    @Test func signedBundleUnderSecureBootIsRefused() throws {
        let (_, context) = KBEWorld.make()
        let cap = FixtureLoader.root().appendingPathComponent("efi/ovmf-2022.11-debian12-kbe-commands/2-no-options-entry/efivars")
        try context.files.createDirectory("/sys/firmware/efi/efivars")
        for f in try FileManager.default.contentsOfDirectory(atPath: cap.path) where !f.hasSuffix(".hex") {
            try context.files.write(try Data(contentsOf: cap.appendingPathComponent(f)), to: "/sys/firmware/efi/efivars/" + f)
        }
        var efi = try EFIBootManagerState.read(from: context.files)
        let bundle = try #require(efi.options.first { (try? $0.value.get().description) == "ZFSBootMenu bundle" }?.key)
        efi.bootCurrent = bundle
        let sbDir = FixtureLoader.root().appendingPathComponent("scenarios/kupgrade-secureboot-unsigned-ko-xz/root/sys/firmware/efi/efivars")
        for f in ["SecureBoot", "SetupMode"] {
            let name = "\(f)-8be4df61-93ca-11d2-aa0d-00e098032b8c"
            try context.files.write(try Data(contentsOf: sbDir.appendingPathComponent(name)), to: "/sys/firmware/efi/efivars/" + name)
        }
        let sb = try SecureBootParser.read(from: context.files)
        #expect(sb.mode == .enabled)
        let manager = BootEnvironmentManager(context: context)
        #expect(throws: KBEError.self) { try manager.currentBootEntry(efi, secureBoot: sb) }
        do {
            _ = try manager.currentBootEntry(efi, secureBoot: sb)
        } catch {
            #expect(error.kind == .refused)
            #expect(error.message.contains("Secure Boot"))
        }
        do {
            _ = try manager.currentBootEntry(efi, secureBoot: SecureBootState(mode: .disabled, source: .efivars))
            Issue.record("a bundle without load options must be refused")
        } catch {
            #expect(error.message.contains("no load options"))
        }
    }
}

@Suite struct TrialPartsTests {
    @Test func efibootmgrSummaryOnEveryCapture() throws {
        let dir = FixtureLoader.root().appendingPathComponent("efi/ovmf-2022.11-debian12-kbe-commands/2-commands")
        func parse(_ name: String) throws -> EFIBootManagerSummary {
            EFIBootManagerSummary.parse(try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8))
        }
        let created = try parse("create-trial.stdout")
        #expect(created.entries(labelled: "kldload trial") == [6])
        #expect(created.bootCurrent == 1)
        #expect(created.bootNext == nil)
        #expect(created.bootOrder == [1, 0, 2, 3, 4, 5])
        #expect(!created.bootOrder.contains(6), "--create-only keeps the entry out of BootOrder")
        #expect(try parse("bootnext.stdout").bootNext == 6)
        #expect(try parse("delete-bootnext.stdout").bootNext == nil)
        #expect(try parse("delete-trial.stdout").entries(labelled: "kldload trial").isEmpty)
        // The DVD entry's label ends in a space; kept as printed.
        #expect(created.entries.contains { $0.label == "UEFI QEMU DVD-ROM QM00005 " })
    }

    @Test func summaryParserNeverFailsOnMutations() throws {
        let text = try String(
            contentsOf: FixtureLoader.root().appendingPathComponent("efi/ovmf-2022.11-debian12-kbe-commands/2-commands/bootnext.stdout"),
            encoding: .utf8)
        var count = 0
        for cut in 0...text.utf8.count {
            let s = String(decoding: Array(text.utf8.prefix(cut)), as: UTF8.self)
            count += EFIBootManagerSummary.parse(s).entries.count
        }
        #expect(count > 0)
    }

    @Test func lsblkPairsFromTheCapture() throws {
        let text = try String(
            contentsOf: FixtureLoader.root().appendingPathComponent("efi/ovmf-2022.11-debian12-kbe-commands/2-commands/lsblk.stdout"),
            encoding: .utf8)
        let devices = try BlockDevice.parseLsblkPairs(text)
        #expect(devices.count == 5)
        let esp = try #require(devices.first { $0.partitionUUID == "6b6c646c-6f61-4400-8000-000000000001" })
        #expect(esp.name == "/dev/vda1")
        #expect(esp.parent == "/dev/vda")
        #expect(devices.first?.parent == nil)
        #expect(throws: ParseError.self) { try BlockDevice.parseLsblkPairs("NAME=\"/dev/vda") }
        #expect(try BlockDevice.parseLsblkPairs(#"NAME="/dev/a\x20b" PKNAME="" PARTUUID="""#).first?.name == "/dev/a b")
    }

    @Test func loadOptionsGetOnePrefer() {
        #expect(
            TrialBoot.trialLoadOptions(current: "loglevel=4 zbm.prefer=rpool  zbm.timeout=3", target: "rpool/ROOT/new")
                == "loglevel=4 zbm.timeout=3 zbm.prefer=rpool/ROOT/new!")
    }

    @Test func commandLineAdditionsOnlyWhatIsMissing() {
        #expect(TrialBoot.commandLineAdditions(to: "quiet", dracut: false) == ["panic=30"])
        #expect(TrialBoot.commandLineAdditions(to: "quiet panic=10", dracut: false).isEmpty)
        #expect(TrialBoot.commandLineAdditions(to: nil, dracut: true) == ["panic=30", "rd.shell=0", "rd.emergency=reboot"])
        #expect(TrialBoot.commandLineAdditions(to: "rd.shell=1", dracut: true) == ["panic=30", "rd.emergency=reboot"])
    }

    @Test func cliShapes() throws {
        #expect(try KBEInvocation.parse(["activate", "--trial", "x"]).action == .activateTrial("x"))
        #expect(try KBEInvocation.parse(["activate", "--cancel-trial"]).action == .cancelTrial)
        #expect(try KBEInvocation.parse(["confirm"]).action == .confirm)
        #expect(try KBEInvocation.parse(["trial-check", "--health"]).action == .trialCheck(.health))
        #expect(try KBEInvocation.parse(["trial-check", "--timeout"]).action == .trialCheck(.timeout))
        #expect(try KBEInvocation.parse(["trial-check"]).action == .trialCheck(.settle))
        #expect(throws: UsageError.self) { try KBEInvocation.parse(["activate", "--trial", "--cancel-trial", "x"]) }
        #expect(throws: UsageError.self) { try KBEInvocation.parse(["activate", "--cancel-trial", "x"]) }
        #expect(throws: UsageError.self) { try KBEInvocation.parse(["confirm", "x"]) }
        #expect(throws: UsageError.self) { try KBEInvocation.parse(["trial-check", "--health", "--timeout"]) }
    }

    @Test func kupgradeTrialIsRefusedForAnInPlaceUpgrade() throws {
        let parsed = try KupgradeCommand.parser.parse(["--trial"])
        let fs = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent/kupgrade-trial-test"))
        do {
            _ = try KupgradeCommand.options(arguments: ["--trial"], parsed: parsed, files: fs)
            Issue.record("--trial must be refused for an in-place upgrade")
        } catch {
            #expect(error.message.contains("in place"))
        }
        let lines = Mutex<[String]>([])
        let scenario = KBEReplayTests.scenario("kupgrade-nothing-to-upgrade")
        let code = KupgradeCommand.main(["--trial", "--replay", scenario], stdout: { _ in }, stderr: { l in lines.withLock { $0.append(l) } })
        #expect(code == 2)
        #expect(lines.withLock { $0.joined() }.contains("--trial"))
    }
}
