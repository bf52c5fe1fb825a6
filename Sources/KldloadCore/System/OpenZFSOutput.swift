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

/// The OpenZFS release of the userland and so the output form kldload reads, learned once per
/// run (`zfs version`) and shared by every copy of the run's `SystemContext`. Queries with a
/// `json` form are asked in that form (`SystemQuery.ask(openZFS:using:)`).
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

    /// Notes a JSON answer read again as text (`SystemQuery.ask(openZFS:using:)`).
    func fallBack(_ note: String) {
        state.withLock {
            $0.notes.append(note)
            $0.fallbacks.append(note)
        }
    }
}
