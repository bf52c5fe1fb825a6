import Foundation
import Testing
@testable import KldloadCore

#if canImport(Glibc)
import Glibc
#endif

/// Finds the `kldload-testchild` binary SwiftPM builds next to the test bundle.
enum TestChild {
    static let name = "kldload-testchild"

    static let path: String? = {
        var dirs: [URL] = []
        if let first = CommandLine.arguments.first, !first.isEmpty {
            let url = URL(fileURLWithPath: first).resolvingSymlinksInPath().deletingLastPathComponent()
            dirs += [url, url.deletingLastPathComponent()]
        }
        let bundle = Bundle.main.bundleURL
        dirs += [bundle, bundle.deletingLastPathComponent()]
        // Last resort: the package's own build directory, from this file's location.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        dirs += [packageRoot.appendingPathComponent(".build/debug"), packageRoot.appendingPathComponent(".build/release")]
        for dir in dirs {
            let candidate = dir.appendingPathComponent(name).path
            if ProcessRunner.isExecutableFile(candidate) { return candidate }
        }
        return nil
    }()

    /// The path, or a test failure that says where we looked.
    static func require() throws -> String {
        try #require(path, "kldload-testchild not found next to the test executable (\(CommandLine.arguments.first ?? "?")); run the tests with `swift test`, which builds it")
    }

    static var directory: String? { path.map { ($0 as NSString).deletingLastPathComponent } }
}

/// Runs `body` on a fresh thread and waits (with a timeout) for its result.
final class Background<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var value: T?

    init(_ body: @escaping @Sendable () -> T) {
        Thread.detachNewThread { [self] in
            self.value = body()
            self.done.signal()
        }
    }

    func wait(seconds: Double) -> T? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return value
    }
}

/// Collects sink lines thread-safely.
final class LineLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(OutputStreamKind, String, Date)] = []

    var sink: OutputSink {
        { [self] stream, line in lock.withLock { entries.append((stream, line, Date())) } }
    }

    func lines(_ stream: OutputStreamKind) -> [String] {
        lock.withLock { entries.filter { $0.0 == stream }.map(\.1) }
    }

    func times(_ stream: OutputStreamKind) -> [Date] {
        lock.withLock { entries.filter { $0.0 == stream }.map(\.2) }
    }
}

// Serialized: the signal tests send SIGINT/SIGTERM to this whole process, which the forwarder
// passes to every running child; no other child may be running then.
@Suite(.serialized) struct ProcessRunnerTests {
    let runner = ProcessRunner()

    @Test func tenMegabytesOnBothPipesDoNotDeadlock() throws {
        let child = try TestChild.require()
        let size = 10 * 1024 * 1024
        let started = Date()
        let result = try runner.run(Command([child, "flood", String(size)]))
        #expect(result.status == .exited(0))
        #expect(result.stdout.utf8.count == size)
        #expect(result.stderr.utf8.count == size)
        #expect(result.stdout.hasPrefix("0123456789abcdef"))
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test func floodWithSinkStreamsEveryLine() throws {
        let child = try TestChild.require()
        let size = 1024 * 1024
        let log = LineLog()
        let result = try runner.run(Command([child, "flood", String(size)]), options: RunOptions(sink: log.sink))
        #expect(result.stdout.utf8.count == size)
        #expect(log.lines(.stdout).count == size / 64)
        #expect(log.lines(.stderr).count == size / 64)
        #expect(log.lines(.stdout).allSatisfy { $0.utf8.count == 63 })
    }

    @Test func concurrentRunsDoNotMixOutput() throws {
        let child = try TestChild.require()
        let runner = self.runner
        let jobs = (1...4).map { n in
            Background { () -> CommandResult? in
                try? runner.run(Command([child, "args", "job \(n)"] + (0..<2000).map { String($0) }))
            }
        }
        for (i, job) in jobs.enumerated() {
            let result = try #require(job.wait(seconds: 20) ?? nil)
            #expect(result.stdout.hasPrefix("[job \(i + 1)]\n[0]\n"))
            #expect(result.stdout.hasSuffix("[1999]\n"))
        }
        #expect(SignalForwarder.shared.runningChildren.isEmpty)
    }

    @Test func exitStatusIsReported() throws {
        let child = try TestChild.require()
        #expect(try runner.run(Command([child, "exit", "0"])).status == .exited(0))
        #expect(try runner.run(Command([child, "exit", "3"])).status == .exited(3))
        #expect(try runner.run(Command([child, "exit", "255"])).status == .exited(255))
    }

    @Test func signalDeathIsReportedAsSignal() throws {
        let child = try TestChild.require()
        #expect(try runner.run(Command([child, "kill-self", String(SIGKILL)])).status == .signaled(SIGKILL))
        #expect(try runner.run(Command([child, "kill-self", String(SIGTERM)])).status == .signaled(SIGTERM))
        #expect(try runner.run(Command([child, "kill-self", String(SIGSEGV)])).status == .signaled(SIGSEGV))
    }

    @Test func argvIsPassedVerbatimWithoutAShell() throws {
        let child = try TestChild.require()
        let tricky = ["with space", "", "$HOME", "'quoted'", "a;b|c", "ünïcödé", "*"]
        let result = try runner.run(Command([child, "args"] + tricky))
        #expect(result.stdout == tricky.map { "[\($0)]\n" }.joined())
    }

    @Test func bareNamesAreResolvedOnTheSearchPath() throws {
        let dir = try #require(TestChild.directory)
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("kldload-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let scoped = ProcessRunner(searchPath: [empty, dir])
        #expect(try scoped.resolve(TestChild.name) == dir + "/" + TestChild.name)
        let result = try scoped.run(Command([TestChild.name, "exit", "7"]))
        #expect(result.status == .exited(7))
        // The recorded command keeps the name as invoked.
        #expect(result.command.argv[0] == TestChild.name)
    }

    @Test func missingProgramsAreNotFound() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kldload-path-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Present but not executable, and a directory with the program's name: both skipped.
        _ = FileManager.default.createFile(atPath: dir + "/noexec", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o644])
        try FileManager.default.createDirectory(atPath: dir + "/adir", withIntermediateDirectories: true)
        let scoped = ProcessRunner(searchPath: [dir, "/nonexistent-dir"])
        for name in ["noexec", "adir", "kldload-no-such-program"] {
            #expect(throws: CommandError.notFound(program: name, searched: [dir, "/nonexistent-dir"])) {
                try scoped.run(Command([name]))
            }
        }
        #expect(throws: CommandError.notFound(program: "/nonexistent/bin/zfs", searched: [])) {
            try scoped.run(Command(["/nonexistent/bin/zfs", "list"]))
        }
    }

    @Test func searchPathDefaultsToInheritedPATH() {
        let r = ProcessRunner(environment: ["PATH": "/a::/b/"])
        #expect(r.effectiveSearchPath() == ["/a", "/b/"])
        #expect(ProcessRunner(environment: [:]).effectiveSearchPath() == ProcessRunner.defaultSearchPath)
    }

    @Test func environmentIsMergedWithLCALLC() throws {
        let child = try TestChild.require()
        // Inherited from this very process.
        let inherited = ProcessInfo.processInfo.environment
        let inheritedName = try #require(["PATH", "HOME", "USER"].first { inherited[$0] != nil })
        let result = try runner.run(
            Command([child, "echo-env", inheritedName, "KLDLOAD_ADDED", "LC_ALL"], environment: ["KLDLOAD_ADDED": "yes please"])
        )
        #expect(result.stdout == "\(inheritedName)=\(inherited[inheritedName] ?? "")\nKLDLOAD_ADDED=yes please\nLC_ALL=C\n")

        // A base environment with a different locale: LC_ALL is still C, the rest survives.
        let scoped = ProcessRunner(environment: ["LC_ALL": "de_DE.UTF-8", "LANG": "de_DE.UTF-8", "KEEP": "1"])
        let r2 = try scoped.run(Command([child, "echo-env", "LC_ALL", "LANG", "KEEP", "NOT_THERE"], environment: ["KEEP": "2"]))
        #expect(r2.stdout == "LC_ALL=C\nLANG=de_DE.UTF-8\nKEEP=2\nNOT_THERE unset\n")
    }

    @Test func sinkReceivesLinesLiveAndInOrder() throws {
        let child = try TestChild.require()
        let log = LineLog()
        let result = try runner.run(Command([child, "lines", "5", "120"]), options: RunOptions(sink: log.sink))
        let expected = (1...5).map { "line \($0)" }
        #expect(log.lines(.stdout) == expected)
        #expect(result.stdout == expected.map { $0 + "\n" }.joined())
        // Live: the first line arrived well before the last one was written (4 x 120 ms later).
        let times = log.times(.stdout)
        if let first = times.first, let last = times.last {
            #expect(last.timeIntervalSince(first) > 0.3)
        }
    }

    @Test func sinkGetsTheUnterminatedFragmentAndSplitMultibyte() throws {
        let child = try TestChild.require()
        let log = LineLog()
        let result = try runner.run(Command([child, "write", "one\ntwo\r\n\nthree ünï"]), options: RunOptions(sink: log.sink))
        #expect(log.lines(.stdout) == ["one", "two\r", "", "three ünï"])
        #expect(result.stdout == "one\ntwo\r\n\nthree ünï")
        let err = LineLog()
        _ = try runner.run(Command([child, "write-err", "e1\ne2"]), options: RunOptions(sink: err.sink))
        #expect(err.lines(.stderr) == ["e1", "e2"])
        #expect(err.lines(.stdout).isEmpty)
    }

    @Test func lineSplitterHandlesChunkBoundaries() {
        var splitter = LineSplitter()
        var lines: [String] = []
        let bytes = Array("ab\nü\nlast".utf8)
        // Feed one byte at a time: every boundary, including inside "ü".
        for b in bytes { splitter.feed(Data([b])) { lines.append($0) } }
        if let rest = splitter.finish() { lines.append(rest) }
        #expect(lines == ["ab", "ü", "last"])
        #expect(LineSplitter.lines(of: "a\n\nb\n") == ["a", "", "b"])
        #expect(LineSplitter.lines(of: "") == [])
        // dpkg ends its lines with \r\n (one Character in Swift): still split at the \n.
        #expect(LineSplitter.lines(of: "Unpacking x ...\r\nSetting up x ...\r\n") == ["Unpacking x ...\r", "Setting up x ...\r"])
        #expect(LineSplitter.lines(of: "a\r\nb") == ["a\r", "b"])
    }

    @Test func standardInputIsDeliveredAndClosed() throws {
        let child = try TestChild.require()
        let input = Data((0..<(1024 * 1024)).map { UInt8(0x41 + $0 % 26) })
        let result = try runner.run(Command([child, "cat"]), options: RunOptions(standardInput: input))
        #expect(result.status == .exited(0))
        #expect(result.stdout == String(decoding: input, as: UTF8.self))
        // Without input, stdin is /dev/null: cat sees EOF at once.
        let empty = try runner.run(Command([child, "cat"]))
        #expect(empty.stdout == "")
        #expect(empty.status == .exited(0))
    }

    @Test func stdinIgnoredByChildDoesNotHang() throws {
        let child = try TestChild.require()
        // 1 MB the child never reads: the writer gets EPIPE (SIGPIPE is ignored) and we return.
        let result = try runner.run(Command([child, "exit", "0"]), options: RunOptions(standardInput: Data(count: 1024 * 1024)))
        #expect(result.status == .exited(0))
    }

    @Test func outputHeldOpenByAGrandchildDoesNotHangTheRun() throws {
        let child = try TestChild.require()
        let scoped = ProcessRunner(outputGracePeriod: 0.3)
        let started = Date()
        let result = try scoped.run(Command([child, "spawn-holder"]))
        let elapsed = Date().timeIntervalSince(started)
        // The grandchild (a "daemon") still has our pipes; we stop reading after the grace period.
        let pidText = result.stdout.split(separator: "\n").first { $0.hasPrefix("holder ") }?.dropFirst(7)
        if let pid = pidText.flatMap({ pid_t($0) }) { kill(pid, SIGKILL) }
        #expect(result.status == .exited(0))
        #expect(pidText != nil)
        #expect(elapsed < 5)
    }

    @Test func childrenStartWithACleanSignalMask() throws {
        let child = try TestChild.require()
        let runner = self.runner
        // Run from a thread that blocks SIGINT and SIGTERM, like libdispatch worker threads do.
        let job = Background { () -> String in
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGINT)
            sigaddset(&set, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            return (try? runner.run(Command([child, "sigmask"])).stdout) ?? "failed"
        }
        #expect(job.wait(seconds: 10) == "blocked: none\n")
    }

    @Test(arguments: [(SIGINT, "got SIGINT", Int32(130)), (SIGTERM, "got SIGTERM", Int32(143))])
    func signalsAreForwardedToTheChild(signal: Int32, message: String, code: Int32) throws {
        let child = try TestChild.require()
        let runner = self.runner
        let before = Self.disposition(of: signal)
        SignalForwarder.shared.resetInterrupt()

        let ready = DispatchSemaphore(value: 0)
        let sink: OutputSink = { _, line in if line == "ready" { ready.signal() } }
        let job = Background { () -> Result<CommandResult, CommandError> in
            Result { () throws(CommandError) -> CommandResult in
                try runner.run(Command([child, "wait-signal"]), options: RunOptions(sink: sink))
            }
        }
        try #require(ready.wait(timeout: .now() + 10) == .success, "the child never said ready")
        #expect(SignalForwarder.shared.runningChildren.count == 1)

        // To our own process, as a Ctrl-C or `kill` would; the child is in its own group.
        kill(getpid(), signal)

        let outcome = try #require(job.wait(seconds: 10), "the run did not return after the signal")
        let result = try outcome.get()
        #expect(result.status == .exited(code))
        #expect(result.stdout == "ready\n\(message)\n")
        #expect(ProcessRunner.interruptReceived)
        #expect(SignalForwarder.shared.receivedSignals == [signal])
        // Handlers are gone again: the previous disposition is back, no child is registered.
        #expect(Self.disposition(of: signal) == before)
        #expect(SignalForwarder.shared.runningChildren.isEmpty)
        SignalForwarder.shared.resetInterrupt()
    }

    /// kupgrade holds the handlers for its whole run: a SIGINT between two commands is recorded
    /// (and read through `HostInterrupts`) instead of killing the process, and it is not
    /// delivered to the next child, which would kill e.g. the `zfs set` that records the result.
    @Test func interruptBetweenCommandsIsRecordedNotFatal() throws {
        let child = try TestChild.require()
        let before = Self.disposition(of: SIGINT)
        SignalForwarder.shared.resetInterrupt()
        let result = try SignalForwarder.shared.catchingInterrupts { () throws -> CommandResult in
            kill(getpid(), SIGINT)
            var waited = 0
            while HostInterrupts().received == nil && waited < 500 {
                usleep(10_000)
                waited += 1
            }
            return try runner.run(Command([child, "exit", "0"]))
        }
        #expect(HostInterrupts().received == SIGINT)
        #expect(result.status == .exited(0))
        #expect(Self.disposition(of: SIGINT) == before)
        SignalForwarder.shared.resetInterrupt()
        #expect(HostInterrupts().received == nil)
    }

    @Test func launchFailureIsTyped() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kldload-launch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Executable bit set, but not a valid executable: the kernel refuses it (ENOEXEC).
        let bogus = dir + "/bogus"
        _ = FileManager.default.createFile(atPath: bogus, contents: Data([0, 1, 2, 3]), attributes: [.posixPermissions: 0o755])
        do {
            _ = try runner.run(Command([bogus]))
            Issue.record("a file that is not a program started")
        } catch {
            guard case .launchFailed(let command, let reason) = error else {
                Issue.record("expected launchFailed, got \(error)")
                return
            }
            #expect(command.argv == [bogus])
            #expect(!reason.isEmpty)
        }
        #expect(SignalForwarder.shared.runningChildren.isEmpty)
    }

    static func disposition(of signal: Int32) -> Int {
        var current = sigaction()
        sigaction(signal, nil, &current)
        return SignalForwarder.bits(current.__sigaction_handler.sa_handler)
    }
}
