/// Parses `rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n'`.
///
/// rpm prints `(none)` for a tag the header lacks: EPOCH on most packages, ARCH on
/// `gpg-pubkey`. Those become `nil`.
public enum RPMQueryParser {
    public static let source = "rpm -qa"

    /// The `--qf` format this parser expects (pass as one argv element).
    public static let queryFormat = "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n"

    public static func parse(_ text: String) throws(ParseError) -> [Package] {
        var packages: [Package] = []
        var lineNumber = 0
        for raw in ParserText.lines(text) {
            lineNumber += 1
            if ParserText.trimmed(raw).isEmpty { continue }
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
            packages.append(Package(
                name: String(name),
                epoch: (epoch == "(none)" || epoch.isEmpty) ? nil : String(epoch),
                version: String(version),
                release: (release == "(none)" || release.isEmpty) ? nil : String(release),
                arch: (arch == "(none)" || arch.isEmpty) ? nil : String(arch)))
        }
        return packages
    }
}
