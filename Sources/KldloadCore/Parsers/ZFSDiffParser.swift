import Foundation

/// One line of `zfs diff -FH`.
public struct FileChange: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case added = "+", removed = "-", modified = "M", renamed = "R"
    }
    public var kind: Kind
    /// `get_what()`'s letter: `F` file, `/` directory, `@` link, `|` FIFO, `=` socket,
    /// `B`/`C` devices, `>` door, `P` event port, `?` other.
    public var type: String
    public var path: String
    /// The new name of a rename.
    public var newPath: String?
    /// The change of the link count for a hard-link change (`M … (+1)`).
    public var linkDelta: Int?
}

/// Parses `zfs diff -FH SNAPSHOT SNAPSHOT|FILESYSTEM` as OpenZFS prints it
/// (lib/libzfs/libzfs_diff.c, unchanged from 2.1 to 2.3): one TAB-separated line per change,
/// `TYPE\tCLASS\tPATH`, `M\tCLASS\tPATH\t(+N)` for a hard-link count change and
/// `R\tCLASS\tOLD\tNEW` for a rename. `stream_bytes` writes every byte that is a space or
/// less, a backslash, DEL or above as `\` and four octal digits (`\0040` for a space), so a
/// path never contains a TAB or newline and the split is unambiguous; those escapes are
/// decoded here. Linear; never crashes; a line that fits no form is a `ParseError`.
package enum ZFSDiffParser {
    public static let source = "zfs diff -FH"

    public static func parse(_ text: String) throws(ParseError) -> [FileChange] {
        var out: [FileChange] = []
        var lineNumber = 0
        for raw in ParserText.lines(text) {
            lineNumber += 1
            if raw.isEmpty { continue }
            let f = raw.split(separator: "\t", omittingEmptySubsequences: false)
            func fail(_ reason: String) -> ParseError {
                ParseError(source: source, line: lineNumber, text: String(raw), reason: reason)
            }
            guard f.count >= 3, let kind = FileChange.Kind(rawValue: String(f[0])), f[1].count == 1 else {
                throw fail("expected CHANGE<TAB>TYPE<TAB>PATH (zfs diff -FH)")
            }
            var change = FileChange(kind: kind, type: String(f[1]), path: decode(f[2]))
            switch (kind, f.count) {
            case (.renamed, 4): change.newPath = decode(f[3])
            case (.modified, 4):
                let d = f[3]
                guard d.hasPrefix("("), d.hasSuffix(")"), let n = Int(d.dropFirst().dropLast()) else {
                    throw fail("expected a link count change such as (+1)")
                }
                change.linkDelta = n
            case (_, 3) where kind != .renamed: break
            default: throw fail("unexpected number of fields (\(f.count)) for change \(kind.rawValue)")
            }
            out.append(change)
        }
        return out
    }

    /// Undoes `stream_bytes`: `\` + four octal digits is one byte; the bytes are UTF-8 (invalid
    /// sequences become U+FFFD). A backslash not followed by four octal digits stays as it is.
    public static func decode(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        let u = Array(s.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(u.count)
        var i = 0
        func octal(_ c: UInt8) -> UInt32? { c >= 0x30 && c <= 0x37 ? UInt32(c - 0x30) : nil }
        while i < u.count {
            if u[i] == 0x5C, i + 4 < u.count,
                let a = octal(u[i + 1]), let b = octal(u[i + 2]), let c = octal(u[i + 3]), let d = octal(u[i + 4]),
                a * 512 + b * 64 + c * 8 + d <= 255
            {
                bytes.append(UInt8(a * 512 + b * 64 + c * 8 + d))
                i += 5
                continue
            }
            bytes.append(u[i])
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
