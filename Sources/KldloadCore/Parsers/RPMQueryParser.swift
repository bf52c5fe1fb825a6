/// Parses `rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n'`.
///
/// rpm prints `(none)` for a tag the header lacks: EPOCH on most packages, ARCH on
/// `gpg-pubkey`. Those become `nil`.
package enum RPMQueryParser {
    public static let source = "rpm -qa"

    /// The `--qf` format this parser expects (pass as one argv element).
    public static let queryFormat = "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n"

    /// One byte scan: an ASCII line is split on its bytes; a line with other bytes goes through
    /// `parseLine` (Characters), which gives the same result for ASCII (Docs/PERFORMANCE.md).
    public static func parse(_ text: String) throws(ParseError) -> [Package] {
        var packages: [Package] = []
        packages.reserveCapacity(ParserText.lineFeeds(text) + 1)
        var f: [Int] = []
        f.reserveCapacity(7)
        let error = ParserText.forEachLine(text) { l, lineNumber -> ParseError? in
            guard ParserText.isASCII(l) else {
                return ParserText.viaCharacters(l, lineNumber, into: &packages) { (raw, n) throws(ParseError) in try parseLine(raw, lineNumber: n) }
            }
            if ParserText.isBlank(l) { return nil }
            let count = ParserText.tabFields(l, into: &f, limit: 5)
            func field(_ k: Int) -> Range<Int> { f[k]..<(f[k + 1] - 1) }
            func lineText() -> String { ParserText.string(l, 0..<l.count) }
            guard count == 5 else {
                return ParseError(source: source, line: lineNumber, text: lineText(),
                                  reason: "expected 5 tab-separated fields NAME EPOCH VERSION RELEASE ARCH, found \(count)")
            }
            func isNone(_ r: Range<Int>) -> Bool { ParserText.equals(l, r, "(none)") }
            let name = field(0), epoch = field(1), version = field(2), release = field(3), arch = field(4)
            guard !name.isEmpty, !version.isEmpty, !isNone(name), !isNone(version) else {
                return ParseError(source: source, line: lineNumber, text: lineText(), reason: "empty package name or version")
            }
            if !isNone(epoch) && !epoch.isEmpty && !epoch.allSatisfy({ l[$0] >= 0x30 && l[$0] <= 0x39 }) {
                return ParseError(source: source, line: lineNumber, text: lineText(), reason: "epoch is not a number")
            }
            func kept(_ r: Range<Int>) -> Bool { !r.isEmpty && !isNone(r) }
            func optional(_ r: Range<Int>) -> String? { kept(r) ? ParserText.string(l, r) : nil }
            // `Package.joinVersion` straight from the bytes: [epoch:]version[-release].
            let hasEpoch = kept(epoch), hasRelease = kept(release)
            let versionText = ParserText.string(l, version)
            let full = !hasEpoch && !hasRelease ? versionText
                : String(unsafeUninitializedCapacity: version.count + (hasEpoch ? epoch.count + 1 : 0) + (hasRelease ? release.count + 1 : 0)) { buf in
                    var n = 0
                    if hasEpoch {
                        for i in epoch { buf[n] = l[i]; n += 1 }
                        buf[n] = 0x3A; n += 1
                    }
                    for i in version { buf[n] = l[i]; n += 1 }
                    if hasRelease {
                        buf[n] = 0x2D; n += 1
                        for i in release { buf[n] = l[i]; n += 1 }
                    }
                    return n
                }
            packages.append(Package(
                name: ParserText.string(l, name), epoch: optional(epoch), version: versionText,
                release: optional(release), arch: optional(arch), fullVersion: full))
            return nil
        }
        if let error { throw error }
        return packages
    }

    /// One line by Characters (nil for a blank line).
    static func parseLine(_ raw: Substring, lineNumber: Int) throws(ParseError) -> Package? {
        if ParserText.trimmed(raw).isEmpty { return nil }
        let f = raw.split(separator: "\t", omittingEmptySubsequences: false)
        guard f.count == 5 else {
            throw ParseError(source: source, line: lineNumber, text: String(raw),
                             reason: "expected 5 tab-separated fields NAME EPOCH VERSION RELEASE ARCH, found \(f.count)")
        }
        let name = f[0], epoch = f[1], version = f[2], release = f[3], arch = f[4]
        guard !name.isEmpty, !version.isEmpty, name != "(none)", version != "(none)" else {
            throw ParseError(source: source, line: lineNumber, text: String(raw), reason: "empty package name or version")
        }
        if epoch != "(none)" && !epoch.isEmpty && !epoch.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw ParseError(source: source, line: lineNumber, text: String(raw), reason: "epoch is not a number")
        }
        return Package(
            name: String(name),
            epoch: (epoch == "(none)" || epoch.isEmpty) ? nil : String(epoch),
            version: String(version),
            release: (release == "(none)" || release.isEmpty) ? nil : String(release),
            arch: (arch == "(none)" || arch.isEmpty) ? nil : String(arch))
    }
}
