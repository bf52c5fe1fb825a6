import Foundation

/// Parses `zpool status [-P] [-x] [-v] [-s] [-t] [-i] [pool…]` of ZFS on Linux 0.6 through
/// OpenZFS 2.3, as printed by `status_callback` in openzfs `cmd/zpool/zpool_main.c`:
///
/// ```
///   pool: tank                      ← labels right-aligned in 6 columns + ": "
///  state: DEGRADED
/// status: One or more devices …     ← continuation lines start with a TAB
///         (or 8 spaces where a web page turned tabs into spaces)
/// action: …
///    see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P
///   scan: resilver in progress since … (0, 1 or 2 scan: sections; see `ScanStatus`)
/// config:
///
/// 	NAME        STATE     READ WRITE CKSUM    ← "\t%-*s  %-8s %5s %5s %5s" (+SLOW with -s)
/// 	tank        DEGRADED     0     0     0    ← "\t%*s%-*s  %-8s" + counters + annotation
/// 	  mirror-0  DEGRADED     0     0     0    ← each level indents 2 more spaces
/// 	    sda     ONLINE       0     0     0  (resilvering)
/// 	logs                                      ← group headers at the pool's indentation
/// 	spares
/// 	  sdd       AVAIL                         ← spares: state only, no counters
///
/// errors: No known data errors
/// ```
///
/// Pools are separated by blank lines; the parser splits on `pool:` labels instead, because
/// blank lines also occur inside one pool. Depth in the tree comes from each line's leading
/// whitespace relative to the pool's line (TAB = next multiple of 8), never from fixed
/// widths, so both TAB and space-mangled copies parse. Vdev names may contain spaces: the
/// name ends at the first word that is a vdev state.
package enum ZpoolStatusParser {
    public static let source = "zpool status"

    static let knownLabels: Set<String> = [
        "pool", "id", "state", "status", "action", "see", "scan", "scrub", "remove", "checkpoint",
        "expand", "trim", "config", "errors", "comment", "dedup", "prefetch",
    ]
    static let maxDepth = 32

    /// One scan of the text's UTF-8 bytes, split into lines where `String.split(separator:
    /// "\n")` splits (`ParserText.forEachLine(breaks: .lineFeed)`: CR LF is one Character, so
    /// only an LF not preceded by CR ends a line; a CR ending the text is dropped). The lines that
    /// make up almost all of a large pool — vdev lines of the config tree, TAB-indented, ASCII,
    /// no escape codes — are tokenized on their bytes (`ConfigBuilder.addASCII`); every other
    /// line (labels, messages, `errors:`, non-ASCII, colours) goes through `Reader.line`, the
    /// Character code, which hands vdev lines to the same `ConfigBuilder.addTokens` core.
    /// `ZpoolStatusByteScanTests` compares the result with the Character parser this replaced.
    public static func parse(_ text: String) throws(ParseError) -> ZpoolStatusReport {
        var reader = Reader()
        let failure = ParserText.forEachLine(text, breaks: .lineFeed) { line, lineNo -> ParseError? in
            do throws(ParseError) { try reader.line(line, lineNo: lineNo) } catch { return error }
            return nil
        }
        if let failure { throw failure }
        return try reader.finish()
    }

    /// The line-by-line state: pools finished so far, the pool being read, a one-line message.
    struct Reader {
        var pools: [PoolStatus] = []
        var message: ZpoolStatusReport.Message?
        fileprivate var current: PoolBuilder?

        mutating func line(_ bytes: UnsafeBufferPointer<UInt8>, lineNo: Int) throws(ParseError) {
            if current?.takesConfigLines == true, isIndentedBeyondLabels(bytes),
               try current!.config.addASCII(bytes, lineNo: lineNo) {
                return
            }
            try line(Substring(String(decoding: bytes, as: UTF8.self)), lineNo: lineNo)
        }

        /// Starts with a TAB or eight spaces: no label line (those have at most seven spaces).
        func isIndentedBeyondLabels(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            guard let first = bytes.first else { return false }
            if first == 0x09 { return true }
            return bytes.count >= 8 && bytes.prefix(8).allSatisfy { $0 == 0x20 }
        }

        /// One line by Characters (the per-line code of the parser before the byte scan).
        mutating func line(_ rawLine: Substring, lineNo: Int) throws(ParseError) {
            var line = rawLine
            // ZFS_COLOR / a terminal makes zpool wrap labels and states in ANSI SGR codes.
            if line.utf8.contains(0x1B) { line = stripANSI(line) }
            if let (label, rest) = labelLine(line) {
                if label == "pool" {
                    if var c = current {
                        current = nil
                        pools.append(try c.finish())
                    }
                    guard !rest.isEmpty else {
                        throw ParseError(source: source, line: lineNo, text: String(line), reason: "'pool:' without a pool name")
                    }
                    current = PoolBuilder(name: String(rest), line: lineNo, lineText: String(line))
                    return
                }
                guard current != nil else {
                    throw ParseError(source: source, line: lineNo, text: String(line),
                                     reason: "'\(label):' before any 'pool:' line; is this zpool status output?")
                }
                try current!.label(label, rest, line: lineNo, text: String(line))
                return
            }
            let trimmed = trimWhitespace(line)
            guard current != nil else {
                if trimmed.isEmpty { return }
                if trimmed == "all pools are healthy" { message = .allPoolsHealthy; return }
                if trimmed == "no pools available" { message = .noPoolsAvailable; return }
                if trimmed.hasPrefix("pool '") && trimmed.hasSuffix("' is healthy") {
                    let name = trimmed.dropFirst(6).dropLast(12)
                    message = .poolHealthy(String(name))
                    return
                }
                throw ParseError(source: source, line: lineNo, text: String(line),
                                 reason: "unexpected text before the first 'pool:' line; is this zpool status output?")
            }
            if trimmed.isEmpty { return }
            try current!.content(line, trimmed: trimmed, line: lineNo)
        }

        mutating func finish() throws(ParseError) -> ZpoolStatusReport {
            if var c = current {
                current = nil
                pools.append(try c.finish())
            }
            return ZpoolStatusReport(pools: pools, message: message)
        }
    }

    /// `  pool: tank` → ("pool", "tank"). At most 7 leading spaces, no TAB, a known lower-case
    /// label, a colon, then space/TAB/end.
    static func labelLine(_ line: Substring) -> (String, Substring)? {
        var i = line.startIndex
        var spaces = 0
        while i < line.endIndex, line[i] == " " {
            spaces += 1
            if spaces > 7 { return nil }
            i = line.index(after: i)
        }
        let wordStart = i
        while i < line.endIndex, let a = line[i].asciiValue, a >= 0x61 && a <= 0x7A {
            i = line.index(after: i)
        }
        guard i > wordStart, i < line.endIndex, line[i] == ":" else { return nil }
        let word = String(line[wordStart..<i])
        guard knownLabels.contains(word) else { return nil }
        let afterColon = line.index(after: i)
        if afterColon < line.endIndex, line[afterColon] != " " && line[afterColon] != "\t" { return nil }
        return (word, trimWhitespace(line[afterColon...]))
    }

    /// Removes `ESC [ … <letter>` sequences (printf_color in zpool_main.c).
    static func stripANSI(_ s: Substring) -> Substring {
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == "\u{1B}" {
                var j = s.index(after: i)
                if j < s.endIndex, s[j] == "[" {
                    j = s.index(after: j)
                    while j < s.endIndex, let a = s[j].asciiValue, !((a >= 0x40 && a <= 0x7E) && a != 0x5B) {
                        j = s.index(after: j)
                    }
                    if j < s.endIndex { j = s.index(after: j) }
                }
                i = j
                continue
            }
            out.append(c)
            i = s.index(after: i)
        }
        return Substring(out)
    }

    static func trimWhitespace(_ s: Substring) -> Substring {
        ParserText.trimmed(s)
    }
}

// MARK: - One pool

private struct PoolBuilder {
    enum Section { case fields, config, errors }

    let name: String
    let line: Int
    let lineText: String
    var state: PoolState?
    var fields: [(label: String, lines: [String])] = []
    var section: Section = .fields
    var config = ConfigBuilder()
    var configUndetermined = false
    var errorSentences: [String] = []
    var errorFiles: [String] = []

    init(name: String, line: Int, lineText: String) {
        self.name = name
        self.line = line
        self.lineText = lineText
    }

    mutating func label(_ label: String, _ rest: Substring, line: Int, text: String) throws(ParseError) {
        switch label {
        case "state":
            guard !rest.isEmpty else {
                throw ParseError(source: ZpoolStatusParser.source, line: line, text: text, reason: "'state:' without a state")
            }
            state = PoolState(rest)
            section = .fields
        case "config":
            section = .config
            if !rest.isEmpty { configUndetermined = true }
        case "errors":
            section = .errors
            if !rest.isEmpty { errorSentences.append(String(rest)) }
        default:
            section = .fields
            fields.append((label, rest.isEmpty ? [] : [String(rest)]))
        }
    }

    /// Vdev lines go to `config` now.
    var takesConfigLines: Bool { section == .config && !configUndetermined }

    mutating func content(_ line: Substring, trimmed: Substring, line lineNo: Int) throws(ParseError) {
        switch section {
        case .fields:
            if fields.isEmpty {
                fields.append(("", [String(trimmed)]))
            } else {
                fields[fields.count - 1].lines.append(String(trimmed))
            }
        case .config:
            if configUndetermined { return }
            try config.add(line, lineNo: lineNo)
        case .errors:
            errorFiles.append(String(trimmed))
        }
    }

    mutating func finish() throws(ParseError) -> PoolStatus {
        guard let state else {
            throw ParseError(source: ZpoolStatusParser.source, line: line, text: lineText,
                             reason: "pool '\(name)' has no 'state:' line (output cut short?)")
        }
        var pool = PoolStatus(name: name, state: state)
        for (label, lines) in fields {
            switch label {
            case "status": pool.status = lines.joined(separator: " ")
            case "action": pool.action = lines.joined(separator: " ")
            case "see": pool.see = lines.joined(separator: " ")
            case "scan", "scrub": pool.scans.append(ScanParser.parse(lines))
            default:
                let key = label.isEmpty ? "unlabelled" : label
                let joined = lines.joined(separator: "\n")
                if let old = pool.otherSections[key] {
                    pool.otherSections[key] = old + "\n" + joined
                } else {
                    pool.otherSections[key] = joined
                }
            }
        }
        if !configUndetermined {
            let (root, groups) = config.build()
            pool.root = root
            pool.groups = groups
        }
        pool.errors = dataErrors()
        return pool
    }

    func dataErrors() -> PoolDataErrors? {
        if errorSentences.isEmpty && errorFiles.isEmpty { return nil }
        var count: UInt64?
        var sawNone = false
        var sawFiles = false
        var others: [String] = []
        for s in errorSentences {
            if s == "No known data errors" {
                sawNone = true
            } else if s.hasSuffix("data errors, use '-v' for a list") || s.hasSuffix("data errors, use '-v' for a list.") {
                count = parseExactUInt64(s.prefix { $0 != " " })
            } else if s.hasPrefix("Permanent errors have been detected") {
                sawFiles = true
            } else {
                others.append(s)
            }
        }
        if sawFiles { return .files(errorFiles) }
        if let count { return .count(count) }
        if !others.isEmpty { return .other((others + errorFiles).joined(separator: "\n")) }
        if sawNone && errorFiles.isEmpty { return PoolDataErrors.none }
        return .other((errorSentences + errorFiles).joined(separator: "\n"))
    }
}

// MARK: - Config tree

/// The vdev tree of one pool, built as its lines arrive, in place: the open vdevs (the pool, or
/// after a group header the group's top-level vdev, then one per level down to the current
/// line) are each the last child of the one before, so only their indentations are kept
/// (`open`). A line at indentation `d` closes every open vdev at `d` or deeper and is appended
/// straight into its parent's `children` (or the group's `vdevs`), where it stays: no vdev is
/// moved after it is made, and there is no table of all nodes. Lines are tokenized on their
/// bytes (`addASCII`) or, with non-ASCII bytes, on Characters (`add`); both hand the same UTF-8
/// ranges to `addTokens`.
private struct ConfigBuilder {
    /// What a column after STATE holds (the header's words: READ WRITE CKSUM [SLOW] [POWER] …).
    enum Column { case read, write, cksum, slow, power, other }

    var columns: [Column] = [.read, .write, .cksum]
    var sawHeader = false
    var hasRoot = false
    var baseIndent = 0
    /// The pool's line, with its tree below it.
    var root: VDev?
    /// Group sections (logs, cache, spares, …); once the first starts the pool's tree is closed.
    var groups: [VDevGroupSection] = []
    /// Indentations of the open vdevs, outermost first: the pool's (before any group header)
    /// or the last group's last top-level vdev's, then one per level down.
    var open: [Int] = []
    /// Scratch: start and end offsets of the current line's words (the first `tokenCount`),
    /// reused from line to line: overwritten in place, grown only for a line with more words.
    var tokens: [Int] = []
    var tokenCount = 0

    mutating func push(_ offset: Int) {
        if tokenCount < tokens.count { tokens[tokenCount] = offset } else { tokens.append(offset) }
        tokenCount += 1
    }

    static func column(_ word: String) -> Column {
        switch word {
        case "READ": return .read
        case "WRITE": return .write
        case "CKSUM": return .cksum
        case "SLOW": return .slow
        case "POWER": return .power
        default: return .other
        }
    }

    /// An ASCII line: visual indentation (TAB → next multiple of 8) and words, from its bytes.
    /// False, having changed nothing, when the line holds a non-ASCII byte or ESC (colours):
    /// then it goes the Character way.
    mutating func addASCII(_ l: UnsafeBufferPointer<UInt8>, lineNo: Int) throws(ParseError) -> Bool {
        var indent = 0
        var i = 0
        let n = l.count
        while i < n {
            let b = l[i]
            if b == 0x20 { indent += 1 } else if b == 0x09 { indent = (indent / 8 + 1) * 8 } else { break }
            i += 1
        }
        tokenCount = 0
        while i < n {
            var b = l[i]
            if b == 0x20 || b == 0x09 { i += 1; continue }
            push(i)
            repeat {
                if b >= 0x80 || b == 0x1B { return false }
                i += 1
                if i == n { break }
                b = l[i]
            } while b != 0x20 && b != 0x09
            push(i)
        }
        try addTokens(l, indent: indent, lineNo: lineNo)
        return true
    }

    /// Any other config line (non-ASCII bytes, colours removed, fewer than eight leading spaces):
    /// indentation and words by Characters (a space followed by a combining mark is no space),
    /// as UTF-8 offsets into the line.
    mutating func add(_ line: Substring, lineNo: Int) throws(ParseError) {
        var text = String(line)
        let s = Substring(text)
        var indent = 0
        var i = s.startIndex
        var offset = 0  // UTF-8 offset of i
        while i < s.endIndex {
            let c = s[i]
            if c == " " { indent += 1 } else if c == "\t" { indent = (indent / 8 + 1) * 8 } else { break }
            offset += c.utf8.count
            i = s.index(after: i)
        }
        tokenCount = 0
        var inWord = false
        while i < s.endIndex {
            let c = s[i]
            if c == " " || c == "\t" {
                if inWord { push(offset); inWord = false }
            } else if !inWord {
                push(offset)
                inWord = true
            }
            offset += c.utf8.count
            i = s.index(after: i)
        }
        if inWord { push(offset) }
        var failure: ParseError?
        text.withUTF8 { l in
            do throws(ParseError) { try addTokens(l, indent: indent, lineNo: lineNo) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// One config line given its indentation and the offsets of its words in `tokens`.
    mutating func addTokens(_ l: UnsafeBufferPointer<UInt8>, indent: Int, lineNo: Int) throws(ParseError) {
        let count = tokenCount / 2
        guard count > 0 else { return }
        func word(_ k: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: l[tokens[2 * k]..<tokens[2 * k + 1]]) }
        func string(_ k: Int) -> String { String(decoding: word(k), as: UTF8.self) }
        func fail(_ reason: String) -> ParseError {
            ParseError(source: ZpoolStatusParser.source, line: lineNo, text: String(decoding: l, as: UTF8.self), reason: reason)
        }
        // No word canonically equals NAME, STATE, "-", "on" or "off" but the ASCII bytes, so
        // these compare as bytes; the others go through the model's String initialisers.
        if !sawHeader && !hasRoot && Self.equals(word(0), "NAME") {
            sawHeader = true
            if count >= 2, Self.equals(word(1), "STATE") {
                columns = (2..<count).map { Self.column(string($0)) }
            }
            return
        }
        if count == 1, hasRoot, indent <= baseIndent, let g = VDevGroup(header: string(0)) {
            open.removeAll(keepingCapacity: true)
            groups.append(VDevGroupSection(group: g, vdevs: []))
            return
        }
        // The state: the first word after the name that is a vdev state. Every state word starts
        // with an ASCII capital (and none with K, which U+212A KELVIN SIGN also spells).
        var stateIndex = 1
        var state: VDevState?
        while stateIndex < count {
            let w = word(stateIndex)
            if w[0] >= 0x41 && w[0] <= 0x5A && w.count <= 32, let st = Self.state(w) {
                state = st
                break
            }
            stateIndex += 1
        }
        guard let state else { throw fail("config line without a vdev state (ONLINE, DEGRADED, AVAIL, …)") }
        let name = String(decoding: UnsafeBufferPointer(rebasing: l[tokens[0]..<tokens[2 * stateIndex - 1]]), as: UTF8.self)
        var readErrors, writeErrors, checksumErrors, slowIOs: NiceNumber?
        var next = stateIndex + 1
        columns: for column in columns {
            guard next < count else { break }
            let w = word(next)
            switch column {
            case .read, .write, .cksum, .slow:
                if column == .slow && Self.equals(w, "-") {
                    // interior vdevs print "-" in the SLOW column
                } else {
                    guard let number = NiceNumber.parse(utf8: w) else { break columns }
                    switch column {
                    case .read: readErrors = number
                    case .write: writeErrors = number
                    case .cksum: checksumErrors = number
                    default: slowIOs = number
                    }
                }
            case .power:
                // zpool status --power (2.2+): on / off / - for leaves, empty otherwise.
                guard Self.equals(w, "on") || Self.equals(w, "off") || Self.equals(w, "-") else { break columns }
            case .other:
                break columns
            }
            next += 1
        }
        // The annotation: from the next unused word to the end, without trailing blanks.
        var annotation: String?
        if next < count {
            let start = tokens[2 * next]
            var end = l.count
            while end > start && (l[end - 1] == 0x20 || l[end - 1] == 0x09) { end -= 1 }
            annotation = String(decoding: UnsafeBufferPointer(rebasing: l[start..<end]), as: UTF8.self)
        }

        let kind: VDevKind
        if !hasRoot {
            kind = .pool
        } else {
            guard indent > baseIndent else {
                throw fail("vdev line not indented below the pool line and not a logs/cache/spares/special/dedup header")
            }
            // Only names starting with one of these bytes can be anything but a disk.
            switch l[tokens[0]] {
            case 0x6D where Self.isMirror(l, tokens[0], tokens[1]) && stateIndex == 1: kind = .mirror
            case 0x6D, 0x72, 0x73, 0x69, 0x68, 0x64, 0x2F: kind = VDevKind.classify(name)  // m r s i h d /
            default: kind = .disk
            }
        }
        // Made once, moved to its place in the tree (no copy, nothing left to destroy here).
        let vdev = VDev(name: consume name, kind: kind, state: state, readErrors: consume readErrors,
                        writeErrors: consume writeErrors, checksumErrors: consume checksumErrors,
                        slowIOs: consume slowIOs, annotation: consume annotation)
        guard hasRoot else {
            hasRoot = true
            baseIndent = indent
            root = consume vdev
            open.removeAll(keepingCapacity: true)
            open.append(indent)
            return
        }
        while let last = open.last, last >= indent { open.removeLast() }
        if groups.isEmpty {
            // The pool (open[0], never closed here: indent > baseIndent) is the parent's root.
            guard !open.isEmpty else { throw fail("vdev line has no parent in the tree") }
            Self.append(consume vdev, to: &root!.children, depth: open.count - 1)
        } else {
            Self.append(consume vdev, to: &groups[groups.count - 1].vdevs, depth: open.count)
        }
        open.append(indent)
        if open.count > ZpoolStatusParser.maxDepth {
            throw fail("vdev tree deeper than \(ZpoolStatusParser.maxDepth) levels")
        }
    }

    /// `mirror-<digits>` in ASCII, what `VDevKind.classify` calls a mirror (the common case, on
    /// a third of the lines of a pool of two-way mirrors, decided without Characters).
    static func isMirror(_ l: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start > 7, equals(UnsafeBufferPointer(rebasing: l[start..<(start + 7)]), "mirror-") else { return false }
        return l[(start + 7)..<end].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func equals(_ w: UnsafeBufferPointer<UInt8>, _ ascii: StaticString) -> Bool {
        guard w.count == ascii.utf8CodeUnitCount else { return false }
        let p = ascii.utf8Start
        for k in 0..<w.count where w[k] != p[k] { return false }
        return true
    }

    /// Appends `child` to `vdevs` (`depth` 0) or to the children of the open vdev `depth`
    /// levels below it (each the last of its siblings), in place.
    static func append(_ child: consuming VDev, to vdevs: inout [VDev], depth: Int) {
        guard depth > 0 else {
            // Most parents (mirrors, replacing, spare) get two children: one allocation, not two.
            if vdevs.isEmpty { vdevs.reserveCapacity(2) }
            vdevs.append(child)
            return
        }
        append(child, to: &vdevs[vdevs.count - 1].children, depth: depth - 1)
    }

    /// `VDevState(word:)` on the bytes of an ASCII word (the same answer: ASCII strings are
    /// canonically equal only when their bytes are); other words through the `String`.
    static func state(_ w: UnsafeBufferPointer<UInt8>) -> VDevState? {
        guard ParserText.isASCII(w) else { return VDevState(word: String(decoding: w, as: UTF8.self)) }
        switch w.count {
        case 5:
            if equals(w, "SPLIT") { return .split }
            if equals(w, "AVAIL") { return .avail }
            if equals(w, "INUSE") { return .inUse }
        case 6:
            if equals(w, "ONLINE") { return .online }
        case 7:
            if equals(w, "FAULTED") { return .faulted }
            if equals(w, "OFFLINE") { return .offline }
            if equals(w, "REMOVED") { return .removed }
            if equals(w, "UNAVAIL") { return .unavail }
            if equals(w, "UNKNOWN") { return .unknown("UNKNOWN") }
        case 8:
            if equals(w, "DEGRADED") { return .degraded }
        case 9:
            if equals(w, "SUSPENDED") { return .unknown("SUSPENDED") }
        default: break
        }
        return nil
    }

    mutating func build() -> (VDev?, [VDevGroupSection]) {
        (root, groups)
    }
}

// MARK: - scan: sections

enum ScanParser {
    static func parse(_ lines: [String]) -> ScanStatus {
        let first = lines.first ?? ""
        var scan = ScanStatus(kind: nil, state: .unknown, text: lines.joined(separator: "\n"))
        if first == "none requested" {
            scan.state = .noneRequested
            for l in lines.dropFirst() { clauses(l, into: &scan) }
            return scan
        }
        var rest = Substring(first)
        if rest.hasPrefix("scrubbed ") {
            // scrubbed N error blocks in D days HH:MM:SS on DATE
            scan.kind = .errorScrub
            scan.state = .finished
            let body = rest.dropFirst("scrubbed ".count)
            scan.errors = parseExactUInt64(body.prefix { $0 != " " })
            if let inR = body.range(of: " in "), let onR = body.range(of: " on ", range: inR.upperBound..<body.endIndex) {
                scan.duration = String(body[inR.upperBound..<onR.lowerBound])
                scan.endedText = String(body[onR.upperBound...])
            }
        } else if rest.hasPrefix("error scrub ") {
            scan.kind = .errorScrub
            rest = rest.dropFirst("error scrub ".count)
            progressSentence(rest, into: &scan)
        } else if rest.hasPrefix("scrub ") {
            scan.kind = .scrub
            rest = rest.dropFirst("scrub ".count)
            if rest.hasPrefix("repaired ") {
                finishedSentence(rest.dropFirst("repaired ".count), into: &scan)
            } else if rest.hasPrefix("completed after ") {
                finishedSentence(rest.dropFirst("completed ".count), into: &scan, hasAmount: false)
            } else {
                progressSentence(rest, into: &scan)
            }
        } else if rest.hasPrefix("resilvered ") {
            rest = rest.dropFirst("resilvered ".count)
            if rest.hasPrefix("("), let close = rest.firstIndex(of: ")") {
                scan.kind = .sequentialResilver(vdev: String(rest[rest.index(after: rest.startIndex)..<close]))
                rest = ZpoolStatusParser.trimWhitespace(rest[rest.index(after: close)...])
            } else {
                scan.kind = .resilver
            }
            finishedSentence(rest, into: &scan)
        } else if rest.hasPrefix("resilver ") {
            rest = rest.dropFirst("resilver ".count)
            if rest.hasPrefix("("), let close = rest.firstIndex(of: ")") {
                scan.kind = .sequentialResilver(vdev: String(rest[rest.index(after: rest.startIndex)..<close]))
                rest = ZpoolStatusParser.trimWhitespace(rest[rest.index(after: close)...])
            } else {
                scan.kind = .resilver
            }
            if rest.hasPrefix("completed after ") {
                finishedSentence(rest.dropFirst("completed ".count), into: &scan, hasAmount: false)
            } else {
                progressSentence(rest, into: &scan)
            }
        }
        for l in lines.dropFirst() { clauses(l, into: &scan) }
        return scan
    }

    /// `<amount> in <duration> with <n> errors on <date>` (or `after <duration> with …` when
    /// `hasAmount` is false).
    static func finishedSentence(_ s: Substring, into scan: inout ScanStatus, hasAmount: Bool = true) {
        scan.state = .finished
        var body = s
        if hasAmount {
            let amount = body.prefix { $0 != " " }
            scan.processed = NiceNumber.parse(amount)
            body = body.dropFirst(amount.count)
        }
        guard let withR = body.range(of: " with ") else { return }
        let head = ZpoolStatusParser.trimWhitespace(body[..<withR.lowerBound])
        if head.hasPrefix("in ") { scan.duration = String(head.dropFirst(3)) }
        else if head.hasPrefix("after ") { scan.duration = String(head.dropFirst(6)) }
        let tail = body[withR.upperBound...]
        scan.errors = parseExactUInt64(tail.prefix { $0 != " " })
        if let onR = tail.range(of: " on ") {
            scan.endedText = String(tail[onR.upperBound...])
        }
    }

    /// `in progress since <date>`, `paused since <date>`, `canceled on <date>`.
    static func progressSentence(_ s: Substring, into scan: inout ScanStatus) {
        if s.hasPrefix("in progress since ") {
            scan.state = .inProgress
            scan.startedText = String(s.dropFirst("in progress since ".count))
        } else if s.hasPrefix("paused since ") {
            scan.state = .paused
            scan.pausedText = String(s.dropFirst("paused since ".count))
        } else if s.hasPrefix("canceled on ") {
            scan.state = .canceled
            scan.endedText = String(s.dropFirst("canceled on ".count))
        } else if s.hasPrefix("cancelled on ") {
            scan.state = .canceled
            scan.endedText = String(s.dropFirst("cancelled on ".count))
        } else if s.hasPrefix("in progress") {
            scan.state = .inProgress
        }
    }

    /// The figures lines, split at ", " into clauses.
    static func clauses(_ line: String, into scan: inout ScanStatus) {
        if line.hasPrefix("scrub started on ") {
            scan.startedText = String(line.dropFirst("scrub started on ".count))
            return
        }
        if line.hasPrefix("error scrub started on ") {
            scan.startedText = String(line.dropFirst("error scrub started on ".count))
            return
        }
        for clause in line.components(separatedBy: ", ") {
            let c = ZpoolStatusParser.trimWhitespace(Substring(clause))
            if !c.isEmpty { figure(c, into: &scan) }
        }
    }

    static func figure(_ clause: Substring, into scan: inout ScanStatus) {
        let words = clause.split(separator: " ")
        guard let w0 = words.first else { return }
        if clause.hasSuffix(" to go") {
            let t = clause.dropLast(" to go".count)
            // 0.6/0.7 put "… at R/s, 1h2m to go" in one clause after splitting; keep the time only.
            scan.timeToGo = String(t)
            return
        }
        if clause.hasSuffix("% done") {
            // A non-C locale prints a decimal comma ("96,19% done").
            scan.percentDone = Double(clause.dropLast("% done".count).replacingOccurrences(of: ",", with: "."))
            return
        }
        if words.count == 2 && (words[1] == "repaired" || words[1] == "resilvered") {
            scan.processed = NiceNumber.parse(w0)
            return
        }
        if words.count == 2 && words[1] == "total" {
            scan.total = NiceNumber.parse(w0)
            return
        }
        if clause.hasPrefix("issued I/O for "), words.count >= 4 {
            scan.errors = parseExactUInt64(words[3])
            return
        }
        // X [/ T] scanned [at R/s | out of T at R/s] ;  Y [/ T] issued [at] [R/s]
        var i = 1
        var totalWord: Substring?
        if words.count > 2 && words[1] == "/" {
            totalWord = words[2]
            i = 3
        }
        guard i < words.count else { return }
        let verb = words[i]
        guard verb == "scanned" || verb == "issued" else { return }
        var rate: Substring?
        var j = i + 1
        if j < words.count && words[j] == "out", j + 2 < words.count, words[j + 1] == "of" {
            totalWord = words[j + 2]
            j += 3
        }
        if j < words.count && words[j] == "at" { j += 1 }
        if j < words.count && words[j].hasSuffix("/s") { rate = words[j].dropLast(2) }
        let amount = NiceNumber.parse(w0)
        if verb == "scanned" {
            scan.scanned = amount
            scan.scanRate = rate.flatMap { NiceNumber.parse($0) }
        } else {
            scan.issued = amount
            scan.issueRate = rate.flatMap { NiceNumber.parse($0) }
        }
        if let t = totalWord { scan.total = NiceNumber.parse(t) }
    }
}
