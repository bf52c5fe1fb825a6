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

    static func parseInto(_ status: inout DKMSStatus, text: String) throws(ParseError) {
        var lineNumber = 0
        for raw in ParserText.lines(text) {
            lineNumber += 1
            let line = ParserText.trimmed(raw)
            if line.isEmpty { continue }
            if messagePrefixes.contains(where: { line.hasPrefix($0) }) {
                status.warnings.append(String(line))
                continue
            }
            switch try parseLine(line, lineNumber: lineNumber, raw: raw) {
            case .module(let module, let glued):
                status.modules.append(module)
                if let glued { status.warnings.append(glued) }
            case .message:
                status.warnings.append(String(line))
            }
        }
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
