import Foundation

/// The `type` property of a dataset.
public enum DatasetType: Sendable, Hashable, Codable, CustomStringConvertible {
    case filesystem
    case volume
    case snapshot
    case bookmark
    case unknown(String)

    public init(_ text: String) {
        switch text {
        case "filesystem": self = .filesystem
        case "volume": self = .volume
        case "snapshot": self = .snapshot
        case "bookmark": self = .bookmark
        default: self = .unknown(text)
        }
    }

    public var description: String {
        switch self {
        case .filesystem: return "filesystem"
        case .volume: return "volume"
        case .snapshot: return "snapshot"
        case .bookmark: return "bookmark"
        case .unknown(let s): return s
        }
    }
}

/// One row of `zfs list -Hp -o …` (or all `zfs get -Hp` lines of one name): a dataset,
/// snapshot or bookmark with the properties that were asked for.
///
/// Rows from `ZFSListParser` are views into one shared, immutable copy of the output
/// (`ZFSListTable`): parsing a million lines stores offsets, not a million dictionaries.
/// Values are decoded when asked for. Building or mutating a `Dataset` yourself gives an
/// ordinary owned value; both behave the same.
public struct Dataset: Sendable, Hashable, Codable {
    enum Storage: Sendable {
        case owned(name: String, properties: ZFSPropertyList)
        case row(ZFSListTable, Int)
    }

    var storage: Storage

    public init(name: String, properties: ZFSPropertyList = ZFSPropertyList()) {
        storage = .owned(name: name, properties: properties)
    }

    init(table: ZFSListTable, row: Int) {
        storage = .row(table, row)
    }

    /// Full name: `rpool/ROOT/debian`, `rpool/ROOT/debian@before-upgrade`, `pool/fs#mark`.
    public var name: String {
        get {
            switch storage {
            case .owned(let name, _): return name
            case .row(let t, let r): return t.string(row: r, column: t.nameColumn)
            }
        }
        set { storage = .owned(name: newValue, properties: properties) }
    }

    /// All properties that were asked for, in column order (values as printed, `-` included).
    public var properties: ZFSPropertyList {
        get {
            switch storage {
            case .owned(_, let p): return p
            case .row(let t, let r):
                return ZFSPropertyList(names: t.columns, values: (0..<t.columns.count).map { t.string(row: r, column: $0) })
            }
        }
        set { storage = .owned(name: name, properties: newValue) }
    }

    /// The value as printed (`-` kept), by full name or alias; nil when not asked for.
    public func rawValue(_ property: String) -> String? {
        switch storage {
        case .owned(_, let p): return p[property]
        case .row(let t, let r):
            guard let c = t.columnIndex(property) else { return nil }
            return t.string(row: r, column: c)
        }
    }

    /// The property value as printed (nil when absent or `-`).
    public subscript(property: String) -> String? {
        guard let v = rawValue(property), v != "-" else { return nil }
        return v
    }

    /// A numeric property: exact with `-p`, approximate for human sizes, nil for `-`.
    public func number(_ property: String) -> UInt64? {
        switch storage {
        case .owned(_, let p): return p.number(property)
        case .row(let t, let r):
            guard let c = t.columnIndex(property) else { return nil }
            return t.number(row: r, column: c)
        }
    }

    /// From the `type` column when it was asked for; otherwise snapshot/bookmark by the
    /// `@`/`#` in the name, and nil when the name alone cannot tell filesystem from volume.
    public var type: DatasetType? {
        if let t = self["type"] { return DatasetType(t) }
        let n = name
        if n.utf8.contains(UInt8(ascii: "@")) { return .snapshot }
        if n.utf8.contains(UInt8(ascii: "#")) { return .bookmark }
        return nil
    }

    /// The pool: the name up to the first `/`, `@` or `#`.
    public var pool: String {
        String(name.prefix { $0 != "/" && $0 != "@" && $0 != "#" })
    }

    /// The dataset this one lives in: for `a/b/c` that is `a/b`; for a snapshot or bookmark
    /// `a/b@s` it is `a/b`; nil for a pool's root dataset.
    public var parent: String? {
        let n = name
        if let at = n.firstIndex(where: { $0 == "@" || $0 == "#" }) {
            return String(n[..<at])
        }
        guard let slash = n.lastIndex(of: "/") else { return nil }
        return String(n[..<slash])
    }

    public var used: UInt64? { number("used") }
    public var available: UInt64? { number("available") }
    public var referenced: UInt64? { number("referenced") }
    /// `mountpoint`: a path, `legacy`, `none`, or nil (`-` for volumes and snapshots).
    public var mountpoint: String? { self["mountpoint"] }
    /// `canmount`: `on`, `off`, `noauto`.
    public var canmount: String? { self["canmount"] }
    /// `origin` of a clone (`pool/fs@snap`), nil when not a clone.
    public var origin: String? { self["origin"] }
    /// `creation`: epoch seconds with `-p`. Nil when not asked for or not numeric (the human
    /// form printed without `-p` is not converted).
    public var creation: Date? {
        guard let v = self["creation"], let secs = parseExactUInt64(v) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(secs))
    }

    /// A user property such as `org.zfsbootmenu:commandline`; nil when unset (`-`).
    public func userProperty(_ name: String) -> String? { self[name] }

    /// All user properties present (name contains `:`), including unset ones as `-`.
    public var userProperties: [String: String] {
        var d: [String: String] = [:]
        for (n, v) in properties where ZFSPropertyList.isUserProperty(n) { d[n] = v }
        return d
    }

    // MARK: Hashable, Codable (by name and properties, whatever the storage)

    public static func == (a: Dataset, b: Dataset) -> Bool {
        a.name == b.name && a.properties == b.properties
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
    }

    enum CodingKeys: String, CodingKey { case name, properties }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(properties, forKey: .properties)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name),
                  properties: try c.decode(ZFSPropertyList.self, forKey: .properties))
    }
}

/// The whole output of one `zfs list -H` run: the text, kept once, and the byte offset of
/// every field. Immutable after parsing, shared by all its `Dataset` rows.
public final class ZFSListTable: Sendable {
    let text: String
    public let columns: [String]
    let nameColumn: Int
    public let rowCount: Int
    /// For row r: field starts at `offsets[r * stride + c]`, row end at `offsets[r * stride + columns.count]`.
    let offsets: [Int]
    let stride: Int
    let index: [String: Int]

    init(text: String, columns: [String], nameColumn: Int, offsets: [Int], rowCount: Int) {
        self.text = text
        self.columns = columns
        self.nameColumn = nameColumn
        self.offsets = offsets
        self.rowCount = rowCount
        self.stride = columns.count + 1
        var index: [String: Int] = [:]
        // Aliases first, then exact names over them; the first column of a name wins.
        for (i, c) in columns.enumerated().reversed() { index[ZFSPropertyList.canonicalName(c)] = i }
        for (i, c) in columns.enumerated().reversed() { index[c] = i }
        self.index = index
    }

    func columnIndex(_ property: String) -> Int? {
        index[property] ?? index[ZFSPropertyList.canonicalName(property)]
    }

    /// Bytes of one field (without the TAB or newline).
    @inline(__always)
    func withField<R>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let base = row * stride + column
        let start = offsets[base]
        let end = offsets[base + 1] - 1  // the separator that follows
        let r = text.utf8.withContiguousStorageIfAvailable { buf in
            body(UnsafeBufferPointer(rebasing: buf[start..<max(start, end)]))
        }
        if let r { return r }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<max(start, end)])) }
    }

    func string(row: Int, column: Int) -> String {
        withField(row: row, column: column) { String(decoding: $0, as: UTF8.self) }
    }

    func number(row: Int, column: Int) -> UInt64? {
        let exact: UInt64?? = withField(row: row, column: column) { b in
            var v: UInt64 = 0
            if b.isEmpty { return .some(nil) }
            for byte in b {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }  // not a plain integer
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(byte - 0x30))
                if o1 || o2 { return .some(.max) }
                v = s
            }
            return .some(v)
        }
        if let exact { return exact }
        let s = string(row: row, column: column)
        return s == "-" ? nil : NiceNumber.parse(s)?.value
    }
}
