import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension SystemContext {
    /// The environment variable that turns on recording: `KLDLOAD_RECORD=<dir>`.
    public static let recordVariable = "KLDLOAD_RECORD"

    /// The real machine: `ProcessRunner`, the file system at `/`, the real clock, our
    /// effective uid, interactive when stdin and stderr are terminals.
    ///
    /// With `KLDLOAD_RECORD=<dir>` in the environment, every command is also recorded into
    /// `<dir>/commands/` and every file read is copied into `<dir>/root/`, and a
    /// `scenario.conf` with the recording time and uid is written, so the directory can be
    /// replayed with `--replay <dir>` (Docs/REPLAY.md).
    public static func host(environment: [String: String] = ProcessInfo.processInfo.environment) -> SystemContext {
        var runner: any CommandRunner = ProcessRunner()
        var files: any FileSystem = RootedFileSystem(root: "/")
        let uid = UInt32(geteuid())
        let interactive = isatty(0) == 1 && isatty(2) == 1
        if let dir = environment[recordVariable], !dir.isEmpty {
            let copy = CopyOnReadFileSystem(lower: files, scenarioDirectory: dir)
            let recorder = RecordingRunner(wrapping: runner, into: dir, observe: { command, result in
                if let target = CopyOnReadFileSystem.mountTarget(of: command, result: result) { copy.mounted(at: target) }
            })
            let stamp = ISO8601DateFormatter().string(from: Date())
            var host = utsname()
            uname(&host)
            let hostName = withUnsafeBytes(of: &host.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            recorder.writeConfiguration([
                ("description", "recorded with \(recordVariable) on \(hostName)"),
                ("now", stamp),
                ("uid", String(uid)),
                ("interactive", "false"),
            ])
            runner = recorder
            files = copy
        }
        return SystemContext(
            runner: runner,
            files: files,
            now: { Date() },
            userID: uid,
            isInteractive: interactive,
            environment: environment,
            interrupts: HostInterrupts(),
            timeZone: .current,
            locks: HostLockProbe(),
            openZFS: .probing()
        )
    }

    /// A recorded machine: `ReplayRunner` over `<scenario>/commands`, the tree `<scenario>/root`
    /// read through an `OverlayFileSystem` (writes stay in memory), and the clock, uid,
    /// interactivity, environment, time zone (`timezone=`, default UTC) and held locks
    /// (`locks_held=`) from `<scenario>/scenario.conf`. The clock stands still
    /// at `now=`; without it the real clock is used. The OpenZFS output form: see
    /// `openZFSOutput(for:)`.
    public static func replay(scenario: String) throws(ScenarioError) -> SystemContext {
        let runner = try ReplayRunner(scenario: scenario)
        let conf = runner.configuration
        let root = RecordedTreeFileSystem(root: URL(fileURLWithPath: scenario).appendingPathComponent("root").path)
        let clock: @Sendable () -> Date
        if let fixed = conf.now { clock = { fixed } } else { clock = { Date() } }
        let files = OverlayFileSystem(lower: root)
        // Replays print the same on every host: UTC unless the scenario names a zone.
        let zone = conf.values["timezone"].flatMap { TimeZone(identifier: $0) } ?? TimeZone(identifier: "UTC") ?? .current
        let held = ScenarioLockProbe.heldLocks(scenarioConf: conf.values["locks_held"].map { "locks_held=\($0)" })
        return SystemContext(
            runner: runner,
            files: files,
            now: clock,
            userID: conf.userID,
            isInteractive: conf.isInteractive,
            environment: conf.environment,
            interrupts: conf.interrupt.map { ReplayInterrupts(runner: runner, signal: $0.signal, during: $0.during) } ?? NoInterrupts(),
            timeZone: zone,
            locks: ScenarioLockProbe(held: held, files: files),
            openZFS: openZFSOutput(for: runner)
        )
    }

    /// A recording that ran `zfs version` was made by a kldload that chose its output form by
    /// the release, so the replay asks too; one without it was made before kldload asked and
    /// read text, so the replay reads text without asking and replays unchanged.
    static func openZFSOutput(for runner: ReplayRunner) -> OpenZFSOutput {
        if runner.recordings.contains(where: { $0.argv == OpenZFSOutput.versionCommand.argv }) { return .probing() }
        return .text(because: "the replayed recording has no `\(OpenZFSOutput.versionCommand)` (made before kldload asked): reading the text output")
    }
}
