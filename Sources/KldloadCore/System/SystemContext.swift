import Foundation

/// Everything kldload needs from the machine it runs on, in one value: the command runner,
/// the file system, the clock, who we are, whether a person is at a terminal and the console.
/// The executables build one (`host()` or `replay(scenario:)`) and hand it to the library;
/// tests build their own, so nothing in a test touches the host by accident.
public struct SystemContext: Sendable {
    public var runner: any CommandRunner
    public var files: any FileSystem
    public var now: @Sendable () -> Date
    /// Effective user id (0 = root).
    public var userID: UInt32
    /// True only when stdin and stderr are both terminals: the only case where kldload asks.
    public var isInteractive: Bool
    public var environment: [String: String]
    /// stdout and stderr (`Console.standard` unless a test substitutes its own). Written only
    /// through `ConsoleStream`, which survives a closed reader; asked afterwards for losses.
    public var console: Console
    /// Whether SIGINT/SIGTERM arrived (`HostInterrupts` on the host, `ReplayInterrupts` in a
    /// replay that records one, `NoInterrupts` by default).
    public var interrupts: any InterruptSource

    public init(
        runner: any CommandRunner,
        files: any FileSystem,
        now: @escaping @Sendable () -> Date = { Date() },
        userID: UInt32 = 0,
        isInteractive: Bool = false,
        environment: [String: String] = [:],
        console: Console = .standard,
        interrupts: any InterruptSource = NoInterrupts()
    ) {
        self.runner = runner
        self.files = files
        self.now = now
        self.userID = userID
        self.isInteractive = isInteractive
        self.environment = environment
        self.console = console
        self.interrupts = interrupts
    }
}
