import Testing
@testable import KldloadCore

@Suite struct DebianVersionTests {
    /// Every line of the captured table is `A B lt|eq|gt`, as real `dpkg --compare-versions` answered.
    @Test func agreesWithDpkgOnTheCapturedTable() throws {
        let text = try String(contentsOfFile: Fixtures.root.path + "/vercmp/dpkg/pairs.txt", encoding: .utf8)
        var checked = 0
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            try #require(f.count == 3)
            let expected = ["lt": -1, "eq": 0, "gt": 1][f[2]]
            #expect(DebianVersion.compare(f[0], f[1]) == expected, "\(f[0]) vs \(f[1]) should be \(f[2])")
            checked += 1
        }
        #expect(checked == 441)
    }

    @Test func isTotalOnArbitraryBytes() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789:-~+.ab".unicodeScalars)
        for _ in 0..<2000 {
            let a = String(String.UnicodeScalarView((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
            let b = String(String.UnicodeScalarView((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
            #expect(DebianVersion.compare(a, b) == -DebianVersion.compare(b, a))
            #expect(DebianVersion.compare(a, a) == 0)
        }
    }
}
