import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// The write end of the self-pipe the signal handler writes to. Set once, before any handler is
// installed, and never changed afterwards, so the handler only ever reads a settled value.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The handler installed for SIGINT/SIGTERM while children run. It only does what is
/// async-signal-safe: write the signal number as one byte to a non-blocking pipe. The
/// forwarding thread reads the pipe and does the rest.
private func forwardingSignalHandler(_ signal: Int32) {
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = savedErrno
}

/// Forwards SIGINT and SIGTERM received by this process to every child the runners have
/// running, and remembers that an interrupt happened.
///
/// Why: Foundation's `Process` starts children in their own process group on Linux
/// (`POSIX_SPAWN_SETPGROUP`), so a Ctrl-C at the terminal reaches only us, and a SIGTERM from
/// systemd or `kill` reaches only us. Without forwarding we would die and leave `apt`/`dnf`
/// running headless; with it the child sees the signal, ends the way it is designed to, and
/// the runner returns its status normally so the caller can print recovery instructions.
///
/// How: while at least one run is active, SIGINT and SIGTERM get a tiny `sigaction` handler
/// that writes the signal number to a self-pipe; a dedicated thread reads the pipe and
/// `kill(2)`s every registered child. When the last run ends, the previous dispositions are
/// restored exactly (`sigaction` save/restore), so outside a run SIGINT behaves as before.
/// A signal that was ignored when we started (e.g. under `nohup`) stays ignored.
///
/// (A `DispatchSource` signal source is not used: on Linux libdispatch installs its own
/// handler once per process and blocks the signal in whichever thread it lands on, which
/// does not survive restoring the previous disposition and leaves the main thread with
/// SIGINT blocked. See Docs/REPLAY.md, "Process traps".)
// Plainly Sendable: the signal handler never touches this object (only the self-pipe above);
// `Mutex` is Sendable whatever it holds, so the non-Sendable `sigaction` values live in it.
package final class SignalForwarder: Sendable {
    public static let shared = SignalForwarder()

    /// The signals forwarded to children.
    public static let forwardedSignals: [Int32] = [SIGINT, SIGTERM]

    private let state = Mutex(State())

    private struct State {
        var children: Set<pid_t> = []
        var activeRuns = 0
        var savedActions: [Int32: sigaction] = [:]
        /// Signals that arrived after a run began but before its child was registered.
        var undelivered: [Int32] = []
        /// Runs begun whose child is not registered yet.
        var starting = 0
        var received: [Int32] = []
        var pipeReady = false
    }

    private init() {}

    /// True once SIGINT or SIGTERM arrived while a child was running (sticky until reset).
    public var interruptReceived: Bool { state.withLock { !$0.received.isEmpty } }

    /// The signals received while children were running, in order.
    public var receivedSignals: [Int32] { state.withLock { $0.received } }

    /// Forgets received interrupts (tests; a long-lived caller starting a new phase).
    public func resetInterrupt() { state.withLock { $0.received.removeAll() } }

    /// Children currently registered (for diagnostics and tests).
    public var runningChildren: Set<pid_t> { state.withLock { $0.children } }

    /// Call before starting a child. Installs the handlers when this is the first active run.
    func beginRun() {
        state.withLock {
            holdHandlers(&$0)
            $0.starting += 1
        }
    }

    /// Keeps the handlers installed while `body` runs, children or not, so an interrupt between
    /// two commands is recorded (and read through `HostInterrupts`) instead of killing the
    /// process half way. kupgrade wraps its whole run in this; it then stops at its next safe
    /// point. Outside `body` the previous dispositions are back.
    public func catchingInterrupts<T>(_ body: () throws -> T) rethrows -> T {
        state.withLock { holdHandlers(&$0) }
        defer { endRun(nil, started: false) }
        return try body()
    }

    /// Call right after the child started. Delivers any signal that arrived while it started.
    func register(_ pid: pid_t) {
        let late: [Int32] = state.withLock { state in
            state.children.insert(pid)
            state.starting = max(0, state.starting - 1)
            defer { if state.starting == 0 { state.undelivered.removeAll() } }
            return state.undelivered
        }
        for sig in late { kill(pid, sig) }
    }

    /// Call once the child has been reaped (or failed to start: pass nil).
    func endRun(_ pid: pid_t?) { endRun(pid, started: true) }

    private func endRun(_ pid: pid_t?, started: Bool) {
        state.withLock { state in
            if let pid { state.children.remove(pid) } else if started { state.starting = max(0, state.starting - 1) }
            state.activeRuns -= 1
            if state.activeRuns <= 0 {
                state.activeRuns = 0
                state.starting = 0
                state.undelivered.removeAll()
                for sig in Self.forwardedSignals { Self.restore(sig, &state) }
            }
        }
    }

    // MARK: - internals (called with the lock held, `state` being the locked value, unless noted)

    private func holdHandlers(_ state: inout State) {
        if !state.pipeReady { state.pipeReady = makePipeAndThread() }
        if state.activeRuns == 0 && state.pipeReady {
            for sig in Self.forwardedSignals { Self.install(sig, &state) }
        }
        state.activeRuns += 1
    }

    private func makePipeAndThread() -> Bool {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // The handler must never block: make the write end non-blocking.
        let flags = fcntl(fds[1], F_GETFL)
        _ = fcntl(fds[1], F_SETFL, flags | O_NONBLOCK)
        signalPipeWriteEnd = fds[1]
        let readEnd = fds[0]
        let thread = Thread { [unowned self] in self.readLoop(readEnd) }
        thread.name = "kldload-signal-forwarder"
        thread.start()
        return true
    }

    /// Runs forever on the forwarding thread (without the lock).
    private func readLoop(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            if n == 0 { return }
            for i in 0..<n { deliver(Int32(buffer[i])) }
        }
    }

    /// Without the lock (takes it).
    private func deliver(_ sig: Int32) {
        let targets: [pid_t] = state.withLock { state in
            state.received.append(sig)
            // A child being started right now gets it as soon as it is registered.
            if state.starting > 0 { state.undelivered.append(sig) }
            return Array(state.children)
        }
        for pid in targets { kill(pid, sig) }
    }

    private static func install(_ sig: Int32, _ state: inout State) {
        var current = sigaction()
        guard sigaction(sig, nil, &current) == 0 else { return }
        // Started with the signal ignored (nohup, background job): keep it that way; the
        // children inherit the ignore, which is what whoever started us asked for.
        if bits(current.__sigaction_handler.sa_handler) == bits(SIG_IGN) { return }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = forwardingSignalHandler
        sigemptyset(&action.sa_mask)
        // SA_RESTART: our pipe readers and Foundation's waitpid must not see EINTR.
        action.sa_flags = SA_RESTART
        var previous = sigaction()
        if sigaction(sig, &action, &previous) == 0 { state.savedActions[sig] = previous }
    }

    static func bits(_ handler: __sighandler_t?) -> Int {
        guard let handler else { return 0 }
        return unsafeBitCast(handler, to: Int.self)
    }

    private static func restore(_ sig: Int32, _ state: inout State) {
        guard var previous = state.savedActions.removeValue(forKey: sig) else { return }
        _ = sigaction(sig, &previous, nil)
    }
}

extension SignalForwarder {
    /// Ignores SIGPIPE for the whole process, once: a reader that goes away (`kupgrade | head`,
    /// a child that exits without reading its stdin) must give us EPIPE, not kill us in the
    /// middle of an upgrade. Called by every `ProcessRunner` initialiser.
    public static func ignoreSIGPIPE() { _ = sigpipeIgnored }

    private static let sigpipeIgnored: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()
}
