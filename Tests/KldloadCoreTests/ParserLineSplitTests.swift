import Testing
@testable import KldloadCore

/// `ParserText.forEachLine` is the one line splitter of the byte-scanning parsers. Each of its
/// two modes must split exactly where the Character code it stands for splits: `.anyNewline`
/// as `ParserText.lines` (LF, CR LF, lone CR), `.lineFeed` as `split(separator: "\n")` (CR LF
/// is one Character, no break) with a CR that ends the text dropped (`zpool status`).
@Suite struct ParserLineSplitTests {
    static func split(_ text: String, _ breaks: ParserText.LineBreaks) -> [String] {
        var out: [String] = []
        _ = ParserText.forEachLine(text, breaks: breaks) { line, number in
            #expect(number == out.count + 1)
            out.append(String(decoding: line, as: UTF8.self))
            return nil
        }
        return out
    }

    static func byLineFeeds(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines[lines.count - 1].last == "\r" { lines[lines.count - 1].removeLast() }
        return lines
    }

    /// Short texts over the alphabet that matters (LF, CR, a letter, a combining mark that
    /// would join a letter but never a CR or LF, a non-ASCII letter), every one up to length 5,
    /// then random longer ones with long runs of each.
    static func inputs() -> [String] {
        let alphabet = ["\n", "\r", "a", "\u{301}", "é"]
        var out = [""]
        var level = [""]
        for _ in 0..<5 {
            level = level.flatMap { s in alphabet.map { s + $0 } }
            out += level
        }
        var rng = FuzzRNG(seed: 7)
        for _ in 0..<300 {
            var s = ""
            for _ in 0..<Int.random(in: 1...40, using: &rng) {
                s += String(repeating: alphabet.randomElement(using: &rng)!, count: Int.random(in: 1...6, using: &rng))
            }
            out.append(s)
        }
        return out
    }

    @Test func anyNewlineSplitsAsLines() {
        let all = Self.inputs()
        #expect(all.count > 3000)
        for text in all {
            #expect(Self.split(text, .anyNewline) == ParserText.lines(text).map(String.init), "\(text.debugDescription)")
        }
    }

    @Test func lineFeedSplitsAsSplitOnLineFeedCharacters() {
        for text in Self.inputs() {
            #expect(Self.split(text, .lineFeed) == Self.byLineFeeds(text), "\(text.debugDescription)")
        }
        #expect(Self.split("a\r\nb\nc\r", .lineFeed) == ["a\r\nb", "c"])
        #expect(Self.split("a\r\nb\nc\r", .anyNewline) == ["a", "b", "c", ""])
    }

    @Test func stopsAtTheFirstError() {
        var seen = 0
        let error = ParserText.forEachLine("a\nb\nc") { _, number in
            seen += 1
            return number == 2 ? ParseError(source: "t", line: number, text: "b", reason: "r") : nil
        }
        #expect(error?.line == 2)
        #expect(seen == 2)
    }
}
