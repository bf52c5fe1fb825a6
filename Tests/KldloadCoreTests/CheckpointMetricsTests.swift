import Foundation
import Testing

@testable import KldloadCore

/// The checkpoint metrics (`kldload_checkpoints.prom`): rendered from a real listing, rewritten
/// by kbe after the commands that change checkpoints and by kupgrade after its run, only where
/// `textfile_dir` is configured (and, for kbe, exists).
@Suite("checkpoint metrics")
struct CheckpointMetricsTests {
    static let dir = "/var/lib/prometheus/node-exporter"
    static let file = dir + "/kldload_checkpoints.prom"
    static let config = "/etc/kldload/kupgrade.conf"

    /// The standard stub world with `textfile_dir` configured and (unless told) its directory present.
    static func world(configured: Bool = true, directoryExists: Bool = true, configText: String? = nil)
        -> (ReplayRunner, SystemContext)
    {
        var files: [String: String] = [:]
        if configured { files[config] = configText ?? "textfile_dir = \(dir)\n" }
        let (runner, context) = KBEWorld.make(files: files)
        if directoryExists { try? context.files.createDirectory(dir) }
        return (runner, context)
    }

    /// OpenZFS 2.1.11's listing of the VM (Fixtures/scenarios/kbe-openzfs-2.1-bes): default has
    /// two checkpoints, test one; the oldest is default@pre-upgrade-20261122-101500 (1795319616).
    @Test func renderedFromARecordedListing() throws {
        let context = try SystemContext.replay(scenario: Fixtures.url("scenarios/kbe-openzfs-2.1-bes").path)
        let state = try BootEnvironmentManager(context: context).loadState()
        #expect(CheckpointMetrics.render(state.environments) == """
            # HELP kldload_be_checkpoints Checkpoints (snapshots) of each boot environment.
            # TYPE kldload_be_checkpoints gauge
            kldload_be_checkpoints{be="rpool/ROOT/default"} 2
            kldload_be_checkpoints{be="rpool/ROOT/test"} 1
            # HELP kldload_checkpoint_oldest_timestamp_seconds Creation time of the oldest checkpoint of any boot environment (Unix time).
            # TYPE kldload_checkpoint_oldest_timestamp_seconds gauge
            kldload_checkpoint_oldest_timestamp_seconds 1795319616

            """)
    }

    @Test func noCheckpointsMeansZeroAndNoOldestSample() throws {
        // kupgrade-debian12-apt's first listing: rpool/ROOT/default without a snapshot.
        let context = try SystemContext.replay(scenario: Fixtures.url("scenarios/kupgrade-debian12-apt").path)
        let state = try BootEnvironmentManager(context: context).loadState()
        let text = CheckpointMetrics.render(state.environments)
        #expect(text.contains("kldload_be_checkpoints{be=\"rpool/ROOT/default\"} 0\n"))
        #expect(text.hasSuffix("# TYPE kldload_checkpoint_oldest_timestamp_seconds gauge\n"))
    }

    @Test func kbeCreateRewritesTheFileFromAListingMadeAfterTheSnapshot() throws {
        let (runner, context) = Self.world()
        let r = KBEWorld.run(["create", "before-test"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        let text = try context.files.text(of: Self.file)
        #expect(text.contains("kldload_be_checkpoints{be=\"rpool/ROOT/default\"} 3\n"))
        #expect(text.contains("kldload_be_checkpoints{be=\"rpool/ROOT/test\"} 1\n"))
        #expect(text.contains("kldload_checkpoint_oldest_timestamp_seconds 1763806600\n"))
        // The snapshot, then the listing the file is made from.
        let argvs = runner.argvs
        let snapshot = try #require(argvs.firstIndex { $0.starts(with: ["zfs", "snapshot"]) })
        #expect(argvs[(snapshot + 1)...].contains(KBEWorld.listArgv))
    }

    @Test func everyChangingCommandRewritesIt() throws {
        for argv in [["destroy", "--yes", "test"], ["rollback", "--yes", "before-nginx-rewrite"], ["rename", "test", "t2"],
                     ["create", "--be", "b2"], ["activate", "test"]] {
            let (_, context) = Self.world()
            let r = KBEWorld.run(argv, context)
            #expect(r.exitCode == 0, "\(argv): \(r.stderr)")
            #expect(context.files.exists(Self.file), "\(argv)")
        }
    }

    @Test func readsDryRunsAndUnconfiguredSystemsWriteNothing() throws {
        for argv in [["list", "-s"], ["create", "--dry-run", "x"], ["describe", "test", "new text"]] {
            let (runner, context) = Self.world()
            let r = KBEWorld.run(argv, context)
            #expect(r.exitCode == 0, "\(argv): \(r.stderr)")
            #expect(!context.files.exists(Self.file), "\(argv)")
            #expect(runner.argvs.filter { $0 == KBEWorld.listArgv }.count == 1, "\(argv)")
        }
        // Not configured, or configured but no collector directory: no file, no extra listing, no warning.
        for (configured, exists) in [(false, true), (true, false)] {
            let (runner, context) = Self.world(configured: configured, directoryExists: exists)
            let r = KBEWorld.run(["create", "x"], context)
            #expect(r.exitCode == 0 && r.stderr.isEmpty, "\(r.stderr)")
            #expect(!context.files.exists(Self.file))
            #expect(runner.argvs.filter { $0 == KBEWorld.listArgv }.count == 1)
        }
    }

    @Test func aBrokenConfigIsAWarningNotAFailure() throws {
        let (_, context) = Self.world(configText: "textfile_dir = relative/dir\n")
        let r = KBEWorld.run(["create", "x"], context)
        #expect(r.exitCode == 0)
        #expect(r.stderr.contains("[kbe] warning: metrics not written: "))
        #expect(r.stderr.contains("textfile_dir must be an absolute path"))
        #expect(!context.files.exists(Self.file))
    }

    @Test func autoCheckpointRewritesIt() throws {
        let (runner, context) = Self.world()
        runner.on(SystemQuery.autoCheckpointRows(of: "rpool/ROOT/default").command.argv, stdout: "")
        let r = KBEWorld.run(["auto-checkpoint", "--origin", "apt"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("warning"), "\(r.stderr)")
        #expect(try context.files.text(of: Self.file).contains("kldload_be_checkpoints{be=\"rpool/ROOT/default\"} 3\n"))
    }

    /// The VM recording of `kbe move-pkgdb` (OpenZFS 2.3.9) with a collector directory: the
    /// recorded commands, then one more listing for the file. (The replay answers that listing
    /// with the recorded one from before the change, so only its presence is checked here.)
    @Test func recordedMovePkgdbRunWritesItAfterItsCommands() throws {
        let dir = Fixtures.root.appendingPathComponent("scenarios/kbe-move-pkgdb-debian13").path
        let context = try SystemContext.replay(scenario: dir)
        try context.files.write(Data("textfile_dir = \(Self.dir)\n".utf8), to: Self.config)
        try context.files.createDirectory(Self.dir)
        let replay = try #require(context.runner as? ReplayRunner)
        let r = KBECommand.run(try KBEInvocation.parse(["move-pkgdb", "--yes"]), context: context,
                               timeZone: TimeZone(identifier: "UTC")!)
        #expect(r.exitCode == 0, "\(r.stderr)")
        let ran = replay.invocations.map(\.argv)
        let recorded = replay.recordings.map(\.argv)
        #expect(Array(ran.prefix(recorded.count)) == recorded)
        #expect(Array(ran.dropFirst(recorded.count)) == [recorded[0], recorded[1]])
        #expect(try context.files.text(of: Self.file).contains("kldload_be_checkpoints{be=\"rpool/ROOT/"))
    }

    /// The VM recording of `kbe create e2e-m1` with textfile_dir configured (Debian 13, OpenZFS
    /// 2.3.9, Tests/e2e scenario 26): the replay writes exactly the file the live run wrote, from
    /// the listing recorded after the snapshot.
    @Test func recordedKBECreateWritesWhatTheLiveRunWrote() throws {
        let dir = ScenarioReplay.path("kbe-checkpoint-metrics-debian13")
        let context = try SystemContext.replay(scenario: dir)
        let replay = try #require(context.runner as? ReplayRunner)
        let r = KBECommand.run(try KBEInvocation.parse(["create", "e2e-m1"]), context: context,
                               timeZone: TimeZone(identifier: "UTC")!)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(replay.unusedRecordings.map(\.name) == [])
        #expect(replay.invocations.map(\.argv) == replay.recordings.map(\.argv))
        // stdout as live; live stderr holds only the progress line (`[kbe] ran: …`), no warning.
        #expect(r.stdout == (try String(contentsOfFile: dir + "/live/kbe.stdout", encoding: .utf8)))
        #expect(r.stderr.isEmpty)
        #expect(!(try String(contentsOfFile: dir + "/live/kbe.stderr", encoding: .utf8)).contains("warning"))
        let live = try String(contentsOfFile: dir + "/live/after-create.prom", encoding: .utf8)
        #expect(try context.files.text(of: Self.file) == live)
        #expect(live.contains("kldload_be_checkpoints{be=\"rpool/ROOT/default\"} 2\n"))
    }

    /// The VM recording of `kupgrade --metrics-dir` (scenario 26): the last two commands are the
    /// listing the checkpoint file is made from; the replay writes the live run's file, and the
    /// live run's kupgrade file but for the finishing time (the replay's clock stands still).
    @Test func recordedKupgradeWritesWhatTheLiveRunWrote() throws {
        let dir = ScenarioReplay.path("kupgrade-debian13-metrics")
        let r = try ScenarioReplay.run(path: dir)
        #expect(r.report.exitCode == 0)
        #expect(Array(r.argv.suffix(2)) == [
            ["zpool", "get", "-j", "--json-int", "bootfs", "rpool"],
            Array(r.argv[2]),  // the BE listing, as at the start
        ])
        let live = try String(contentsOfFile: dir + "/live/after-kupgrade.prom", encoding: .utf8)
        #expect(try r.files.text(of: Self.file) == live)
        let liveRun = try String(contentsOfFile: dir + "/live/kldload_kupgrade.prom", encoding: .utf8)
        let replayed = try r.files.text(of: Self.dir + "/kldload_kupgrade.prom")
        // Not compared: the finish time, and kldload_trial_pending, which the live run (made
        // before the gauge moved to kldload_trial.prom, TrialMetrics) still wrote here.
        func withoutTime(_ t: String) -> [Substring] {
            t.split(separator: "\n").filter { !$0.hasPrefix("kldload_kupgrade_last_run_timestamp_seconds ") && !$0.contains("kldload_trial_pending") }
        }
        #expect(withoutTime(replayed) == withoutTime(liveRun))
    }

    /// kupgrade writes both files; the checkpoint file from a listing made after the run.
    @Test func kupgradeWritesItNextToItsOwnFile() throws {
        let r = try ScenarioReplay.run("kupgrade-debian12-apt") { $0.metricsDirectory = Self.dir }
        #expect(r.files.exists(Self.dir + "/kldload_kupgrade.prom"))
        #expect(try r.files.text(of: Self.file).contains("# TYPE kldload_be_checkpoints gauge\n"))
        let dry = try ScenarioReplay.run("kupgrade-debian12-apt") { $0.metricsDirectory = Self.dir; $0.dryRun = true }
        #expect(!dry.files.exists(Self.file))
    }
}
