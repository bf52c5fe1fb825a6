/// Names users type for boot environments and checkpoints: the ZFS component rules and
/// kldload's stricter ones come from `ZFSName` (letters, digits and `- _ . :` only; no
/// whitespace, `@ / % #`, leading `-`, `.`/`..`; at most 255 bytes for the full name). This
/// wrapper turns a `ZFSNameError` into a kbe usage error (exit 2) that says which rule.
public enum BENames {
    static let shellMetacharacters: Set<Character> = [
        ";", "&", "|", "$", "`", "'", "\"", "<", ">", "(", ")", "[", "]", "{", "}", "*", "?", "!", "~", "\\", "=",
        "^", ",", "+",
    ]

    public static func explanation(_ error: ZFSNameError) -> String {
        switch error {
        case .unexpectedDelimiter("@"): return "'@' separates a dataset from a checkpoint name and cannot be part of a name"
        case .unexpectedDelimiter("/"): return "'/' separates dataset components and cannot be part of a name"
        case .unexpectedDelimiter("%"): return "'%' is how zfs writes snapshot ranges and cannot be part of a name"
        case .unexpectedDelimiter("#"): return "'#' separates a dataset from a bookmark name and cannot be part of a name"
        case .invalidCharacter(let c, _) where shellMetacharacters.contains(c):
            return "\(error) ('\(c)' is a shell metacharacter)"
        default: return "\(error)"
        }
    }

    /// Throws a usage error naming the broken rule. `fullName` is the complete dataset or
    /// snapshot name the component ends up in (for the length limit).
    public static func validate(_ name: String, as what: String, fullName: String? = nil) throws(KBEError) {
        do {
            try ZFSName.validateSnapshotName(name)
            if let fullName { try ZFSName.checkLength(fullName) }
        } catch {
            throw KBEError(
                .usage, "invalid \(what) '\(name)': \(explanation(error))",
                hint: "use letters, digits and - _ . : (for example pre-upgrade-20260408-143022)")
        }
    }

    /// A dataset path typed by the user (`--pool`, `--be-root`).
    static func validateDataset(_ path: String, option: String) throws(KBEError) {
        do { try ZFSName.validateDataset(path) } catch {
            throw KBEError(.usage, "invalid \(option) '\(path)': \(explanation(error))")
        }
    }

    /// Free text stored in `org.kldload:description`: printable, one line, at most 1024 bytes
    /// (ZFS allows 8192 for a user property value; tabs and newlines would break `zfs list -H`).
    /// The longest user property value OpenZFS stores: `strlen(value) < ZAP_MAXVALUELEN` (8192)
    /// in `dsl_props_set_check`; 8,200 bytes are refused with "property value too long" and
    /// 8,191 accepted on OpenZFS 2.3.9 (Fixtures/zfs-2.3/openzfs-2.3.9-debian13/user-property-values).
    public static let maxUserPropertyValueBytes = 8191

    public static func validateDescription(_ text: String, limit: Int = 1024, what: String = "description")
        throws(KBEError)
    {
        if text.utf8.count > limit {
            throw KBEError(.usage, "\(what) is \(text.utf8.count) bytes long; kbe allows at most \(limit)")
        }
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw KBEError(
                .usage, "\(what) contains a control character (U+\(String(bad.value, radix: 16, uppercase: true)))",
                hint: "a description is one line of printable text")
        }
    }
}
