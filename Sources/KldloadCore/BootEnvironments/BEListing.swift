import Foundation

/// One dataset or snapshot of the BE root as kbe needs it, from the single listing call
/// `BEListing.command(beRoot:)`.
///
/// TEMPORARY ADAPTER: the text parsing below is a minimal stand-in until the shared
/// `zfs list -Hp` / `zfs get -Hp` / `zpool get -Hp` parsers (branch `zfsparse`) are merged;
/// then `parse` converts their `Dataset` values instead of splitting text itself.
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

public enum BEListing {
    public static let descriptionProperty = "org.kldload:description"
    /// The columns of the one listing call, in order.
    public static let columns = [
        "name", "type", "used", "usedbysnapshots", "referenced", "available", "mountpoint", "canmount",
        "mounted", "origin", "clones", "creation", descriptionProperty,
    ]

    /// The one `zfs list` call `kbe list` makes (plus `zpool get bootfs`).
    public static func command(root: String, depth: Int? = nil, types: String = "filesystem,volume,snapshot") -> Command {
        var argv = ["zfs", "list", "-Hp", "-t", types]
        if let depth { argv += ["-d", String(depth)] } else { argv.append("-r") }
        argv += ["-o", columns.joined(separator: ","), root]
        return Command(argv)
    }

    /// Parses the output of `command(root:)`: one line per dataset, fields separated by tabs
    /// only (values may contain spaces), `-` for "none", exact numbers and epoch seconds (-p).
    public static func parse(_ text: String) throws(ParseError) -> [BERecord] {
        var records: [BERecord] = []
        var lineNumber = 0
        let source = "zfs list -Hp"
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == columns.count else {
                throw ParseError(
                    source: source, line: lineNumber, text: String(line),
                    reason: "expected \(columns.count) tab-separated fields (\(columns.joined(separator: ","))), got \(f.count)")
            }
            func num(_ i: Int) throws(ParseError) -> UInt64? {
                if f[i] == "-" { return nil }
                guard let v = UInt64(f[i]) else {
                    throw ParseError(
                        source: source, line: lineNumber, text: String(line),
                        reason: "\(columns[i]) is not an exact number: '\(f[i])' (was -p given?)")
                }
                return v
            }
            func opt(_ i: Int) -> String? { f[i] == "-" ? nil : String(f[i]) }
            guard let kind = BERecord.Kind(rawValue: String(f[1])) else {
                throw ParseError(source: source, line: lineNumber, text: String(line), reason: "unknown type '\(f[1])'")
            }
            guard !f[0].isEmpty else {
                throw ParseError(source: source, line: lineNumber, text: String(line), reason: "empty dataset name")
            }
            let clones = f[10] == "-" ? [] : f[10].split(separator: ",").map(String.init)
            let creation = try num(11).map { Date(timeIntervalSince1970: TimeInterval($0)) }
            let mounted: Bool? = f[8] == "yes" ? true : (f[8] == "no" ? false : nil)
            records.append(
                BERecord(
                    name: String(f[0]), kind: kind, used: try num(2) ?? 0, usedBySnapshots: try num(3) ?? 0,
                    referenced: try num(4) ?? 0, available: try num(5), mountpoint: opt(6), canmount: opt(7),
                    mounted: mounted, origin: opt(9), clones: clones, creation: creation, description: opt(12)))
        }
        return records
    }

    /// `zpool get -Hp bootfs POOL` → the bootfs value (nil when unset, `-`).
    public static func bootfsCommand(pool: String) -> Command { Command(["zpool", "get", "-Hp", "bootfs", pool]) }

    public static func parseBootfs(_ text: String) throws(ParseError) -> String? {
        for (i, line) in text.split(separator: "\n").enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 4 else {
                throw ParseError(
                    source: "zpool get -Hp", line: i + 1, text: String(line),
                    reason: "expected 4 tab-separated fields (name, property, value, source)")
            }
            if f[1] == "bootfs" {
                let value = f[2..<(f.count - 1)].joined(separator: "\t")
                return value == "-" || value.isEmpty ? nil : value
            }
        }
        return nil
    }

    /// `zfs get -Hp -s local all DATASET` → property → value (local properties only).
    public static func localPropertiesCommand(_ dataset: String) -> Command {
        Command(["zfs", "get", "-Hp", "-s", "local", "all", dataset])
    }

    public static func parseProperties(_ text: String) throws(ParseError) -> [(String, String)] {
        var out: [(String, String)] = []
        for (i, line) in text.split(separator: "\n").enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 4 else {
                throw ParseError(
                    source: "zfs get -Hp", line: i + 1, text: String(line),
                    reason: "expected 4 tab-separated fields (name, property, value, source)")
            }
            out.append((String(f[1]), f[2..<(f.count - 1)].joined(separator: "\t")))
        }
        return out
    }
}
