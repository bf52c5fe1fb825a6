/// Names users type for boot environments and checkpoints.
///
/// ZFS (`module/zcommon/zfs_namecheck.c`) allows a component to contain letters, digits,
/// `-_.:` and space, forbids `.` and `..` as components, and limits a full name to 255 bytes
/// (`ZFS_MAX_DATASET_NAME_LEN` 256 with the NUL). kldload is stricter: no whitespace, no
/// leading `-` (it would read as an option), and nothing a shell treats specially, so every
/// name kbe creates can be pasted into a command line unquoted.
public enum BENameRule: Sendable, Hashable {
    case empty
    case dotComponent
    case leadingDash
    case separator(Character)
    case whitespace
    case shellMetacharacter(Character)
    case invalidCharacter(Character)
    case tooLong(length: Int, limit: Int)

    public var explanation: String {
        switch self {
        case .empty: return "it is empty"
        case .dotComponent: return "'.' and '..' are not valid ZFS names"
        case .leadingDash: return "it starts with '-' (it would be read as an option)"
        case .separator(let c):
            switch c {
            case "@": return "it contains '@', which separates a dataset from a snapshot name"
            case "/": return "it contains '/', which separates dataset components"
            case "%": return "it contains '%', which zfs reads as a snapshot range"
            default: return "it contains '#', which separates a dataset from a bookmark name"
            }
        case .whitespace: return "it contains whitespace"
        case .shellMetacharacter(let c): return "it contains the shell metacharacter '\(c)'"
        case .invalidCharacter(let c):
            return "it contains '\(c)'; allowed are letters, digits and - _ . :"
        case .tooLong(let length, let limit):
            return "the full name would be \(length) bytes long; ZFS allows at most \(limit)"
        }
    }
}

public enum BENames {
    /// ZFS_MAX_DATASET_NAME_LEN - 1.
    public static let maxFullNameLength = 255

    /// Returns the first rule `name` breaks, or nil. `fullName` is the complete dataset or
    /// snapshot name the component will end up in (for the length check).
    public static func check(_ name: String, fullName: String? = nil) -> BENameRule? {
        if name.isEmpty { return .empty }
        if name == "." || name == ".." { return .dotComponent }
        if name.hasPrefix("-") { return .leadingDash }
        for c in name {
            if c.isASCII && (c.isLetter || c.isNumber) { continue }
            switch c {
            case "-", "_", ".", ":": continue
            case "@", "/", "%", "#": return .separator(c)
            case " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}": return .whitespace
            case ";", "&", "|", "$", "`", "'", "\"", "<", ">", "(", ")", "[", "]", "{", "}", "*", "?", "!", "~",
                "\\", "=", "^", ",", "+":
                return .shellMetacharacter(c)
            default:
                if c.isWhitespace { return .whitespace }
                return .invalidCharacter(c)
            }
        }
        let length = (fullName ?? name).utf8.count
        if length > maxFullNameLength { return .tooLong(length: length, limit: maxFullNameLength) }
        return nil
    }

    /// Throws a usage error (exit 2) naming the rule.
    public static func validate(_ name: String, as what: String, fullName: String? = nil) throws(KBEError) {
        if let rule = check(name, fullName: fullName) {
            throw KBEError(
                .usage, "invalid \(what) '\(name)': \(rule.explanation)",
                hint: "use letters, digits and - _ . : (for example pre-upgrade-20260408-143022)")
        }
    }

    /// Free text stored in `org.kldload:description`: printable, one line, at most 1024 bytes
    /// (ZFS allows 8192 for a user property value; tabs and newlines would break `zfs list -H`).
    public static func validateDescription(_ text: String) throws(KBEError) {
        if text.utf8.count > 1024 {
            throw KBEError(.usage, "description is \(text.utf8.count) bytes long; kbe allows at most 1024")
        }
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw KBEError(
                .usage, "description contains a control character (U+\(String(bad.value, radix: 16, uppercase: true)))",
                hint: "a description is one line of printable text")
        }
    }
}
