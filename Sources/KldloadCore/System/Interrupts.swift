#if canImport(Glibc)
import Glibc
#endif

/// "Was I interrupted?", asked of the `SystemContext` so that an interrupt can be recorded and
/// replayed like any other answer from the machine. kupgrade asks it between its steps and stops
/// at the next safe point (Docs/KUPGRADE.md, "Interrupted runs").
public protocol InterruptSource: Sendable {
    /// The first SIGINT or SIGTERM received so far, or nil.
    var received: Int32? { get }
}

extension InterruptSource {
    /// `SIGINT`, `SIGTERM` (or `signal N`) for messages and the report.
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }
}

/// Nothing ever interrupts (the default for contexts built by tests).
public struct NoInterrupts: InterruptSource {
    public init() {}
    public var received: Int32? { nil }
}

/// The real process: what `SignalForwarder` received while children ran or while a caller held
/// its handlers with `SignalForwarder.catchingInterrupts`.
public struct HostInterrupts: InterruptSource {
    public init() {}
    public var received: Int32? { SignalForwarder.shared.receivedSignals.first }
}

/// A replayed interrupt: the scenario's `interrupt=SIGINT|SIGTERM` arrived while the
/// `interrupt_during=N`-th command (1-based, in the order run) was running, so it is seen from
/// the moment that command returned (Docs/REPLAY.md).
public struct ReplayInterrupts: InterruptSource {
    public let runner: ReplayRunner
    public let signal: Int32
    public let during: Int

    public init(runner: ReplayRunner, signal: Int32, during: Int) {
        self.runner = runner
        self.signal = signal
        self.during = during
    }

    public var received: Int32? { runner.invocations.count >= during ? signal : nil }
}
