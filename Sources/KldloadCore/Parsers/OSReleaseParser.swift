import Foundation

/// Parses `/etc/os-release` (and `/usr/lib/os-release`) as os-release(5) defines it:
/// newline-separated `KEY=value` assignments in a shell-compatible subset. Values may be bare,
/// or enclosed in double or single quotes; inside double quotes (and bare) a backslash escapes
/// `\`, `"`, `$`, `` ` `` and `'`; single quotes are literal. Lines starting with `#` and blank
/// lines are ignored. This mirrors systemd's `parse_env_file`, the reference implementation.
package enum OSReleaseParser {
    public static let source = "os-release"

    public static func parse(_ text: String) throws(ParseError) -> OSRelease {
        var fields: [String: String] = [:]
        var lineNumber = 0
        for rawLine in ParserText.lines(text) {
            lineNumber += 1
            let trimmed = rawLine.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.first == "#" || trimmed.first == ";" { continue }
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw ParseError(source: source, line: lineNumber, text: String(rawLine),
                                 reason: "expected KEY=value")
            }
            var key = trimmed[..<eq]
            while let l = key.last, l == " " || l == "\t" { key.removeLast() }
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw ParseError(source: source, line: lineNumber, text: String(rawLine),
                                 reason: "invalid variable name")
            }
            let rawValue = trimmed[trimmed.index(after: eq)...]
            guard let value = unquote(rawValue) else {
                throw ParseError(source: source, line: lineNumber, text: String(rawLine),
                                 reason: "unterminated quote")
            }
            fields[String(key)] = value
        }
        return OSRelease(fields: fields)
    }

    /// Shell-style unquoting of one value. `nil` on an unterminated quote.
    static func unquote(_ raw: Substring) -> String? {
        var out = ""
        var it = raw.drop(while: { $0 == " " || $0 == "\t" }).makeIterator()
        enum Mode { case bare, double, single }
        var mode = Mode.bare
        var pendingSpace = false
        while let c = it.next() {
            switch mode {
            case .bare:
                switch c {
                case "\"": if pendingSpace { out.append(" "); pendingSpace = false }; mode = .double
                case "'": if pendingSpace { out.append(" "); pendingSpace = false }; mode = .single
                case "\\":
                    if pendingSpace { out.append(" "); pendingSpace = false }
                    if let n = it.next() { out.append(n) }
                case " ", "\t":
                    // Unquoted whitespace separates words; trailing whitespace is dropped.
                    if !out.isEmpty { pendingSpace = true }
                case "#" where out.isEmpty && !pendingSpace:
                    return out
                default:
                    if pendingSpace { out.append(" "); pendingSpace = false }
                    out.append(c)
                }
            case .double:
                switch c {
                case "\"": mode = .bare
                case "\\":
                    guard let n = it.next() else { return nil }
                    if n == "\"" || n == "\\" || n == "$" || n == "`" || n == "'" {
                        out.append(n)
                    } else {
                        out.append("\\")
                        out.append(n)
                    }
                default: out.append(c)
                }
            case .single:
                if c == "'" { mode = .bare } else { out.append(c) }
            }
        }
        return mode == .bare ? out : nil
    }
}

/// Small shared helpers for the line-oriented parsers. All linear in the input.
enum ParserText {
    /// Lines split on `\n` and `\r\n` (a single `Character` in Swift), keeping empty lines so
    /// line numbers match the input (1-based index = offset + 1).
    static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }

    /// Where a byte scan splits the text into lines.
    enum LineBreaks {
        /// LF, CR LF and a lone CR, as `lines` splits (a line feed or carriage return is always
        /// a Character boundary).
        case anyNewline
        /// LF only, as `String.split(separator: "\n")` splits: an LF after a CR is part of the
        /// CR LF Character and no break (the CR LF stays in the line), a lone CR is no break;
        /// a CR that ends the text is dropped from the last line (`zpool status`).
        case lineFeed
    }

    /// Each line's UTF-8 bytes and 1-based number, split at `breaks` (by default exactly as
    /// `lines` splits), without building a substring per line; the text's last line (empty
    /// after a final line break) is passed too. Line ends are found with `memchr`, each kept
    /// until passed, so the scan is linear whatever the mix of LF and CR. Stops at and returns
    /// the first error `body` returns. The one line splitter of the byte-scanning parsers.
    static func forEachLine(_ text: String, breaks: LineBreaks = .anyNewline,
                            _ body: (UnsafeBufferPointer<UInt8>, Int) -> ParseError?) -> ParseError? {
        var text = text
        return text.withUTF8 { buf -> ParseError? in
            guard let base = buf.baseAddress else { return body(buf, 1) }
            let n = buf.count
            func find(_ byte: UInt8, from: Int) -> Int {
                guard from < n, let p = memchr(base + from, Int32(byte), n - from) else { return n }
                return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
            }
            var start = 0, line = 0
            switch breaks {
            case .anyNewline:
                var lf = find(0x0A, from: 0), cr = find(0x0D, from: 0)
                while start < n {
                    if lf < start { lf = find(0x0A, from: start) }
                    if cr < start { cr = find(0x0D, from: start) }
                    let i = min(lf, cr)
                    guard i < n else { break }
                    line += 1
                    if let e = body(UnsafeBufferPointer(rebasing: buf[start..<i]), line) { return e }
                    start = i + ((i == cr && i + 1 < n && buf[i + 1] == 0x0A) ? 2 : 1)
                }
                return body(UnsafeBufferPointer(rebasing: buf[start..<n]), line + 1)
            case .lineFeed:
                while true {
                    var end = find(0x0A, from: start)
                    while end < n && end > 0 && buf[end - 1] == 0x0D { end = find(0x0A, from: end + 1) }
                    line += 1
                    // A CR before the end can only end the text's last line (before an LF it is CR LF).
                    let e = end > start && buf[end - 1] == 0x0D ? end - 1 : end
                    if let error = body(UnsafeBufferPointer(rebasing: buf[start..<e]), line) { return error }
                    if end >= n { return nil }
                    start = end + 1
                }
            }
        }
    }

    /// True when every byte is ASCII: then each byte is one Character (lines hold no `\r\n`),
    /// and a byte scan gives exactly what the Character-based helpers give.
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // Branch-free, so the compiler vectorizes it.
        var all: UInt8 = 0
        for b in bytes { all |= b }
        return all < 0x80
    }

    /// The Character path of a byte-scanning line parser, for a line with a non-ASCII byte:
    /// `parse` (the parser's own per-line code on Characters) appends its value to `out`.
    static func viaCharacters<T>(
        _ line: UnsafeBufferPointer<UInt8>, _ lineNumber: Int, into out: inout [T],
        _ parse: (Substring, Int) throws(ParseError) -> T?
    ) -> ParseError? {
        do throws(ParseError) {
            if let v = try parse(Substring(String(decoding: line, as: UTF8.self)), lineNumber) { out.append(v) }
            return nil
        } catch { return error }
    }

    /// Only spaces and tabs (what `trimmed(_:).isEmpty` says of an ASCII line).
    static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    /// Start offsets of the TAB-separated fields of `bytes` and the end (count + 1 sentinel
    /// form: field k is `offsets[k] ..< offsets[k + 1] - 1`), at most `limit + 1` fields found.
    static func tabFields(_ bytes: UnsafeBufferPointer<UInt8>, into offsets: inout [Int], limit: Int) -> Int {
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
        var count = 1
        for i in 0..<bytes.count where bytes[i] == 0x09 {
            count += 1
            if count <= limit { offsets.append(i + 1) }
        }
        offsets.append(bytes.count + 1)
        return count
    }

    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Whitespace-separated words (spaces and tabs).
    static func words(_ s: Substring) -> [Substring] {
        s.split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    /// Without leading and trailing spaces and tabs. Linear: the trailing run is found with
    /// one backward scan over the Unicode scalars (a Character-wise `dropLast()` loop was
    /// quadratic in the length of the run). Space and tab are ASCII, never part of a
    /// multi-byte scalar, and a tab is always a Character of its own.
    static func trimmed(_ s: Substring) -> Substring {
        let t = s.drop(while: { $0 == " " || $0 == "\t" })
        let scalars = t.unicodeScalars
        var end = scalars.endIndex
        while end > scalars.startIndex {
            let before = scalars.index(before: end)
            let c = scalars[before]
            guard c == " " || c == "\t" else { break }
            end = before
        }
        return t[t.startIndex..<end]
    }

    static func isIndented(_ s: Substring) -> Bool {
        s.first == " " || s.first == "\t"
    }

    /// Removes terminal escape sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL`), charset
    /// designations (`ESC ( B`, which `tput sgr0` emits) and other two-byte escapes. dnf colours
    /// its tables when stdout is a terminal; mokutil colours its state lines.
    static func stripANSI(_ s: String) -> String {
        // memchr on the contiguous bytes (a `UTF8View` walk by index costs more than the parse).
        let hasEscape = s.utf8.withContiguousStorageIfAvailable { b in
            b.baseAddress.map { memchr($0, 0x1B, b.count) != nil } ?? false
        } ?? s.utf8.contains(0x1B)
        guard hasEscape else { return s }
        var out = String.UnicodeScalarView()
        var it = s.unicodeScalars.makeIterator()
        while let c = it.next() {
            guard c == "\u{1B}" else { out.append(c); continue }
            guard let n = it.next() else { break }
            switch n {
            case "[":
                while let m = it.next(), !(0x40...0x7E).contains(m.value) {}
            case "]":
                while let m = it.next(), m != "\u{07}", m != "\u{1B}" {}
            case "(", ")", "*", "+", "#", "%":
                _ = it.next()
            default:
                break
            }
        }
        return String(out)
    }
}
