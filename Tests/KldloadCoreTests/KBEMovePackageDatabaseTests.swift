import Foundation
import Testing

@testable import KldloadCore

/// `kbe move-pkgdb`: the package database leaves the shared /var/lib dataset for the BE, after
/// a checkpoint of both, with a dry run and a confirmation; application data stays.
@Suite struct KBEMovePackageDatabaseTests {
    static func world(split: Bool = true, interactive: Bool = false, held: Set<String> = []) -> (ReplayRunner, SystemContext) {
        var (runner, context) = KBEWorld.make(split: split, interactive: interactive)
        if split {
            try? context.files.createDirectory("/var/lib/apt")
            try? context.files.createDirectory("/var/lib/postgresql/15")  // application data: stays
        }
        context.locks = ScenarioLockProbe(held: held, files: context.files)
        return (runner, context)
    }

    static func expectedPlan(_ context: SystemContext) -> [[String]] {
        let name = Checkpoints.name(Checkpoints.Prefix.preMovePackageDatabase, at: context.now(), timeZone: context.timeZone)
        var plan: [[String]] = [
            ["zfs", "snapshot", "-o", "org.kldload:description=before kbe move-pkgdb",
             "rpool/ROOT/default@\(name)", "rpool/var/lib@\(name)"],
            ["mkdir", "-p", "/usr/lib/sysimage"],
        ]
        for d in ["dpkg", "apt"] {
            plan += [
                ["cp", "-a", "/var/lib/\(d)", "/usr/lib/sysimage/\(d)"],
                ["ln", "-s", "../../usr/lib/sysimage/\(d)", "/var/lib/\(d).kbe-new"],
                ["mv", "/var/lib/\(d)", "/var/lib/\(d).kbe-moved"],
                ["mv", "/var/lib/\(d).kbe-new", "/var/lib/\(d)"],
            ]
        }
        return plan
    }

    @Test func dryRunShowsThePlanAndChangesNothing() throws {
        let (runner, context) = Self.world()
        let r = KBEWorld.run(["move-pkgdb", "--dry-run", "--json"], context)
        #expect(r.exitCode == 0)
        #expect(runner.mutations == [])
        let report = try JSONDecoder().decode(KBEReport.self, from: Data(r.stdout.utf8))
        #expect(report.plan == Self.expectedPlan(context))
        #expect(report.executed == false)
        #expect(!(report.plan ?? []).joined().contains { $0.contains("postgresql") })
    }

    @Test func withYesItCheckpointsFirstThenMovesEachDirectory() {
        let (runner, context) = Self.world()
        let r = KBEWorld.run(["move-pkgdb", "--yes"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        // mkdir goes through the FileSystem, everything else is an argv, in plan order.
        #expect(runner.mutations == Self.expectedPlan(context).filter { $0.first != "mkdir" })
        #expect(context.files.isDirectory("/usr/lib/sysimage"))
        #expect(r.stdout.contains("[kbe] Moved /var/lib/dpkg into the boot environment: /var/lib/dpkg -> ../../usr/lib/sysimage/dpkg\n"))
        #expect(r.stdout.contains("rm -rf /var/lib/dpkg.kbe-moved"))
        #expect(r.stdout.contains("[kbe] Application data under /var/lib stays on rpool/var/lib"))
        // rpool/ROOT/test was made before: its package manager would have no database.
        #expect(r.stderr.contains("test were made before the move"))
    }

    @Test func withoutATerminalOrYesItIsRefused() {
        let (runner, context) = Self.world()
        let r = KBEWorld.run(["move-pkgdb"], context)
        #expect(r.exitCode == 3)
        #expect(runner.mutations == [])
        #expect(r.stderr.contains("needs confirmation"))
    }

    @Test func aBusyPackageManagerIsRefused() {
        let (runner, context) = Self.world(held: ["/var/lib/dpkg/lock-frontend"])
        let r = KBEWorld.run(["move-pkgdb", "--yes"], context)
        #expect(r.exitCode == 3)
        #expect(r.stderr.contains("dpkg/apt is busy"))
        #expect(runner.mutations == [])
    }

    @Test func aDatabaseInsideTheBEIsLeftAlone() {
        var (runner, context) = KBEWorld.make(split: false)
        try? context.files.createDirectory("/var/lib/dpkg")
        try? context.files.write(Data("rpool/ROOT/default / zfs rw 0 0\n".utf8), to: "/proc/self/mounts")
        context.locks = ScenarioLockProbe(held: [], files: context.files)
        let r = KBEWorld.run(["move-pkgdb", "--yes"], context)
        #expect(r.exitCode == 0)
        #expect(r.stdout.contains("already inside the boot environment rpool/ROOT/default; nothing to do"))
        #expect(runner.mutations == [])
    }

    @Test func anExistingTargetIsNeverOverwritten() {
        let (runner, context) = Self.world()
        try? context.files.createDirectory("/usr/lib/sysimage/dpkg")
        let r = KBEWorld.run(["move-pkgdb", "--yes"], context)
        #expect(r.exitCode == 3)
        #expect(r.stderr.contains("/usr/lib/sysimage/dpkg exists already"))
        #expect(runner.mutations == [])
    }

    /// The VM run (Fixtures/scenarios/kbe-move-pkgdb-debian13) replays to the same commands and
    /// the same output.
    @Test func recordedRunReplays() throws {
        let dir = Fixtures.root.appendingPathComponent("scenarios/kbe-move-pkgdb-debian13").path
        let context = try SystemContext.replay(scenario: dir)
        let replay = try #require(context.runner as? ReplayRunner)
        let r = KBECommand.run(try KBEInvocation.parse(["move-pkgdb", "--yes"]), context: context,
                               timeZone: TimeZone(identifier: "UTC")!)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(replay.unusedRecordings.map(\.name) == [])
        #expect(replay.invocations.map(\.argv) == replay.recordings.map(\.argv))
        let live = try String(contentsOfFile: dir + "/live/kbe.stdout", encoding: .utf8)
        #expect(r.stdout == live)
        #expect(replay.invocations.contains { $0.argv == ["ln", "-s", "../../usr/lib/sysimage/dpkg", "/var/lib/dpkg.kbe-new"] })
    }
}
