/// Outside text (package-manager lines, descriptions and other user properties, dataset names
/// from `zfs list`, file names) made safe to print for a person.
///
/// A terminal acts on control characters: `ESC [` sequences recolour, move the cursor, rewrite
/// the title or (on some terminals) answer back; a carriage return lets a later part of a line
/// overwrite what came before; bidirectional overrides reorder what is shown. A description
/// set by one user, or a line printed by a package's maintainer script, must not be able to do
/// that to the administrator running kbe or kupgrade as root. So every line of human output goes
/// through `sanitized`:
/// - a carriage return is resolved as a terminal shows it: the text after the last `\r` stays
///   (dpkg's progress counters, CRLF line ends) — the same rule as the log;
/// - tab and newline stay;
/// - every other C0 control, DEL and the C1 controls (U+0080–U+009F) become `\xHH` / `\u{HH}`;
/// - the bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069)
///   become `\u{HHHH}`.
///
/// The log and the JSON report stay faithful: the log keeps the text (with `\r` resolved), and
/// JSON escapes control characters as JSON requires.
public enum TerminalText {
    /// The text after the last carriage return of `line` (scalars, not Characters: `\r\n` is one
    /// Character in Swift).
    public static func resolvingCarriageReturns(_ line: String) -> String {
        guard line.unicodeScalars.contains("\r") else { return line }
        let parts = line.unicodeScalars.split(separator: "\r")
        return parts.last.map { String(String.UnicodeScalarView($0)) } ?? ""
    }

    /// `text` (one or more lines) with every line made safe for a terminal.
    public static func sanitized(_ text: String) -> String {
        // Byte pre-check: every scalar `isUnsafe` or `\r` starts with a C0 byte, 0x7F, or the
        // lead byte 0xC2 (U+0080–U+009F) or 0xE2 (U+202A…, U+2066…); text without any is as is.
        let maybe = text.utf8.contains { b in (b < 0x20 && b != 0x09 && b != 0x0A) || b == 0x7F || b == 0xC2 || b == 0xE2 }
        guard maybe else { return text }
        let needsWork = text.unicodeScalars.contains { isUnsafe($0) || $0 == "\r" }
        guard needsWork else { return text }
        var out = String.UnicodeScalarView()
        for line in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.offset > 0 { out.append("\n") }
            let resolved = resolvingCarriageReturns(String(String.UnicodeScalarView(line.element)))
            for scalar in resolved.unicodeScalars {
                if isUnsafe(scalar) { out.append(contentsOf: escape(scalar).unicodeScalars) } else { out.append(scalar) }
            }
        }
        return String(out)
    }

    static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A: return false
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    static func escape(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        if s.value < 0x80 { return "\\x" + (hex.count < 2 ? "0" + hex : hex) }
        return "\\u{" + hex + "}"
    }
}
