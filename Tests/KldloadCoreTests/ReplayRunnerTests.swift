import Foundation
import Testing
import Synchronization
@testable import KldloadCore

/// A scenario directory built by the test in a fresh temp dir (never under Fixtures/).
final class TempScenario {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("kldload-scenario-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ relative: String, _ text: String) throws {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }

    /// One recording; nil parts are left out of the directory.
    func command(_ n: String, argv: String, stdout: String? = nil, stderr: String? = nil, status: String? = nil) throws {
        try file("commands/\(n)/argv", argv)
        if let stdout { try file("commands/\(n)/stdout", stdout) }
        if let stderr { try file("commands/\(n)/stderr", stderr) }
        if let status { try file("commands/\(n)/status", status) }
    }
}

@Suite struct ReplayRunnerTests {
    @Test func answersWithRecordedOutputAndStatus() throws {
        let s = try TempScenario()
        try s.command("001", argv: "zpool\nlist\n-Hp\n", stdout: "rpool\t100\n", stderr: "warn\n", status: "0\n")
        try s.command("002", argv: "dnf\ncheck-update\n", stdout: "kernel.x86_64  6.9  updates\n", status: "100")
        let replay = try ReplayRunner(scenario: s.path)
        let r1 = try replay.run(Command("zpool", "list", "-Hp"))
        #expect(r1 == CommandResult(command: Command("zpool", "list", "-Hp"), status: .exited(0), stdout: "rpool\t100\n", stderr: "warn\n"))
        let r2 = try replay.run(Command("dnf", "check-update"))
        #expect(r2.status == .exited(100))
        #expect(r2.stderr == "")
        #expect(replay.invocations == [Command("zpool", "list", "-Hp"), Command("dnf", "check-update")])
    }

    @Test func sameArgvIsAnsweredInOrderThenTheLastRepeats() throws {
        let s = try TempScenario()
        try s.command("001", argv: "zfs\nlist\n", stdout: "first\n")
        try s.command("002", argv: "zpool\nstatus\n", stdout: "pool\n")
        try s.command("003", argv: "zfs\nlist\n", stdout: "second\n")
        let replay = try ReplayRunner(scenario: s.path)
        let outputs = try (0..<4).map { _ in try replay.run(Command("zfs", "list")).stdout }
        #expect(outputs == ["first\n", "second\n", "second\n", "second\n"])
        #expect(replay.unusedRecordings.map(\.name) == ["002"])
        #expect(replay.invocations.count == 4)
    }

    @Test func unknownArgvThrowsNoRecordingNamingIt() throws {
        let s = try TempScenario()
        try s.command("1", argv: "zfs\nlist\n")
        let replay = try ReplayRunner(scenario: s.path)
        let missing = Command("zfs", "list", "-t", "snapshot")
        #expect(throws: CommandError.noRecording(missing, scenario: s.path)) { try replay.run(missing) }
        // argv[0] is compared as given: an absolute path is a different command.
        #expect(throws: CommandError.noRecording(Command("/usr/sbin/zfs", "list"), scenario: s.path)) {
            try replay.run(Command("/usr/sbin/zfs", "list"))
        }
        #expect(CommandError.noRecording(missing, scenario: s.path).description.contains("zfs list -t snapshot"))
        #expect(replay.invocations.count == 2)
    }

    @Test func argvFileRules() {
        #expect(Recording.parseArgv("zpool\nlist\n") == ["zpool", "list"])
        #expect(Recording.parseArgv("zpool\nlist") == ["zpool", "list"])
        #expect(Recording.parseArgv("echo\n\n") == ["echo", ""])
        #expect(Recording.parseArgv("zfs\n\nx\n") == ["zfs", "", "x"])
        #expect(Recording.parseArgv("zfs\nset\nk=v with  spaces \n") == ["zfs", "set", "k=v with  spaces "])
        #expect(Recording.parseArgv("") == [])
        #expect(Recording.argvFileText(["echo", ""]) == "echo\n\n")
        #expect(Recording.argvFileText(["a", "b\nc"]) == nil)
        for argv in [["zfs", "", "x"], ["echo", ""], ["p"], ["p", " lead", "trail ", ""]] {
            #expect(Recording.parseArgv(Recording.argvFileText(argv) ?? "") == argv)
        }
    }

    @Test func emptyArgumentsReplay() throws {
        let s = try TempScenario()
        try s.command("001", argv: "printf\n\n", stdout: "x")
        let replay = try ReplayRunner(scenario: s.path)
        #expect(try replay.run(Command(["printf", ""])).stdout == "x")
        #expect(throws: CommandError.self) { try replay.run(Command(["printf"])) }
    }

    @Test func statusFileVariants() throws {
        #expect(try RecordedStatus.parse("", path: "s") == .status(.exited(0)))
        #expect(try RecordedStatus.parse("  3 \n", path: "s") == .status(.exited(3)))
        #expect(try RecordedStatus.parse("signal 9\n", path: "s") == .status(.signaled(9)))
        #expect(try RecordedStatus.parse("not-found\n", path: "s") == .notFound)
        for bad in ["-1", "256", "signal", "signal 0", "signal 99", "exit 3", "99999999999999999999", "3\n4\n"] {
            #expect(throws: ScenarioError.self) { try RecordedStatus.parse(bad, path: "s") }
        }
        #expect(throws: ScenarioError.invalidFile(path: "s", line: 2, reason: "a status file holds one value, found a second one: 4")) {
            try RecordedStatus.parse("3\n4\n", path: "s")
        }
    }

    @Test func signalAndNotFoundRecordingsReplay() throws {
        let s = try TempScenario()
        try s.command("001", argv: "dkms\nautoinstall\n", stdout: "partial\n", status: "signal 15")
        try s.command("002", argv: "mokutil\n--sb-state\n", status: "not-found")
        let replay = try ReplayRunner(scenario: s.path)
        #expect(try replay.run(Command("dkms", "autoinstall")).status == .signaled(15))
        #expect(throws: CommandError.notFound(program: "mokutil", searched: [])) { try replay.run(Command("mokutil", "--sb-state")) }
    }

    @Test func invalidScenarioFilesAreNamed() throws {
        let s = try TempScenario()
        try s.command("001", argv: "zfs\n", status: "maybe")
        #expect(throws: ScenarioError.invalidFile(path: URL(fileURLWithPath: s.path).appendingPathComponent("commands/001/status").path, line: 1,
                                                  reason: "expected an exit status 0-255, `signal N` (N 1-64) or `not-found`, found: maybe")) {
            try ReplayRunner(scenario: s.path)
        }
        let t = try TempScenario()
        try t.file("commands/001/stdout", "no argv here\n")
        do {
            _ = try ReplayRunner(scenario: t.path)
            Issue.record("a recording without argv was accepted")
        } catch {
            #expect(error.description.contains("commands/001/argv"))
            #expect(error.description.contains("missing"))
        }
        let u = try TempScenario()
        try u.command("001", argv: "\nlist\n")
        #expect(throws: ScenarioError.self) { try ReplayRunner(scenario: u.path) }
    }

    @Test func missingOrEmptyScenarioDirectories() throws {
        let nowhere = "/nonexistent/kldload-scenario"
        #expect(throws: ScenarioError.notFound(path: nowhere)) { try ReplayRunner(scenario: nowhere) }
        #expect(throws: ScenarioError.notFound(path: nowhere)) { try SystemContext.replay(scenario: nowhere) }
        #expect(ScenarioError.notFound(path: nowhere).description.contains("commands/<n>/argv"))
        let s = try TempScenario()
        try s.file("README", "not a scenario")
        #expect(throws: ScenarioError.notAScenario(path: s.path)) { try ReplayRunner(scenario: s.path) }
        #expect(ScenarioError.notAScenario(path: s.path).description.contains("root/"))
    }

    @Test func directoriesAreOrderedNumerically() throws {
        let s = try TempScenario()
        try s.command("10", argv: "x\n", stdout: "ten")
        try s.command("2", argv: "x\n", stdout: "two")
        try s.command("001", argv: "x\n", stdout: "one")
        try s.file("commands/notes/argv", "x\n")  // not numeric: ignored
        let replay = try ReplayRunner(scenario: s.path)
        #expect(replay.recordings.map(\.name) == ["001", "2", "10"])
        #expect(try (0..<3).map { _ in try replay.run(Command("x")).stdout } == ["one", "two", "ten"])
        #expect(ReplayRunner.numericOrder(["0010", "9", "a1", "", "010"]) == ["9", "0010", "010"])
    }

    @Test func replayStreamsLinesToTheSink() throws {
        let s = try TempScenario()
        try s.command("001", argv: "apt-get\n-y\ndist-upgrade\n", stdout: "Reading package lists...\nDone\n", stderr: "W: partial")
        let replay = try ReplayRunner(scenario: s.path)
        let log = LineLog()
        let result = try replay.run(Command("apt-get", "-y", "dist-upgrade"), options: RunOptions(sink: log.sink))
        #expect(log.lines(.stdout) == ["Reading package lists...", "Done"])
        #expect(log.lines(.stderr) == ["W: partial"])
        #expect(result.stdout == "Reading package lists...\nDone\n")
    }

    @Test func largeOutputLoadsAndReplaysFast() throws {
        let s = try TempScenario()
        let big = (0..<100_000).map { "rpool/ROOT/be-\($0)\t\($0 * 4096)\t-\t/\n" }.joined()
        try s.command("001", argv: "zfs\nlist\n-Hp\n", stdout: big)
        let started = Date()
        let replay = try ReplayRunner(scenario: s.path)
        let result = try replay.run(Command("zfs", "list", "-Hp"))
        let log = LineLog()
        _ = try replay.run(Command("zfs", "list", "-Hp"), options: RunOptions(sink: log.sink))
        #expect(result.stdout.utf8.count == big.utf8.count)
        #expect(log.lines(.stdout).count == 100_000)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func scenarioConfigurationIsParsed() throws {
        let conf = try ScenarioConfiguration.parse("""
            # comment
            description = Debian 12, ZFS 2.1, one DKMS failure
            now=2026-04-08T14:30:22Z
            uid=1000
            interactive=true
            env.PATH=/usr/sbin:/usr/bin
            future_key=kept

            """, path: "scenario.conf")
        #expect(conf.now == Date(timeIntervalSince1970: 1_775_658_622))
        #expect(conf.userID == 1000)
        #expect(conf.isInteractive)
        #expect(conf.environment == ["PATH": "/usr/sbin:/usr/bin"])
        #expect(conf.values["description"] == "Debian 12, ZFS 2.1, one DKMS failure")
        #expect(conf.values["future_key"] == "kept")
        #expect(try ScenarioConfiguration.parse("now=2026-04-08T14:30:22.5Z", path: "c").now == Date(timeIntervalSince1970: 1_775_658_622.5))
        #expect(throws: ScenarioError.invalidFile(path: "c", line: 2, reason: "expected key=value, found: nonsense")) {
            try ScenarioConfiguration.parse("uid=0\nnonsense\n", path: "c")
        }
        for bad in ["now=yesterday", "uid=-1", "uid=99999999999", "interactive=perhaps", "=x"] {
            #expect(throws: ScenarioError.self) { try ScenarioConfiguration.parse(bad, path: "c") }
        }
    }

    @Test func replayContextReadsRootAndKeepsWritesInMemory() throws {
        let s = try TempScenario()
        try s.file("root/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
        try s.file("scenario.conf", "now=2026-04-08T14:30:22Z\nuid=0\ninteractive=false\nenv.LANG=C.UTF-8\n")
        try s.command("001", argv: "uname\n-r\n", stdout: "6.1.0-18-amd64\n")
        let context = try SystemContext.replay(scenario: s.path)
        #expect(try context.files.text(of: "/etc/os-release").hasPrefix("ID=debian"))
        #expect(context.now() == Date(timeIntervalSince1970: 1_775_658_622))
        #expect(context.userID == 0)
        #expect(!context.isInteractive)
        #expect(context.environment == ["LANG": "C.UTF-8"])
        #expect(try context.runner.run(Command("uname", "-r")).stdout == "6.1.0-18-amd64\n")
        try context.files.write(Data("log\n".utf8), to: "/var/log/kupgrade.log")
        #expect(try context.files.text(of: "/var/log/kupgrade.log") == "log\n")
        #expect(!FileManager.default.fileExists(atPath: s.path + "/root/var/log/kupgrade.log"))
        // A scenario with only root/ is fine; without scenario.conf the defaults apply.
        let t = try TempScenario()
        try t.file("root/proc/cmdline", "root=zfs:AUTO\n")
        let bare = try SystemContext.replay(scenario: t.path)
        #expect(bare.userID == 0)
        #expect(try bare.files.text(of: "/proc/cmdline") == "root=zfs:AUTO\n")
        #expect(throws: CommandError.self) { try bare.runner.run(Command("zpool", "list")) }
    }

    @Test func recordingRoundTripsThroughReplay() throws {
        let s = try TempScenario()
        let dir = s.path + "/rec"
        let stub = StubRunner { (command: Command) throws(CommandError) -> CommandResult in
            switch command.argv[0] {
            case "missing": throw .notFound(program: "missing", searched: ["/usr/bin"])
            case "killed": return CommandResult(command: command, status: .signaled(9), stdout: "half")
            default: return CommandResult(command: command, status: .exited(2), stdout: "out ü\n", stderr: "err\n")
            }
        }
        let warnings = LineLog()
        let recorder = RecordingRunner(wrapping: stub, into: dir, warn: { warnings.sink(.stderr, $0) })
        let commands = [Command("zfs", "list", ""), Command("killed"), Command("zfs", "list", "")]
        for c in commands { #expect(try recorder.run(c).command == c) }
        #expect(throws: CommandError.notFound(program: "missing", searched: ["/usr/bin"])) { try recorder.run(Command("missing")) }
        _ = try recorder.run(Command("echo", "two\nlines"))
        #expect(warnings.lines(.stderr).count == 1)
        #expect(warnings.lines(.stderr).first?.contains("newline") == true)
        recorder.writeConfiguration([("now", "2026-04-08T14:30:22Z"), ("uid", "0")])

        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/commands").sorted()
        #expect(names == ["001", "002", "003", "004"])
        #expect(try String(contentsOfFile: dir + "/commands/001/argv", encoding: .utf8) == "zfs\nlist\n\n")
        #expect(try String(contentsOfFile: dir + "/commands/002/status", encoding: .utf8) == "signal 9\n")
        #expect(!FileManager.default.fileExists(atPath: dir + "/commands/002/stderr"))

        let replay = try ReplayRunner(scenario: dir)
        #expect(try replay.run(commands[0]) == CommandResult(command: commands[0], status: .exited(2), stdout: "out ü\n", stderr: "err\n"))
        #expect(try replay.run(Command("killed")).status == .signaled(9))
        #expect(throws: CommandError.notFound(program: "missing", searched: [])) { try replay.run(Command("missing")) }
        #expect(replay.configuration.now == Date(timeIntervalSince1970: 1_775_658_622))

        // A second recorder on the same directory continues the numbering.
        let again = RecordingRunner(wrapping: stub, into: dir, warn: { _ in })
        _ = try again.run(Command("zpool", "status"))
        #expect(FileManager.default.fileExists(atPath: dir + "/commands/005/argv"))
        #expect(RecordingRunner.name(7) == "007")
        #expect(RecordingRunner.name(1234) == "1234")
    }

    @Test func hostContextRecordsWhenAsked() throws {
        let s = try TempScenario()
        let plain = SystemContext.host(environment: ["PATH": "/usr/bin"])
        #expect(plain.runner is ProcessRunner)
        #expect(plain.files is RootedFileSystem)
        #expect(plain.environment == ["PATH": "/usr/bin"])
        let recording = SystemContext.host(environment: ["KLDLOAD_RECORD": s.path + "/rec"])
        let recorder = try #require(recording.runner as? RecordingRunner)
        #expect(recorder.directory == s.path + "/rec")
        #expect(recorder.inner is ProcessRunner)
        #expect(recording.files is CopyOnReadFileSystem)
        let conf = try ScenarioConfiguration.parse(try String(contentsOfFile: s.path + "/rec/scenario.conf", encoding: .utf8), path: "c")
        #expect(conf.now != nil)
        #expect(conf.values["description"]?.contains("KLDLOAD_RECORD") == true)
    }

    @Test func copyOnReadCapturesFilesRead() throws {
        let s = try TempScenario()
        try s.file("host/etc/os-release", "ID=fedora\n")
        try s.file("host/lib/modules/6.8.0/extra/zfs.ko.xz", "ko")
        let fs = CopyOnReadFileSystem(lower: RootedFileSystem(root: s.path + "/host"), scenarioDirectory: s.path + "/rec")
        #expect(try fs.text(of: "/etc/os-release") == "ID=fedora\n")
        #expect(try fs.list("/lib/modules") == ["6.8.0"])
        #expect(try String(contentsOfFile: s.path + "/rec/root/etc/os-release", encoding: .utf8) == "ID=fedora\n")
        #expect(FileManager.default.fileExists(atPath: s.path + "/rec/root/lib/modules"))
        #expect(!FileManager.default.fileExists(atPath: s.path + "/rec/root/lib/modules/6.8.0/extra/zfs.ko.xz"))
        // The recorded tree replays.
        let replayed = try SystemContext.replay(scenario: s.path + "/rec")
        #expect(try replayed.files.text(of: "/etc/os-release") == "ID=fedora\n")
    }

    /// Found on the real Debian 12 guest (Tests/e2e scenario 03): kupgrade checks that
    /// `/usr/bin/apt-get` exists and lists `/lib/modules/<k>/updates/dkms` without reading them,
    /// so a recording that copied only files read replayed as "apt is not installed".
    @Test func copyOnReadRecordsWhatWasOnlyLookedFor() throws {
        let s = try TempScenario()
        try s.file("host/usr/bin/apt-get", "ELF binary")
        try s.file("host/lib/modules/6.1.0-50-amd64/updates/dkms/zfs.ko", "module")
        try s.file("host/boot/vmlinuz-6.1.0-50-amd64", "kernel")
        try s.file("host/etc/os-release", "ID=debian\n")
        let fs = CopyOnReadFileSystem(lower: RootedFileSystem(root: s.path + "/host"), scenarioDirectory: s.path + "/rec")
        #expect(fs.exists("/usr/bin/apt-get"))
        #expect(!fs.exists("/usr/bin/dnf"))
        #expect(fs.isDirectory("/lib/modules/6.1.0-50-amd64"))
        #expect(try fs.list("/lib/modules/6.1.0-50-amd64/updates/dkms") == ["zfs.ko"])
        #expect(try fs.list("/boot") == ["vmlinuz-6.1.0-50-amd64"])
        #expect(fs.exists("/etc/os-release"))
        #expect(try fs.text(of: "/etc/os-release") == "ID=debian\n")
        #expect(try fs.text(of: "/etc/os-release") == "ID=debian\n")
        let rec = s.path + "/rec/root"
        // Placeholders are empty: contents that were never read are not copied.
        #expect(try Data(contentsOf: URL(fileURLWithPath: rec + "/usr/bin/apt-get")).isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: rec + "/lib/modules/6.1.0-50-amd64/updates/dkms/zfs.ko")).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: rec + "/usr/bin/dnf"))
        // A file first seen by exists() and then read gets its real content.
        #expect(try String(contentsOfFile: rec + "/etc/os-release", encoding: .utf8) == "ID=debian\n")
        // The replay takes the same decisions.
        let replayed = try SystemContext.replay(scenario: s.path + "/rec")
        #expect(replayed.files.exists("/usr/bin/apt-get"))
        #expect(!replayed.files.exists("/usr/bin/dnf"))
        #expect(try replayed.files.list("/lib/modules/6.1.0-50-amd64/updates/dkms") == ["zfs.ko"])
        #expect(try replayed.files.list("/boot") == ["vmlinuz-6.1.0-50-amd64"])
        #expect(try replayed.files.text(of: "/etc/os-release") == "ID=debian\n")
    }

    /// git drops empty directories; kupgrade only checks that /var/lib/dpkg is a directory.
    @Test func recordedDirectoriesKeepAMarkerTheReplayHides() throws {
        let s = try TempScenario()
        try s.file("host/var/lib/dpkg/status", "Package: x\n")
        try s.file("host/usr/lib/modules/6.1.0/kernel/x.ko", "ko")
        let fs = CopyOnReadFileSystem(lower: RootedFileSystem(root: s.path + "/host"), scenarioDirectory: s.path + "/rec")
        #expect(fs.isDirectory("/var/lib/dpkg"))
        #expect(try fs.list("/usr/lib/modules") == ["6.1.0"])
        let marker = CopyOnReadFileSystem.directoryMarker
        #expect(FileManager.default.fileExists(atPath: s.path + "/rec/root/var/lib/dpkg/" + marker))
        #expect(FileManager.default.fileExists(atPath: s.path + "/rec/root/usr/lib/modules/6.1.0/" + marker))
        #expect(!FileManager.default.fileExists(atPath: s.path + "/rec/root/var/lib/dpkg/status"))
        let replayed = try SystemContext.replay(scenario: s.path + "/rec")
        #expect(replayed.files.isDirectory("/var/lib/dpkg"))
        #expect(try replayed.files.list("/var/lib/dpkg") == [])
        #expect(try replayed.files.list("/usr/lib/modules") == ["6.1.0"])
        #expect(try replayed.files.list("/usr/lib/modules/6.1.0") == [])
        #expect(!replayed.files.exists("/var/lib/dpkg/" + marker))
        #expect(throws: FileSystemError.self) { try replayed.files.contents(of: "/var/lib/dpkg/" + marker) }
    }

    /// Found recording kupgrade's Secure Boot re-signing in the e2e VM: the recorder also copied
    /// what the run itself wrote (the signed module read back from `/run/kupgrade-sign`, the
    /// log), so the replay started from the post-run state. Only the state before the run's own
    /// writes is recorded; the replay sees those writes through its overlay.
    @Test func copyOnReadRecordsNothingTheRunWroteItself() throws {
        let s = try TempScenario()
        try s.file("host/lib/modules/6.1.0-50-amd64/updates/dkms/zfs.ko.xz", "unsigned")
        try s.file("host/var/log/.keep", "")
        try s.file("host/run/.keep", "")
        let fs = CopyOnReadFileSystem(lower: RootedFileSystem(root: s.path + "/host"), scenarioDirectory: s.path + "/rec")
        let module = "/lib/modules/6.1.0-50-amd64/updates/dkms/zfs.ko.xz"
        let work = "/run/kupgrade-sign"
        // As ModuleSigner does it: a stale work directory is looked for, then created.
        #expect(!fs.exists(work))
        try fs.createDirectory(work)
        let original = try fs.contents(of: module)
        try fs.write(original, to: work + "/zfs.ko.xz")
        // xz/sign-file (commands) leave their own files in the work directory.
        try Data("signed".utf8).write(to: URL(fileURLWithPath: s.path + "/host" + work + "/zfs.ko.xz"))
        try Data("raw".utf8).write(to: URL(fileURLWithPath: s.path + "/host" + work + "/zfs.ko"))
        #expect(try fs.list(work) == ["zfs.ko", "zfs.ko.xz"])
        #expect(fs.exists(work + "/zfs.ko"))
        let signed = try fs.contents(of: work + "/zfs.ko.xz")
        try fs.write(signed, to: module)
        #expect(try fs.text(of: module) == "signed")
        try fs.remove(work)
        // The log: created and appended by the run, then read back.
        try fs.append(Data("line\n".utf8), to: "/var/log/kupgrade.log")
        #expect(fs.exists("/var/log/kupgrade.log"))
        #expect(try fs.text(of: "/var/log/kupgrade.log") == "line\n")
        // A directory the run created with its parents.
        try fs.write(Data("x".utf8), to: "/var/lib/kldload/new/state")
        #expect(fs.isDirectory("/var/lib/kldload"))
        #expect(try fs.list("/var/lib/kldload") == ["new"])

        let rec = s.path + "/rec/root"
        #expect(try String(contentsOfFile: rec + module, encoding: .utf8) == "unsigned")
        #expect(!FileManager.default.fileExists(atPath: rec + work))
        #expect(!FileManager.default.fileExists(atPath: rec + "/var/log/kupgrade.log"))
        #expect(!FileManager.default.fileExists(atPath: rec + "/var/lib/kldload"))
        // The replay starts from the state before the run and sees its own writes.
        let replayed = try SystemContext.replay(scenario: s.path + "/rec")
        #expect(try replayed.files.text(of: module) == "unsigned")
        #expect(!replayed.files.exists(work))
        #expect(!replayed.files.exists("/var/log/kupgrade.log"))
        try replayed.files.write(Data("signed".utf8), to: module)
        #expect(try replayed.files.text(of: module) == "signed")
    }

    /// What the recording held before the run changed a path stays as it was.
    @Test func copyOnReadKeepsThePreRunStateOfAPathTheRunChanges() throws {
        let s = try TempScenario()
        try s.file("host/var/log/kupgrade.log", "an earlier run\n")
        try s.file("host/etc/kldload.conf", "a=1\n")
        let fs = CopyOnReadFileSystem(lower: RootedFileSystem(root: s.path + "/host"), scenarioDirectory: s.path + "/rec")
        #expect(fs.exists("/var/log/kupgrade.log"))
        try fs.append(Data("this run\n".utf8), to: "/var/log/kupgrade.log")
        #expect(try fs.text(of: "/var/log/kupgrade.log") == "an earlier run\nthis run\n")
        #expect(try fs.text(of: "/etc/kldload.conf") == "a=1\n")
        try fs.write(Data("a=2\n".utf8), to: "/etc/kldload.conf")
        #expect(try fs.text(of: "/etc/kldload.conf") == "a=2\n")
        // Creating a directory that exists already changes nothing: what is in it is still recorded.
        try fs.createDirectory("/etc")
        #expect(fs.exists("/etc/kldload.conf"))
        let rec = s.path + "/rec/root"
        #expect(try Data(contentsOf: URL(fileURLWithPath: rec + "/var/log/kupgrade.log")).isEmpty, "placeholder from the check before the run appended")
        #expect(try String(contentsOfFile: rec + "/etc/kldload.conf", encoding: .utf8) == "a=1\n")
    }

    @Test func copyOnReadKeepsAnEarlierRecordingsContent() throws {
        let s = try TempScenario()
        try s.file("host/etc/os-release", "ID=debian\n")
        try s.file("rec/root/etc/os-release", "ID=first-run\n")
        let fs = CopyOnReadFileSystem(lower: RootedFileSystem(root: s.path + "/host"), scenarioDirectory: s.path + "/rec")
        #expect(try fs.text(of: "/etc/os-release") == "ID=debian\n")
        #expect(try String(contentsOfFile: s.path + "/rec/root/etc/os-release", encoding: .utf8) == "ID=first-run\n")
    }
}

/// The in-memory scenario every unit test answers from is the production replay.
@Suite struct InMemoryScenarioTests {
    /// A `\r\n` line (dpkg's progress) reaches the sink as the real runner delivers it: split at
    /// the 0x0A byte, the `\r` kept. The module tests' old stub split Swift Characters, where
    /// `\r\n` is one, and delivered it as one line.
    @Test func linesReachTheSinkAsFromTheRealRunner() throws {
        let replay = ReplayRunner()
        replay.on(["dpkg", "--configure", "-a"], stdout: "Setting up a\r\nSetting up b\nlast")
        let lines = LineLog()
        _ = try replay.run(Command(["dpkg", "--configure", "-a"]), options: RunOptions(sink: lines.sink))
        #expect(lines.lines(.stdout) == ["Setting up a\r", "Setting up b", "last"])
        #expect(lines.lines(.stdout) == LineSplitter.lines(of: "Setting up a\r\nSetting up b\nlast"))
    }

    @Test func recordingsAddedLaterAnswerInOrderAndUnrecordedCommandsCanBeAnswered() throws {
        let seen = Mutex<[String]>([])
        let replay = ReplayRunner(
            recordings: [Recording(name: "1", argv: ["zfs", "list"], stdout: "first\n")],
            unrecorded: { $0.program == "zfs" ? Recording(name: "any", argv: $0.argv, stderr: "accepted\n") : nil },
            observe: { c in seen.withLock { $0.append(c.program) } })
        replay.on(["zfs", "list"], stdout: "second\n")
        #expect(try replay.run(Command(["zfs", "list"])).stdout == "first\n")
        #expect(try replay.run(Command(["zfs", "list"])).stdout == "second\n")
        #expect(try replay.run(Command(["zfs", "snapshot", "a@b"])).stderr == "accepted\n")
        #expect(throws: CommandError.self) { try replay.run(Command(["zpool", "status"])) }
        #expect(seen.withLock { $0 } == ["zfs", "zfs", "zfs", "zpool"])
        #expect(replay.unusedRecordings.isEmpty)
    }
}
