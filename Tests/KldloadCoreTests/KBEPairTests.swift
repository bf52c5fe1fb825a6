import Foundation
import Testing

@testable import KldloadCore

/// Paired datasets on recordings from the Debian 13 VM (OpenZFS 2.3.9, Tests/e2e scenario
/// 24-paired-data; Fixtures/scenarios/kbe-paired-debian13/PROVENANCE.md). Each recording replays
/// the kbe command it was made with; stdout and the exit status must be the live run's.
@Suite struct KBEPairReplayTests {
    static let checkpoint = "pre-upgrade-20261205-182234"
    static let dir = "kbe-paired-debian13"

    final class Answers: @unchecked Sendable {
        let lock = NSLock()
        var queue: [String]
        var prompts: [String] = []
        init(_ answers: [String]) { queue = answers }
        func ask(_ prompt: String) -> String? {
            lock.withLock {
                prompts.append(prompt)
                return queue.isEmpty ? nil : queue.removeFirst()
            }
        }
    }

    /// The live stderr without the progress lines (`[kbe] ran: …`), which the replay prints
    /// only when given a progress sink.
    static func withoutProgress(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("[kbe] ran: ") }
            .joined(separator: "\n")
    }

    struct Replayed {
        var result: KBECommand.Result
        var runner: ReplayRunner
        var liveStdout: String
        var liveStderr: String
        var liveExit: Int32
    }

    static func live(_ recording: String, _ file: String) -> String {
        (try? Fixtures.text("scenarios/\(dir)/\(recording)/live/\(file)")) ?? ""
    }

    static func replay(_ recording: String, _ argv: [String], answers: Answers? = nil) throws -> Replayed {
        let path = Fixtures.url("scenarios/\(dir)/\(recording)").path
        let context = try SystemContext.replay(scenario: path)
        var ask: (@Sendable (String) -> String?)? = nil
        if let answers { ask = { answers.ask($0) } }
        let inv = try KBEInvocation.parse(argv)
        let r = KBECommand.run(inv, context: context, ask: ask, timeZone: TimeZone(identifier: "UTC")!)
        let runner = try #require(context.runner as? ReplayRunner)
        let exitText = live(recording, "kbe.exit").trimmingCharacters(in: .whitespacesAndNewlines)
        return Replayed(
            result: r, runner: runner, liveStdout: live(recording, "kbe.stdout"), liveStderr: withoutProgress(live(recording, "kbe.stderr")),
            liveExit: Int32(exitText) ?? -1)
    }

    // MARK: pairing

    @Test func pairSetsTheUserProperty() throws {
        let r = try Self.replay("rec-pair", ["pair", "rpool/srv/kldb"])
        #expect(r.result.exitCode == 0 && r.liveExit == 0)
        #expect(r.result.stdout == r.liveStdout)
        #expect(r.runner.invocations.map(\.argv).last == ["zfs", "set", "org.kldload:paired=on", "rpool/srv/kldb"])
        #expect(r.runner.unusedRecordings.isEmpty)
    }

    @Test func pairingTwiceChangesNothing() throws {
        let r = try Self.replay("rec-pair-again", ["pair", "rpool/srv/kldb"])
        #expect(r.result.exitCode == 0)
        #expect(r.result.stdout == r.liveStdout)
        #expect(r.result.stdout.contains("rpool/srv/kldb is already paired; nothing to change"))
        #expect(!r.runner.invocations.contains { $0.argv[1] == "set" })
    }

    @Test func aBootEnvironmentIsRefusedAndAMissingDatasetIsNotFound() throws {
        let be = try Self.replay("rec-pair-be", ["pair", "rpool/ROOT/default"])
        #expect(be.result.exitCode == 3 && be.liveExit == 3)
        #expect(be.result.stderr == be.liveStderr)
        let missing = try Self.replay("rec-pair-missing", ["pair", "rpool/srv/nothing-here"])
        #expect(missing.result.exitCode == 4 && missing.liveExit == 4)
        #expect(missing.result.stderr == missing.liveStderr)
        #expect(missing.result.stderr.contains("cannot open 'rpool/srv/nothing-here': dataset does not exist"))
    }

    @Test func listJSONNamesThePairedDatasets() throws {
        for (rec, expected) in [("rec-list-before", [String]()), ("rec-list", ["rpool/srv/kldb"])] {
            let r = try Self.replay(rec, ["list", "--json"])
            #expect(r.result.exitCode == 0)
            #expect(r.result.stdout == r.liveStdout, "\(rec)")
            let obj = try JSONSerialization.jsonObject(with: Data(r.result.stdout.utf8)) as? [String: Any]
            #expect(obj?["pairedDatasets"] as? [String] == expected, "\(rec)")
            // The one listing, bootfs, and the one query for the marks.
            #expect(r.runner.invocations.count == 3)
        }
    }

    // MARK: pair-aware checkpoints

    @Test func kbeCreateSnapshotsThePairedDatasetInTheSameCall() throws {
        let r = try Self.replay("rec-create", ["create", "before-kldb"])
        #expect(r.result.exitCode == 0)
        #expect(r.result.stdout == r.liveStdout)
        let snapshots = r.runner.invocations.map(\.argv).filter { $0.starts(with: ["zfs", "snapshot"]) }
        #expect(snapshots == [["zfs", "snapshot", "rpool/ROOT/default@before-kldb", "rpool/srv/kldb@before-kldb"]])
    }

    @Test func kupgradesCheckpointTakesThePairedDatasetAndItsWayBackTakesTheData() throws {
        let r = try ScenarioReplay.run("kupgrade-paired-debian13")
        #expect(r.report.exitCode == 0, "\(r.output)")
        #expect(r.report.checkpoint?.snapshots == ["rpool/ROOT/default@\(Self.checkpoint)", "rpool/srv/kldb@\(Self.checkpoint)"])
        #expect(r.argv.filter { $0.starts(with: ["zfs", "snapshot"]) }.count == 1)
        #expect(r.report.rollbackCommand == "kbe activate \(Self.checkpoint) --with-data && reboot")
        #expect(r.replay.unusedRecordings.isEmpty)
    }

    // MARK: activation and rollback, with and without data

    @Test func activationNeedsAChoiceWithoutATerminal() throws {
        let r = try Self.replay("rec-activate-nochoice", ["activate", Self.checkpoint])
        #expect(r.result.exitCode == 2 && r.liveExit == 2)
        #expect(r.result.stderr.contains("rpool/srv/kldb is paired with the boot environments"))
        #expect(r.result.stderr.contains("--with-data") && r.result.stderr.contains("--without-data"))
        #expect(!r.runner.invocations.contains { ["clone", "set"].contains($0.argv[1]) })
    }

    @Test func activationWithDataClonesTheDataBesideTheNewBE() throws {
        let r = try Self.replay("rec-activate", ["activate", Self.checkpoint, "--with-data"])
        #expect(r.result.exitCode == 0)
        #expect(r.result.stdout == r.liveStdout)
        let next = "rpool/ROOT/\(Self.checkpoint)"
        let changes = r.runner.invocations.map(\.argv).filter { ["clone", "set"].contains($0[1]) }
        #expect(changes.count == 3)
        #expect(changes.dropFirst().first == [
            "zfs", "clone", "-o", "canmount=noauto", "-o", "mountpoint=/srv/kldb", "-o", "org.kldload:paired-for=\(next)",
            "rpool/srv/kldb@\(Self.checkpoint)", "rpool/srv/kldb-\(Self.checkpoint)",
        ])
        #expect(changes.last == ["zpool", "set", "bootfs=\(next)", "rpool"])
        #expect(r.result.stdout.contains("zfs umount rpool/srv/kldb && zfs mount rpool/srv/kldb-\(Self.checkpoint)"))
    }

    @Test func rollbackNeedsAChoiceWithoutATerminal() throws {
        let r = try Self.replay("rec-rollback-nochoice", ["rollback", "default@\(Self.checkpoint)", "--yes"])
        #expect(r.result.exitCode == 2 && r.liveExit == 2)
        #expect(KBEExitStatus.usage.rawValue == 2)
        #expect(!r.runner.invocations.contains { $0.argv[1] == "rollback" })
    }

    @Test func rollbackWithoutDataWarnsAndLeavesTheDataAlone() throws {
        let r = try Self.replay("rec-rollback-without", ["rollback", "default@\(Self.checkpoint)", "--without-data", "--yes"])
        #expect(r.result.exitCode == 0)
        #expect(r.result.stdout == r.liveStdout)
        #expect(r.result.stderr == r.liveStderr)
        #expect(r.result.stderr.contains(
            "--without-data: rpool/srv/kldb is NOT rolled back: it keeps everything written since @\(Self.checkpoint)"))
        #expect(r.runner.invocations.map(\.argv).filter { $0[1] == "rollback" } == [
            ["zfs", "rollback", "-r", "rpool/ROOT/default@\(Self.checkpoint)"]
        ])
    }

    @Test func rollbackWithDataRollsBothBack() throws {
        let r = try Self.replay("rec-rollback-with", ["rollback", "default@\(Self.checkpoint)", "--with-data", "--yes"])
        #expect(r.result.exitCode == 0)
        #expect(r.result.stdout == r.liveStdout)
        // The live run's text, plus the line added after the recording.
        let added = BootEnvironmentManager.stopUsersLine + "\n"
        #expect(r.result.stderr.contains(added))
        #expect(r.result.stderr.replacingOccurrences(of: added, with: "") == r.liveStderr)
        #expect(r.runner.invocations.map(\.argv).filter { $0[1] == "rollback" } == [
            ["zfs", "rollback", "-r", "rpool/ROOT/default@\(Self.checkpoint)"],
            ["zfs", "rollback", "-r", "rpool/srv/kldb@\(Self.checkpoint)"],
        ])
    }

    /// On a terminal (recorded under script(1)): the question shows written@ and why the
    /// newest change is unknown (zfs diff refuses an unmounted dataset), then asks.
    @Test func onATerminalItShowsWhatWasWrittenAndAsks() throws {
        let answers = Answers(["without-data", "no"])
        let r = try Self.replay("rec-rollback-tty", ["rollback", "default@\(Self.checkpoint)"], answers: answers)
        #expect(r.result.exitCode == 3)  // "no" to the second question
        let first = try #require(answers.prompts.first)
        #expect(first.contains("  rpool/srv/kldb: 64K written since @\(Self.checkpoint), newest change unknown (zfs diff: Cannot diff an unmounted snapshot: operation not applicable to datasets of this type)"))
        #expect(first.hasSuffix("Type 'with-data' to have them rolled back too, 'without-data' to leave them as they are; anything else aborts: "))
        #expect(answers.prompts.count == 2)
        #expect(answers.prompts.last?.contains("--without-data: rpool/srv/kldb is NOT rolled back") == true)
        #expect(!r.runner.invocations.contains { $0.argv[1] == "rollback" })
        let live = try Fixtures.text("scenarios/\(Self.dir)/rec-rollback-tty/live/tty.out")
        #expect(live.contains("64K written since @\(Self.checkpoint), newest change unknown"))
    }
}

/// Paired datasets on the standard stub world (KBEWorld): the checks that need no recording.
@Suite struct KBEPairUnitTests {
    static let pairedAnswer = "rpool/srv/pg\torg.kldload:paired\ton\tlocal\n"
        + "rpool/srv/pg/wal\torg.kldload:paired\ton\tinherited from rpool/srv/pg\n"
        + "rpool/ROOT/default\torg.kldload:paired\ton\tlocal\n"
        + "rpool/srv/off\torg.kldload:paired\toff\tlocal\n"

    @Test func onlyLocalOnOutsideTheBERootCounts() throws {
        let all = try PairedData.parse(Self.pairedAnswer)
        #expect(all == ["rpool/srv/pg", "rpool/ROOT/default"])
        // The BE root filter is the manager's: a BE marked by hand is not paired.
        let (_, context) = KBEWorld.make(paired: Self.pairedAnswer)
        let r = KBEWorld.run(["create", "-n", "x"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stdout.contains("zfs snapshot rpool/ROOT/default@x rpool/srv/pg@x\n"))
    }

    @Test func newestChangeIsTheLargestTime() {
        let text = "1796494886.816013752\t-\t/srv/kldb/db\n1796494962.560016491\t+\t/srv/kldb/db\n1796494962.560016491\tM\t/srv/kldb/\n"
        #expect(PairedData.newestChange(text) == Date(timeIntervalSince1970: 1796494962.560016491))
        #expect(PairedData.newestChange("") == nil)
        #expect(PairedData.newestChange("garbage\nno tab here\n\t\t\n") == nil)
    }

    @Test func withAndWithoutDataCannotBeCombined() {
        let r = KBEWorld.run(["rollback", "x", "--with-data", "--without-data"], KBEWorld.make().1)
        #expect(r.exitCode == 2)
        #expect(r.stderr.contains("--with-data and --without-data cannot be combined"))
    }

    @Test func pairRefusesOtherPoolsAndTheBERootsParent() {
        let (_, context) = KBEWorld.make()
        #expect(KBEWorld.run(["pair", "tank/data"], context).exitCode == 3)
        #expect(KBEWorld.run(["pair", "rpool"], context).exitCode == 3)
        #expect(KBEWorld.run(["pair", "rpool/ROOT"], context).exitCode == 3)
        let bad = KBEWorld.run(["pair", "rpool/srv/a b"], context)
        #expect(bad.exitCode == 2)
    }

    @Test func withDataIsRefusedWhenAPairedDatasetLacksTheCheckpoint() {
        let (runner, context) = KBEWorld.make(paired: "rpool/srv/pg\torg.kldload:paired\ton\tlocal\n")
        runner.on(SystemQuery.bootEnvironmentRecords(roots: ["rpool/srv/pg"], depth: 1).command.argv,
                  stdout: KBEWorld.row("rpool/srv/pg", "filesystem", "100", "0", "100", "9000000", "/srv/pg", "on", "yes", "-", "-", "1763806500", "-"))
        let r = KBEWorld.run(["rollback", "before-nginx-rewrite", "--with-data", "--yes"], context)
        #expect(r.exitCode == 3)
        #expect(r.stderr.contains("rpool/srv/pg has no snapshot @before-nginx-rewrite (paired after the checkpoint was taken)"))
        #expect(runner.mutations.isEmpty)
        let without = KBEWorld.run(["rollback", "before-nginx-rewrite", "--without-data", "--yes"], context)
        #expect(without.exitCode == 0, "\(without.stderr)")
        #expect(runner.mutations == [["zfs", "rollback", "-r", "rpool/ROOT/default@before-nginx-rewrite"]])
    }

    /// The data clone's name is DATASET-BENAME: checked against ZFS's 255-byte limit before
    /// anything runs.
    @Test func aDataCloneNameTooLongIsRefusedBeforeAnythingRuns() {
        let long = "rpool/srv/" + String(repeating: "d", count: 230)
        let (runner, context) = KBEWorld.make(paired: "\(long)\torg.kldload:paired\ton\tlocal\n")
        runner.on(SystemQuery.bootEnvironmentRecords(roots: [long], depth: 1).command.argv,
                  stdout: KBEWorld.row(long, "filesystem", "100", "0", "100", "9000000", "/srv/d", "on", "yes", "-", "-", "1763806500", "-")
                    + KBEWorld.row("\(long)@before-nginx-rewrite", "snapshot", "5", "-", "50", "-", "-", "-", "-", "-", "-", "1763806800", "-"))
        let r = KBEWorld.run(["activate", "before-nginx-rewrite", "--with-data"], context)
        #expect(r.exitCode == 2)
        #expect(r.stderr.contains("in the data clone's name"))
        #expect(runner.mutations.isEmpty)
    }

    @Test func destroyingACheckpointTakesItsPairedTwin() {
        let (runner, context) = KBEWorld.make(paired: "rpool/srv/pg\torg.kldload:paired\ton\tlocal\n")
        runner.on(SystemQuery.bootEnvironmentRecords(roots: ["rpool/srv/pg"], depth: 1).command.argv,
                  stdout: KBEWorld.row("rpool/srv/pg", "filesystem", "100", "0", "100", "9000000", "/srv/pg", "on", "yes", "-", "-", "1763806500", "-")
                    + KBEWorld.row("rpool/srv/pg@before-nginx-rewrite", "snapshot", "5", "-", "50", "-", "-", "-", "-", "-", "-", "1763806800", "-"))
        let r = KBEWorld.run(["destroy", "before-nginx-rewrite", "--yes"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(runner.mutations == [["zfs", "destroy", "rpool/ROOT/default@before-nginx-rewrite"], ["zfs", "destroy", "rpool/srv/pg@before-nginx-rewrite"]])
    }
}
