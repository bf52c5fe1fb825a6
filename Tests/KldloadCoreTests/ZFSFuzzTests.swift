import Foundation
import Testing
@testable import KldloadCore

/// Feeds every ZFS parser truncated, shuffled, mutated and random input. Each call must
/// return a value or throw a `ParseError` whose line number lies inside the input — never
/// crash, hang or trap.
@Suite struct ZFSFuzzTests {
    enum Outcome { case value, error }

    static let zfsListColumns = ["name", "creation", "used", "available", "referenced", "mountpoint", "mounted"]
    static let zpoolListColumns = ["name", "size", "allocated", "free", "checkpoint", "fragmentation",
                                   "capacity", "health", "readonly"]

    /// Runs every parser on `text`; returns outcomes and checks error line numbers.
    static func runAll(_ text: String) -> [Outcome] {
        let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
        var out: [Outcome] = []
        func record(_ body: () throws(ParseError) -> Void) {
            do {
                try body()
                out.append(.value)
            } catch {
                #expect(error.line >= 0 && error.line <= lineCount + 1, "line \(error.line) outside 0...\(lineCount)")
                #expect(error.text.count <= 201)
                #expect(!error.reason.isEmpty)
                out.append(.error)
            }
        }
        record { () throws(ParseError) in _ = try ZpoolStatusParser.parse(text) }
        record { () throws(ParseError) in _ = try ZFSListParser.parse(text, columns: zfsListColumns) }
        record { () throws(ParseError) in _ = try ZFSListParser.parseSnapshots(text, columns: zfsListColumns) }
        record { () throws(ParseError) in _ = try ZpoolListParser.parse(text, columns: zpoolListColumns) }
        record { () throws(ParseError) in _ = try ZFSGetParser.parseDatasets(text) }
        record { () throws(ParseError) in _ = try ZpoolGetParser.parse(text) }
        // Typed accessors on whatever parsed must not trap either.
        if let rows = try? ZFSListParser.parse(text, columns: zfsListColumns) {
            for r in rows { _ = (r.used, r.available, r.creation, r.parent, r.pool, r.type) }
        }
        if let report = try? ZpoolStatusParser.parse(text) {
            for p in report.pools { _ = (p.isHealthy, p.isResilvering, p.scan, p.allVDevs.count) }
        }
        _ = try? ZFSName.validateDataset(String(text.prefix(300)))
        _ = NiceNumber.parse(text.prefix(30))
        return out
    }

    /// Public samples plus the zpool/zfs outputs among the real 2.1 captures (not the
    /// system facts captured next to them).
    static func allFixtureTexts() -> [(String, String)] {
        let real = FixtureLoader.files(under: "zfs-2.1", suffix: ".stdout").filter { f in
            let n = (f as NSString).lastPathComponent
            return ["zpool-status", "zpool-list-Hp", "zpool-get-Hp", "zfs-list-Hp", "zfs-get-Hp"].contains { n.hasPrefix($0) }
        }
        return (FixtureLoader.files(under: "zpool-status") + FixtureLoader.files(under: "zfs") + real)
            .compactMap { f in FixtureLoader.text(f).map { (f, $0) } }
    }

    @Test func truncatedFixtures() throws {
        let fixtures = Self.allFixtureTexts()
        #expect(fixtures.count >= 16)
        var rng = FuzzRNG(seed: 0x5EED_0001)
        var values = 0
        var errors = 0
        for (_, text) in fixtures {
            let bytes = Array(text.utf8)
            var cuts = [0, bytes.count]
            for _ in 0..<16 { cuts.append(Int.random(in: 0...bytes.count, using: &rng)) }
            for cut in cuts {
                // Cutting inside a multi-byte character is allowed: decoding repairs it.
                let t = String(decoding: bytes[0..<cut], as: UTF8.self)
                for o in Self.runAll(t) { if o == .value { values += 1 } else { errors += 1 } }
            }
        }
        #expect(values > 0)
        #expect(errors > 0)
    }

    @Test func shuffledAndDuplicatedLines() {
        var rng = FuzzRNG(seed: 0x5EED_0002)
        var total = 0
        for (_, text) in Self.allFixtureTexts() {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for _ in 0..<6 {
                lines.shuffle(using: &rng)
                if let l = lines.randomElement(using: &rng) { lines.insert(l, at: Int.random(in: 0...lines.count, using: &rng)) }
                total += Self.runAll(lines.joined(separator: "\n")).count
            }
        }
        #expect(total > 0)
    }

    @Test func mutatedBytes() {
        var rng = FuzzRNG(seed: 0x5EED_0003)
        let alphabet: [UInt8] = Array("\t \n0123456789KMGTPE.,:@/#-%()ONLINEDEGRADEDAVAIL".utf8) + [0, 0xFF, 0xC3, 0x80]
        var total = 0
        for (_, text) in Self.allFixtureTexts() {
            let original = Array(text.utf8)
            for _ in 0..<8 {
                var b = original
                for _ in 0..<Int.random(in: 1...12, using: &rng) where !b.isEmpty {
                    let i = Int.random(in: 0..<b.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: b[i] = alphabet.randomElement(using: &rng)!
                    case 1: b.remove(at: i)
                    default: b.insert(alphabet.randomElement(using: &rng)!, at: i)
                    }
                }
                total += Self.runAll(String(decoding: b, as: UTF8.self)).count
            }
        }
        #expect(total > 0)
    }

    @Test func randomInput() {
        var rng = FuzzRNG(seed: 0x5EED_0004)
        let alphabet: [UInt8] = Array("\t\t\n\n    abcxyz0123456789KMG.:@/-poolstatescanconfigerrors".utf8) + [0x00, 0x7F, 0xE2, 0x82, 0xAC]
        var outcomes: [Outcome] = []
        for _ in 0..<300 {
            let n = Int.random(in: 0...600, using: &rng)
            let bytes = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
            outcomes += Self.runAll(String(decoding: bytes, as: UTF8.self))
        }
        #expect(outcomes.count == 300 * 6)
    }

    @Test func hostileShapes() throws {
        // A quarter megabyte on one line, with and without tabs.
        let long = String(repeating: "x", count: 1 << 18)
        #expect(Self.runAll(long).count == 6)
        #expect(Self.runAll(long + "\t" + long + "\n").count == 6)
        // Ever deeper indentation must end in a ParseError, not a stack overflow.
        var deep = "  pool: t\n state: ONLINE\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\tt ONLINE 0 0 0\n"
        for i in 1...2000 { deep += "\t" + String(repeating: " ", count: i * 2) + "mirror-\(i) ONLINE 0 0 0\n" }
        #expect(throws: ParseError.self) { try ZpoolStatusParser.parse(deep) }
        // Numbers far beyond UInt64 saturate.
        let huge = "p\t99999999999999999999999999\t18446744073709551616\t1\t1\t/\tyes\n"
        let rows = try ZFSListParser.parse(huge, columns: Self.zfsListColumns)
        #expect(rows.first?.used == UInt64.max)
        _ = rows.first?.creation  // must not trap
        #expect(NiceNumber.parse("99999999999999999999E")?.value == UInt64.max)
        // Counters in zpool status that overflow.
        let status = "  pool: t\n state: ONLINE\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\tt ONLINE 999999999999999999999999 16E 1.5Z\n"
        let p = try ZpoolStatusParser.parse(status).pools.first
        #expect(p?.root?.readErrors?.value == UInt64.max)
        #expect(p?.root?.errorCount == UInt64.max)
    }

    @Test func linearTimeOnLargeInput() throws {
        // 100k vdev lines and 100k zfs list lines parse without quadratic blow-up (debug build).
        var status = "  pool: big\n state: ONLINE\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\tbig ONLINE 0 0 0\n\t  raidz2-0 ONLINE 0 0 0\n"
        status.reserveCapacity(100_000 * 40)
        for i in 0..<100_000 { status += "\t    disk\(i) ONLINE 0 0 0\n" }
        let start = Date()
        let report = try ZpoolStatusParser.parse(status)
        #expect(report.pools.first?.root?.children.first?.children.count == 100_000)
        var list = ""
        list.reserveCapacity(100_000 * 60)
        for i in 0..<100_000 { list += "rpool/data/ds\(i)\t1608154061\t\(i)\t1686265856\t98304\t/data/\(i)\tyes\n" }
        let rows = try ZFSListParser.parse(list, columns: Self.zfsListColumns)
        #expect(rows.count == 100_000)
        #expect(rows.last?.used == 99_999)
        #expect(Date().timeIntervalSince(start) < 60)
    }
}
