import Foundation

/// `dnf check-update` (dnf 4) / `dnf check-upgrade` (dnf5). Exit status 100 means updates are
/// available, 0 none, 1 an error: see `DnfParser.checkUpdateHasUpdates(exitStatus:)`.
public struct DnfCheckUpdate: Sendable, Hashable, Codable {
    public var updates: [PackageUpgrade]
    public var obsoletes: [DnfObsolete]
    /// Lines that are not package rows (metadata expiration notices, security notices), verbatim.
    public var messages: [String]

    public init(updates: [PackageUpgrade] = [], obsoletes: [DnfObsolete] = [], messages: [String] = []) {
        self.updates = updates
        self.obsoletes = obsoletes
        self.messages = messages
    }
}

/// One row of the `Obsoleting Packages` section: the new package and the installed packages it
/// replaces (printed below it, indented by four spaces).
public struct DnfObsolete: Sendable, Hashable, Codable {
    public var obsoleting: PackageUpgrade
    public var obsoleted: [PackageUpgrade]
}

/// The transaction table `dnf upgrade --assumeno` prints (dnf 4 `Output.list_transaction`,
/// dnf5 `libdnf5-cli` transaction table).
public struct DnfTransaction: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case install, upgrade, downgrade, reinstall, remove
    }

    public struct Entry: Sendable, Hashable, Codable {
        /// The section heading as printed, without the colon (`Installing dependencies`).
        public var section: String
        public var kind: Kind
        public var package: PackageUpgrade
        /// Size column as printed (`1.7 M`, `450.7 KiB`).
        public var size: String?
        /// The packages this one replaces (`replacing` lines): obsoleted packages, and in dnf5
        /// the old version of an upgraded package.
        public var replacing: [PackageUpgrade]

        /// `package`: the benchmark's values floor (`kldload-bench`, `dnf-transaction-values`).
        package init(section: String, kind: Kind, package: PackageUpgrade, size: String?, replacing: [PackageUpgrade]) {
            self.section = section
            self.kind = kind
            self.package = package
            self.size = size
            self.replacing = replacing
        }
    }

    public var entries: [Entry]
    /// `Transaction Summary` counts by verb, lower case: dnf 4 `install`, `upgrade`, `remove`,
    /// `downgrade`, `reinstall`; dnf5 `installing`, `upgrading`, `replacing`, `removing`, ….
    public var summary: [String: Int]
    public var messages: [String]

    /// `package`: the benchmark's values floor (`kldload-bench`, `dnf-transaction-values`).
    package init(entries: [Entry], summary: [String: Int], messages: [String]) {
        self.entries = entries
        self.summary = summary
        self.messages = messages
    }

    public var upgrades: [Entry] { entries.filter { $0.kind == .upgrade } }
    public var installs: [Entry] { entries.filter { $0.kind == .install } }
    public var removals: [Entry] { entries.filter { $0.kind == .remove } }
    public var isEmpty: Bool { entries.isEmpty }
}

/// Parsers for dnf 4 and dnf5 output, written against dnf's `dnf/cli/output.py`
/// (`fmtColumns`, `simpleList`, `updatesObsoletesList`, `list_transaction`) and dnf5's
/// `check-upgrade.cpp` / `PackageListSections`. Run dnf with `LC_ALL=C`. Terminal colour escapes
/// (present when dnf ran on a tty) are removed first.
package enum DnfParser {
    /// dnf check-update exits 100 when updates are available, 0 when there are none.
    public static func checkUpdateHasUpdates(exitStatus: Int32) -> Bool? {
        switch exitStatus {
        case 100: return true
        case 0: return false
        default: return nil
        }
    }

    static func splitNameArch(_ s: Substring) -> (String, String?) {
        guard let dot = s.lastIndex(of: "."), dot != s.startIndex, s.index(after: dot) < s.endIndex else {
            return (String(s), nil)
        }
        return (String(s[..<dot]), String(s[s.index(after: dot)...]))
    }

    /// `splitNameArch` of the bytes `r` of an ASCII line: split at the last `.` unless it is
    /// the first or the last byte.
    static func splitNameArch(_ l: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> (String, String?) {
        guard let dot = r.last(where: { l[$0] == UInt8(ascii: ".") }), dot != r.lowerBound, dot + 1 < r.upperBound else {
            return (ParserText.string(l, r), nil)
        }
        return (ParserText.string(l, r.lowerBound..<dot), ParserText.string(l, (dot + 1)..<r.upperBound))
    }

    static func looksLikeNameArch(_ s: Substring) -> Bool {
        guard let dot = s.lastIndex(of: "."), dot != s.startIndex, s.index(after: dot) < s.endIndex else { return false }
        return !s.hasSuffix(":") && !s.contains("/")
    }

    /// `dnf check-update` / `dnf5 check-upgrade` stdout.
    ///
    /// Rows are `name.arch  evr  repo`. When a column is wider than its slot dnf 4 ends the line
    /// after it and continues on the next line indented to the next column, so a long name stands
    /// alone on its line. After the updates comes `Obsoleting Packages` (dnf5: `Obsoleting packages`):
    /// each obsoleting package row is followed by the installed packages it obsoletes, indented
    /// by four spaces, with an `@repo` (installed) repository.
    public static func parseCheckUpdate(_ text: String) throws(ParseError) -> DnfCheckUpdate {
        let source = "dnf check-update"
        var result = DnfCheckUpdate()
        var inObsoletes = false
        var pending: [Substring] = []
        var pendingIndented = false
        var pendingLine = 0
        var pendingText: Substring = ""
        var lineNumber = 0

        func emit(_ words: [Substring], indented: Bool) {
            let (name, arch) = splitNameArch(words[0])
            let up = PackageUpgrade(name: name, arch: arch, newVersion: String(words[1]), repository: String(words[2]))
            if inObsoletes {
                if indented, !result.obsoletes.isEmpty {
                    result.obsoletes[result.obsoletes.count - 1].obsoleted.append(up)
                } else {
                    result.obsoletes.append(DnfObsolete(obsoleting: up, obsoleted: []))
                }
            } else {
                result.updates.append(up)
            }
        }

        for raw in ParserText.lines(ParserText.stripANSI(text)) {
            lineNumber += 1
            let words = ParserText.words(raw)
            if !pending.isEmpty {
                // A wrapped row continues on an indented line.
                if ParserText.isIndented(raw) && !words.isEmpty && pending.count + words.count <= 3 {
                    pending += words
                    if pending.count == 3 {
                        emit(pending, indented: pendingIndented)
                        pending = []
                    }
                    continue
                }
                throw ParseError(source: source, line: pendingLine, text: String(pendingText),
                                 reason: "package row is missing its version and repository columns")
            }
            if words.isEmpty { continue }
            let trimmed = ParserText.trimmed(raw)
            if trimmed.lowercased().hasPrefix("obsoleting packages") {
                inObsoletes = true
                continue
            }
            let indented = ParserText.isIndented(raw)
            if words.count == 3 && looksLikeNameArch(words[0]) && words[1].contains(where: { $0.isNumber }) {
                emit(words, indented: indented)
            } else if words.count < 3 && looksLikeNameArch(words[0])
                        && (words.count == 1 || words[1].contains(where: { $0.isNumber })) {
                pending = Array(words)
                pendingIndented = indented
                pendingLine = lineNumber
                pendingText = raw
            } else {
                result.messages.append(String(trimmed))
            }
        }
        if !pending.isEmpty {
            throw ParseError(source: source, line: pendingLine, text: String(pendingText),
                             reason: "package row is missing its version and repository columns")
        }
        return result
    }

    /// The action of a transaction-table section heading (`Upgrading`, `Installing dependencies`,
    /// `Removing unused dependencies`, …). `nil` for headings whose rows are not packages
    /// (module streams, groups, skipped packages) and for the past-tense result lists dnf prints
    /// after a real transaction (`Upgraded:`, `Installed:`, `Removed:`).
    static func kind(ofSection s: String) -> DnfTransaction.Kind? {
        let l = s.lowercased()
        if l.contains("module") || (l.contains("group") && !l.contains("packages")) || l.contains("environment") {
            return nil
        }
        if l.hasPrefix("upgrading") || l.hasPrefix("updating") { return .upgrade }
        if l.hasPrefix("installing") { return .install }
        if l.hasPrefix("reinstalling") { return .reinstall }
        if l.hasPrefix("downgrading") { return .downgrade }
        if l.hasPrefix("removing") || l.hasPrefix("erasing") { return .remove }
        return nil
    }

    /// The transaction table of `dnf upgrade --assumeno` (dnf 4 and dnf5).
    ///
    /// dnf 4: `====` rules, a ` Package  Arch  Version  Repository  Size` header, sections
    /// `Upgrading:` … with rows ` name  arch  evr  repo  size` (a too-long name ends its line and
    /// the row continues indented on the next), `     replacing  name.arch evr` lines, then
    /// `Transaction Summary` and `Upgrade  5 Packages`.
    /// dnf5: `Package  Arch  Version  Repository  Size`, sections, rows, `   replacing name arch evr
    /// repo size`, then `Transaction Summary:` and ` Upgrading:   3 packages`.
    ///
    /// One byte scan over the lines: the rows and `replacing` lines of package sections are read
    /// from their bytes when ASCII (`Transaction.byteLine`); every other line, and any line with
    /// a non-ASCII byte, by `Transaction.line` on Characters, which gives the same result for
    /// ASCII lines (Docs/PERFORMANCE.md; `PackageManagerByteScanTests`).
    public static func parseTransaction(_ text: String) throws(ParseError) -> DnfTransaction {
        let text = ParserText.stripANSI(text)
        var state = Transaction()
        state.tx.entries.reserveCapacity(ParserText.lineFeeds(text) + 1)
        var w: [Range<Int>] = []
        let error = ParserText.forEachLine(text) { l, lineNumber -> ParseError? in
            do throws(ParseError) {
                if ParserText.isASCII(l), state.byteLine(l, lineNumber, words: &w) { return nil }
                try state.line(Substring(ParserText.string(l)), lineNumber: lineNumber)
                return nil
            } catch { return error }
        }
        if let error { throw error }
        return try state.finish()
    }

    /// Every line by Characters: the reference the byte scan is compared with in the tests.
    static func parseTransactionByCharacters(_ text: String) throws(ParseError) -> DnfTransaction {
        var state = Transaction()
        for (i, raw) in ParserText.lines(ParserText.stripANSI(text)).enumerated() { try state.line(raw, lineNumber: i + 1) }
        return try state.finish()
    }

    static let transactionSource = "dnf upgrade --assumeno"

    /// The transaction read so far: the section being read, and a row wrapped onto the next line.
    struct Transaction {
        var tx = DnfTransaction(entries: [], summary: [:], messages: [])
        var section: String?
        var sectionKind: DnfTransaction.Kind?
        var inSummary = false
        /// The words so far of a row wrapped onto the next line (a long name ends its line).
        var pending: [String] = []
        var pendingLine = 0
        var pendingText = ""
        var repositories = ParserText.Interner()

        mutating func emitRow(_ t: [String]) {
            guard let section, let sectionKind else { return }
            tx.entries.append(.init(section: section, kind: sectionKind,
                                    package: PackageUpgrade(name: t[0], arch: t[1], newVersion: t[2], repository: t[3]),
                                    size: t.count > 4 ? t[4...].joined(separator: " ") : nil, replacing: []))
        }

        mutating func line(_ raw: Substring, lineNumber: Int) throws(ParseError) {
            let words = ParserText.words(raw)
            let trimmed = ParserText.trimmed(raw)
            if !pending.isEmpty {
                if ParserText.isIndented(raw) && !words.isEmpty && words.first != "replacing" {
                    for word in words { pending.append(String(word)) }
                    if pending.count >= 5 { emitRow(pending); pending = [] }
                    return
                }
                throw ParseError(source: transactionSource, line: pendingLine, text: pendingText,
                                 reason: "transaction row is missing columns (expected name, arch, version, repository, size)")
            }
            if words.isEmpty {
                section = nil
                sectionKind = nil
                inSummary = false
                return
            }
            if trimmed.allSatisfy({ $0 == "=" || $0 == "-" }) { return }
            let lower = trimmed.lowercased()
            if lower.hasPrefix("transaction summary") {
                inSummary = true
                section = nil
                sectionKind = nil
                return
            }
            if inSummary {
                // dnf 4: "Upgrade  5 Packages"; dnf5: " Upgrading:   3 packages".
                if words.count >= 3, let n = Int(words[1]), words[2].lowercased().hasPrefix("package") {
                    var verb = words[0].lowercased()
                    if verb.hasSuffix(":") { verb.removeLast() }
                    tx.summary[verb, default: 0] += n
                } else {
                    tx.messages.append(String(trimmed))
                }
                return
            }
            // Column header line of the table.
            if words.count >= 4 && words[0] == "Package" && (words[1] == "Arch" || words[1] == "Architecture") { return }
            if !ParserText.isIndented(raw) {
                if trimmed.hasSuffix(":") && words.count <= 6 {
                    let name = String(trimmed.dropLast())
                    section = name
                    sectionKind = kind(ofSection: name)
                } else {
                    section = nil
                    sectionKind = nil
                    tx.messages.append(String(trimmed))
                }
                return
            }
            guard section != nil, sectionKind != nil else {
                tx.messages.append(String(trimmed))
                return
            }
            if words[0] == "replacing" {
                guard !tx.entries.isEmpty else {
                    throw ParseError(source: transactionSource, line: lineNumber, text: String(raw), reason: "`replacing` line before any package row")
                }
                let old: PackageUpgrade
                if words.count == 3 {
                    let (name, arch) = splitNameArch(words[1])
                    old = PackageUpgrade(name: name, arch: arch, newVersion: String(words[2]))
                } else if words.count >= 4 {
                    old = PackageUpgrade(name: String(words[1]), arch: String(words[2]), newVersion: String(words[3]),
                                         repository: words.count > 4 ? String(words[4]) : nil)
                } else {
                    throw ParseError(source: transactionSource, line: lineNumber, text: String(raw), reason: "`replacing` line without a version")
                }
                addReplacing(old)
                return
            }
            if words.count >= 5 {
                emitRow(words.map(String.init))
            } else {
                pending = words.map(String.init)
                pendingLine = lineNumber
                pendingText = String(raw)
            }
        }

        /// The byte path, for an ASCII line inside a package section: package rows (also a row
        /// wrapped onto the next line) and `replacing` lines. False for every other line and for
        /// every error (`line` reads it, and reports the error). Only the values become
        /// `String`s: no per-row temporaries; the entry is built in place in `tx.entries`.
        mutating func byteLine(_ l: UnsafeBufferPointer<UInt8>, _ lineNumber: Int, words w: inout [Range<Int>]) -> Bool {
            guard !inSummary, let section, let sectionKind, ParserText.isIndented(l) else { return false }
            let count = ParserText.words(l, 0..<l.count, into: &w)
            guard count > 0 else { return false }
            let replacing = ParserText.equals(l, w[0], "replacing")
            if !pending.isEmpty {
                guard !replacing else { return false }
                for r in w { pending.append(ParserText.string(l, r)) }
                if pending.count >= 5 { emitRow(pending); pending = [] }
                return true
            }
            // A rule, the summary heading, the column header: `line`.
            guard count > 1 || !w[0].allSatisfy({ l[$0] == UInt8(ascii: "=") || l[$0] == UInt8(ascii: "-") }),
                  !ParserText.equalsIgnoringCase(l, w[0], "transaction"),
                  !ParserText.equals(l, w[0], "Package")
            else { return false }
            if replacing {
                guard !tx.entries.isEmpty, count >= 3 else { return false }
                if count == 3 {
                    let (name, arch) = splitNameArch(l, w[1])
                    addReplacing(PackageUpgrade(name: name, arch: arch, newVersion: ParserText.string(l, w[2])))
                } else {
                    addReplacing(PackageUpgrade(name: ParserText.string(l, w[1]), arch: ParserText.string(l, w[2]),
                                                newVersion: ParserText.string(l, w[3]),
                                                repository: count > 4 ? ParserText.string(l, w[4]) : nil))
                }
                return true
            }
            if count >= 5 {
                tx.entries.append(.init(section: section, kind: sectionKind,
                                        package: PackageUpgrade(name: ParserText.string(l, w[0]), arch: ParserText.string(l, w[1]),
                                                                newVersion: ParserText.string(l, w[2]),
                                                                repository: repositories.string(l, w[3])),
                                        size: ParserText.joined(l, w[4...]), replacing: []))
            } else {
                pending = w.map { ParserText.string(l, $0) }
                pendingLine = lineNumber
                pendingText = ParserText.string(l)
            }
            return true
        }

        /// A `replacing` line: the last row replaces `old` (in dnf5 its own older version).
        mutating func addReplacing(_ old: PackageUpgrade) {
            let i = tx.entries.count - 1
            tx.entries[i].replacing.append(old)
            if old.name == tx.entries[i].package.name && tx.entries[i].package.currentVersion == nil {
                tx.entries[i].package.currentVersion = old.newVersion
            }
        }

        func finish() throws(ParseError) -> DnfTransaction {
            if !pending.isEmpty {
                throw ParseError(source: transactionSource, line: pendingLine, text: pendingText,
                                 reason: "transaction row is missing columns (expected name, arch, version, repository, size)")
            }
            return tx
        }
    }
}
