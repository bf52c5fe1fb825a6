import Foundation
import Testing
@testable import KldloadCore

/// `KBEReport.json()` writes the checkpoints itself (`CheckpointJSON`); the result must be the
/// bytes `JSONEncoder` gives for the same report, whatever the names, descriptions and dates.
@Suite struct KBEReportJSONTests {
    static let pieces = [
        "pre-upgrade-20261122-101500", "rpool/ROOT/default", "a b", "é", "e\u{301}", "\u{301}", "\"", "\\", "/",
        "\n", "\r\n", "\t", "\u{8}", "\u{C}", "\u{1}", "\u{1F}", "\u{7F}", "\u{2028}", "\u{1F600}", "x\"\u{301}", "",
    ]

    static func text(_ rng: inout FuzzRNG) -> String {
        var s = ""
        for _ in 0..<Int(rng.next() % 4) { s += pieces[Int(rng.next() % UInt64(pieces.count))] }
        return s
    }

    static func checkpoint(_ rng: inout FuzzRNG) -> KBEReport.CheckpointInfo {
        // Whole seconds from year 1 to 9999: before 1583 (Julian dates) and with a fraction the
        // writer gives up and the encoder writes the report.
        let seconds = rng.next() % 10 == 0
            ? Double(Int64(rng.next() % 315_537_897_600) - 62_135_596_800)
            : Double(rng.next() % 4_102_444_800)  // 1970–2099
        let created: Date? = rng.next() % 5 == 0 ? nil : Date(timeIntervalSince1970: rng.next() % 50 == 0 ? seconds + 0.5 : seconds)
        return KBEReport.CheckpointInfo(
            name: text(&rng), snapshot: "rpool/ROOT/x@" + text(&rng), used: rng.next() >> UInt64(rng.next() % 64),
            referenced: rng.next() % 1_000_000, created: created,
            description: rng.next() % 3 == 0 ? text(&rng) : nil,
            clones: (0..<Int(rng.next() % 3)).map { _ in "rpool/ROOT/" + text(&rng) })
    }

    @Test func checkpointsWrittenAsTheEncoderWritesThem() {
        var rng = FuzzRNG(seed: 20261205)
        var spliced = 0
        for round in 0..<300 {
            var report = KBEReport(command: "list", dryRun: false)
            report.pool = "rpool"
            report.messages = round % 2 == 0 ? [] : [Self.text(&rng)]
            report.bootEnvironments = (0..<Int(rng.next() % 4)).map { i in
                let kind = rng.next() % 4
                let cps: [KBEReport.CheckpointInfo]? =
                    kind == 0 ? nil : kind == 1 ? [] : (0..<Int(1 + rng.next() % 6)).map { _ in Self.checkpoint(&rng) }
                return KBEReport.EnvironmentInfo(
                    name: "be\(i)", dataset: "rpool/ROOT/be\(i)", active: "-", activeNow: false, activeOnReboot: i == 0,
                    mountpoint: nil, space: 1, used: 1, referenced: 1, created: nil,
                    description: rng.next() % 2 == 0 ? Self.text(&rng) : nil, origin: nil, checkpoints: cps,
                    trial: nil)
            }
            let fast = report.json()
            #expect(fast == report.encodedJSON(), "round \(round)")
            let lists = report.bootEnvironments?.compactMap(\.checkpoints) ?? []
            if lists.contains(where: { !$0.isEmpty }), CheckpointJSON.arrays(lists) != nil { spliced += 1 }
        }
        #expect(spliced > 100)  // the fast writer, not the fallback, wrote most of them
    }

    @Test func iso8601MatchesTheFormatter() {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        var rng = FuzzRNG(seed: 9)
        for _ in 0..<20_000 {
            // 1583-01-01 to 9999-12-31, whole seconds.
            let d = Date(timeIntervalSince1970: Double(Int64(rng.next() % 265_614_854_400) - 12_212_553_600))
            #expect(CheckpointJSON.iso8601(d) == f.string(from: d), "\(d.timeIntervalSince1970)")
        }
        #expect(CheckpointJSON.iso8601(Date(timeIntervalSince1970: -12_212_553_601)) == nil)
        #expect(CheckpointJSON.iso8601(Date(timeIntervalSince1970: 253_402_300_800)) == nil)
        #expect(CheckpointJSON.iso8601(Date(timeIntervalSince1970: 0.25)) == nil)
    }
}
