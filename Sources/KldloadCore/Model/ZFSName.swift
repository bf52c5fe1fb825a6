/// Why a name a user typed is not acceptable. Each case names the rule that was broken.
public enum ZFSNameError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    /// Longer than ZFS allows (`ZFS_MAX_DATASET_NAME_LEN` = 256 including the NUL).
    case tooLong(length: Int, maximum: Int)
    /// A byte outside `[A-Za-z0-9_.:-]` (ZFS also allows space and, internally, `%`;
    /// kldload does not).
    case invalidCharacter(Character, offset: Int)
    /// Whitespace: ZFS accepts spaces in names, kldload does not.
    case whitespace(offset: Int)
    case emptyComponent
    case leadingSlash
    case trailingSlash
    /// A component that is `.` or `..`.
    case selfOrParentReference(String)
    /// `@` where no snapshot is expected, or more than one.
    case unexpectedDelimiter(Character)
    /// A name (or component) starting with `-` would look like an option.
    case leadingDash
    /// Pool names must start with a letter.
    case poolNameMustStartWithLetter
    /// `mirror`, `raidz…`, `draid…`, `spare…`, `log` are reserved for vdev types.
    case reservedPoolName(String)
    /// `c0…`-style names look like Solaris disks and are rejected by ZFS.
    case diskLikePoolName

    public var description: String {
        switch self {
        case .empty: return "the name is empty"
        case .tooLong(let l, let m): return "the name is \(l) bytes long; ZFS allows at most \(m)"
        case .invalidCharacter(let c, let o):
            return "character '\(c)' at position \(o + 1) is not allowed; use letters, digits and - _ . :"
        case .whitespace(let o): return "whitespace at position \(o + 1) is not allowed"
        case .emptyComponent: return "the name has an empty component (e.g. '//' or a trailing '@')"
        case .leadingSlash: return "the name must not start with '/'; give pool/dataset, not a mountpoint"
        case .trailingSlash: return "the name must not end with '/'"
        case .selfOrParentReference(let c): return "a component cannot be '\(c)'"
        case .unexpectedDelimiter(let c): return "'\(c)' is not allowed here"
        case .leadingDash: return "the name must not start with '-'"
        case .poolNameMustStartWithLetter: return "a pool name must start with a letter"
        case .reservedPoolName(let n): return "'\(n)' is reserved for vdev types and cannot name a pool"
        case .diskLikePoolName: return "pool names like 'c0…' look like disk names and are rejected by ZFS"
        }
    }
}

/// Validation of names users type, after openzfs `module/zcommon/zfs_namecheck.c`
/// (`valid_char`, `zfs_component_namecheck`, `dataset_namecheck`, `pool_namecheck`) plus
/// kldload's stricter rules: no whitespace, no `%`, no leading `-` in any component.
/// Pure functions; they never touch the system.
public enum ZFSName {
    /// `ZFS_MAX_DATASET_NAME_LEN` is 256 including the terminating NUL.
    public static let maxLength = 255

    /// A filesystem or volume name: `pool[/component]*`. No `@`, `#`.
    public static func validateDataset(_ name: String) throws(ZFSNameError) {
        try checkLength(name)
        if name.hasPrefix("/") { throw .leadingSlash }
        if name.hasSuffix("/") { throw .trailingSlash }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        var offset = 0
        for (i, part) in parts.enumerated() {
            try checkComponent(part, offset: offset)
            if i == 0 { try checkPoolRules(part) }
            offset += part.utf8.count + 1
        }
    }

    /// The part after `@` (e.g. `before-upgrade-2026-11-22`).
    public static func validateSnapshotName(_ name: String) throws(ZFSNameError) {
        try checkLength(name)
        try checkComponent(Substring(name), offset: 0)
    }

    /// A full snapshot name `pool/dataset@snapshot`.
    public static func validateSnapshot(_ fullName: String) throws(ZFSNameError) {
        try checkLength(fullName)
        let parts = fullName.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            if parts.count == 1 { throw .emptyComponent }
            throw .unexpectedDelimiter("@")
        }
        try validateDataset(String(parts[0]))
        try checkComponent(parts[1], offset: parts[0].utf8.count + 1)
    }

    /// A pool name.
    public static func validatePool(_ name: String) throws(ZFSNameError) {
        try checkLength(name)
        if name.contains("/") { throw .unexpectedDelimiter("/") }
        try checkComponent(Substring(name), offset: 0)
        try checkPoolRules(Substring(name))
    }

    /// True when `validateDataset` accepts the name.
    public static func isValidDataset(_ name: String) -> Bool {
        (try? validateDataset(name)) != nil
    }

    static func checkLength(_ name: String) throws(ZFSNameError) {
        if name.isEmpty { throw .empty }
        let n = name.utf8.count
        if n > maxLength { throw .tooLong(length: n, maximum: maxLength) }
    }

    static func checkComponent(_ part: Substring, offset: Int) throws(ZFSNameError) {
        if part.isEmpty { throw .emptyComponent }
        if part == "." || part == ".." { throw .selfOrParentReference(String(part)) }
        var i = offset
        for b in part.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: ":"):
                break
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                throw .whitespace(offset: i)
            case UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "#"), UInt8(ascii: "%"):
                throw .unexpectedDelimiter(Character(Unicode.Scalar(b)))
            default:
                if b < 0x80 {
                    throw .invalidCharacter(Character(Unicode.Scalar(b)), offset: i)
                }
                // Report the whole non-ASCII character, not one byte of it.
                throw .invalidCharacter(firstNonASCII(part) ?? "?", offset: i)
            }
            i += 1
        }
        if part.hasPrefix("-") { throw .leadingDash }
    }

    private static func firstNonASCII(_ s: Substring) -> Character? {
        s.first { !$0.isASCII }
    }

    static func checkPoolRules(_ pool: Substring) throws(ZFSNameError) {
        guard let first = pool.utf8.first,
              (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"))
                || (first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z")) else {
            throw .poolNameMustStartWithLetter
        }
        // libzfs zpool_name_valid(): reserved prefixes for vdev types.
        for reserved in ["mirror", "raidz", "draid", "spare"] where pool.hasPrefix(reserved) {
            throw .reservedPoolName(String(pool))
        }
        if pool == "log" { throw .reservedPoolName("log") }
        let bytes = Array(pool.utf8.prefix(2))
        if bytes.count == 2, bytes[0] == UInt8(ascii: "c"), bytes[1] >= 0x30 && bytes[1] <= 0x39 {
            throw .diskLikePoolName
        }
    }
}
