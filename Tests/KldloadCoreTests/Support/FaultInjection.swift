import Foundation
import Testing

@testable import KldloadCore

#if canImport(Glibc)
import Glibc
#endif

/// The faults injected at one step of a recorded run (Docs/FAULTS.md).
enum Fault: String, CaseIterable, Sendable {
    /// The command exits 1 with an error on stderr.
    case fails
    /// SIGINT arrives while the command runs: the child dies of it, kupgrade records it.
    case sigint
    /// The same with SIGTERM (systemd stopping the unit, `kill`).
    case sigterm
    /// The reader of stdout goes away while the command runs (`| head`, a killed tee).
    case pipeClosed = "pipe-closed"
    /// The file system holding the log fills up: every later log append fails with ENOSPC.
    case diskFull = "disk-full"
}

/// What has gone wrong so far, shared by the runner, the console, the log's file system and
/// the interrupt source of one faulty run.
final class FaultState: @unchecked Sendable {
    private let lock = NSLock()
    private var _signal: Int32?
    private var _stdoutClosed = false
    private var _diskFull = false
    private var _stdout = ""

    var signal: Int32? {
        get { lock.withLock { _signal } }
        set { lock.withLock { _signal = newValue } }
    }
    var stdoutClosed: Bool {
        get { lock.withLock { _stdoutClosed } }
        set { lock.withLock { _stdoutClosed = newValue } }
    }
    var diskFull: Bool {
        get { lock.withLock { _diskFull } }
        set { lock.withLock { _diskFull = newValue } }
    }
    /// What reached the (fake) stdout before it was closed.
    var stdout: String { lock.withLock { _stdout } }

    /// A stdout that takes everything until the pipe closes, then fails with EPIPE.
    var stdoutStream: ConsoleStream {
        ConsoleStream(name: "stdout") { [self] buffer in
            lock.withLock {
                if _stdoutClosed { return .failed(errno: EPIPE) }
                _stdout += String(decoding: buffer, as: UTF8.self)
                return .wrote(buffer.count)
            }
        }
    }
}

/// "Was I interrupted" answered from the injected fault.
struct FaultInterrupts: InterruptSource {
    let state: FaultState
    var received: Int32? { state.signal }
}

/// The log's file system with a disk that fills up: appends fail with ENOSPC once `diskFull`.
struct FillingFileSystem: FileSystem {
    let lower: OverlayFileSystem
    let state: FaultState

    func contents(of path: String) throws(FileSystemError) -> Data { try lower.contents(of: path) }
    func exists(_ path: String) -> Bool { lower.exists(path) }
    func isDirectory(_ path: String) -> Bool { lower.isDirectory(path) }
    func list(_ path: String) throws(FileSystemError) -> [String] { try lower.list(path) }
    func append(_ data: Data, to path: String) throws(FileSystemError) {
        if state.diskFull { throw .ioError(path: path, reason: String(cString: strerror(ENOSPC))) }
        try lower.append(data, to: path)
    }
    func write(_ data: Data, to path: String) throws(FileSystemError) { try lower.write(data, to: path) }
    func createDirectory(_ path: String) throws(FileSystemError) { try lower.createDirectory(path) }
    func remove(_ path: String) throws(FileSystemError) { try lower.remove(path) }
    func symbolicLinkDestination(_ path: String) -> String? { lower.symbolicLinkDestination(path) }
}

/// A runner (the production `ReplayRunner` over a recorded scenario, or kbe's stub world) with
/// one fault injected when the
/// `at`-th command runs. Commands the recording does not have because the fault changed the
/// run's course are answered only when they are plain writes (`zfs set`, `zfs destroy`: exit
/// 0, no output), so what kupgrade does after a fault shows in `ran`.
final class FaultRunner: CommandRunner, @unchecked Sendable {
    let replay: any CommandRunner
    let at: Int?
    let fault: Fault?
    let state: FaultState
    private let lock = NSLock()
    private var _ran: [[String]] = []

    init(replay: any CommandRunner, at: Int?, fault: Fault?, state: FaultState) {
        self.replay = replay
        self.at = at
        self.fault = fault
        self.state = state
    }

    /// Every command run, in order.
    var ran: [[String]] { lock.withLock { _ran } }

    func run(_ command: Command, options: RunOptions) throws(CommandError) -> CommandResult {
        let n: Int = lock.withLock {
            _ran.append(command.argv)
            return _ran.count
        }
        let hit = n == at ? fault : nil
        switch hit {
        case .pipeClosed: state.stdoutClosed = true
        case .diskFull: state.diskFull = true
        case .sigint: state.signal = SIGINT
        case .sigterm: state.signal = SIGTERM
        case .fails, nil: break
        }
        var result: CommandResult
        do { result = try replay.run(command, options: options) } catch {
            guard case .noRecording = error, command.program == "zfs",
                  command.arguments.first == "set" || command.arguments.first == "destroy"
            else { throw error }
            result = CommandResult(command: command, status: .exited(0))
        }
        switch hit {
        case .fails:
            options.sink?(.stderr, "injected failure")
            result.status = .exited(1)
            result.stderr += "injected failure\n"
        case .sigint, .sigterm:
            result.status = .signaled(state.signal ?? SIGINT)
        default: break
        }
        return result
    }
}

/// One kupgrade run of a recorded scenario with (or without) one fault.
struct FaultyRun {
    let fault: Fault?
    let step: Int?
    let report: UpgradeReport
    let ran: [[String]]
    let stdout: String
    let log: String
    let state: FaultState
    /// Whether kupgrade wrote to stdout after it was closed (so the stream was lost).
    let stdoutLost: Bool

    static func run(scenario: String, fault: Fault?, at step: Int?) throws -> FaultyRun {
        let path = ScenarioReplay.path(scenario)
        var context = try SystemContext.replay(scenario: path)
        let replay = try #require(context.runner as? ReplayRunner)
        let state = FaultState()
        let overlay = try #require(context.files as? OverlayFileSystem)
        let runner = FaultRunner(replay: replay, at: step, fault: fault, state: state)
        context.runner = runner
        context.files = FillingFileSystem(lower: overlay, state: state)
        let stdout = state.stdoutStream
        context.console = Console(output: stdout, error: ConsoleStream(name: "stderr") { .wrote($0.count) })
        context.interrupts = FaultInterrupts(state: state)
        var options = UpgradeOptions()
        options.assumeYes = true
        options.commandLine = ["kupgrade"]
        options.timeZone = TimeZone(identifier: "UTC")!
        let report = Upgrader(context: context, options: options,
                              locks: ScenarioLockProbe(held: [], files: context.files),
                              progress: { stdout.writeLine($0) }, output: { _, line in stdout.writeLine(line) }).run()
        let log = String(decoding: overlay.writtenFiles[options.logPath] ?? Data(), as: UTF8.self)
        return FaultyRun(fault: fault, step: step, report: report, ran: runner.ran, stdout: state.stdout, log: log, state: state, stdoutLost: stdout.loss != nil)
    }

    /// The commands run after the faulty one.
    var ranAfterFault: [[String]] { step.map { Array(ran.dropFirst($0)) } ?? [] }

    /// The `org.kldload:result=` kupgrade recorded on the checkpoint, if it recorded one.
    var recordedResult: String? {
        guard let i = ran.lastIndex(where: { $0.count > 2 && $0[0] == "zfs" && $0[1] == "set" }) else { return nil }
        if step == i + 1 && (fault == .fails || fault == .sigint || fault == .sigterm) { return nil }
        return ran[i].first { $0.hasPrefix("org.kldload:result=") }.map { String($0.dropFirst("org.kldload:result=".count)) }
    }

    /// The step that records the result (`zfs set`) is the faulty one.
    var faultHitRecording: Bool {
        guard let step, step <= ran.count else { return false }
        let argv = ran[step - 1]
        return argv.count > 1 && argv[0] == "zfs" && argv[1] == "set" && fault != .pipeClosed && fault != .diskFull
    }

    var snapshotTaken: Bool {
        guard let i = ran.firstIndex(where: { $0.count > 1 && $0[0] == "zfs" && $0[1] == "snapshot" }) else { return false }
        return !(step == i + 1 && (fault == .fails || fault == .sigint || fault == .sigterm))
    }

    var destroyed: [String] { ran.filter { $0.count > 2 && $0[0] == "zfs" && $0[1] == "destroy" }.map { $0.last ?? "" } }
}
