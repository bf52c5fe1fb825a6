import Foundation

/// Checkpoints in one place: how kldload names them, lists them, makes a name unique and
/// chooses what retention destroys. kbe (`create`, `create --be`, `move-pkgdb`, `activate`),
/// kupgrade (its checkpoint, `--new-be`'s name, retention) and the package-manager hooks
/// (`kbe auto-checkpoint`) all use these routines; a checkpoint itself is taken by
/// `BootEnvironmentManager.createCheckpoint` and destroyed by `BootEnvironmentManager.destroy`.
///
/// The prefix convention: every name kldload makes is `PREFIX` + `YYYYMMDD-HHMMSS` (local time
/// of the context's zone), with `-2`, `-3`… appended when the name is taken.
package enum Checkpoints {
    /// The prefixes of the names kldload makes (`Prefix.preUpgrade + stamp`).
    public enum Prefix {
        /// kupgrade's checkpoint before a package transaction.
        public static let preUpgrade = "pre-upgrade-"
        /// `kbe move-pkgdb`'s checkpoint before moving the package database.
        public static let preMovePackageDatabase = "pre-move-pkgdb-"
        /// The new boot environment of `kupgrade --new-be` (a BE name, on the checkpoint's clock).
        public static let upgradeBootEnvironment = "upgrade-"
        /// The snapshot `kbe create --be NAME` clones (`kbe-NAME`, no stamp).
        public static let cloneSource = "kbe-"
        /// A package-manager hook's checkpoint: `auto-apt-`, `auto-dnf-`, `auto-pacman-`.
        public static func hook(_ origin: String) -> String { "auto-" + origin + "-" }
    }

    /// `org.kldload:kupgrade-version`: set on every checkpoint kupgrade takes.
    public static let kupgradeVersionProperty = "org.kldload:kupgrade-version"
    /// `org.kldload:command`: the kupgrade command line that took the checkpoint.
    public static let commandProperty = "org.kldload:command"
    /// `org.kldload:origin`: `apt-hook`, `dnf-hook`, `pacman-hook` on a hook's checkpoint.
    public static let originProperty = "org.kldload:origin"
    /// The value of `originProperty` on a checkpoint of the `origin` hook: `apt-hook`.
    public static func originValue(hook origin: String) -> String { origin + "-hook" }

    // MARK: - Naming

    /// `YYYYMMDD-HHMMSS` of `date` in `timeZone`.
    public static func stamp(at date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ n: Int?, _ width: Int) -> String {
            let s = String(n ?? 0)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(c.year, 4))\(pad(c.month, 2))\(pad(c.day, 2))-\(pad(c.hour, 2))\(pad(c.minute, 2))\(pad(c.second, 2))"
    }

    /// `prefix` + `YYYYMMDD-HHMMSS` (`pre-upgrade-20260325-091530`).
    public static func name(_ prefix: String, at date: Date, timeZone: TimeZone) -> String {
        prefix + stamp(at: date, timeZone: timeZone)
    }

    /// `base`, or `base-2`, `base-3`… whichever is not taken (a checkpoint, boot environment
    /// or mount directory name).
    public static func unique(_ base: String, taken: (String) -> Bool) -> String {
        if !taken(base) { return base }
        var n = 2
        while taken("\(base)-\(n)") { n += 1 }
        return "\(base)-\(n)"
    }

    // MARK: - Listing

    /// One snapshot of a boot environment in a checkpoint listing (`SystemQuery.retentionRows`,
    /// `SystemQuery.autoCheckpointRows`): a column the listing does not ask for reads `-`.
    public struct Row: Sendable, Hashable {
        /// The snapshot name after `@`.
        public var name: String
        /// Seconds since the epoch.
        public var creation: UInt64
        /// The `clones` property: `-` or empty when none.
        public var clones: String
        /// `org.kldload:origin` (`-` when unset).
        public var origin: String
        /// `org.kldload:kupgrade-version` (`-` when unset: not made by kupgrade).
        public var kupgradeVersion: String

        public init(name: String, creation: UInt64, clones: String = "-", origin: String = "-", kupgradeVersion: String = "-") {
            self.name = name
            self.creation = creation
            self.clones = clones
            self.origin = origin
            self.kupgradeVersion = kupgradeVersion
        }

        public var hasClones: Bool { clones != "-" && !clones.isEmpty }
    }

    /// The columns of kupgrade's retention listing (`SystemQuery.retentionRows(of:)`).
    static let retentionColumns = ["name", "creation", "clones", kupgradeVersionProperty]
    /// The columns of the hooks' listing (`SystemQuery.autoCheckpointRows(of:)`).
    static let hookColumns = ["name", "creation", originProperty, kupgradeVersionProperty]

    /// Rows of a `zfs list -Hp -t snapshot -d 1` listing with `columns` (the shared parser checks
    /// field counts and snapshot names). A creation that is not a number is a `ParseError` naming
    /// the line: retention must not act on a misread listing.
    public static func parse(_ text: String, columns: [String], source: String = "zfs list -Hp (checkpoints)")
        throws(ParseError) -> [Row]
    {
        try rows(ZFSListParser.parseSnapshots(text, columns: columns), source: source)
    }

    /// The rows of a listing's snapshots, in either form (text: `parse`, JSON:
    /// `ZFSJSONParser.snapshots`).
    static func rows(_ snapshots: [Snapshot], source: String) throws(ParseError) -> [Row] {
        var rows: [Row] = []
        rows.reserveCapacity(snapshots.count)
        for (i, s) in snapshots.enumerated() {
            guard let creation = s["creation"].flatMap({ UInt64($0) }) else {
                throw ParseError(source: source, line: i + 1, text: s.fullName, reason: "creation is not a number of seconds")
            }
            rows.append(Row(name: s.name, creation: creation, clones: s["clones"] ?? "-", origin: s[originProperty] ?? "-",
                            kupgradeVersion: s[kupgradeVersionProperty] ?? "-"))
        }
        return rows
    }

    // MARK: - Retention

    /// Who made a checkpoint. Retention only ever destroys checkpoints of one owner, recognised by
    /// **both** the name prefix and the property: a snapshot a user made is never touched, even
    /// when it is called `pre-upgrade-…` or `auto-apt-…`.
    public enum Owner: Sendable, Hashable {
        /// `pre-upgrade-…` with `org.kldload:kupgrade-version` set.
        case kupgrade
        /// `auto-ORIGIN-…` with `org.kldload:origin=ORIGIN-hook`.
        case hook(origin: String)

        public var prefix: String {
            switch self {
            case .kupgrade: return Prefix.preUpgrade
            case .hook(let origin): return Prefix.hook(origin)
            }
        }

        public func owns(_ row: Row) -> Bool {
            guard row.name.hasPrefix(prefix) else { return false }
            switch self {
            case .kupgrade: return row.kupgradeVersion != "-" && !row.kupgradeVersion.isEmpty
            case .hook(let origin): return row.origin == originValue(hook: origin)
            }
        }
    }

    /// Which of `owner`'s checkpoints retention destroys (oldest first), and which old ones it
    /// spares because a boot environment was cloned from them. The newest `keep` (at least 1) of
    /// the owner's checkpoints stay. `new` is one taken after `rows` were listed: it counts as
    /// the newest kept one. `current` is never destroyed (the checkpoint of this run).
    public static func retention(
        _ rows: [Row], owner: Owner, keep: Int, new: String? = nil, current: String? = nil,
        hasClones: (Row) -> Bool = { $0.hasClones }
    ) -> (destroy: [String], spared: [String]) {
        let keep = max(keep, 1)
        let ours = rows.filter { owner.owns($0) && $0.name != new }
            .sorted { ($0.creation, $0.name) < ($1.creation, $1.name) }
        let keepExisting = new == nil ? keep : keep - 1
        guard ours.count > keepExisting else { return ([], []) }
        var destroy: [String] = []
        var spared: [String] = []
        for row in ours.dropLast(keepExisting) where row.name != current {
            if hasClones(row) { spared.append(row.name) } else { destroy.append(row.name) }
        }
        return (destroy, spared)
    }
}
