import Foundation
import Testing

@testable import KldloadCore

/// `kbe auto-checkpoint` on the stub world of KBETestSupport (never the host): the snapshot
/// argv, the rate limit, retention per origin and that a hook never fails.
@Suite struct AutoCheckpointTests {
    static let now: UInt64 = 1_763_807_000  // 2025-11-22 10:23:20 UTC
    static let originArgv = SystemQuery.autoCheckpointRows(of: "rpool/ROOT/default").command.argv
    static let expectedName = "auto-apt-20251122-102320"

    static func originRow(_ name: String, _ creation: UInt64, origin: String = "-", kupgrade: String = "-") -> String {
        "rpool/ROOT/default@\(name)\t\(creation)\t\(origin)\t\(kupgrade)\n"
    }

    /// The three snapshots of the standard listing, none made by a hook.
    static let baseOrigins = originRow("install", 1_763_806_600) + originRow("pre-upgrade-20261122-101500", 1_763_806_700)
        + originRow("before-nginx-rewrite", 1_763_806_800)

    /// The standard world plus `extra` hook checkpoints (name, creation, origin property, clones).
    static func world(
        extra: [(String, UInt64, String, String)] = [], origins: String? = nil, split: Bool = false,
        acceptingMutations: Bool = true, paired: String = ""
    ) -> (ReplayRunner, SystemContext) {
        var listing = KBEWorld.listing
        var originText = baseOrigins
        for (name, creation, origin, clones) in extra {
            listing += KBEWorld.row(
                "rpool/ROOT/default@\(name)", "snapshot", "10", "-", "1000", "-", "-", "-", "-", "-", clones,
                String(creation), "-")
            originText += originRow(name, creation, origin: origin)
        }
        let (runner, context) = KBEWorld.make(listing: listing, split: split, acceptingMutations: acceptingMutations, paired: paired)
        runner.on(originArgv, stdout: origins ?? originText)
        return (runner, context)
    }

    static func run(_ args: [String], _ context: SystemContext) -> KBECommand.Result {
        KBEWorld.run(["auto-checkpoint"] + args, context)
    }

    @Test func takesOneAtomicSnapshotWithTheOriginProperty() {
        let (runner, context) = Self.world(split: true)
        let r = Self.run(["--origin", "apt"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations == [[
            "zfs", "snapshot", "-o", "org.kldload:description=automatic checkpoint before a package transaction (apt)",
            "-o", "org.kldload:origin=apt-hook", "rpool/ROOT/default@\(Self.expectedName)", "rpool/var/lib@\(Self.expectedName)",
        ]])
        #expect(r.stderr.contains("rpool/ROOT/default@\(Self.expectedName) taken before the apt transaction"))
        #expect(runner.argvs.contains(Self.originArgv))
    }

    /// A hook's checkpoint is a checkpoint: the paired datasets go into the same snapshot.
    @Test func pairedDatasetsAreInTheHooksSnapshot() {
        let (runner, context) = Self.world(split: true, paired: "rpool/srv/pg\torg.kldload:paired\ton\tlocal\n")
        let r = Self.run(["--origin", "apt"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations == [[
            "zfs", "snapshot", "-o", "org.kldload:description=automatic checkpoint before a package transaction (apt)",
            "-o", "org.kldload:origin=apt-hook", "rpool/ROOT/default@\(Self.expectedName)", "rpool/var/lib@\(Self.expectedName)",
            "rpool/srv/pg@\(Self.expectedName)",
        ]])
    }

    @Test func quietPrintsNothingOnSuccessAndJSONHasTheTarget() throws {
        let (_, context) = Self.world()
        let quiet = Self.run(["--origin", "dnf", "--quiet"], context)
        #expect(quiet.exitCode == 0 && quiet.stderr.isEmpty)
        let (_, context2) = Self.world()
        let json = Self.run(["--origin", "pacman", "--json"], context2)
        let obj = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(obj["version"] as? Int == 1)
        #expect(obj["command"] as? String == "auto-checkpoint")
        #expect(obj["target"] as? String == "rpool/ROOT/default@auto-pacman-20251122-102320")
    }

    @Test func nameIsUniquifiedWhenTaken() {
        let (runner, context) = Self.world(extra: [(Self.expectedName, Self.now - 3600, "apt-hook", "-")])
        #expect(Self.run(["--origin", "apt"], context).exitCode == 0)
        #expect(runner.mutations.first?.last == "rpool/ROOT/default@\(Self.expectedName)-2")
    }

    @Test func rateLimitSkipsWhenThisOriginsNewestIsYoung() {
        let (runner, context) = Self.world(extra: [("auto-apt-20251122-101820", Self.now - 300, "apt-hook", "-")])
        let r = Self.run(["--origin", "apt"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations.isEmpty)
        #expect(r.stderr.contains("skipped, rpool/ROOT/default@auto-apt-20251122-101820 is 5 min old"))
    }

    @Test func rateLimitHonoursTheIntervalOtherOriginsAndMissingProperties() {
        // Older than 10 minutes: taken.
        let (r1, c1) = Self.world(extra: [("auto-apt-old", Self.now - 601, "apt-hook", "-")])
        _ = Self.run(["--origin", "apt"], c1)
        #expect(r1.mutations.count == 1)
        // Younger, but --min-interval 0 disables the limit.
        let (r2, c2) = Self.world(extra: [("auto-apt-young", Self.now - 5, "apt-hook", "-")])
        _ = Self.run(["--origin", "apt", "--min-interval", "0"], c2)
        #expect(r2.mutations.count == 1)
        // A young dnf checkpoint does not limit apt.
        let (r3, c3) = Self.world(extra: [("auto-dnf-young", Self.now - 5, "dnf-hook", "-")])
        _ = Self.run(["--origin", "apt"], c3)
        #expect(r3.mutations.count == 1)
        // The right name without the property (a user's snapshot) does not count.
        let (r4, c4) = Self.world(extra: [("auto-apt-user", Self.now - 5, "-", "-")])
        _ = Self.run(["--origin", "apt"], c4)
        #expect(r4.mutations.count == 1)
        // Dated in the future (clock set back): does not block.
        let (r5, c5) = Self.world(extra: [("auto-apt-future", Self.now + 3600, "apt-hook", "-")])
        _ = Self.run(["--origin", "apt"], c5)
        #expect(r5.mutations.count == 1)
        // --min-interval 60: 30 minutes old still blocks.
        let (r6, c6) = Self.world(extra: [("auto-apt-half-hour", Self.now - 1800, "apt-hook", "-")])
        _ = Self.run(["--origin", "apt", "--min-interval", "60"], c6)
        #expect(r6.mutations.isEmpty)
    }

    @Test func aKupgradeCheckpointJustTakenAlsoLimits() {
        let origins = Self.baseOrigins + Self.originRow("pre-upgrade-20251122-102300", Self.now - 20, kupgrade: "0.1.0")
        let (runner, context) = Self.world(origins: origins)
        let r = Self.run(["--origin", "apt"], context)
        #expect(runner.mutations.isEmpty)
        #expect(r.stderr.contains("pre-upgrade-20251122-102300 is 20 s old"))
    }

    @Test func retentionKeepsTheNewestPerOriginAndSparesClonesAndOthers() {
        var extra: [(String, UInt64, String, String)] = []
        for i in 0..<5 {
            extra.append(("auto-apt-2025112\(i)-000000", Self.now - 86_400 * UInt64(10 - i), "apt-hook",
                          i == 1 ? "rpool/ROOT/from-auto" : "-"))
        }
        extra.append(("auto-dnf-20251101-000000", Self.now - 86_400 * 30, "dnf-hook", "-"))
        extra.append(("auto-apt-by-hand", Self.now - 86_400 * 40, "-", "-"))
        let (runner, context) = Self.world(extra: extra)
        let r = Self.run(["--origin", "apt", "--keep", "3"], context)
        #expect(r.exitCode == 0)
        // 5 existing + 1 new, keep 3: the 3 oldest go, except the one with a clone.
        #expect(runner.mutations.count == 3)
        #expect(runner.mutations.dropFirst().map { $0 } == [
            ["zfs", "destroy", "rpool/ROOT/default@auto-apt-20251120-000000"],
            ["zfs", "destroy", "rpool/ROOT/default@auto-apt-20251122-000000"],
        ])
        #expect(r.stderr.contains("kept because of clones: rpool/ROOT/default@auto-apt-20251121-000000"))
        #expect(!runner.argvs.contains { $0.contains("rpool/ROOT/default@auto-dnf-20251101-000000") })
        #expect(!runner.argvs.contains { $0.contains("rpool/ROOT/default@auto-apt-by-hand") })
    }

    /// The hook's checkpoint covers the BE's children, and so does its retention: the old
    /// checkpoint goes with `zfs destroy -r`, taking the child's same-named snapshot.
    @Test func retentionDestroysTheChildSnapshotsToo() {
        var extra: [(String, UInt64, String, String)] = []
        for i in 0..<3 { extra.append(("auto-apt-2025112\(i)-000000", Self.now - 86_400 * UInt64(10 - i), "apt-hook", "-")) }
        var listing = KBEWorld.listing
        listing += KBEWorld.row(
            "rpool/ROOT/default/var", "filesystem", "100", "0", "100", "9000000", "/var", "noauto", "yes", "-", "-",
            "1763806500", "-")
        var originText = Self.baseOrigins
        for (name, creation, origin, clones) in extra {
            listing += KBEWorld.row(
                "rpool/ROOT/default@\(name)", "snapshot", "10", "-", "1000", "-", "-", "-", "-", "-", clones,
                String(creation), "-")
            listing += KBEWorld.row(
                "rpool/ROOT/default/var@\(name)", "snapshot", "10", "-", "100", "-", "-", "-", "-", "-", "-",
                String(creation), "-")
            originText += Self.originRow(name, creation, origin: origin)
        }
        let (runner, context) = KBEWorld.make(listing: listing)
        runner.on(Self.originArgv, stdout: originText)
        let r = Self.run(["--origin", "apt", "--keep", "2"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations.dropFirst().map { $0 } == [
            ["zfs", "destroy", "-r", "rpool/ROOT/default@auto-apt-20251120-000000"],
            ["zfs", "destroy", "-r", "rpool/ROOT/default@auto-apt-20251121-000000"],
        ])
        #expect(r.stderr.contains("rpool/ROOT/default/var@auto-apt-20251120-000000"))
    }

    @Test func dryRunChangesNothing() {
        let (runner, context) = Self.world()
        let r = Self.run(["--origin", "apt", "-n"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations.isEmpty)
        #expect(r.stderr.contains("dry run, would take rpool/ROOT/default@\(Self.expectedName)"))
    }

    @Test func failuresNeverFailTheHook() {
        // zfs snapshot fails.
        let (_, context) = Self.world(acceptingMutations: false)
        let r = Self.run(["--origin", "apt"], context)
        #expect(r.exitCode == 0)
        #expect(r.stderr.hasPrefix("kbe: warning: auto-checkpoint failed, the apt transaction goes on without a checkpoint"))
        // The origin listing is garbage.
        let (_, c2) = Self.world(origins: "not a listing\n")
        let r2 = Self.run(["--origin", "apt"], c2)
        #expect(r2.exitCode == 0 && r2.stderr.contains("line 1"))
        // No ZFS root at all.
        let (_, c3) = KBEWorld.make(mounts: "sysfs /sys sysfs rw 0 0\n/dev/sda1 / ext4 rw 0 0\n")
        let r3 = Self.run(["--origin", "apt"], c3)
        #expect(r3.exitCode == 0 && r3.stderr.contains("kbe: warning:"))
        // Usage errors in hook mode: a warning, exit 0.
        for args in [["--origin", "APT"], [], ["--origin", "apt", "--keep", "0"], ["--origin", "apt", "--bogus"]] {
            let u = Self.run(args, c2)
            #expect(u.exitCode == 0, "\(args)")
            #expect(u.stderr.contains("kbe: warning: auto-checkpoint"), "\(args)")
        }
    }

    @Test func strictReportsTheRealStatus() {
        let (_, context) = Self.world(acceptingMutations: false)
        #expect(Self.run(["--origin", "apt", "--strict"], context).exitCode == 1)
        #expect(Self.run(["--strict"], context).exitCode == 2)
    }
}
