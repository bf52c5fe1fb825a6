import Foundation
import Synchronization

/// Which output of OpenZFS's `zfs`/`zpool` kldload reads (DESIGN item 19).
public enum ZFSOutputForm: String, Sendable, Hashable, Codable {
    /// `-j --json-int` (OpenZFS 2.3 and later): values escaped, so a newline or a TAB in a
    /// user property value cannot be mistaken for the end of a row or of a field.
    case json
    /// `-Hp` (scripted, exact numbers) and the human `zpool status`.
    case text
}

/// One read of OpenZFS state in both forms: the text command and its parser, the JSON command
/// and its parser. Both parsers give the same values for the same state (ZFS23CaptureTests).
public struct ZFSQuery<Value>: Sendable {
    public var text: Command
    public var json: Command
    public var parseText: @Sendable (String) throws(ParseError) -> Value
    public var parseJSON: @Sendable (String) throws(ParseError) -> Value

    public init(text: Command, json: Command,
                parseText: @escaping @Sendable (String) throws(ParseError) -> Value,
                parseJSON: @escaping @Sendable (String) throws(ParseError) -> Value) {
        self.text = text
        self.json = json
        self.parseText = parseText
        self.parseJSON = parseJSON
    }
}

/// What a `ZFSQuery` got: the command that answered (the JSON one, or the text one) and, when
/// it succeeded, its parsed value. Check `result.status` first, as for any command.
public struct ZFSAnswer<Value> {
    public var result: CommandResult
    public var form: ZFSOutputForm
    let parsed: Result<Value, ParseError>?

    /// The parsed value; the parser's error when the output could not be read.
    public func value() throws(ParseError) -> Value {
        guard let parsed else {
            throw ParseError(source: result.command.description, line: 0, text: "",
                             reason: "the command failed (\(result.status)), so there is nothing to read")
        }
        return try parsed.get()
    }
}

/// The OpenZFS release of the userland and so the output form kldload reads, learned once per
/// run (`zfs version`) and shared by every copy of the run's `SystemContext`.
///
/// - OpenZFS 2.3 or later: JSON (`-j --json-int`). A JSON answer that cannot be used (output the
///   parser rejects, or a usage error, exit status 2) is read again as text, and a note says so.
/// - Older releases, a `zfs version` that fails or prints no release: text.
///
/// `zfs -V` prints the same as `zfs version`; both came with OpenZFS 0.8, so a release where
/// `zfs version` fails has neither, and no JSON.
///
/// `notes` holds the decision and every fallback, for kupgrade's log; `fallbacks` only the
/// fallbacks, which kbe shows as warnings.
public final class OpenZFSOutput: Sendable {
    public static let versionCommand = Command(["zfs", "version"])

    public struct Decision: Sendable, Hashable {
        public var form: ZFSOutputForm
        /// The userland release, when `zfs version` told it.
        public var version: OpenZFSVersion?
        /// One sentence for the log: what was learned and which output is read.
        public var reason: String
    }

    private enum Mode: Sendable {
        case probe
        case fixed(Decision)
    }

    private struct State: Sendable {
        var decision: Decision?
        var notes: [String] = []
        var fallbacks: [String] = []
    }

    private let mode: Mode
    private let state = Mutex(State())

    private init(mode: Mode) { self.mode = mode }

    /// Learns the release with `zfs version` at the first read (the host, and replays of
    /// recordings that ran it).
    public static func probing() -> OpenZFSOutput { OpenZFSOutput(mode: .probe) }

    /// Reads text and never asks `zfs version`: contexts built for tests, and replays of
    /// recordings made before kldload asked (they hold no `zfs version`, and replay unchanged).
    public static func text(because reason: String) -> OpenZFSOutput {
        OpenZFSOutput(mode: .fixed(Decision(form: .text, version: nil, reason: reason)))
    }

    /// Reads JSON without asking (tests of the JSON path).
    public static func json(version: OpenZFSVersion) -> OpenZFSOutput {
        OpenZFSOutput(mode: .fixed(Decision(form: .json, version: version,
                                            reason: "OpenZFS \(version) (given): reading the JSON output (-j --json-int)")))
    }

    /// The decision so far, without asking (nil before the first read of a probing context).
    public var decided: Decision? { state.withLock { $0.decision } }
    public var notes: [String] { state.withLock { $0.notes } }
    public var fallbacks: [String] { state.withLock { $0.fallbacks } }

    /// The decision, asking `zfs version` through `run` the first time.
    public func decision(run: (Command) throws(CommandError) -> CommandResult) -> Decision {
        if let d = state.withLock({ $0.decision }) { return d }
        let d: Decision
        switch mode {
        case .fixed(let fixed): d = fixed
        case .probe: d = Self.probe(run: run)
        }
        return state.withLock { s in
            if let earlier = s.decision { return earlier }
            s.decision = d
            s.notes.append(d.reason)
            return d
        }
    }

    /// `zfs version` → the form. Pure apart from the one command.
    static func probe(run: (Command) throws(CommandError) -> CommandResult) -> Decision {
        let command = versionCommand
        let result: CommandResult
        do { result = try run(command) } catch {
            return Decision(form: .text, version: nil, reason: "`\(command)` could not run (\(error)): reading the text output")
        }
        guard result.status.isSuccess else {
            return Decision(form: .text, version: nil,
                            reason: "`\(command)` failed (\(result.status)\(firstLine(result.stderr))): reading the text output")
        }
        guard let version = OpenZFSVersion.parse(result.stdout).userland else {
            return Decision(form: .text, version: nil,
                            reason: "`\(command)` printed no zfs-X.Y release\(firstLine(result.stdout)): reading the text output")
        }
        if version.hasJSONOutput {
            return Decision(form: .json, version: version,
                            reason: "OpenZFS \(version) (`\(command)`): reading the JSON output (-j --json-int)")
        }
        return Decision(form: .text, version: version,
                        reason: "OpenZFS \(version) (`\(command)`): reading the text output (JSON needs \(OpenZFSVersion.firstWithJSON) or later)")
    }

    static func firstLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map { ZpoolStatusParser.trimWhitespace($0) } ?? ""
        return line.isEmpty ? "" : ": \(line.prefix(200))"
    }

    /// Runs the query in the decided form. JSON that cannot be used falls back to the text
    /// command (noted); any other failure of either command is returned for the caller to report.
    public func read<Value>(_ query: ZFSQuery<Value>,
                            run: (Command) throws(CommandError) -> CommandResult) throws(CommandError) -> ZFSAnswer<Value> {
        if decision(run: run).form == .json {
            let r = try run(query.json)
            if r.status.isSuccess {
                do throws(ParseError) {
                    return ZFSAnswer(result: r, form: .json, parsed: .success(try query.parseJSON(r.stdout)))
                } catch {
                    fallBack("`\(query.json)` printed JSON kldload could not read (\(error)); read `\(query.text)` instead")
                }
            } else if r.status == .exited(2) {
                // zfs/zpool exit 2 on a usage error: this build does not take an option we gave.
                fallBack("`\(query.json)` was refused (\(r.status)\(Self.firstLine(r.stderr))); read `\(query.text)` instead")
            } else {
                // A real failure (no such pool or dataset): the same message the text prints.
                return ZFSAnswer(result: r, form: .json, parsed: nil)
            }
        }
        let r = try run(query.text)
        guard r.status.isSuccess else { return ZFSAnswer(result: r, form: .text, parsed: nil) }
        let parsed: Result<Value, ParseError>
        do throws(ParseError) { parsed = .success(try query.parseText(r.stdout)) } catch { parsed = .failure(error) }
        return ZFSAnswer(result: r, form: .text, parsed: parsed)
    }

    /// `read` through a runner.
    public func read<Value>(_ query: ZFSQuery<Value>, runner: any CommandRunner) throws(CommandError) -> ZFSAnswer<Value> {
        try read(query) { (c: Command) throws(CommandError) -> CommandResult in try runner.run(c) }
    }

    private func fallBack(_ note: String) {
        state.withLock {
            $0.notes.append(note)
            $0.fallbacks.append(note)
        }
    }
}

/// The snapshots of one dataset, oldest first (`zfs list -t snapshot -d 1 -s creation -o
/// COLUMNS DATASET`), in both forms: the listing retention and `kbe auto-checkpoint` read.
public enum SnapshotListing {
    public static func command(of dataset: String, columns: [String], form: ZFSOutputForm) -> Command {
        Command(["zfs", "list"] + (form == .json ? ["-j", "--json-int"] : ["-Hp"])
                + ["-t", "snapshot", "-d", "1", "-s", "creation", "-o", columns.joined(separator: ","), dataset])
    }

    /// `rows` turns the snapshots (text: `ZFSListParser.parseSnapshots`, JSON:
    /// `ZFSJSONParser.snapshots`) into the caller's values.
    public static func query<Row>(of dataset: String, columns: [String],
                                  rows: @escaping @Sendable ([Snapshot]) throws(ParseError) -> [Row]) -> ZFSQuery<[Row]> {
        ZFSQuery(text: command(of: dataset, columns: columns, form: .text), json: command(of: dataset, columns: columns, form: .json),
                 parseText: { (t: String) throws(ParseError) -> [Row] in try rows(ZFSListParser.parseSnapshots(t, columns: columns)) },
                 parseJSON: { (t: String) throws(ParseError) -> [Row] in try rows(ZFSJSONParser.snapshots(t, columns: columns)) })
    }
}
