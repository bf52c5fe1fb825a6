import Foundation

/// A dependency as pacman prints it in `Depends On`: `name`, `name=ver`, `name>=ver`, `name<ver`…
/// (alpm_dep_compute_string: name, then the operator, then the version, no blanks).
public struct PacmanDependency: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Relation: String, Sendable, Hashable, Codable {
        case equal = "=", greaterOrEqual = ">=", lessOrEqual = "<=", greater = ">", less = "<"
    }

    public var name: String
    public var relation: Relation?
    public var version: String?

    public init(name: String, relation: Relation? = nil, version: String? = nil) {
        self.name = name
        self.relation = relation
        self.version = version
    }

    /// Parses `linux=6.12.1.arch1-1`. A `: description` suffix (optional deps) is dropped.
    public init(_ text: Substring) {
        var s = text
        if let colon = s.firstIndex(of: ":") { s = ParserText.trimmed(s[..<colon]) }
        if let op = s.firstIndex(where: { $0 == "=" || $0 == "<" || $0 == ">" }) {
            let name = s[..<op]
            var rest = s[op...]
            var opText = String(rest.prefix(1))
            rest = rest.dropFirst()
            if rest.first == "=" { opText += "="; rest = rest.dropFirst() }
            self.init(name: String(name), relation: Relation(rawValue: opText), version: String(rest))
        } else {
            self.init(name: String(s))
        }
    }

    public var description: String {
        guard let relation, let version else { return name }
        return name + relation.rawValue + version
    }
}

/// One package block of `pacman -Si` / `pacman -Qi`.
public struct PacmanPackageInfo: Sendable, Hashable, Codable {
    /// Field label (e.g. `Depends On`) → value with wrapped continuation lines joined by one space.
    public var fields: [String: String]

    public var name: String? { fields["Name"] }
    public var version: String? { fields["Version"] }
    public var repository: String? { fields["Repository"] }
    /// `Depends On`, split on blanks; `None` is empty.
    public var dependsOn: [PacmanDependency] { Self.list(fields["Depends On"]).map { PacmanDependency($0) } }
    public var provides: [PacmanDependency] { Self.list(fields["Provides"]).map { PacmanDependency($0) } }

    static func list(_ value: String?) -> [Substring] {
        guard let value, value != "None" else { return [] }
        return ParserText.words(Substring(value))
    }

    /// The version this package pins `dependency` to with `=`, e.g. `zfs-linux` → `linux`
    /// gives `6.12.1.arch1-1`.
    public func requiredVersion(of dependency: String) -> String? {
        dependsOn.first { $0.name == dependency && $0.relation == .equal }?.version
    }
}

/// Parsers for pacman's query output (pacman's src/pacman/package.c and query.c).
package enum PacmanParser {
    /// `pacman -Q`: `name version` per line. One byte scan: an ASCII line is split on its
    /// bytes; a line with other bytes goes through `installedLine` (Characters), which gives the
    /// same result for ASCII (Docs/PERFORMANCE.md).
    public static func parseInstalled(_ text: String) throws(ParseError) -> [Package] {
        var packages: [Package] = []
        packages.reserveCapacity(ParserText.lineFeeds(text) + 1)
        var w: [Range<Int>] = []
        let error = ParserText.forEachLine(text) { l, lineNumber -> ParseError? in
            guard ParserText.isASCII(l) else {
                return ParserText.viaCharacters(l, lineNumber, into: &packages) { (raw, n) throws(ParseError) in try installedLine(raw, lineNumber: n) }
            }
            // The words one after another (no array); all of them only for the error.
            let name = ParserText.word(l, in: 0..<l.count)
            if name.isEmpty { return nil }
            let version = ParserText.word(l, in: name.upperBound..<l.count)
            guard !version.isEmpty, ParserText.word(l, in: version.upperBound..<l.count).isEmpty else {
                return ParseError(source: "pacman -Q", line: lineNumber, text: ParserText.string(l),
                                  reason: "expected `name version`, found \(ParserText.words(l, 0..<l.count, into: &w)) words")
            }
            packages.append(Package(ascii: l, name: name, fullVersion: version, arch: nil))
            return nil
        }
        if let error { throw error }
        return packages
    }

    /// One `pacman -Q` line by Characters (nil for a blank line).
    static func installedLine(_ raw: Substring, lineNumber: Int) throws(ParseError) -> Package? {
        let w = ParserText.words(raw)
        if w.isEmpty { return nil }
        guard w.count == 2 else {
            throw ParseError(source: "pacman -Q", line: lineNumber, text: String(raw),
                             reason: "expected `name version`, found \(w.count) words")
        }
        return Package(name: String(w[0]), fullVersion: String(w[1]))
    }

    /// `pacman -Qu`: `name old -> new`, with ` [ignored]` appended for packages in IgnorePkg /
    /// IgnoreGroup (query.c print_query_fileowner… `display()` for upgrades). One byte scan, as
    /// `parseInstalled`; `upgradeLine` reads a non-ASCII line.
    public static func parseUpgrades(_ text: String) throws(ParseError) -> [PacmanUpgrade] {
        var result: [PacmanUpgrade] = []
        result.reserveCapacity(ParserText.lineFeeds(text) + 1)
        let error = ParserText.forEachLine(text) { l, lineNumber -> ParseError? in
            guard ParserText.isASCII(l) else {
                return ParserText.viaCharacters(l, lineNumber, into: &result) { (raw, n) throws(ParseError) in try upgradeLine(raw, lineNumber: n) }
            }
            // The words one after another (no array).
            let name = ParserText.word(l, in: 0..<l.count)
            if name.isEmpty { return nil }
            let old = ParserText.word(l, in: name.upperBound..<l.count)
            let arrow = ParserText.word(l, in: old.upperBound..<l.count)
            let new = ParserText.word(l, in: arrow.upperBound..<l.count)
            guard !new.isEmpty, ParserText.equals(l, arrow, "->") else {
                return ParseError(source: "pacman -Qu", line: lineNumber, text: ParserText.string(l),
                                  reason: "expected `name old -> new`")
            }
            // More than one word after the new version cannot spell `[ignored]`.
            let extra = ParserText.word(l, in: new.upperBound..<l.count)
            let ignored = ParserText.equals(l, extra, "[ignored]")
            guard extra.isEmpty || ignored && ParserText.word(l, in: extra.upperBound..<l.count).isEmpty else {
                return ParseError(source: "pacman -Qu", line: lineNumber, text: ParserText.string(l),
                                  reason: "unexpected text after the new version")
            }
            result.append(PacmanUpgrade(
                upgrade: PackageUpgrade(name: ParserText.string(l, name), currentVersion: ParserText.string(l, old),
                                        newVersion: ParserText.string(l, new)),
                ignored: ignored))
            return nil
        }
        if let error { throw error }
        return result
    }

    /// One `pacman -Qu` line by Characters (nil for a blank line).
    static func upgradeLine(_ raw: Substring, lineNumber: Int) throws(ParseError) -> PacmanUpgrade? {
        let w = ParserText.words(raw)
        if w.isEmpty { return nil }
        guard w.count >= 4, w[2] == "->" else {
            throw ParseError(source: "pacman -Qu", line: lineNumber, text: String(raw),
                             reason: "expected `name old -> new`")
        }
        let extra = w.dropFirst(4).joined(separator: " ")
        guard extra.isEmpty || extra == "[ignored]" else {
            throw ParseError(source: "pacman -Qu", line: lineNumber, text: String(raw),
                             reason: "unexpected text after the new version")
        }
        return PacmanUpgrade(
            upgrade: PackageUpgrade(name: String(w[0]), currentVersion: String(w[1]), newVersion: String(w[3])),
            ignored: extra == "[ignored]")
    }

    /// `pacman -Si` / `-Qi` (one or more blocks separated by blank lines). pacman prints
    /// `Label<padding> : value`; long lists wrap onto lines indented to the value column.
    public static func parseInfo(_ text: String) throws(ParseError) -> [PacmanPackageInfo] {
        var blocks: [PacmanPackageInfo] = []
        var current: [String: String] = [:]
        var lastKey: String?
        var lineNumber = 0
        func flush() {
            if !current.isEmpty { blocks.append(PacmanPackageInfo(fields: current)) }
            current = [:]
            lastKey = nil
        }
        for raw in ParserText.lines(text) {
            lineNumber += 1
            if ParserText.trimmed(raw).isEmpty { flush(); continue }
            if ParserText.isIndented(raw) {
                guard let key = lastKey else {
                    throw ParseError(source: "pacman -Si", line: lineNumber, text: String(raw),
                                     reason: "continuation line before any field")
                }
                let add = ParserText.trimmed(raw)
                let old = current[key] ?? ""
                current[key] = old.isEmpty ? String(add) : old + " " + add
                continue
            }
            guard let colon = raw.range(of: " : ") ?? raw.range(of: " :") else {
                throw ParseError(source: "pacman -Si", line: lineNumber, text: String(raw),
                                 reason: "expected `Label : value`")
            }
            let key = String(ParserText.trimmed(raw[..<colon.lowerBound]))
            let value = String(ParserText.trimmed(raw[colon.upperBound...]))
            current[key] = value
            lastKey = key
        }
        flush()
        return blocks
    }
}

/// One line of `pacman -Qu`.
public struct PacmanUpgrade: Sendable, Hashable, Codable {
    public var upgrade: PackageUpgrade
    /// pacman marks packages held by IgnorePkg/IgnoreGroup with ` [ignored]`.
    public var ignored: Bool

    /// `package`: the benchmark's values floor (`kldload-bench`, `pacman-upgrades-values`).
    package init(upgrade: PackageUpgrade, ignored: Bool) {
        self.upgrade = upgrade
        self.ignored = ignored
    }
}
