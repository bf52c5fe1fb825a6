/// Everything `kbe` can fail with. Each error says what happened (`message`), what to do next
/// (`hint`), optional detail lines (the state after a half-finished plan), and maps to one of
/// the documented exit codes (Docs/KBE.md).
public struct KBEError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A zfs/zpool/mount command failed; the state is reported. Exit 1.
        case commandFailed
        /// Wrong usage or an invalid name. Exit 2.
        case usage
        /// Refused for safety (active BE, dependent clones, split package database, not
        /// confirmed, no terminal and no --yes). Exit 3.
        case refused
        /// No such boot environment / checkpoint, or the BE root cannot be found. Exit 4.
        case notFound
    }

    public var kind: Kind
    public var message: String
    public var hint: String?
    /// Extra lines printed between the message and the hint (what was done, what was not).
    public var details: [String]
    /// Set when the error is output kbe could not parse (not a missing or refused thing), so
    /// callers such as kupgrade do not report it as "no boot environment".
    public var parseFailure: ParseError?

    public init(_ kind: Kind, _ message: String, hint: String? = nil, details: [String] = []) {
        self.kind = kind
        self.message = message
        self.hint = hint
        self.details = details
    }

    public var exitStatus: KBEExitStatus { KBEExitStatus(kind) }
    public var exitCode: Int32 { exitStatus.rawValue }

    public var description: String {
        var lines = ["kbe: error: \(message)"]
        lines += details.map { "  " + $0 }
        lines.append("hint: \(effectiveHint)")
        return lines.joined(separator: "\n")
    }

    /// The hint, or a default for the kind so every error ends with what to do next.
    public var effectiveHint: String {
        if let hint { return hint }
        switch kind {
        case .commandFailed: return "see the command's message above; kbe reported what was and was not done"
        case .usage: return "see kbe --help"
        case .refused: return "nothing was changed"
        case .notFound: return "kbe list -s shows the boot environments and checkpoints"
        }
    }

    static func from(_ error: CommandError, doing what: String) -> KBEError {
        switch error {
        case .notFound(let program, _):
            return KBEError(
                .commandFailed, "\(what): \(error)",
                hint: "install the tools that provide \(program) (zfsutils-linux / zfs) or check PATH")
        case .noRecording:
            return KBEError(
                .commandFailed, "\(what): \(error)",
                hint: "the replay scenario does not cover this command; record it or use another scenario")
        default:
            return KBEError(.commandFailed, "\(what): \(error)", hint: "nothing was changed by kbe")
        }
    }

    static func parse(_ error: ParseError) -> KBEError {
        var e = KBEError(
            .commandFailed, "\(error)",
            hint: "if the message names a property value to change, change it; otherwise kbe does not understand "
                + "this output: please report it with the command's output attached")
        e.parseFailure = error
        return e
    }
}
