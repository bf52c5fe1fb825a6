import Foundation
import Testing
@testable import KldloadCore

/// `dpkg-query` and `rpm -qa` are parsed by a byte scan; every line must give what the
/// Character-based `parseLine` gives (same packages, same errors with the same line numbers),
/// on the real captures and on mutated ones (CRLF, TABs, `(none)`, invalid UTF-8, …).
@Suite struct PackageQueryByteScanTests {
    /// The Character-based reference: `ParserText.lines` and `parseLine` per line.
    static func reference<T>(_ text: String, _ line: (Substring, Int) throws(ParseError) -> T?) -> Result<[T], ParseError> {
        var out: [T] = []
        for (i, raw) in ParserText.lines(text).enumerated() {
            do { if let v = try line(raw, i + 1) { out.append(v) } } catch { return .failure(error) }
        }
        return .success(out)
    }

    static func inputs(_ folders: [String]) -> [String] {
        let captures = folders.flatMap { FixtureLoader.files(under: $0) }.compactMap(FixtureLoader.text)
        var rng = FuzzRNG(seed: 11)
        var out = captures
        for i in 0..<1500 {
            out.append(Fuzzer.mutate(captures[i % captures.count], &rng))
        }
        out += ["", "\n", " \t \n", "ii \tname:amd64\t1:2.0-1\tamd64\r\nrc\tb\t\t\r", "x\u{301}\ty\t1\tz", "ii\t\u{301}:a\t1\ta",
                "n\t(none)\t1\t2\tx86_64", "n\t12\u{661}\t1\t2\tx", "n\t(none)\t(none)\t(none)\t(none)"]
        return out
    }

    @Test func dpkgByteScanMatchesCharacters() {
        let all = Self.inputs(["dpkg"])
        #expect(all.count > 1500)
        for text in all {
            let fast = Result { () throws(ParseError) in try DpkgQueryParser.parseEntries(text) }
            let slow = Self.reference(text) { (l, n) throws(ParseError) in try DpkgQueryParser.parseLine(l, lineNumber: n) }
            #expect(fast == slow, "\(text.prefix(200).debugDescription)")
        }
    }

    @Test func rpmByteScanMatchesCharacters() {
        let all = Self.inputs(["rpm"])
        #expect(all.count > 1500)
        for text in all {
            let fast = Result { () throws(ParseError) in try RPMQueryParser.parse(text) }
            let slow = Self.reference(text) { (l, n) throws(ParseError) in try RPMQueryParser.parseLine(l, lineNumber: n) }
            #expect(fast == slow, "\(text.prefix(200).debugDescription)")
        }
    }
}
