import Foundation
import Testing
@testable import KldloadCore

/// The fast paths `kbe list` takes on 100,000 checkpoints give the same text as the general
/// ones they replace (Docs/PERFORMANCE.md).
@Suite struct KBEListFastPathTests {
    /// `Stamper` (offset cached between the zone's transitions, integer civil date) against
    /// `stamp` (a Calendar per date), in zones with DST, half-hour and odd historic offsets,
    /// ascending dates across transitions and random ones, and the fallback range.
    @Test func stamperMatchesCalendar() throws {
        let zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
                     "Pacific/Apia", "America/St_Johns", "Africa/Monrovia"]
        var rng = FuzzRNG(seed: 7)
        var compared = 0
        for id in zones {
            let tz = try #require(TimeZone(identifier: id))
            var stamper = BEListRenderer.Stamper(timeZone: tz)
            // Ascending every 20 minutes through 2011 (Apia skipped a day, DST everywhere).
            var t = 1_293_840_000.0
            while t < 1_325_376_000 {
                let d = Date(timeIntervalSince1970: t)
                #expect(stamper.stamp(d) == BEListRenderer.stamp(d, timeZone: tz), "\(id) \(t)")
                t += 1800
                compared += 1
            }
            for _ in 0..<2000 {
                let s = Double(rng.next() % 300_000_000_000) - 1_000_000_000
                let d = Date(timeIntervalSince1970: s)
                #expect(stamper.stamp(d) == BEListRenderer.stamp(d, timeZone: tz), "\(id) \(s)")
                compared += 1
            }
        }
        #expect(compared > 100_000)
    }

    @Test func tableWidthIsTheCharacterCount() {
        for cell in ["", "-", "default@pre-upgrade", "é", "e\u{301}", "a\r\nb", "tab\there", "\u{1F600}x", "~"] {
            #expect(TextTable.width(cell) == cell.count, "\(cell.debugDescription)")
        }
    }

    /// The terminal pre-check lets through only text that needs no change.
    @Test func sanitizedPrecheckKeepsEveryUnsafeScalar() {
        for s in ["plain", "a\u{85}b", "x\u{202E}y", "\u{2067}", "c\rd", "\u{7F}", "\u{1B}[31m", "é\u{2014}"] {
            let needs = s.unicodeScalars.contains { TerminalText.isUnsafe($0) || $0 == "\r" }
            #expect((TerminalText.sanitized(s) != s) == needs, "\(s.debugDescription)")
        }
    }

    /// BEs found by name even when their rows are not grouped, children's snapshots merged,
    /// origins' space found: the inventory keyed per row without per-snapshot dictionaries.
    @Test func inventoryWithInterleavedRowsAndChildSnapshots() {
        func fs(_ n: String, used: UInt64 = 10, origin: String? = nil) -> BERecord {
            BERecord(name: n, kind: .filesystem, used: used, origin: origin)
        }
        func snap(_ n: String, used: UInt64) -> BERecord { BERecord(name: n, kind: .snapshot, used: used) }
        let records = [
            fs("rpool/ROOT"), fs("rpool/ROOT/a"), snap("rpool/ROOT/a@s1", used: 1), fs("rpool/ROOT/a/var"),
            snap("rpool/ROOT/a/var@s1", used: 5), fs("rpool/ROOT/b", origin: "rpool/ROOT/a@s2"),
            snap("rpool/ROOT/a@s2", used: 7), snap("rpool/ROOT/a/var@s2", used: 3), snap("rpool/ROOT/b@x", used: 2),
            fs("rpool/ROOTx/c"), snap("rpool/ROOT@top", used: 9),
        ]
        let envs = BootEnvironmentInventory.build(
            records: records, beRoot: "rpool/ROOT", runningBE: "rpool/ROOT/a", bootfs: "rpool/ROOT/b", mounts: MountTable(entries: []))
        #expect(envs.map(\.name) == ["a", "b"])
        #expect(envs[0].checkpoints.map(\.name) == ["s1", "s2"])
        #expect(envs[0].checkpoints.map(\.used) == [6, 10])
        #expect(envs[0].children == ["rpool/ROOT/a/var"])
        #expect(envs[1].originUsed == 7)
        #expect(envs[1].checkpoints.map(\.fullName) == ["rpool/ROOT/b@x"])
        #expect(envs[0].activeFlags == "N" && envs[1].activeFlags == "R")
    }
}
