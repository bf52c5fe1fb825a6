import Foundation

/// Parses `dkms status` / `dkms status -k KVER` (stdout, optionally followed by stderr).
///
/// Line shapes, from dell/dkms' `do_status` / `do_status_weak` / `module_status_built_extra`:
/// - dkms ≤ 2.8.5 (comma form): `zfs, 2.1.11, 6.1.0-18-amd64, x86_64: installed` and
///   `zfs, 0.8.3: added`;
/// - dkms 2.8.6+ / 3.x (slash form): `zfs/2.1.11, 6.1.0-18-amd64, x86_64: installed`,
///   `zfs/2.1.11: added`, `zfs/2.1.11: broken`;
/// - weak installs keep the comma form in every version:
///   `zfs, 2.1.11, 5.14.0-1.el9.x86_64, x86_64: installed-weak from 5.14.0-0.el9.x86_64`;
/// - remarks after the state, each in parentheses and possibly repeated: ` (original_module exists)`,
///   ` (WARNING! Diff between built and installed module!)`, ` (WARNING! Missing some built modules!)`
///   (≤ 3.0) and ` (Original modules exist)`, ` (Built modules are missing in the kernel modules folder)`,
///   ` (Differences between built and installed modules)` (3.1+).
///
/// Every other line (`Warning: …`, `Error! …` and its continuation lines, `Deprecated feature: …`,
/// `dkms.conf: Warning! …`) is kept verbatim in `warnings`. When stderr is merged into stdout a
/// message can be glued to the end of a status line (`…: installedDeprecated feature: REMAKE_INITRD`);
/// it is split off into `warnings` too.
package enum DKMSStatusParser {
    public static let source = "dkms status"

    /// Message starts dkms writes with `warn`, `error`, `deprecated` and plain echos.
    static let messagePrefixes = ["Deprecated feature:", "Warning:", "Warning!", "WARNING:", "WARNING!", "Error!", "Error:", "ERROR:"]

    public static func parse(_ stdout: String, stderr: String = "") throws(ParseError) -> DKMSStatus {
        var status = DKMSStatus()
        try parseInto(&status, text: stdout)
        if !stderr.isEmpty {
            // stderr only ever carries messages, never status lines.
            for line in ParserText.lines(stderr) {
                let t = ParserText.trimmed(line)
                if !t.isEmpty { status.warnings.append(String(t)) }
            }
        }
        return status
    }

    /// One scan of the text's UTF-8 bytes: an ASCII line is classified on its bytes
    /// (`parseASCIILine`), building `String`s only for the fields kept; a line with any other
    /// byte goes through `parseCharacterLine`, the Character code this scan replaced, which
    /// gives the same result on ASCII. `DKMSStatusByteScanTests` checks that both agree.
    static func parseInto(_ status: inout DKMSStatus, text: String) throws(ParseError) {
        var scratch = LineScratch()
        // At most one module per line, and a module line has at least 6 bytes (`m/v: s`): one
        // allocation instead of growing by doubling.
        status.modules.reserveCapacity(status.modules.count + min(ParserText.lineFeeds(text) + 1, text.utf8.count / 6 + 1))
        let error = ParserText.forEachLine(text) { l, lineNumber -> ParseError? in
            do throws(ParseError) {
                if ParserText.isASCII(l) {
                    try parseASCIILine(l, lineNumber: lineNumber, scratch: &scratch, into: &status)
                } else {
                    let raw = Substring(String(decoding: l, as: UTF8.self))
                    try parseCharacterLine(raw, lineNumber: lineNumber, into: &status)
                }
                return nil
            } catch { return error }
        }
        if let error { throw error }
    }

    /// The same classification on Characters, line by line (`ParserText.lines`): the path for
    /// non-ASCII lines, and the reference the byte scan is tested against.
    static func parseIntoCharacters(_ status: inout DKMSStatus, text: String) throws(ParseError) {
        var lineNumber = 0
        for raw in ParserText.lines(text) {
            lineNumber += 1
            try parseCharacterLine(raw, lineNumber: lineNumber, into: &status)
        }
    }

    static func parseCharacterLine(_ raw: Substring, lineNumber: Int, into status: inout DKMSStatus) throws(ParseError) {
        let line = ParserText.trimmed(raw)
        if line.isEmpty { return }
        if messagePrefixes.contains(where: { line.hasPrefix($0) }) {
            status.warnings.append(String(line))
            return
        }
        switch try parseLine(line, lineNumber: lineNumber, raw: raw) {
        case .module(let module, let glued):
            status.modules.append(module)
            if let glued { status.warnings.append(glued) }
        case .message:
            status.warnings.append(String(line))
        }
    }

    // MARK: - Byte scan of one ASCII line

    static let messagePrefixBytes: [[UInt8]] = messagePrefixes.map { Array($0.utf8) }

    /// What the byte scan keeps from line to line: room for the comma-separated head, and the
    /// few distinct names and kernels (one module name on each of 50 kernels), made once.
    struct LineScratch {
        var fields: [Int] = []
        var names = ParserText.Interner()
        var versions = ParserText.Interner()
        var kernels = ParserText.Interner()
        var arches = ParserText.Interner()
        init() { fields.reserveCapacity(16) }
    }

    /// `parseCharacterLine` on the bytes of an ASCII line (each byte one Character).
    static func parseASCIILine(_ l: UnsafeBufferPointer<UInt8>, lineNumber: Int, scratch: inout LineScratch,
                               into status: inout DKMSStatus) throws(ParseError) {
        let (s, e) = trim(l, 0, l.count)
        if s == e { return }
        if hasMessagePrefix(l, s, e) {
            status.warnings.append(ParserText.string(l, s..<e))
            return
        }
        func message() { status.warnings.append(ParserText.string(l, s..<e)) }
        // The state follows the first ": " (or a ":" that ends the line).
        guard let base = l.baseAddress else { return }
        var sep = s
        while true {
            guard sep < e, let p = memchr(base + sep, 0x3A, e - sep) else { return message() }
            sep = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
            if sep + 1 == e || l[sep + 1] == 0x20 || l[sep + 1] == 0x09 { break }
            sep += 1
        }

        // Head fields: comma-separated, each trimmed; pairs of (start, end) in `fields`. One
        // pass: blanks, a word, blanks, then a comma or the separator. A status head has no
        // blanks inside its fields; messages do. The first field's first "/" is noted on the way.
        scratch.fields.removeAll(keepingCapacity: true)
        var slash = -1
        var i = s
        while true {
            while i < sep && (l[i] == 0x20 || l[i] == 0x09) { i += 1 }
            let fs = i
            if scratch.fields.isEmpty {
                while i < sep, l[i] != 0x2C, l[i] != 0x20, l[i] != 0x09 {
                    if l[i] == 0x2F && slash < 0 { slash = i }
                    i += 1
                }
            } else {
                while i < sep, l[i] != 0x2C, l[i] != 0x20, l[i] != 0x09 { i += 1 }
            }
            let fe = i
            while i < sep && (l[i] == 0x20 || l[i] == 0x09) { i += 1 }
            if i < sep && l[i] != 0x2C { return message() }
            scratch.fields.append(fs)
            scratch.fields.append(fe)
            if i == sep { break }
            i += 1
        }
        let fields = scratch.fields
        let fieldCount = fields.count / 2
        guard fields[1] > fields[0] else { return message() }
        var name = fields[0]..<fields[1]
        var version: Range<Int>
        var firstKernelField: Int
        if slash >= 0 {
            version = (slash + 1)..<name.upperBound
            name = name.lowerBound..<slash
            firstKernelField = 1
        } else {
            // Comma form needs at least "name, version".
            guard fieldCount >= 2 else { return message() }
            version = fields[2]..<fields[3]
            firstKernelField = 2
        }
        guard !name.isEmpty, !version.isEmpty else { return message() }

        func fail(_ reason: String) -> ParseError {
            ParseError(source: source, line: lineNumber, text: ParserText.string(l, 0..<l.count), reason: reason)
        }
        var kernel: String?
        var arch: String?
        switch fieldCount - firstKernelField {
        case 0: break
        case 2:
            let k = fields[2 * firstKernelField]..<fields[2 * firstKernelField + 1]
            let a = fields[2 * firstKernelField + 2]..<fields[2 * firstKernelField + 3]
            guard !k.isEmpty, !a.isEmpty else { throw fail("empty kernel or architecture field") }
            kernel = scratch.kernels.string(l, k)
            arch = scratch.arches.string(l, a)
        default:
            throw fail("expected `module/version[, kernel, arch]: state` or `module, version[, kernel, arch]: state`")
        }

        // Split off a message glued after the state by merged stderr.
        var (bs, be) = trim(l, sep + 1, e)
        var glued: String?
        if let cut = gluedMessageStart(l, bs, be) {
            let (gs, ge) = trim(l, cut, be)
            glued = ParserText.string(l, gs..<ge)
            (bs, be) = trim(l, bs, cut)
        }
        guard bs < be else { throw fail("missing state after `:`") }

        // State word: up to the first blank or "(".
        func wordEnd(_ from: Int) -> Int {
            var j = from
            while j < be, l[j] != 0x20, l[j] != 0x09, l[j] != 0x28 { j += 1 }
            return j
        }
        let we = wordEnd(bs)
        var remainder = we
        var from: String?
        let weak = ParserText.equals(l, bs..<we, "installed-weak")
        if weak {
            let (rs, re) = trim(l, we, be)
            if re - rs >= 5, l[rs] == 0x66, l[rs + 1] == 0x72, l[rs + 2] == 0x6F, l[rs + 3] == 0x6D,
               l[rs + 4] == 0x20 || l[rs + 4] == 0x09 {
                let (fs, _) = trim(l, rs + 5, re)
                let end = wordEnd(fs)
                if end > fs { from = ParserText.string(l, fs..<end) }
                remainder = end
            }
        }
        // `DKMSState(word:from:)` on the bytes: the five words are ASCII, so equal as bytes.
        let state: DKMSState
        if weak { state = .installedWeak(from: from) }
        else if ParserText.equals(l, bs..<we, "installed") { state = .installed }
        else if ParserText.equals(l, bs..<we, "added") { state = .added }
        else if ParserText.equals(l, bs..<we, "built") { state = .built }
        else if ParserText.equals(l, bs..<we, "broken") { state = .broken }
        else { state = .other(ParserText.string(l, bs..<we)) }
        status.modules.append(DKMSModule(name: scratch.names.string(l, name), version: scratch.versions.string(l, version),
                                         kernel: consume kernel, arch: consume arch, state: consume state,
                                         notes: notes(l, remainder, be)))
        if let glued { status.warnings.append(glued) }
    }

    /// `start..<end` without leading and trailing spaces and tabs.
    static func trim(_ l: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (Int, Int) {
        var s = start, e = end
        while s < e, l[s] == 0x20 || l[s] == 0x09 { s += 1 }
        while e > s, l[e - 1] == 0x20 || l[e - 1] == 0x09 { e -= 1 }
        return (s, e)
    }

    static func hasMessagePrefix(_ l: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        // Every prefix starts with D, W or E.
        guard s < e, l[s] == 0x44 || l[s] == 0x57 || l[s] == 0x45 else { return false }
        return messagePrefixBytes.contains { p in
            p.count <= e - s && p.indices.allSatisfy { l[s + $0] == p[$0] }
        }
    }

    /// `gluedMessageStart` on bytes: a message prefix outside parentheses, not at the start.
    static func gluedMessageStart(_ l: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Int? {
        var depth = 0
        var i = s
        while i < e {
            let c = l[i]
            if c == 0x28 { depth += 1 } else if c == 0x29 { depth = max(0, depth - 1) } else if depth == 0 && (c == 0x44 || c == 0x57 || c == 0x45) {
                if i != s && hasMessagePrefix(l, i, e) { return i }
            }
            i += 1
        }
        return nil
    }

    /// `parseNotes` on bytes: every parenthesised remark (nested parentheses kept) and every
    /// run of text outside them, trimmed, in order.
    static func notes(_ l: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> [String] {
        var notes: [String] = []
        func add(_ from: Int, _ to: Int) {
            let (a, b) = trim(l, from, to)
            if a < b { notes.append(ParserText.string(l, a..<b)) }
        }
        var depth = 0
        var outsideStart = s
        var noteStart = s
        var i = s
        while i < e {
            let c = l[i]
            if c == 0x28 {
                if depth == 0 { add(outsideStart, i); noteStart = i + 1 }
                depth += 1
            } else if c == 0x29 && depth > 0 {
                depth -= 1
                if depth == 0 { add(noteStart, i); outsideStart = i + 1 }
            }
            i += 1
        }
        if depth > 0 { add(noteStart, e) } else { add(outsideStart, e) }
        return notes
    }

    enum LineResult {
        case module(DKMSModule, gluedMessage: String?)
        case message
    }

    /// Classifies one non-empty, trimmed line.
    static func parseLine(_ line: Substring, lineNumber: Int, raw: Substring) throws(ParseError) -> LineResult {
        // The state follows the first ": " (or a ":" that ends the line).
        guard let sep = firstSeparator(in: line) else { return .message }
        let head = line[..<sep]
        let rest = line[line.index(after: sep)...]

        let fields = head.split(separator: ",", omittingEmptySubsequences: false).map { ParserText.trimmed($0) }
        // A status head has no blanks inside its fields; messages ("Error! The module/version combo: …") do.
        if fields.contains(where: { $0.contains(" ") || $0.contains("\t") }) { return .message }
        guard let first = fields.first, !first.isEmpty else { return .message }

        var name: Substring
        var version: Substring
        var kernelFields: ArraySlice<Substring>
        if let slash = first.firstIndex(of: "/") {
            name = first[..<slash]
            version = first[first.index(after: slash)...]
            kernelFields = fields.dropFirst(1)
        } else {
            // Comma form needs at least "name, version".
            guard fields.count >= 2 else { return .message }
            name = first
            version = fields[1]
            kernelFields = fields.dropFirst(2)
        }
        guard !name.isEmpty, !version.isEmpty else { return .message }

        func fail(_ reason: String) -> ParseError {
            ParseError(source: source, line: lineNumber, text: String(raw), reason: reason)
        }

        var kernel: String?
        var arch: String?
        switch kernelFields.count {
        case 0: break
        case 2:
            let k = kernelFields[kernelFields.startIndex]
            let a = kernelFields[kernelFields.startIndex + 1]
            guard !k.isEmpty, !a.isEmpty else { throw fail("empty kernel or architecture field") }
            kernel = String(k)
            arch = String(a)
        default:
            throw fail("expected `module/version[, kernel, arch]: state` or `module, version[, kernel, arch]: state`")
        }

        // Split off a message glued after the state by merged stderr.
        var body = ParserText.trimmed(rest)
        var glued: String?
        if let cut = gluedMessageStart(in: body) {
            glued = String(ParserText.trimmed(body[cut...]))
            body = ParserText.trimmed(body[..<cut])
        }
        guard !body.isEmpty else { throw fail("missing state after `:`") }

        // State word: up to the first blank or "(".
        let wordEnd = body.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "(" }) ?? body.endIndex
        let word = String(body[..<wordEnd])
        var remainder = body[wordEnd...]
        var from: String?
        if word == "installed-weak" {
            let r = ParserText.trimmed(remainder)
            if r.hasPrefix("from ") || r.hasPrefix("from\t") {
                let afterFrom = ParserText.trimmed(r.dropFirst(5))
                let end = afterFrom.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "(" }) ?? afterFrom.endIndex
                if end > afterFrom.startIndex { from = String(afterFrom[..<end]) }
                remainder = afterFrom[end...]
            }
        }
        let notes = parseNotes(remainder)
        let module = DKMSModule(name: String(name), version: String(version), kernel: kernel, arch: arch,
                                state: DKMSState(word: word, from: from), notes: notes)
        return .module(module, gluedMessage: glued)
    }

    /// Index of the ":" that separates head and state: the first ": " or a trailing ":".
    static func firstSeparator(in line: Substring) -> Substring.Index? {
        var i = line.startIndex
        while i < line.endIndex {
            if line[i] == ":" {
                let n = line.index(after: i)
                if n == line.endIndex || line[n] == " " || line[n] == "\t" { return i }
            }
            i = line.index(after: i)
        }
        return nil
    }

    /// Where a known message prefix starts outside parentheses, if any.
    static func gluedMessageStart(in body: Substring) -> Substring.Index? {
        var depth = 0
        var i = body.startIndex
        while i < body.endIndex {
            let c = body[i]
            if c == "(" { depth += 1 } else if c == ")" { depth = max(0, depth - 1) } else if depth == 0 && (c == "D" || c == "W" || c == "E") {
                let tail = body[i...]
                if messagePrefixes.contains(where: { tail.hasPrefix($0) }) && i != body.startIndex { return i }
            }
            i = body.index(after: i)
        }
        return nil
    }

    /// `(a) (b)` → ["a", "b"]; text outside parentheses is kept as its own note.
    static func parseNotes(_ s: Substring) -> [String] {
        var notes: [String] = []
        var depth = 0
        var current = ""
        var outside = ""
        func flushOutside() {
            let t = ParserText.trimmed(Substring(outside))
            if !t.isEmpty { notes.append(String(t)) }
            outside = ""
        }
        for c in s {
            if c == "(" {
                if depth == 0 { flushOutside() } else { current.append(c) }
                depth += 1
            } else if c == ")" && depth > 0 {
                depth -= 1
                if depth == 0 {
                    let t = ParserText.trimmed(Substring(current))
                    if !t.isEmpty { notes.append(String(t)) }
                    current = ""
                } else {
                    current.append(c)
                }
            } else if depth > 0 {
                current.append(c)
            } else {
                outside.append(c)
            }
        }
        if depth > 0 {
            let t = ParserText.trimmed(Substring(current))
            if !t.isEmpty { notes.append(String(t)) }
        }
        flushOutside()
        return notes
    }
}
