import Foundation
import Testing

@testable import KldloadCore

/// The one set of checkpoint routines (`Checkpoints`) that kbe, kupgrade and the hooks share:
/// naming, uniquifying, the listing parser, and what retention destroys for each owner.
@Suite struct CheckpointsTests {
    @Test func namesAreThePrefixAndTheLocalStamp() {
        let date = Date(timeIntervalSince1970: 1_774_430_130)  // 2026-03-25T09:15:30Z
        let utc = TimeZone(identifier: "UTC")!
        let paris = TimeZone(identifier: "Europe/Paris")!
        #expect(Checkpoints.name(Checkpoints.Prefix.preUpgrade, at: date, timeZone: utc) == "pre-upgrade-20260325-091530")
        #expect(Checkpoints.name(Checkpoints.Prefix.preUpgrade, at: date, timeZone: paris) == "pre-upgrade-20260325-101530")
        #expect(Checkpoints.name(Checkpoints.Prefix.preMovePackageDatabase, at: date, timeZone: utc) == "pre-move-pkgdb-20260325-091530")
        #expect(NewBEUpgrade.defaultName(at: date, timeZone: utc) == "upgrade-20260325-091530")
        let hookDate = Date(timeIntervalSince1970: 1_763_807_000)  // 2025-11-22 10:23:20 UTC
        #expect(Checkpoints.name(Checkpoints.Prefix.hook("dnf"), at: hookDate, timeZone: utc) == "auto-dnf-20251122-102320")
        #expect(Checkpoints.name(Checkpoints.Prefix.hook("dnf"), at: hookDate, timeZone: TimeZone(identifier: "Asia/Tokyo")!)
            == "auto-dnf-20251122-192320")
        #expect(BootEnvironmentManager.cloneSnapshotName(for: "test") == "kbe-test")
        // Four-digit years and two-digit fields, whatever the date.
        #expect(Checkpoints.stamp(at: Date(timeIntervalSince1970: 0), timeZone: utc) == "19700101-000000")
    }

    @Test func uniqueNamesCountFromTwo() {
        #expect(Checkpoints.unique("pre-upgrade-20260325-091530") { _ in false } == "pre-upgrade-20260325-091530")
        #expect(Checkpoints.unique("a") { ["a"].contains($0) } == "a-2")
        #expect(Checkpoints.unique("a") { ["a", "a-2", "a-3"].contains($0) } == "a-4")
    }

    @Test func parserReadsBothListingsAndRejectsBadLinesByNumber() throws {
        let retention = try Checkpoints.parse(
            "rpool/ROOT/default@pre-upgrade-1\t100\trpool/ROOT/restored\t0.1.0\n", columns: Checkpoints.retentionColumns)
        #expect(retention == [Checkpoints.Row(name: "pre-upgrade-1", creation: 100, clones: "rpool/ROOT/restored", kupgradeVersion: "0.1.0")])
        #expect(retention.first?.hasClones == true)
        let hooks = try Checkpoints.parse("rpool/ROOT/default@auto-apt-1\t1763807000\tapt-hook\t-\n\n", columns: Checkpoints.hookColumns)
        #expect(hooks == [Checkpoints.Row(name: "auto-apt-1", creation: 1_763_807_000, origin: "apt-hook")])
        #expect(hooks.first?.hasClones == false)
        #expect(throws: ParseError.self) { try Checkpoints.parse("a@b\t1\t-\t-\nno-at-sign\t1\t-\t-\n", columns: Checkpoints.hookColumns) }
        #expect(throws: ParseError.self) {
            try Checkpoints.parse("rpool/ROOT/default@x\tnot-a-number\t-\t-\n", columns: Checkpoints.retentionColumns)
        }
        #expect(throws: ParseError.self) { try Checkpoints.parse("only one field\n", columns: Checkpoints.retentionColumns) }
        do {
            _ = try Checkpoints.parse("a@b\t1\t-\t-\nx@y\t99999999999999999999999\t-\t-\n", columns: Checkpoints.hookColumns)
            Issue.record("expected a ParseError")
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test func ownersNeedBothTheNameAndTheProperty() {
        #expect(Checkpoints.Owner.kupgrade.owns(.init(name: "pre-upgrade-1", creation: 1, kupgradeVersion: "0.1.0")))
        #expect(!Checkpoints.Owner.kupgrade.owns(.init(name: "pre-upgrade-1", creation: 1)))
        #expect(!Checkpoints.Owner.kupgrade.owns(.init(name: "before-nginx", creation: 1, kupgradeVersion: "0.1.0")))
        #expect(Checkpoints.Owner.hook(origin: "apt").owns(.init(name: "auto-apt-1", creation: 1, origin: "apt-hook")))
        #expect(!Checkpoints.Owner.hook(origin: "apt").owns(.init(name: "auto-apt-1", creation: 1, origin: "dnf-hook")))
        #expect(!Checkpoints.Owner.hook(origin: "apt").owns(.init(name: "auto-apt-1", creation: 1)))
        #expect(!Checkpoints.Owner.hook(origin: "apt").owns(.init(name: "auto-dnf-1", creation: 1, origin: "apt-hook")))
    }

    /// kupgrade's retention: the listing is read after the checkpoint of this run was taken.
    @Test func kupgradeRetentionKeepsUserClonedAndNewest() throws {
        let text = [
            "rpool/ROOT/default@pre-upgrade-20260101-000000\t100\t-\t0.1.0",
            "rpool/ROOT/default@pre-upgrade-20260102-000000\t200\trpool/ROOT/restored\t0.1.0",
            "rpool/ROOT/default@pre-upgrade-20260103-000000\t300\t-\t-",
            "rpool/ROOT/default@before-nginx\t350\t-\t-",
            "rpool/ROOT/default@pre-upgrade-20260104-000000\t400\t-\t0.1.0",
            "rpool/ROOT/default@pre-upgrade-20260105-000000\t500\t-\t0.1.0",
        ].joined(separator: "\n") + "\n"
        let rows = try Checkpoints.parse(text, columns: Checkpoints.retentionColumns)
        #expect(rows.count == 6)
        let (destroy, spared) = Checkpoints.retention(rows, owner: .kupgrade, keep: 2, current: "pre-upgrade-20260105-000000")
        #expect(destroy == ["pre-upgrade-20260101-000000"])
        #expect(spared == ["pre-upgrade-20260102-000000"])
        let none = Checkpoints.retention(rows, owner: .kupgrade, keep: 10)
        #expect(none.destroy.isEmpty && none.spared.isEmpty)
        // keep is never below one: the newest stays.
        let one = Checkpoints.retention(rows, owner: .kupgrade, keep: 0)
        #expect(!one.destroy.contains("pre-upgrade-20260105-000000"))
        #expect(one.destroy == ["pre-upgrade-20260101-000000", "pre-upgrade-20260104-000000"])
    }

    /// A hook's retention: the listing was read before its new checkpoint, which counts as the
    /// newest kept one; clones come from kbe's listing (children included).
    @Test func hookRetentionCountsTheNewCheckpoint() {
        let rows = (0..<4).map { Checkpoints.Row(name: "auto-apt-\($0)", creation: UInt64(100 + $0), origin: "apt-hook") }
            + [Checkpoints.Row(name: "auto-dnf-0", creation: 1, origin: "dnf-hook")]
        let sel = Checkpoints.retention(rows, owner: .hook(origin: "apt"), keep: 2, new: "auto-apt-new",
                                        hasClones: { $0.name == "auto-apt-0" })
        #expect(sel.destroy == ["auto-apt-1", "auto-apt-2"])
        #expect(sel.spared == ["auto-apt-0"])
        let none = Checkpoints.retention(Array(rows.prefix(1)), owner: .hook(origin: "apt"), keep: 2, new: "auto-apt-new",
                                         hasClones: { _ in false })
        #expect(none.destroy.isEmpty && none.spared.isEmpty)
    }
}
