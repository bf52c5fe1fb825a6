import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs commands for real with Foundation's `Process`. No shell is ever involved: the
/// program is resolved on PATH here and started with its argv as given.
///
/// - PATH: `argv[0]` without a slash is looked up in `searchPath` (default: the inherited
///   `PATH`, or a standard one when unset); with a slash it is used as is. Missing or not
///   executable gives `CommandError.notFound(program:searched:)`.
/// - Environment: the inherited environment, then the command's `environmentAdditions` on top
///   (`LC_ALL=C`, so output formats are stable, and the command's own `environment`).
/// - Output: stdout and stderr are drained concurrently by two threads (no pipe-buffer
///   deadlock), captured fully, and streamed line by line to `RunOptions.sink` when set.
/// - stdin: `/dev/null`, or `RunOptions.standardInput` written by a third thread then closed.
/// - Signals: SIGPIPE is ignored process-wide; SIGINT/SIGTERM received while a child runs are
///   forwarded to it (`SignalForwarder`) and the run still waits for the child and returns its
///   status. Whether that happened: `ProcessRunner.interruptReceived`.
public struct ProcessRunner: CommandRunner {
    /// Used when the environment has no PATH at all.
    public static let defaultSearchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// Directories searched for a program named without a slash; nil = the inherited PATH.
    public let searchPath: [String]?
    /// The environment children inherit; nil = this process's environment at run time.
    public let baseEnvironment: [String: String]?
    /// How long to keep reading after the child exited when something else (a daemon the child
    /// started) still holds its stdout/stderr open. After that the capture is cut there.
    public let outputGracePeriod: TimeInterval

    public init(searchPath: [String]? = nil, environment: [String: String]? = nil, outputGracePeriod: TimeInterval = 2) {
        self.searchPath = searchPath
        self.baseEnvironment = environment
        self.outputGracePeriod = outputGracePeriod
        SignalForwarder.ignoreSIGPIPE()
    }

    /// True once SIGINT or SIGTERM arrived while a child was running (process-wide, sticky;
    /// see `SignalForwarder.resetInterrupt()`). The run that was interrupted still returned
    /// the child's own status; this is how the caller learns that the user asked to stop.
    public static var interruptReceived: Bool { SignalForwarder.shared.interruptReceived }

    // MARK: - PATH

    /// The directories a bare program name is looked up in.
    public func effectiveSearchPath() -> [String] {
        if let searchPath { return searchPath }
        let env = baseEnvironment ?? ProcessInfo.processInfo.environment
        guard let path = env["PATH"] else { return Self.defaultSearchPath }
        // Empty PATH entries mean "current directory" to execvp, and `.` or `bin` are relative
        // to wherever we were started: a root tool never runs a program found there (anyone who
        // can write the current directory could plant a `zfs`). Only absolute entries count.
        return path.split(separator: ":", omittingEmptySubsequences: true).map(String.init).filter { $0.hasPrefix("/") }
    }

    /// The absolute (or, for `./x`, cwd-relative) path `program` runs as.
    public func resolve(_ program: String) throws(CommandError) -> String {
        if program.contains("/") {
            guard Self.isExecutableFile(program) else { throw .notFound(program: program, searched: []) }
            return program
        }
        let dirs = effectiveSearchPath()
        if !program.isEmpty {
            for dir in dirs {
                let candidate = dir.hasSuffix("/") ? dir + program : dir + "/" + program
                if Self.isExecutableFile(candidate) { return candidate }
            }
        }
        throw .notFound(program: program, searched: dirs)
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    // MARK: - Environment

    public func environment(for command: Command) -> [String: String] {
        var env = baseEnvironment ?? ProcessInfo.processInfo.environment
        for (key, value) in command.environmentAdditions { env[key] = value }
        return env
    }

    // MARK: - Running

    public func run(_ command: Command, options: RunOptions) throws(CommandError) -> CommandResult {
        let executable = try resolve(command.program)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = command.arguments
        process.environment = environment(for: command)

        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let inPipe: Pipe? = options.standardInput == nil ? nil : Pipe()
        process.standardInput = inPipe ?? FileHandle.nullDevice

        let exit = ExitBox()
        process.terminationHandler = { finished in exit.set(Self.status(of: finished)) }

        let state = RunState(sink: options.sink)
        let forwarder = SignalForwarder.shared
        forwarder.beginRun()
        do {
            try Self.withCleanSignalMask { try process.run() }
        } catch {
            forwarder.endRun(nil)
            throw .launchFailed(command, reason: Self.describe(error))
        }
        let pid = process.processIdentifier
        forwarder.register(pid)
        Self.startExitWaiter(pid, exit)

        let readers = DispatchGroup()
        let outCapture = Capture()
        let errCapture = Capture()
        Self.startReader(outPipe, .stdout, into: outCapture, state: state, group: readers)
        Self.startReader(errPipe, .stderr, into: errCapture, state: state, group: readers)
        if let inPipe, let input = options.standardInput {
            Self.startWriter(inPipe, input)
        }

        let status = exit.wait()
        forwarder.endRun(pid)
        state.childExited(grace: outputGracePeriod)
        readers.wait()
        // Foundation's Process object stays retained by its own run-loop source until it reaps
        // the child; nothing here needs it any more.
        return CommandResult(
            command: command,
            status: status,
            stdout: outCapture.takeText(),
            stderr: errCapture.takeText()
        )
    }

    static func status(of process: Process) -> TerminationStatus {
        switch process.terminationReason {
        case .uncaughtSignal: return .signaled(process.terminationStatus)
        case .exit: return .exited(process.terminationStatus)
        @unknown default: return .exited(process.terminationStatus)
        }
    }

    /// The first exit report wins: Foundation's termination handler or our own `waitid`.
    final class ExitBox: Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let status = Mutex<TerminationStatus?>(nil)

        func set(_ value: TerminationStatus) {
            let first: Bool = status.withLock { status in
                guard status == nil else { return false }
                status = value
                return true
            }
            if first { done.signal() }
        }

        func wait() -> TerminationStatus {
            done.wait()
            return status.withLock { $0 ?? .exited(0) }
        }
    }

    /// Foundation on Linux learns that a child ended when a socket the child inherited closes,
    /// not from the kernel. A daemon the child started (a postinst running `foo &`) inherits
    /// that socket too, and Foundation then reports the exit only when the daemon ends. So we
    /// also wait with `waitid(WEXITED | WNOWAIT)`: it reports the exit at once without reaping,
    /// leaving the reaping to Foundation (no double reap, and the zombie keeps the pid from
    /// being reused while we may still signal it). ECHILD means Foundation reaped it first,
    /// and its handler reports the status.
    private static func startExitWaiter(_ pid: pid_t, _ box: ExitBox) {
        let thread = Thread {
            var info = siginfo_t()
            var rc: Int32
            repeat {
                rc = waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT)
            } while rc == -1 && errno == EINTR
            guard rc == 0 else { return }
            let code = info.si_code
            let value = info._sifields._sigchld.si_status
            if code == Int32(CLD_EXITED) {
                box.set(.exited(value))
            } else if code == Int32(CLD_KILLED) || code == Int32(CLD_DUMPED) {
                box.set(.signaled(value))
            }
        }
        thread.name = "kldload-exit-waiter"
        thread.start()
    }

    /// posix_spawn children inherit the calling thread's signal mask, and Foundation does not
    /// reset it. Runs on libdispatch/Swift-concurrency worker threads have almost every signal
    /// blocked, so their children would start deaf to SIGINT/SIGTERM. Give the child a clean
    /// mask by clearing ours for the duration of the spawn.
    static func withCleanSignalMask<T>(_ body: () throws -> T) rethrows -> T {
        var empty = sigset_t()
        var old = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &old)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        return try body()
    }

    static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }

    // MARK: - Pipes

    /// Everything one run shares between its threads.
    final class RunState: Sendable {
        private let deadline = Mutex<Date?>(nil)
        private let sinkLock = Mutex(())
        let sink: OutputSink?

        init(sink: OutputSink?) { self.sink = sink }

        func childExited(grace: TimeInterval) {
            deadline.withLock { $0 = Date().addingTimeInterval(grace) }
        }

        var pastDeadline: Bool {
            deadline.withLock { $0.map { Date() >= $0 } ?? false }
        }

        /// The sink is called from two reader threads; never let it run concurrently.
        func emit(_ stream: OutputStreamKind, _ line: String) {
            guard let sink else { return }
            sinkLock.withLock { _ in sink(stream, line) }
        }
    }

    /// One stream's bytes, handed from its reader thread to the run once the reader is done.
    final class Capture: Sendable {
        private let bytes = Mutex(UTF8Chunks())

        func store(_ chunks: consuming UTF8Chunks) {
            bytes.withLock { $0 = chunks }
        }

        /// The stream as text; the bytes are held once (`UTF8Chunks`) and gone afterwards.
        func takeText() -> String {
            var taken = bytes.withLock { held -> UTF8Chunks in
                let t = held
                held = UTF8Chunks()
                return t
            }
            return taken.text()
        }
    }

    private static func startReader(_ pipe: Pipe, _ stream: OutputStreamKind, into capture: Capture, state: RunState, group: DispatchGroup) {
        group.enter()
        let thread = Thread {
            drain(pipe: pipe, stream: stream, into: capture, state: state)
            group.leave()
        }
        thread.name = "kldload-\(stream.rawValue)-reader"
        thread.start()
    }

    /// Reads until EOF, or until the grace period after the child's exit ran out.
    private static func drain(pipe: Pipe, stream: OutputStreamKind, into capture: Capture, state: RunState) {
        let fd = pipe.fileHandleForReading.fileDescriptor
        var splitter = LineSplitter()
        var data = UTF8Chunks()
        readLoop: while true {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 100)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 {
                if state.pastDeadline { break }
                continue
            }
            let n = data.read(from: fd) { bytes in
                if state.sink != nil { splitter.feed(Data(bytes)) { state.emit(stream, $0) } }
            }
            if n > 0 {
                if state.pastDeadline { break readLoop }
            } else if n == 0 {
                break
            } else if errno != EINTR && errno != EAGAIN {
                break
            }
        }
        if state.sink != nil, let rest = splitter.finish() { state.emit(stream, rest) }
        capture.store(data)
        // Keep the pipe (and so its file handles) alive until we are done with the descriptor.
        withExtendedLifetime(pipe) {}
    }

    private static func startWriter(_ pipe: Pipe, _ input: Data) {
        let thread = Thread {
            let handle = pipe.fileHandleForWriting
            let fd = handle.fileDescriptor
            input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                guard var p = raw.baseAddress else { return }
                var left = raw.count
                while left > 0 {
                    let n = write(fd, p, left)
                    if n < 0 {
                        if errno == EINTR || errno == EAGAIN { continue }
                        return  // EPIPE: the child closed stdin or exited; that's its business.
                    }
                    p += n
                    left -= n
                }
            }
            // Close through the FileHandle so it does not close the (possibly reused) fd again.
            try? handle.close()
        }
        thread.name = "kldload-stdin-writer"
        thread.start()
    }
}

/// Splits a byte stream into lines at `\n` (the `\n` is dropped, a `\r` is kept). Bytes are
/// kept until their line is complete, so multi-byte UTF-8 split across reads decodes right.
struct LineSplitter {
    private var pending = Data()

    mutating func feed(_ chunk: Data, _ emit: (String) -> Void) {
        var start = chunk.startIndex
        while let nl = chunk[start...].firstIndex(of: 0x0A) {
            if pending.isEmpty {
                emit(String(decoding: chunk[start..<nl], as: UTF8.self))
            } else {
                pending.append(chunk[start..<nl])
                emit(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
            }
            start = chunk.index(after: nl)
        }
        if start < chunk.endIndex { pending.append(chunk[start...]) }
    }

    /// The final unterminated fragment, if any.
    mutating func finish() -> String? {
        guard !pending.isEmpty else { return nil }
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// All lines of a complete text, the unterminated last one included. Split at the `\n`
    /// scalar, as `feed` does: a `\r\n` is one `Character` in Swift, so splitting Characters
    /// missed dpkg's `\r\n` lines (found replaying a real apt-get dist-upgrade).
    static func lines(of text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        let scalars = text.unicodeScalars
        var parts = scalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
        if scalars.last == "\n" { parts.removeLast() }
        return parts
    }
}
