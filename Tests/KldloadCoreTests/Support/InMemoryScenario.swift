import Foundation
import Synchronization

@testable import KldloadCore

// The one test double: the production `ReplayRunner`, holding its scenario in memory. Tests
// add recordings with `on(_:)` and get the replay's matching (the same argv answers in order,
// then the last repeats) and its output delivery (`LineSplitter`, bytes split at 0x0A, the
// real runner's way), so a test cannot pass on a runner the product does not have.

extension ReplayRunner {
    /// Adds a recording answering `argv`.
    func on(_ argv: [String], stdout: String = "", stderr: String = "", status: Int32 = 0) {
        add(Recording(name: String(recordings.count + 1), argv: argv, stdout: stdout, stderr: stderr,
                      status: .status(.exited(status))))
    }

    /// Every argv run so far, in order.
    var argvs: [[String]] { invocations.map(\.argv) }

    /// zfs/zpool verbs that only read.
    static let readOnlyVerbs: Set<String> = ["list", "get"]

    static func isRead(_ argv: [String]) -> Bool { argv.count > 1 && readOnlyVerbs.contains(argv[1]) }

    /// The commands that would change something (everything but zfs/zpool list/get).
    var mutations: [[String]] { argvs.filter { !Self.isRead($0) } }

    /// An in-memory scenario for kbe tests: with `acceptingMutations`, every command other than
    /// a zfs/zpool `list`/`get` without a recording succeeds silently (zfs snapshot, zpool set…).
    static func kbe(acceptingMutations: Bool = true, observe: (@Sendable (Command) -> Void)? = nil) -> ReplayRunner {
        ReplayRunner(name: "kbe test", unrecorded: { command in
            guard acceptingMutations, !isRead(command.argv) else { return nil }
            return Recording(name: "accepted", argv: command.argv)
        }, observe: observe)
    }

    /// An in-memory scenario answered by `handler` (nil: no recording), for tests whose answers
    /// depend on the files the code under test wrote.
    static func answering(_ handler: @escaping @Sendable ([String]) -> CommandResult?) -> ReplayRunner {
        ReplayRunner(name: "test", unrecorded: { command in
            handler(command.argv).map { r in
                Recording(name: "answered", argv: command.argv, stdout: r.stdout, stderr: r.stderr, status: .status(r.status))
            }
        })
    }

    /// A result for `answering`'s handler.
    static func answer(_ argv: [String], stdout: String = "", stderr: String = "", status: Int32 = 0) -> CommandResult {
        CommandResult(command: Command(argv), status: .exited(status), stdout: stdout, stderr: stderr)
    }
}

/// What commands do to the machine in a test (dkms installing a module file), by argv; handed
/// to an in-memory `ReplayRunner` as its `observe`.
final class CommandEffects: Sendable {
    private let effects = Mutex<[[String]: @Sendable () -> Void]>([:])

    func on(_ argv: [String], _ action: @escaping @Sendable () -> Void) {
        effects.withLock { $0[argv] = action }
    }

    var observe: @Sendable (Command) -> Void {
        { [self] command in effects.withLock { $0[command.argv] }?() }
    }
}

/// Stands in for the live `ProcessRunner` under a `RecordingRunner` (its tests only): it must
/// produce what only a live run can (`notFound` with the searched PATH), which no replay does.
/// Everything else answers from an in-memory `ReplayRunner`.
struct StubRunner: CommandRunner {
    let answer: @Sendable (Command) throws(CommandError) -> CommandResult
    func run(_ command: Command, options: RunOptions) throws(CommandError) -> CommandResult { try answer(command) }
}
