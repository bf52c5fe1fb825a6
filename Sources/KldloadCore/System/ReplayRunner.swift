import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A replay scenario directory is missing, incomplete or has a file that does not follow
/// the contract in Docs/REPLAY.md. Says which file and what is expected instead.
public enum ScenarioError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The scenario path does not exist or is not a directory.
    case notFound(path: String)
    /// The directory has neither `commands/` nor `root/`.
    case notAScenario(path: String)
    /// One file breaks the contract. `line` is 1-based when it is about one line.
    case invalidFile(path: String, line: Int?, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            return "replay scenario \(path): no such directory. Pass a scenario directory "
                + "(with commands/<n>/argv and/or root/, see Docs/REPLAY.md), e.g. Fixtures/scenarios/<name>"
        case .notAScenario(let path):
            return "\(path) is not a replay scenario: it has neither commands/ nor root/. "
                + "Expected commands/<n>/argv|stdout|stderr|status, root/ and optionally scenario.conf (Docs/REPLAY.md)"
        case .invalidFile(let path, let line, let reason):
            let at = line.map { ", line \($0)" } ?? ""
            return "replay scenario file \(path)\(at): \(reason) (see Docs/REPLAY.md)"
        }
    }
}

/// What a recorded command ended with: a `TerminationStatus`, or "the program was not there".
public enum RecordedStatus: Sendable, Hashable {
    case status(TerminationStatus)
    case notFound

    /// Parses a `status` file: empty = exit 0, `N`, `signal N`, or `not-found`.
    public static func parse(_ text: String, path: String) throws(ScenarioError) -> RecordedStatus {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let meaningful = lines.enumerated().filter { !$0.element.isEmpty }
        guard let (index, value) = meaningful.first else { return .status(.exited(0)) }
        if meaningful.count > 1 {
            throw .invalidFile(path: path, line: meaningful[1].offset + 1, reason: "a status file holds one value, found a second one: \(meaningful[1].element)")
        }
        let expected = "expected an exit status 0-255, `signal N` (N 1-64) or `not-found`, found: \(value.prefix(80))"
        if value == "not-found" { return .notFound }
        if let code = Int32(value), (0...255).contains(code) { return .status(.exited(code)) }
        let words = value.split(separator: " ", omittingEmptySubsequences: true)
        if words.count == 2, words[0] == "signal", let sig = Int32(words[1]), (1...64).contains(sig) {
            return .status(.signaled(sig))
        }
        throw .invalidFile(path: path, line: index + 1, reason: expected)
    }

    /// The text written to a `status` file.
    public var fileText: String {
        switch self {
        case .status(.exited(let code)): return "\(code)\n"
        case .status(.signaled(let sig)): return "signal \(sig)\n"
        case .notFound: return "not-found\n"
        }
    }
}

/// One `commands/<n>/` directory.
public struct Recording: Sendable, Hashable {
    /// The directory name (`001`).
    public var name: String
    public var argv: [String]
    public var stdout: String
    public var stderr: String
    public var status: RecordedStatus
    /// The `env` file: the environment additions the command ran with (`LC_ALL=C`,
    /// `DEBIAN_FRONTEND=noninteractive`, …). nil when the recording has no `env` file: then
    /// the environment is not checked (scenarios recorded before commands carried it).
    public var environment: [String: String]?

    public init(name: String, argv: [String], stdout: String = "", stderr: String = "",
                status: RecordedStatus = .status(.exited(0)), environment: [String: String]? = nil) {
        self.name = name
        self.argv = argv
        self.stdout = stdout
        self.stderr = stderr
        self.status = status
        self.environment = environment
    }

    /// Decodes an `env` file: one `NAME=value` per line, the value taken literally up to the end
    /// of the line; blank lines are ignored. A line without `=` or with an empty name is an error.
    public static func parseEnvironment(_ text: String, path: String) throws(ScenarioError) -> [String: String] {
        var env: [String: String] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            guard let eq = line.firstIndex(of: "="), eq != line.startIndex else {
                throw .invalidFile(path: path, line: index + 1, reason: "expected NAME=value, found: \(line.prefix(80))")
            }
            env[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return env
    }

    /// The inverse of `parseEnvironment`, sorted by name; nil when a name or value holds a
    /// newline, or a name is empty or holds `=` (not representable).
    public static func environmentFileText(_ env: [String: String]) -> String? {
        guard !env.contains(where: { $0.key.isEmpty || $0.key.contains("=") || $0.key.contains("\n") || $0.value.contains("\n") })
        else { return nil }
        return env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
    }

    /// Decodes an `argv` file: one argument per line, taken literally (no trimming, no
    /// escapes). Exactly one trailing newline is the terminator of the last line, so
    /// `zpool\nlist\n` and `zpool\nlist` are both `[zpool, list]`, while `echo\n\n` is
    /// `[echo, ""]` (the empty line is an empty argument). An argument cannot contain a
    /// newline.
    public static func parseArgv(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.hasSuffix("\n") { parts.removeLast() }
        return parts
    }

    /// The inverse of `parseArgv`; nil when an argument contains a newline (not representable).
    public static func argvFileText(_ argv: [String]) -> String? {
        guard !argv.isEmpty, !argv.contains(where: { $0.contains("\n") }) else { return nil }
        return argv.joined(separator: "\n") + "\n"
    }
}

/// The optional `scenario.conf`: `key=value` lines, `#` comments, blank lines ignored.
public struct ScenarioConfiguration: Sendable, Hashable {
    /// Every key as written (known and free ones, e.g. `description`).
    public var values: [String: String] = [:]
    /// `now=`: the replay's clock (ISO 8601). nil = the real clock.
    public var now: Date?
    /// `uid=`: the effective user id (default 0).
    public var userID: UInt32 = 0
    /// `interactive=`: whether a person is at the terminal (default false).
    public var isInteractive: Bool = false
    /// `env.NAME=value` lines: the environment the replayed program sees.
    public var environment: [String: String] = [:]
    /// `interrupt=SIGINT|SIGTERM` with `interrupt_during=N`: the signal arrived while the N-th
    /// command run was running (`ReplayInterrupts`).
    public var interrupt: (signal: Int32, during: Int)? {
        get { interruptSignal.flatMap { sig in interruptDuring.map { (sig, $0) } } }
        set { interruptSignal = newValue?.signal; interruptDuring = newValue?.during }
    }
    private var interruptSignal: Int32?
    private var interruptDuring: Int?

    public init() {}

    public static func parse(_ text: String, path: String) throws(ScenarioError) -> ScenarioConfiguration {
        var conf = ScenarioConfiguration()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw .invalidFile(path: path, line: index + 1, reason: "expected key=value, found: \(line.prefix(80))")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else {
                throw .invalidFile(path: path, line: index + 1, reason: "empty key before '='")
            }
            conf.values[key] = value
            // `KEY= wants WHAT, found: VALUE`: a known key with a value it cannot take.
            func wrong(_ wants: String) -> ScenarioError {
                .invalidFile(path: path, line: index + 1, reason: "\(key)= wants \(wants), found: \(value.prefix(80))")
            }
            switch key {
            case "now":
                guard let date = parseDate(value) else {
                    throw wrong("an ISO 8601 time such as 2026-04-08T14:30:22Z")
                }
                conf.now = date
            case "uid":
                guard let uid = UInt32(value) else {
                    throw wrong("a number 0-4294967295")
                }
                conf.userID = uid
            case "interactive":
                switch value.lowercased() {
                case "true", "yes", "1": conf.isInteractive = true
                case "false", "no", "0": conf.isInteractive = false
                default:
                    throw wrong("true or false")
                }
            case "interrupt":
                switch value.uppercased() {
                case "SIGINT", "INT", "2": conf.interruptSignal = SIGINT
                case "SIGTERM", "TERM", "15": conf.interruptSignal = SIGTERM
                default:
                    throw wrong("SIGINT or SIGTERM")
                }
                if conf.interruptDuring == nil { conf.interruptDuring = 1 }
            case "interrupt_during":
                guard let n = Int(value), n >= 1 else {
                    throw wrong("a command number 1 or more")
                }
                conf.interruptDuring = n
            default:
                if key.hasPrefix("env.") && key.count > 4 {
                    conf.environment[String(key.dropFirst(4))] = value
                }
            }
        }
        return conf
    }

    static func parseDate(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let d = plain.date(from: text) { return d }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

/// Answers commands from a recorded scenario instead of running anything: a scenario
/// directory (`init(scenario:)`, contract in Docs/REPLAY.md) or recordings held in memory
/// (`init(recordings:)`, what the tests use, with the same matching and the same line splitting
/// as a directory replay and the real runner).
///
/// A directory is read and decoded once, at init; a run only looks up its argv.
public final class ReplayRunner: CommandRunner, Sendable {
    /// The scenario directory as given (a name for an in-memory scenario).
    public let scenario: String
    /// The parsed `scenario.conf` (defaults when absent).
    public let configuration: ScenarioConfiguration
    /// Answers a command no recording matches (in-memory scenarios only; nil: `noRecording`).
    private let unrecorded: (@Sendable (Command) -> Recording?)?
    /// Told of every command before it is answered (an in-memory scenario's side effects).
    private let observe: (@Sendable (Command) -> Void)?

    /// The recordings, how often each argv was asked, which recordings answered, every command
    /// in order.
    private struct RunState {
        var recordings: [Recording] = []
        var byArgv: [[String]: [Int]] = [:]
        var used: [[String]: Int] = [:]
        var answered: Set<Int> = []
        var log: [Command] = []

        mutating func add(_ recording: Recording) {
            byArgv[recording.argv, default: []].append(recordings.count)
            recordings.append(recording)
        }
    }
    private let state = Mutex(RunState())

    /// All recordings, in replay order (numeric order of their directory names, or as added).
    public var recordings: [Recording] { state.withLock { $0.recordings } }

    /// A scenario held in memory. `recordings` answer as a directory's do (same argv in order,
    /// then the last repeats); `add(_:)` appends more. `unrecorded` may answer what no recording
    /// matches (a test's "every other command succeeds"); `observe` sees every command first.
    public init(
        recordings: [Recording] = [], configuration: ScenarioConfiguration = ScenarioConfiguration(),
        name: String = "in-memory", unrecorded: (@Sendable (Command) -> Recording?)? = nil,
        observe: (@Sendable (Command) -> Void)? = nil
    ) {
        scenario = name
        self.configuration = configuration
        self.unrecorded = unrecorded
        self.observe = observe
        state.withLock { s in for r in recordings { s.add(r) } }
    }

    /// Appends a recording (in-memory scenarios; a directory's recordings are fixed at init).
    public func add(_ recording: Recording) {
        state.withLock { $0.add(recording) }
    }

    public init(scenario: String) throws(ScenarioError) {
        unrecorded = nil
        observe = nil
        self.scenario = scenario
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: scenario, isDirectory: &isDir), isDir.boolValue else {
            throw .notFound(path: scenario)
        }
        let base = URL(fileURLWithPath: scenario)
        let commandsDir = base.appendingPathComponent("commands")
        let rootDir = base.appendingPathComponent("root")
        let hasCommands = fm.fileExists(atPath: commandsDir.path, isDirectory: &isDir) && isDir.boolValue
        let hasRoot = fm.fileExists(atPath: rootDir.path, isDirectory: &isDir) && isDir.boolValue
        guard hasCommands || hasRoot else { throw .notAScenario(path: scenario) }

        let confPath = base.appendingPathComponent("scenario.conf").path
        if fm.fileExists(atPath: confPath) {
            configuration = try ScenarioConfiguration.parse(try Self.readText(confPath), path: confPath)
        } else {
            configuration = ScenarioConfiguration()
        }

        var loaded: [Recording] = []
        if hasCommands {
            let names: [String]
            do { names = try fm.contentsOfDirectory(atPath: commandsDir.path) } catch {
                throw .invalidFile(path: commandsDir.path, line: nil, reason: "cannot list: \(error.localizedDescription)")
            }
            for name in Self.numericOrder(names) {
                let dir = commandsDir.appendingPathComponent(name)
                guard fm.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else { continue }
                loaded.append(try Self.loadRecording(name: name, dir: dir))
            }
        }
        state.withLock { s in for r in loaded { s.add(r) } }
    }

    /// Directory names made of digits only, sorted by their numeric value (`2` before `10`);
    /// anything else (`README`, `.DS_Store`) is not a recording and is skipped.
    static func numericOrder(_ names: [String]) -> [String] {
        let numeric = names.filter { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        return numeric.sorted { a, b in
            let ta = a.drop { $0 == "0" }, tb = b.drop { $0 == "0" }
            if ta.count != tb.count { return ta.count < tb.count }
            if ta != tb { return ta < tb }
            return a < b
        }
    }

    /// A recording's file as text, held once (`UTF8Chunks`: a 100 MB `zfs list -j` output is
    /// not also held as `Data`).
    private static func readText(_ path: String) throws(ScenarioError) -> String {
        do throws(FileSystemError) { return try UTF8Chunks.readFile(path) } catch {
            let why: String
            switch error {
            case .notFound: why = "no such file or directory"
            case .ioError(_, let reason), .unsafe(_, let reason): why = reason
            }
            throw .invalidFile(path: path, line: nil, reason: "cannot read: \(why)")
        }
    }

    private static func readOptional(_ url: URL) throws(ScenarioError) -> String? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try readText(url.path)
    }

    private static func loadRecording(name: String, dir: URL) throws(ScenarioError) -> Recording {
        let argvPath = dir.appendingPathComponent("argv").path
        guard FileManager.default.fileExists(atPath: argvPath) else {
            throw .invalidFile(path: argvPath, line: nil, reason: "missing: every commands/<n>/ needs an argv file, one argument per line")
        }
        let argv = Recording.parseArgv(try readText(argvPath))
        guard let program = argv.first, !program.isEmpty else {
            throw .invalidFile(path: argvPath, line: 1, reason: "the first line must be the program as invoked (e.g. zpool)")
        }
        let statusURL = dir.appendingPathComponent("status")
        let status = try readOptional(statusURL).map { (t) throws(ScenarioError) in try RecordedStatus.parse(t, path: statusURL.path) }
        let envURL = dir.appendingPathComponent("env")
        let environment = try readOptional(envURL).map { (t) throws(ScenarioError) in try Recording.parseEnvironment(t, path: envURL.path) }
        return Recording(
            name: name,
            argv: argv,
            stdout: try readOptional(dir.appendingPathComponent("stdout")) ?? "",
            stderr: try readOptional(dir.appendingPathComponent("stderr")) ?? "",
            status: status ?? .status(.exited(0)),
            environment: environment
        )
    }

    // MARK: - CommandRunner

    public func run(_ command: Command, options: RunOptions) throws(CommandError) -> CommandResult {
        observe?(command)
        let recorded: Recording? = state.withLock { state in
            state.log.append(command)
            guard let candidates = state.byArgv[command.argv], let last = candidates.last else { return nil }
            let n = state.used[command.argv, default: 0]
            state.used[command.argv] = n + 1
            let pick = n < candidates.count ? candidates[n] : last
            state.answered.insert(pick)
            return state.recordings[pick]
        }
        guard let recording = recorded ?? unrecorded?(command) else { throw .noRecording(command, scenario: scenario) }
        if let recorded = recording.environment, recorded != command.environmentAdditions {
            throw .environmentMismatch(command, recorded: recorded, scenario: scenario)
        }
        if case .notFound = recording.status {
            throw .notFound(program: command.program, searched: [])
        }
        if let sink = options.sink {
            for line in LineSplitter.lines(of: recording.stdout) { sink(.stdout, line) }
            for line in LineSplitter.lines(of: recording.stderr) { sink(.stderr, line) }
        }
        let status: TerminationStatus
        if case .status(let s) = recording.status { status = s } else { status = .exited(0) }
        return CommandResult(command: command, status: status, stdout: recording.stdout, stderr: recording.stderr)
    }

    /// Every command run so far, in order (answered or not).
    public var invocations: [Command] { state.withLock { $0.log } }

    /// Recordings no command has used yet (a scenario that records more than the code runs).
    public var unusedRecordings: [Recording] {
        state.withLock { s in s.recordings.indices.filter { !s.answered.contains($0) }.map { s.recordings[$0] } }
    }
}
