import Foundation

/// Which package database a side of a diff was read from, and so which version order applies.
public enum PackageDatabaseKind: String, Sendable, Hashable, Codable, CaseIterable {
    case dpkg, rpm, pacman

    /// -1, 0 or 1 in this manager's own version order.
    public func compare(_ a: String, _ b: String) -> Int {
        switch self {
        case .dpkg: return DebianVersion.compare(a, b)
        case .rpm: return RPMVersion.compare(a, b)
        case .pacman: return PacmanVersion.compare(a, b)
        }
    }

    /// The identity of a package across two databases: dpkg's `${binary:Package}` (already
    /// `name:arch` for Multi-Arch: same), rpm's `name.arch` (x86_64 and i686 builds are separate
    /// packages), pacman's name.
    func key(_ p: Package) -> String {
        switch self {
        case .dpkg, .pacman: return p.name
        case .rpm: return p.arch.map { "\(p.name).\($0)" } ?? p.name
        }
    }
}

/// What changed between two package databases (from `old` to `new`), each list sorted by name.
/// A package installed in several versions at once (rpm's installonly kernels) is compared as a
/// set: versions only in `new` are added, versions only in `old` removed; a package with one
/// version on each side is upgraded or downgraded by the manager's own order.
public struct PackageDiff: Sendable, Hashable, Codable {
    public struct Change: Sendable, Hashable, Codable {
        public var name: String
        public var arch: String?
        public var from: String
        public var to: String
    }

    public var database: PackageDatabaseKind
    public var added: [Package] = []
    public var removed: [Package] = []
    public var upgraded: [Change] = []
    public var downgraded: [Change] = []
    /// Packages present with the same version(s) on both sides.
    public var unchanged = 0

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && upgraded.isEmpty && downgraded.isEmpty }

    public init(database: PackageDatabaseKind) { self.database = database }

    /// O(n log n) for the final sort, linear otherwise; one comparison per changed package.
    public static func compute(old: [Package], new: [Package], database: PackageDatabaseKind) -> PackageDiff {
        var diff = PackageDiff(database: database)
        var before: [String: [Package]] = [:]
        before.reserveCapacity(old.count)
        for p in old { before[database.key(p), default: []].append(p) }
        var after: [String: [Package]] = [:]
        after.reserveCapacity(new.count)
        for p in new { after[database.key(p), default: []].append(p) }
        for (key, olds) in before {
            guard let news = after[key] else {
                diff.removed += olds
                continue
            }
            if olds.count == 1, news.count == 1 {
                let o = olds[0], n = news[0]
                if o.fullVersion == n.fullVersion {
                    diff.unchanged += 1
                    continue
                }
                let c = database.compare(o.fullVersion, n.fullVersion)
                let change = Change(name: n.name, arch: n.arch, from: o.fullVersion, to: n.fullVersion)
                if c < 0 {
                    diff.upgraded.append(change)
                } else if c > 0 {
                    diff.downgraded.append(change)
                } else {
                    diff.unchanged += 1  // equal in the manager's order (`1.0` and `0:1.0`)
                }
                continue
            }
            let oldVersions = Set(olds.map(\.fullVersion)), newVersions = Set(news.map(\.fullVersion))
            diff.removed += olds.filter { !newVersions.contains($0.fullVersion) }
            diff.added += news.filter { !oldVersions.contains($0.fullVersion) }
            if olds.contains(where: { newVersions.contains($0.fullVersion) }) { diff.unchanged += 1 }
        }
        for (key, news) in after where before[key] == nil { diff.added += news }
        let byPackage = { (a: Package, b: Package) in (a.name, a.fullVersion) < (b.name, b.fullVersion) }
        diff.added.sort(by: byPackage)
        diff.removed.sort(by: byPackage)
        diff.upgraded.sort { $0.name < $1.name }
        diff.downgraded.sort { $0.name < $1.name }
        return diff
    }

    /// Human lines: a count line, then `+ name version`, `- name version`,
    /// `↑ name from -> to`, `↓ name from -> to`; at most `limit` package lines (the rest counted).
    public func lines(limit: Int? = nil) -> [String] {
        var out = [
            "packages (\(database.rawValue)): \(upgraded.count) upgraded, \(downgraded.count) downgraded, \(added.count) added, \(removed.count) removed, \(unchanged) unchanged"
        ]
        var body: [String] = []
        body += upgraded.map { "  upgraded    \($0.name) \($0.from) -> \($0.to)" }
        body += downgraded.map { "  downgraded  \($0.name) \($0.from) -> \($0.to)" }
        body += added.map { "  added       \($0.name) \($0.fullVersion)" }
        body += removed.map { "  removed     \($0.name) \($0.fullVersion)" }
        if let limit, body.count > limit {
            out += body.prefix(limit)
            out.append("  … and \(body.count - limit) more (kbe diff shows all)")
        } else {
            out += body
        }
        return out
    }
}
