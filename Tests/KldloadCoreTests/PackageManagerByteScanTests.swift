import Foundation
import Testing
@testable import KldloadCore

/// `pacman -Q`, `pacman -Qu`, `apt-get -s` and `dnf upgrade --assumeno` are read by byte scans
/// (Docs/PERFORMANCE.md, "Package-manager parsers as byte scans"); every input must give what
/// the Character-based reading gives (same values, same errors with the same line numbers), on
/// the real captures and on mutated ones (CRLF, TABs, brackets, invalid UTF-8, …).
@Suite struct PackageManagerByteScanTests {
    /// Captures under `folders` and the recorded outputs of the scenarios, 1,500 mutations of
    /// them, and `extra`.
    static func inputs(_ folders: [String], _ extra: [String]) -> [String] {
        let captures = folders.flatMap { FixtureLoader.files(under: $0) }.compactMap(FixtureLoader.text)
        var rng = FuzzRNG(seed: 23)
        var out = captures
        for i in 0..<1500 {
            out.append(Fuzzer.mutate(captures[i % captures.count], &rng))
        }
        return out + extra + ["", "\n", " \t \n", "\r\n\r", "é", "\u{301}"]
    }

    @Test func pacmanQueryByteScanMatchesCharacters() {
        let all = Self.inputs(["pacman"], [
            "linux 6.12.1.arch1-1\r\nzfs-utils 2.2.7-1\r", "a\t1:2-3\n b  -4 \n", "a 1 2", "a", "a\u{301} 1-1", "a 1\u{301}-2",
            "x :1-\ny 1:-\nz 12:a-b-c\nw a:1-2", "kldload-app 1.0-1 -> 1.1-1",
        ])
        #expect(all.count > 1500)
        for text in all {
            let fast = Result { () throws(ParseError) in try PacmanParser.parseInstalled(text) }
            let slow = PackageQueryByteScanTests.reference(text) { (l, n) throws(ParseError) in try PacmanParser.installedLine(l, lineNumber: n) }
            #expect(fast == slow, "\(text.prefix(200).debugDescription)")
        }
    }

    @Test func pacmanUpgradesByteScanMatchesCharacters() {
        let all = Self.inputs(["pacman"], [
            "linux 6.12.1.arch1-1 -> 6.12.3.arch1-1 [ignored]\r\na 1 -> 2\t[ignored]", "a 1 -> 2 [ignored] x", "a 1 -> 2 x",
            "a 1 => 2", "a 1 ->", "a 1 -> 2 [ignored]\u{301}", "a\u{301} 1 -> 2", "\ta  1  ->  2  ",
        ])
        for text in all {
            let fast = Result { () throws(ParseError) in try PacmanParser.parseUpgrades(text) }
            let slow = PackageQueryByteScanTests.reference(text) { (l, n) throws(ParseError) in try PacmanParser.upgradeLine(l, lineNumber: n) }
            #expect(fast == slow, "\(text.prefix(200).debugDescription)")
        }
    }

    @Test func aptSimulationByteScanMatchesCharacters() {
        let all = Self.inputs(["apt"], [
            "Inst a:amd64 [1] (2 rel [amd64])\nInst a [1 (2 rel [amd64])\nInst a ((2) x)", "Inst ", "Inst a", "Inst a []",
            "Conf a broken\nConf a (1 r)\nRemv a:i386 [1]\nPurg b\nRemv c:\nRemv :c", "Inst\ta (1)", "Inst a [] ()", "Inst a ( )",
            "Inst a (1 rel [])", "Inst a (1 [amd64] rel)", "Inst a (1 [x] [y])", "Inst a ] (1)", "Inst a [1] [2] (3)",
            "The following packages will be upgraded:\n  a (1 => 2) b\n  (c d) e ((f) g) h)\n  i\n\n  note", "Inst a (1 r\u{301} [x])",
            "The following packages have been kept back:\n  a\u{301} b\n  c\nInst c [1] (2 r [all])\n  d",
            "Inst a [1] (2 Debian:12.15/oldstable [amd64]) [b:amd64 on c:amd64] [b:amd64 ]\nConf a (2 Debian:12.15/oldstable [amd64])",
        ])
        for text in all {
            let fast = Result { () throws(ParseError) in try AptParser.parseSimulation(text) }
            let slow = Result { () throws(ParseError) in try AptParser.parseSimulationByCharacters(text) }
            #expect(fast == slow, "\(text.prefix(200).debugDescription)")
        }
    }

    @Test func dnfTransactionByteScanMatchesCharacters() {
        let all = Self.inputs(["dnf"], [
            "Upgrading:\n a x86_64 1-1 repo 6.1 k\n b\tnoarch\t2-1\trepo\t7  M\n Transaction summary a b c\n c x 1 r 1 k\n",
            "Upgrading:\n Package Arch Version Repository Size\n Package x 1 r 2 k\n replacing a x 1 r 2\n TRANSACTION x y z w\n",
            "Installing:\n verylongname\n   x86_64 1-1 repo 6 k\n     replacing  old.noarch 1-0\n a b c d e f g h\n",
            "Upgrading modules:\n a b c d e\nUpgrading:\n a\u{301} b c d e\n \u{1B}[32mz\u{1B}(B\u{1B}[m x 1 r 2 k\n",
            "Upgrading:\n a b c d\n", "Transaction Summary\n a b c d e\nUpgrade  5 Packages\n",
        ])
        for text in all {
            let fast = Result { () throws(ParseError) in try DnfParser.parseTransaction(text) }
            let slow = Result { () throws(ParseError) in try DnfParser.parseTransactionByCharacters(text) }
            #expect(fast == slow, "\(text.prefix(200).debugDescription)")
        }
    }

    /// `ParserText.words(_:_:into:)` (eight bytes a step, gathered sixteen at a time) splits
    /// every ASCII range as the Character `words` does: runs of blanks and words of every
    /// length around the eight-byte steps, more than sixteen words, ranges inside a line.
    @Test func byteWordsMatchCharacterWords() {
        var rng = FuzzRNG(seed: 41)
        let pieces: [UInt8] = Array("  \t\t ab-x.:[]()>".utf8)
        var out: [Range<Int>] = [0..<1]
        var checked = 0
        for n in 0..<20_000 {
            let length = n % 3 == 0 ? Int.random(in: 0..<200, using: &rng) : Int.random(in: 0..<40, using: &rng)
            // Runs: each piece repeated 1-20 times, so blank runs and words cross 8-byte steps.
            var bytes: [UInt8] = []
            while bytes.count < length {
                let b = pieces[Int.random(in: 0..<pieces.count, using: &rng)]
                bytes += repeatElement(b, count: Int.random(in: 1...20, using: &rng))
            }
            let lo = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &rng)
            let hi = Int.random(in: lo...bytes.count, using: &rng)
            let expected = ParserText.words(Substring(String(decoding: bytes[lo..<hi], as: UTF8.self))).map(String.init)
            let count = bytes.withUnsafeBufferPointer { ParserText.words($0, lo..<hi, into: &out) }
            let got = bytes.withUnsafeBufferPointer { b in out.map { ParserText.string(b, $0) } }
            #expect(count == out.count && got == expected, "\(bytes[lo..<hi])")
            checked += 1
        }
        #expect(checked == 20_000)
    }

    /// `ParserText.lineFeeds` (eight bytes a step) counts every line feed, around the steps too.
    @Test func lineFeedsCountsEveryLineFeed() {
        var rng = FuzzRNG(seed: 43)
        let pieces: [UInt8] = Array("\n\n\ra b\u{0B}\u{8A}".utf8)
        for n in 0..<5_000 {
            let bytes = (0..<(n % 97)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(ParserText.lineFeeds(text) == text.utf8.filter { $0 == 0x0A }.count, "\(bytes)")
        }
    }

    /// `Package(ascii:name:fullVersion:arch:)` splits as `Package(name:fullVersion:arch:)`.
    @Test func asciiPackageSplitsLikeSplitVersion() {
        var rng = FuzzRNG(seed: 5)
        let alphabet = Array("0123456789:-.~+a".utf8)
        var checked = 0
        for n in 0..<20_000 {
            let length = 1 + n % 12
            let version = String(decoding: (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }, as: UTF8.self)
            let line = "pkg " + version
            var copy = line
            let byBytes = copy.withUTF8 { Package(ascii: $0, name: 0..<3, fullVersion: 4..<$0.count, arch: "amd64") }
            #expect(byBytes == Package(name: "pkg", fullVersion: version, arch: "amd64"), "\(version)")
            checked += 1
        }
        #expect(checked == 20_000)
    }
}
