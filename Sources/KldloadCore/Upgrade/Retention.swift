/// Step 12: keep the newest N pre-upgrade checkpoints made by kupgrade.
///
/// Never destroyed: a checkpoint a user made (no `org.kldload:kupgrade-version` property, even
/// if it is called `pre-upgrade-…`), one with clones (a BE was made from it), the newest one.
package enum Retention {
    public struct Row: Sendable, Hashable {
        /// The snapshot name after `@`.
        public var name: String
        public var creation: UInt64
        /// The `clones` property: `-` or empty when none.
        public var clones: String
        /// `org.kldload:kupgrade-version`: `-` when not set (not made by kupgrade).
        public var kupgradeVersion: String

        public init(name: String, creation: UInt64, clones: String, kupgradeVersion: String) {
            self.name = name
            self.creation = creation
            self.clones = clones
            self.kupgradeVersion = kupgradeVersion
        }

        public var madeByKupgrade: Bool {
            name.hasPrefix("pre-upgrade-") && kupgradeVersion != "-" && !kupgradeVersion.isEmpty
        }
        public var hasClones: Bool { clones != "-" && !clones.isEmpty }
    }

    /// The columns of the one `zfs list` call retention makes (`SystemQuery.retentionRows(of:)`).
    static let columns = ["name", "creation", "clones", "org.kldload:kupgrade-version"]

    /// Rows of `SystemQuery.retentionRows(of:)`'s output; lines that do not have four tab-separated fields are
    /// a `ParseError` naming the line (retention must not act on a misread listing).
    public static func parse(_ text: String) throws(ParseError) -> [Row] {
        // The shared `zfs list -Hp` parser (field counts, snapshot names); only the columns are ours.
        try rows(ZFSListParser.parseSnapshots(text, columns: columns))
    }

    static func rows(_ snapshots: [Snapshot]) throws(ParseError) -> [Row] {
        var rows: [Row] = []
        rows.reserveCapacity(snapshots.count)
        for (i, s) in snapshots.enumerated() {
            guard let creation = s["creation"].flatMap({ UInt64($0) }) else {
                throw ParseError(source: "zfs list -Hp (retention)", line: i + 1, text: s.fullName,
                                 reason: "creation is not a number of seconds")
            }
            rows.append(Row(name: s.name, creation: creation, clones: s["clones"] ?? "-",
                            kupgradeVersion: s["org.kldload:kupgrade-version"] ?? "-"))
        }
        return rows
    }

    /// Which checkpoints to destroy (oldest first) and which old ones are spared because of clones.
    public static func select(_ rows: [Row], keep: Int, current: String?) -> (destroy: [String], spared: [String]) {
        let ours = rows.filter(\.madeByKupgrade).sorted { ($0.creation, $0.name) < ($1.creation, $1.name) }
        guard ours.count > max(keep, 1) else { return ([], []) }
        let old = ours.dropLast(max(keep, 1))
        var destroy: [String] = []
        var spared: [String] = []
        for row in old where row.name != current {
            if row.hasClones { spared.append(row.name) } else { destroy.append(row.name) }
        }
        return (destroy, spared)
    }
}
