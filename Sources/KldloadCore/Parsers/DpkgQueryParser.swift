/// dpkg's three-letter `${db:Status-Abbrev}`: desired action, package status, error flag
/// (dpkg-query(1), `pkg_abbrev_want/status/eflag` in dpkg's lib/dpkg/pkg-show.c).
public struct DpkgStatus: Sendable, Hashable, Codable, CustomStringConvertible {
    /// u=unknown i=install h=hold r=remove p=purge
    public var want: Character
    /// n=not-installed c=config-files H=half-installed U=unpacked F=half-configured
    /// W=triggers-awaited t=triggers-pending i=installed
    public var status: Character
    /// R=reinst-required, or " " when fine.
    public var error: Character

    public init(want: Character, status: Character, error: Character = " ") {
        self.want = want
        self.status = status
        self.error = error
    }

    public var description: String { String([want, status, error]) }

    /// The package's files and version are on the system: installed, or installed with triggers
    /// still pending/awaited. `rc` (removed, config files left), `un`, half-installed,
    /// unpacked-not-configured are not.
    public var isInstalled: Bool { status == "i" || status == "t" || status == "W" }

    enum CodingKeys: CodingKey { case abbrev }
    public init(from decoder: any Decoder) throws {
        let s = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .abbrev)
        let c = Array(s)
        self.init(want: c.first ?? "u", status: c.count > 1 ? c[1] : "n", error: c.count > 2 ? c[2] : " ")
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(description, forKey: .abbrev)
    }
}

/// One line of `dpkg-query -W`: a package and its dpkg status.
public struct DpkgEntry: Sendable, Hashable, Codable {
    public var status: DpkgStatus
    public var package: Package
}

/// Parses `dpkg-query -W -f '${db:Status-Abbrev}\t${binary:Package}\t${Version}\t${Architecture}\n'`.
///
/// `${binary:Package}` carries a `:arch` suffix for Multi-Arch: same packages and foreign-arch
/// packages (`libc6:amd64`); the suffix is dropped from `name` (the arch is its own field).
/// `${Version}` is `[epoch:]upstream[-revision]`; packages in `un`/`pn` state have an empty one.
package enum DpkgQueryParser {
    public static let source = "dpkg-query -W"

    public static let showFormat = "${db:Status-Abbrev}\\t${binary:Package}\\t${Version}\\t${Architecture}\\n"

    /// Every line, whatever its status. One byte scan: an ASCII line is split on its bytes; a
    /// line with other bytes goes through `parseLine` (Characters), which gives the same
    /// result for ASCII, so both paths agree (Docs/PERFORMANCE.md).
    public static func parseEntries(_ text: String) throws(ParseError) -> [DpkgEntry] {
        var entries: [DpkgEntry] = []
        entries.reserveCapacity(ParserText.lineFeeds(text) + 1)
        var f: [Int] = []
        f.reserveCapacity(6)
        let error = ParserText.forEachLine(text) { l, lineNumber -> ParseError? in
            guard ParserText.isASCII(l) else {
                return ParserText.viaCharacters(l, lineNumber, into: &entries) { (raw, n) throws(ParseError) in try parseLine(raw, lineNumber: n) }
            }
            if ParserText.isBlank(l) { return nil }
            let count = ParserText.tabFields(l, into: &f, limit: 4)
            func field(_ k: Int) -> Range<Int> { f[k]..<(f[k + 1] - 1) }
            guard count == 4 else {
                return ParseError(source: source, line: lineNumber, text: ParserText.string(l, 0..<l.count),
                                  reason: "expected 4 tab-separated fields Status-Abbrev Package Version Architecture, found \(count)")
            }
            let abbrev = field(0)
            guard abbrev.count >= 2, abbrev.count <= 3 else {
                return ParseError(source: source, line: lineNumber, text: ParserText.string(l, 0..<l.count),
                                  reason: "status abbreviation must be 2-3 letters")
            }
            func char(_ i: Int) -> Character { Character(Unicode.Scalar(l[i])) }
            let status = DpkgStatus(want: char(abbrev.lowerBound), status: char(abbrev.lowerBound + 1),
                                    error: abbrev.count == 3 ? char(abbrev.lowerBound + 2) : " ")
            var name = field(1)
            guard !name.isEmpty else {
                return ParseError(source: source, line: lineNumber, text: ParserText.string(l, 0..<l.count), reason: "empty package name")
            }
            let archRange = field(3)
            let arch = archRange.isEmpty ? nil : ParserText.string(l, archRange)
            if let colon = name.last(where: { l[$0] == 0x3A }) { name = name.lowerBound..<colon }
            let version = field(2)
            let package = version.isEmpty
                ? Package(name: ParserText.string(l, name), version: "", arch: arch)
                : Package(ascii: l, name: name, fullVersion: version, arch: arch)
            entries.append(DpkgEntry(status: status, package: package))
            return nil
        }
        if let error { throw error }
        return entries
    }

    /// One line by Characters (nil for a blank line).
    static func parseLine(_ raw: Substring, lineNumber: Int) throws(ParseError) -> DpkgEntry? {
        if ParserText.trimmed(raw).isEmpty { return nil }
        let f = raw.split(separator: "\t", omittingEmptySubsequences: false)
        guard f.count == 4 else {
            throw ParseError(source: source, line: lineNumber, text: String(raw),
                             reason: "expected 4 tab-separated fields Status-Abbrev Package Version Architecture, found \(f.count)")
        }
        let abbrev = Array(f[0])
        guard abbrev.count >= 2, abbrev.count <= 3 else {
            throw ParseError(source: source, line: lineNumber, text: String(raw), reason: "status abbreviation must be 2-3 letters")
        }
        let status = DpkgStatus(want: abbrev[0], status: abbrev[1], error: abbrev.count == 3 ? abbrev[2] : " ")
        var name = f[1]
        guard !name.isEmpty else {
            throw ParseError(source: source, line: lineNumber, text: String(raw), reason: "empty package name")
        }
        let arch = f[3].isEmpty ? nil : String(f[3])
        if let colon = name.lastIndex(of: ":") { name = name[..<colon] }
        let version = String(f[2])
        let package = version.isEmpty
            ? Package(name: String(name), version: "", arch: arch)
            : Package(name: String(name), fullVersion: version, arch: arch)
        return DpkgEntry(status: status, package: package)
    }

    /// Installed packages only (`ii`, `hi`, and installed with pending triggers); `rc`, `un` and
    /// half-installed packages are left out.
    public static func parse(_ text: String) throws(ParseError) -> [Package] {
        try parseEntries(text).filter { $0.status.isInstalled }.map(\.package)
    }
}
