/// `zfs list -j --json-int -o COLUMNS` (OpenZFS 2.3+) read in one pass over the UTF-8 bytes,
/// building no tree: only the values of the asked columns become `String`s, everything else
/// (the `source` objects, `pool`, `createtxg`, … — nine tenths of the bytes) is checked and
/// skipped. The JSON grammar, its limits and its error messages are `JSONScanner`'s (the same
/// scanner); what is read from the document is what `ZFSJSONParser.datasets` always read:
///
/// - the first member `datasets` of the root object (an error if there is none or it is not an
///   object); later members of the same name are checked and ignored, as is everything else;
/// - per member of it, in document order: the first `name` member's text (a string, a number's
///   literal, `true`/`false`), else the member's key; in the first `properties` member, for each
///   column the first member of that name, and in it the first `value` member's text; anything
///   missing or not a string/number/bool reads as `-`, as `-Hp` prints an unset value.
///
/// The whole document is checked before any error of `body` is thrown, so invalid JSON is
/// reported as such whatever its rows hold.
public enum ZFSListJSONParser {
    /// Calls `body(index, name, values)` per dataset; `values` has one entry per column
    /// (`name` included) in `columns` order. `columns` are canonical property names (the
    /// names `zfs list -j` prints as keys).
    public static func forEachDataset(
        _ text: String, columns: [String],
        _ body: (_ index: Int, _ name: String, _ values: [String]) throws(ParseError) -> Void
    ) throws(ParseError) {
        let source = ZFSJSONParser.source
        let keys = columns.map { Array($0.utf8) }
        let nameColumn = columns.firstIndex(of: "name")
        try JSONScanner.scan(text, source: source) { (s: inout JSONScanner.Scanner) throws(ParseError) -> Void in
            var reader = Reader(keys: keys, nameColumn: nameColumn)
            s.skipSpace()
            try reader.root(&s, body)
            s.skipSpace()
            guard s.i == s.bytes.count else { throw s.fail("text after the JSON value") }
            switch reader.datasets {
            case .missing:
                throw ParseError(source: source, line: 0, text: "", reason: "no \"datasets\" object; is this `-j` output of OpenZFS 2.3 or later?")
            case .notObject:
                throw ParseError(source: source, line: 0, text: "", reason: "\"datasets\" is not an object")
            case .read:
                if let e = reader.deferred { throw e }
            }
        }
    }

    static let datasetsKey = Array("datasets".utf8)
    static let nameKey = Array("name".utf8)
    static let propertiesKey = Array("properties".utf8)
    static let valueKey = Array("value".utf8)

    struct Reader {
        enum Datasets { case missing, notObject, read }
        let keys: [[UInt8]]
        let nameColumn: Int?
        var datasets = Datasets.missing
        /// The first error of `body`; no more rows are passed on after it.
        var deferred: ParseError?
        var index = 0
        var values: [String?]
        var found: [Bool]

        init(keys: [[UInt8]], nameColumn: Int?) {
            self.keys = keys
            self.nameColumn = nameColumn
            values = Array(repeating: nil, count: keys.count)
            found = Array(repeating: false, count: keys.count)
        }

        /// The root value (depth 0): an object whose first `datasets` member is read.
        mutating func root(_ s: inout JSONScanner.Scanner,
                           _ body: (Int, String, [String]) throws(ParseError) -> Void) throws(ParseError) {
            try Self.object(&s, depth: 0) { (s: inout JSONScanner.Scanner, key: Key) throws(ParseError) in
                if datasets == .missing, key.equals(ZFSListJSONParser.datasetsKey, in: s) {
                    if s.bytes[s.i] == UInt8(ascii: "{") {
                        datasets = .read
                        try Self.object(&s, depth: 1) { (s: inout JSONScanner.Scanner, key: Key) throws(ParseError) in
                            try dataset(&s, key: key, body)
                        } otherwise: { (s: inout JSONScanner.Scanner) throws(ParseError) in try s.skipValue(depth: 1) }
                    } else {
                        datasets = .notObject
                        try s.skipValue(depth: 1)
                    }
                } else {
                    try s.skipValue(depth: 1)
                }
            } otherwise: { (s: inout JSONScanner.Scanner) throws(ParseError) in try s.skipValue(depth: 0) }
        }

        /// One member of `datasets` (its value at depth 2).
        mutating func dataset(_ s: inout JSONScanner.Scanner, key: Key,
                              _ body: (Int, String, [String]) throws(ParseError) -> Void) throws(ParseError) {
            for k in values.indices { values[k] = nil; found[k] = false }
            var name: String?
            var nameSeen = false
            var propertiesSeen = false
            try Self.object(&s, depth: 2) { (s: inout JSONScanner.Scanner, member: Key) throws(ParseError) in
                if !nameSeen, member.equals(ZFSListJSONParser.nameKey, in: s) {
                    nameSeen = true
                    name = try s.scalarText(depth: 3)
                } else if !propertiesSeen, member.equals(ZFSListJSONParser.propertiesKey, in: s) {
                    propertiesSeen = true
                    try Self.object(&s, depth: 3) { (s: inout JSONScanner.Scanner, property: Key) throws(ParseError) in
                        guard let k = keys.indices.first(where: { !found[$0] && $0 != nameColumn && property.equals(keys[$0], in: s) }) else {
                            try s.skipValue(depth: 4)
                            return
                        }
                        found[k] = true
                        var valueSeen = false
                        try Self.object(&s, depth: 4) { (s: inout JSONScanner.Scanner, member: Key) throws(ParseError) in
                            if !valueSeen, member.equals(ZFSListJSONParser.valueKey, in: s) {
                                valueSeen = true
                                values[k] = try s.scalarText(depth: 5)
                            } else {
                                try s.skipValue(depth: 5)
                            }
                        } otherwise: { (s: inout JSONScanner.Scanner) throws(ParseError) in try s.skipValue(depth: 4) }
                    } otherwise: { (s: inout JSONScanner.Scanner) throws(ParseError) in try s.skipValue(depth: 3) }
                } else {
                    try s.skipValue(depth: 3)
                }
            } otherwise: { (s: inout JSONScanner.Scanner) throws(ParseError) in try s.skipValue(depth: 2) }
            defer { index += 1 }
            guard deferred == nil else { return }
            let datasetName: String
            if let name { datasetName = name } else { datasetName = try key.text(in: &s) }
            var row = values.map { $0 ?? "-" }
            if let nameColumn { row[nameColumn] = datasetName }
            do throws(ParseError) { try body(index, datasetName, row) } catch { deferred = error }
        }

        /// The object at `s.i` (depth `depth`), `member` called with each key and `s` at its
        /// value; any other value goes to `otherwise`. Checks as `JSONScanner`'s `value` does.
        static func object(_ s: inout JSONScanner.Scanner, depth: Int,
                    _ member: (inout JSONScanner.Scanner, Key) throws(ParseError) -> Void,
                    otherwise: (inout JSONScanner.Scanner) throws(ParseError) -> Void) throws(ParseError) {
            guard depth < JSONScanner.maxDepth else { throw s.fail("JSON nested deeper than \(JSONScanner.maxDepth) levels") }
            guard s.i < s.bytes.count else { throw s.fail("JSON ends where a value was expected") }
            guard s.bytes[s.i] == UInt8(ascii: "{") else { return try otherwise(&s) }
            s.i += 1
            s.skipSpace()
            if s.i < s.bytes.count, s.bytes[s.i] == UInt8(ascii: "}") { s.i += 1; return }
            while true {
                s.skipSpace()
                guard s.i < s.bytes.count, s.bytes[s.i] == UInt8(ascii: "\"") else { throw s.fail("object key expected") }
                let key = try Key(&s)
                s.skipSpace()
                guard s.i < s.bytes.count, s.bytes[s.i] == UInt8(ascii: ":") else { throw s.fail("':' expected after an object key") }
                s.i += 1
                s.skipSpace()
                guard depth + 1 < JSONScanner.maxDepth else { throw s.fail("JSON nested deeper than \(JSONScanner.maxDepth) levels") }
                guard s.i < s.bytes.count else { throw s.fail("JSON ends where a value was expected") }
                try member(&s, key)
                s.skipSpace()
                guard s.i < s.bytes.count else { throw s.fail("JSON ends inside an object") }
                if s.bytes[s.i] == UInt8(ascii: ",") { s.i += 1; continue }
                if s.bytes[s.i] == UInt8(ascii: "}") { s.i += 1; return }
                throw s.fail("',' or '}' expected in an object")
            }
        }
    }

    /// An object key where it stands in the text: its bytes between the quotes, decoded only
    /// when it holds an escape.
    struct Key {
        let start: Int
        let end: Int
        let escaped: Bool

        /// Reads the key at `s.i` (the opening quote), checking it as `JSONScanner` does.
        init(_ s: inout JSONScanner.Scanner) throws(ParseError) {
            start = s.i
            escaped = try s.skipString()
            end = s.i
        }

        func equals(_ word: [UInt8], in s: JSONScanner.Scanner) -> Bool {
            if !escaped { return end - start - 2 == word.count && s.bytes[start + 1..<end - 1].elementsEqual(word) }
            var t = s
            t.i = start
            guard let decoded = try? t.string() else { return false }
            return decoded.utf8.elementsEqual(word)
        }

        func text(in s: inout JSONScanner.Scanner) throws(ParseError) -> String {
            var t = s
            t.i = start
            return try t.string()
        }
    }
}

extension JSONScanner.Scanner {
    /// Moves past the value at `i`, checking it exactly as `value(depth:)` does, building nothing.
    mutating func skipValue(depth: Int) throws(ParseError) {
        guard depth < JSONScanner.maxDepth else { throw fail("JSON nested deeper than \(JSONScanner.maxDepth) levels") }
        guard i < bytes.count else { throw fail("JSON ends where a value was expected") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("object key expected") }
                _ = try skipString()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("':' expected after an object key") }
                i += 1
                skipSpace()
                try skipValue(depth: depth + 1)
                skipSpace()
                guard i < bytes.count else { throw fail("JSON ends inside an object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return }
                throw fail("',' or '}' expected in an object")
            }
        case UInt8(ascii: "["):
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return }
            while true {
                skipSpace()
                try skipValue(depth: depth + 1)
                skipSpace()
                guard i < bytes.count else { throw fail("JSON ends inside an array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return }
                throw fail("',' or ']' expected in an array")
            }
        case UInt8(ascii: "\""): _ = try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try skipNumber()
        }
    }

    /// The value at `i` as `JSONValue.text` gives it (a string, a number's literal,
    /// `true`/`false`); nil for null, objects and arrays, which are checked and skipped.
    mutating func scalarText(depth: Int) throws(ParseError) -> String? {
        guard depth < JSONScanner.maxDepth else { throw fail("JSON nested deeper than \(JSONScanner.maxDepth) levels") }
        guard i < bytes.count else { throw fail("JSON ends where a value was expected") }
        switch bytes[i] {
        case UInt8(ascii: "\""): return try string()
        case UInt8(ascii: "t"): try literal("true"); return "true"
        case UInt8(ascii: "f"): try literal("false"); return "false"
        case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "n"): try skipValue(depth: depth); return nil
        default: return try number()
        }
    }

    /// Moves past the string at `i` (the opening quote), checking it as `string()` does;
    /// true when it holds an escape.
    mutating func skipString() throws(ParseError) -> Bool {
        i += 1
        var escaped = false
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; return escaped }
            if b < 0x20 { throw fail("control character inside a string") }
            i += 1
            guard b == UInt8(ascii: "\\") else { continue }
            escaped = true
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                break
            case UInt8(ascii: "u"):
                // A surrogate pair is two `\u` escapes: each needs its four hex digits, as in `string()`.
                _ = try hex4()
            default:
                throw fail("unknown escape in a string")
            }
        }
        throw fail("JSON ends inside a string")
    }
}
