import Foundation
import Testing
@testable import KldloadCore

/// The JSON reader behind the OpenZFS 2.3 `-j` parsers, and the parsers never crashing.
@Suite struct JSONScannerTests {
    @Test func keepsMemberOrderAndNumberLiterals() throws {
        let v = try JSONScanner.parse(#"{"b": 1, "a": {"z": 18446744073709551615, "y": -1.5e3}, "c": [true, false, null, "x"]}"#, source: "t")
        #expect(v.members.map(\.key) == ["b", "a", "c"])
        #expect(v["a"]?.members.map(\.key) == ["z", "y"])
        #expect(v["a"]?["z"]?.uint64 == UInt64.max)
        #expect(v["a"]?["y"] == .number("-1.5e3"))
        #expect(v["c"] == .array([.bool(true), .bool(false), .null, .string("x")]))
    }

    @Test func decodesEscapes() throws {
        let v = try JSONScanner.parse(#"["a\"b\\c\/d\n\t", "\u00e9\ud83d\ude00", "\ud800x"]"#, source: "t")
        #expect(v == .array([.string("a\"b\\c/d\n\t"), .string("é😀"), .string("\u{FFFD}x")]))
    }

    @Test(arguments: ["", "{", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "tru", "\"abc", "01x", "[1] 2", "{\"a\":\"\u{01}\"}", "-", "1.", "1e"])
    func malformedInputIsAParseError(_ text: String) {
        #expect(throws: ParseError.self) { try JSONScanner.parse(text, source: "t") }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: ParseError.self) { try JSONScanner.parse(deep, source: "t") }
        let ok = String(repeating: "[", count: JSONScanner.maxDepth - 1) + String(repeating: "]", count: JSONScanner.maxDepth - 1)
        #expect((try? JSONScanner.parse(ok, source: "t")) != nil)
    }

    /// Every prefix and single-byte change of a real capture: a value or a ParseError, never a trap.
    @Test func truncatedAndMutatedCapturesNeverCrash() throws {
        let files = Fixtures.files(under: "zfs-2.3") { $0.contains("-j") && $0.hasSuffix(".stdout") }
        var rng = FuzzRNG(seed: 0x2_3_0)
        var runs = 0
        for file in files.prefix(6) {
            let text = try Fixtures.text(file)
            let bytes = Array(text.utf8)
            var cuts = Array(stride(from: 0, to: bytes.count, by: max(1, bytes.count / 60)))
            cuts.append(bytes.count)
            for cut in cuts {
                Self.runAll(String(decoding: bytes[0..<cut], as: UTF8.self))
                runs += 1
            }
            for _ in 0..<40 {
                var m = bytes
                let i = Int.random(in: 0..<max(1, m.count), using: &rng)
                if !m.isEmpty { m[i] = UInt8.random(in: 0...255, using: &rng) }
                Self.runAll(String(decoding: m, as: UTF8.self))
                runs += 1
            }
        }
        for _ in 0..<200 {
            let alphabet = Array(#"{}[]:,"\ 0123456789-.eEtrufalsn"#.utf8)
            let n = Int.random(in: 0..<80, using: &rng)
            Self.runAll(String(decoding: (0..<n).map { _ in alphabet.randomElement(using: &rng)! }, as: UTF8.self))
            runs += 1
        }
        #expect(runs >= 200)
    }

    static func runAll(_ text: String) {
        func record(_ body: () throws(ParseError) -> Void) {
            do { try body() } catch { #expect(!error.reason.isEmpty) }
        }
        record { () throws(ParseError) in _ = try JSONScanner.parse(text, source: "t") }
        record { () throws(ParseError) in _ = try ZFSJSONParser.zpoolStatus(text) }
        record { () throws(ParseError) in _ = try ZFSJSONParser.properties(text) }
        record { () throws(ParseError) in _ = try ZFSJSONParser.datasets(text, columns: ["name", "used", "mountpoint"]) }
        _ = RaidzExpansionParser.parse(text)
    }
}
