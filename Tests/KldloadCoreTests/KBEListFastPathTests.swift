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

    /// A BE cloned from a child dataset's snapshot, the snapshot's row after the clone's: the
    /// builder fed row by row needs its second look and finds the same space as `build`.
    @Test func streamedInventoryFindsAChildSnapshotOrigin() {
        func fs(_ n: String, used: UInt64 = 10, origin: String? = nil) -> BERecord {
            BERecord(name: n, kind: .filesystem, used: used, origin: origin)
        }
        func snap(_ n: String, used: UInt64) -> BERecord { BERecord(name: n, kind: .snapshot, used: used) }
        let records = [
            fs("rpool/ROOT"), fs("rpool/ROOT/a"), fs("rpool/ROOT/a/var"), fs("rpool/ROOT/b", origin: "rpool/ROOT/a/var@s1"),
            snap("rpool/ROOT/a@s1", used: 1), snap("rpool/ROOT/a/var@s1", used: 5),
            fs("rpool/ROOT/c", origin: "rpool/ROOT/a@s1"),
        ]
        var builder = BootEnvironmentInventory.Builder(
            beRoot: "rpool/ROOT", runningBE: "rpool/ROOT/a", bootfs: nil, mounts: MountTable(entries: []))
        for r in records { builder.add(r) }
        #expect(builder.needsOriginPass)
        for r in records { builder.addOriginCandidate(r) }
        let envs = builder.finish()
        #expect(envs.map(\.name) == ["a", "b", "c"])
        #expect(envs[1].originUsed == 5)
        #expect(envs[2].originUsed == 1)
        #expect(envs == BootEnvironmentInventory.build(
            records: records, beRoot: "rpool/ROOT", runningBE: "rpool/ROOT/a", bootfs: nil, mounts: MountTable(entries: [])))
    }

    /// Every recorded `zfs list` of a BE root (text and JSON): the listing query, which builds
    /// the inventory while parsing and keeps no rows, gives what `build` gives from all rows.
    @Test func listingQueryMatchesBuildOnEveryRecording() throws {
        var compared = 0
        for argvPath in Fixtures.files(under: "scenarios", where: { $0 == "argv" }) {
            let argv = try Fixtures.text(argvPath).split(separator: "\n").map(String.init)
            guard argv.count > 3, argv[0] == "zfs", argv[1] == "list", argv.contains("-r"),
                  argv.contains(BEListing.columns.joined(separator: ",")), let root = argv.last, !root.isEmpty else { continue }
            let dir = String(argvPath.dropLast("argv".count))
            guard Fixtures.exists(dir + "status"), try Fixtures.text(dir + "status").trimmingCharacters(in: .whitespacesAndNewlines) == "0",
                  Fixtures.exists(dir + "stdout") else { continue }
            let out = try Fixtures.text(dir + "stdout")
            let json = argv.contains("-j")
            let records = try json ? BEListing.parseJSON(out) : BEListing.parse(out)
            for keep in [false, true] {
                let query = SystemQuery.bootEnvironmentListing(
                    root: root, runningBE: root + "/default", bootfs: root + "/default", mounts: MountTable(entries: []), keepRecords: keep)
                let form = try #require(json ? query.json : query.text)
                let listing = try form.parse(CommandResult(command: form.command, status: .exited(0), stdout: out))
                #expect(listing.environments == BootEnvironmentInventory.build(
                    records: records, beRoot: root, runningBE: root + "/default", bootfs: root + "/default",
                    mounts: MountTable(entries: [])), "\(argvPath)")
                #expect(listing.records == (keep ? records : []), "\(argvPath)")
                #expect(listing.root == records.first { $0.name == root }, "\(argvPath)")
            }
            compared += 1
        }
        #expect(compared >= 10)
    }
}
