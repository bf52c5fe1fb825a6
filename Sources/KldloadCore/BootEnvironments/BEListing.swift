import Foundation

/// One dataset or snapshot of the BE root as kbe needs it, from the single listing call
/// `SystemQuery.bootEnvironmentRecords(root:)`.
///
/// The text is parsed by the shared `ZFSListParser` / `ZFSGetParser` / `ZpoolGetParser`, the
/// JSON of OpenZFS 2.3+ by `ZFSJSONParser`; this type is kbe's typed view of one row.
public struct BERecord: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable { case filesystem, volume, snapshot, bookmark }
    public var name: String
    public var kind: Kind
    public var used: UInt64
    public var usedBySnapshots: UInt64
    public var referenced: UInt64
    public var available: UInt64?
    public var mountpoint: String?
    public var canmount: String?
    public var mounted: Bool?
    public var origin: String?
    public var clones: [String]
    public var creation: Date?
    public var description: String?

    public init(
        name: String, kind: Kind, used: UInt64 = 0, usedBySnapshots: UInt64 = 0, referenced: UInt64 = 0,
        available: UInt64? = nil, mountpoint: String? = nil, canmount: String? = nil, mounted: Bool? = nil,
        origin: String? = nil, clones: [String] = [], creation: Date? = nil, description: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.used = used
        self.usedBySnapshots = usedBySnapshots
        self.referenced = referenced
        self.available = available
        self.mountpoint = mountpoint
        self.canmount = canmount
        self.mounted = mounted
        self.origin = origin
        self.clones = clones
        self.creation = creation
        self.description = description
    }

    /// `rpool/ROOT/default` for `rpool/ROOT/default@x`, the name itself otherwise.
    public var datasetName: Substring {
        if let at = name.firstIndex(of: "@") { return name[..<at] }
        return name[...]
    }
    public var snapshotName: Substring? {
        guard let at = name.firstIndex(of: "@") else { return nil }
        return name[name.index(after: at)...]
    }
}

package enum BEListing {
    public static let descriptionProperty = "org.kldload:description"
    /// The columns of the one listing call, in order.
    public static let columns = [
        "name", "type", "used", "usedbysnapshots", "referenced", "available", "mountpoint", "canmount",
        "mounted", "origin", "clones", "creation", descriptionProperty,
    ]

    /// Parses the output of `SystemQuery.bootEnvironmentRecords(root:)` with the shared `ZFSListParser` (tab-separated
    /// fields, `-` for none, exact numbers and epoch seconds with -p) and keeps what kbe needs.
    public static func parse(_ text: String) throws(ParseError) -> [BERecord] {
        var records: [BERecord] = []
        try forEachRecord(text) { (r: BERecord) throws(ParseError) in records.append(r) }
        return records
    }

    /// `parse` one record at a time, in list order, without an array of all rows: what
    /// `BootEnvironmentInventory.Builder` consumes (Docs/PERFORMANCE.md, peak memory).
    public static func forEachRecord(_ text: String, _ body: (BERecord) throws(ParseError) -> Void) throws(ParseError) {
        // Reads the fields in place (no per-row property list, numbers decoded from the bytes):
        // 100k rows in well under the time `awk` needs to split them (Docs/PERFORMANCE.md).
        try ZFSListParser.forEachRow(text, columns: columns) { (row: ZFSListRow) throws(ParseError) in
            let i = row.index
            func str(_ k: Int) -> String { row.string(k) }
            func isDash(_ k: Int) -> Bool { row.withField(k) { $0.count == 1 && $0[0] == 0x2D } }
            func num(_ k: Int) throws(ParseError) -> UInt64? {
                // `-` → nil; otherwise what `UInt64(String)` accepts: an optional `+`, then
                // one or more ASCII digits, no overflow.
                let value: UInt64?? = row.withField(k) { b in
                    if b.count == 1 && b[0] == 0x2D { return .some(nil) }
                    var j = 0
                    if j < b.count && b[j] == 0x2B { j += 1 }
                    guard j < b.count else { return nil }
                    var v: UInt64 = 0
                    while j < b.count {
                        let d = b[j] &- 0x30
                        guard d <= 9 else { return nil }
                        let (m, o1) = v.multipliedReportingOverflow(by: 10)
                        let (s, o2) = m.addingReportingOverflow(UInt64(d))
                        if o1 || o2 { return nil }
                        v = s
                        j += 1
                    }
                    return .some(v)
                }
                guard let value else {
                    throw ParseError(
                        source: "zfs list -Hp", line: i + 1, text: str(0),
                        reason: "\(columns[k]) is not an exact number: '\(str(k))' (was -p given?)")
                }
                return value
            }
            let mounted: Bool? = row.withField(8) { b in
                if b.elementsEqual("yes".utf8) { return true }
                if b.elementsEqual("no".utf8) { return false }
                return nil
            }
            try body(try record(row: i, source: "zfs list -Hp", string: str, isDash: isDash, number: num, mounted: mounted))
        }
    }

    /// The output of `jsonCommand(root:)` → the records `parse` gives for the `-Hp` text of the
    /// same state. A value is read as it is, newlines and TABs included: JSON escapes them.
    public static func parseJSON(_ text: String) throws(ParseError) -> [BERecord] {
        var records: [BERecord] = []
        try forEachRecordJSON(text) { (r: BERecord) throws(ParseError) in records.append(r) }
        return records
    }

    /// `parseJSON` one record at a time, in list order.
    public static func forEachRecordJSON(_ text: String, _ body: (BERecord) throws(ParseError) -> Void) throws(ParseError) {
        let source = "zfs list -j"
        try ZFSListJSONParser.forEachDataset(text, columns: columns) { (i: Int, name: String, v: [String]) throws(ParseError) in
            func num(_ k: Int) throws(ParseError) -> UInt64? {
                if v[k] == "-" { return nil }
                guard let n = UInt64(v[k]) else {
                    throw ParseError(source: source, line: i + 1, text: name,
                                     reason: "\(columns[k]) is not an exact number: '\(v[k])' (was --json-int given?)")
                }
                return n
            }
            let mounted: Bool? = v[8] == "yes" ? true : v[8] == "no" ? false : nil
            try body(try record(row: i, source: source, string: { v[$0] }, isDash: { v[$0] == "-" },
                                number: num, mounted: mounted))
        }
    }

    /// One record from the fields of one row, in `columns` order (both forms).
    @inline(__always)
    static func record(row i: Int, source: String, string str: (Int) -> String, isDash: (Int) -> Bool,
                       number num: (Int) throws(ParseError) -> UInt64?, mounted: Bool?) throws(ParseError) -> BERecord {
        func opt(_ k: Int) -> String? { isDash(k) ? nil : str(k) }
        let name = str(0)
        let type = str(1)
        guard let kind = BERecord.Kind(rawValue: type) else {
            throw ParseError(source: source, line: i + 1, text: name, reason: "unknown type '\(type)'")
        }
        let clones = isDash(10) ? [] : str(10).split(separator: ",").map(String.init)
        return BERecord(
            name: name, kind: kind, used: try num(2) ?? 0, usedBySnapshots: try num(3) ?? 0,
            referenced: try num(4) ?? 0, available: try num(5), mountpoint: opt(6), canmount: opt(7),
            mounted: mounted, origin: opt(9),
            clones: clones, creation: try num(11).map { Date(timeIntervalSince1970: TimeInterval($0)) },
            description: opt(12))
    }

    /// `zpool get -Hp bootfs POOL` → the bootfs value (nil when unset, `-`).
    public static func parseBootfs(_ text: String, pool: String) throws(ParseError) -> String? {
        ZpoolGetParser.value("bootfs", pool: pool, in: try ZpoolGetParser.parse(text))
    }
}
