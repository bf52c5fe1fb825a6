import Foundation

/// One program invocation as an argv array. Nothing in kldload ever goes through a shell:
/// `argv[0]` is the program as invoked (`zpool`, or an absolute path), the rest are its
/// arguments, passed to the kernel unchanged.
///
/// The environment is part of the command: `environment` holds the variables this command adds
/// to (never removes from) the inherited environment, and `environmentAdditions` is what every
/// runner applies: `LC_ALL=C` (output is parsed in the C locale) under the command's own. A
/// recording stores the additions (`commands/N/env`) and a replay matches them (Docs/REPLAY.md).
public struct Command: Sendable, Hashable, CustomStringConvertible {
    public var argv: [String]
    /// Variables this command adds to the inherited environment (`DEBIAN_FRONTEND=noninteractive`).
    public var environment: [String: String]

    public init(_ argv: [String], environment: [String: String] = [:]) {
        precondition(!argv.isEmpty, "a command needs at least a program name")
        self.argv = argv
        self.environment = environment
    }

    /// Set by every runner for every command, under the command's own `environment`.
    public static let baseEnvironment = ["LC_ALL": "C"]

    /// What the child's environment differs by from ours: `baseEnvironment`, then `environment`
    /// on top (so a command *can* set `LC_ALL` itself, but nothing inherited can).
    public var environmentAdditions: [String: String] {
        Self.baseEnvironment.merging(environment) { _, own in own }
    }

    /// The same argv with `extra` added to its environment (extra wins).
    public func adding(environment extra: [String: String]) -> Command {
        Command(argv, environment: environment.merging(extra) { _, new in new })
    }

    public init(_ program: String, _ arguments: String...) {
        self.init([program] + arguments)
    }

    public init(_ program: String, arguments: [String]) {
        self.init([program] + arguments)
    }

    public var program: String { argv[0] }
    public var arguments: [String] { Array(argv.dropFirst()) }

    /// A copy-pasteable rendering for messages, dry runs and logs. Display only: it is
    /// never handed to a shell.
    public var description: String { argv.map(Command.quoteForDisplay).joined(separator: " ") }

    public static func quoteForDisplay(_ word: String) -> String {
        if word.isEmpty { return "''" }
        let safe = word.unicodeScalars.allSatisfy { s in
            (s.value >= 0x30 && s.value <= 0x39) || (s.value >= 0x41 && s.value <= 0x5A)
                || (s.value >= 0x61 && s.value <= 0x7A) || "@%+=:,./_-".unicodeScalars.contains(s)
        }
        if safe { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// How a child ended: a normal exit with a status, or killed by a signal.
public enum TerminationStatus: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var isSuccess: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let sig): return "killed by signal \(sig)"
        }
    }
}

/// The outcome of a finished command.
public struct CommandResult: Sendable, Hashable {
    public var command: Command
    public var status: TerminationStatus
    public var stdout: String
    public var stderr: String

    public init(command: Command, status: TerminationStatus, stdout: String = "", stderr: String = "") {
        self.command = command
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Throws `CommandError.failed` unless the command exited 0 (or with one of `allowed`).
    @discardableResult
    public func checked(allowing allowed: Set<Int32> = []) throws(CommandError) -> CommandResult {
        switch status {
        case .exited(0): return self
        case .exited(let code) where allowed.contains(code): return self
        default: throw CommandError.failed(self)
        }
    }
}

/// Which of a command's two output streams a line came from.
public enum OutputStreamKind: String, Sendable, Hashable {
    case stdout, stderr
}

/// A line-oriented live view of a running command (the terminal, a log file).
public typealias OutputSink = @Sendable (_ stream: OutputStreamKind, _ line: String) -> Void

/// How a command is run beyond its argv: a live view of its output, and its standard input.
public struct RunOptions: Sendable {
    /// Receives every complete line as it arrives, in addition to the captured output.
    public var sink: OutputSink?
    /// Bytes written to the child's standard input, which is then closed. `nil` gives `/dev/null`.
    public var standardInput: Data?

    public init(sink: OutputSink? = nil, standardInput: Data? = nil) {
        self.sink = sink
        self.standardInput = standardInput
    }

    public static let quiet = RunOptions()
}

/// The boundary between kldload and the system: every subprocess goes through one of these,
/// so tests run on recorded output and never touch the host.
public protocol CommandRunner: Sendable {
    /// Blocks the calling thread until the command finished and its output was read (a live
    /// runner: the child's whole run; a replay: never waits).
    func run(_ command: Command, options: RunOptions) throws(CommandError) -> CommandResult
}

extension CommandRunner {
    public func run(_ command: Command) throws(CommandError) -> CommandResult {
        try run(command, options: .quiet)
    }

    public func run(_ argv: String...) throws(CommandError) -> CommandResult {
        try run(Command(argv), options: .quiet)
    }
}

/// Why a command could not be run or did not succeed; `description` says which command and what to do.
public enum CommandError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The program is not on PATH (or the absolute path does not exist / is not executable).
    case notFound(program: String, searched: [String])
    /// The kernel refused to start the program.
    case launchFailed(Command, reason: String)
    /// Replay: no recording answers this argv.
    case noRecording(Command, scenario: String)
    /// Replay: recordings of this argv exist, but each recorded `env` differs from the
    /// command's `environmentAdditions` (the first one's is given).
    case environmentMismatch(Command, recorded: [String: String], scenario: String)
    /// The command ran and failed (only thrown by `CommandResult.checked`).
    case failed(CommandResult)

    public var description: String {
        switch self {
        case .notFound(let program, let searched):
            return "\(program): command not found (searched \(searched.joined(separator: ":")))"
        case .launchFailed(let command, let reason):
            return "could not start \(command.program): \(reason)"
        case .noRecording(let command, let scenario):
            return "replay scenario \(scenario) has no recording for: \(command)"
        case .environmentMismatch(let command, let recorded, let scenario):
            func show(_ env: [String: String]) -> String {
                env.isEmpty ? "(nothing)" : env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            }
            return "replay scenario \(scenario) recorded \(command) with environment \(show(recorded)), "
                + "but it runs with \(show(command.environmentAdditions))"
        case .failed(let result):
            // The whole message: zfs puts the reason first and dataset names after it.
            let message = ZFSFailure(stderr: result.stderr)
            return "\(result.command) failed (\(result.status))" + (message.lines.isEmpty ? "" : ": \(message)")
        }
    }
}
