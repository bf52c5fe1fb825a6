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
    /// The zone of names and times shown to people (checkpoint names, log stamps): the host's
    /// `TimeZone.current`, or in a replay the scenario's `timezone=` (UTC when absent), so a
    /// replay prints the same on every host.
    public var timeZone: TimeZone
    /// Who holds the package managers' locks, and kupgrade's own lock (`HostLockProbe` on the
    /// host; `ScenarioLockProbe` from `locks_held=` in a replay, and by default, so a test
    /// never touches the host's locks).
    public var locks: any LockProbe
    /// Which output of `zfs`/`zpool` is read, learned once per run and shared by every copy
    /// of this context: `OpenZFSOutput.probing()` on the host (`zfs version`: JSON from
    /// OpenZFS 2.3 on, text before), the same in a replay whose recording ran `zfs version`,
    /// and text otherwise (by default, for contexts tests build).
    public var openZFS: OpenZFSOutput

    public init(
        runner: any CommandRunner,
        files: any FileSystem,
        now: @escaping @Sendable () -> Date = { Date() },
        userID: UInt32 = 0,
        isInteractive: Bool = false,
        environment: [String: String] = [:],
        console: Console = .standard,
        interrupts: any InterruptSource = NoInterrupts(),
        timeZone: TimeZone = .current,
        locks: (any LockProbe)? = nil,
        openZFS: OpenZFSOutput? = nil
    ) {
        self.runner = runner
        self.files = files
        self.now = now
        self.userID = userID
        self.isInteractive = isInteractive
        self.environment = environment
        self.console = console
        self.interrupts = interrupts
        self.timeZone = timeZone
        self.locks = locks ?? ScenarioLockProbe(held: [], files: files)
        self.openZFS = openZFS ?? .text(because: "not asked (this context was built without `zfs version`): reading the text output")
    }
}
