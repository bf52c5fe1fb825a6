import Foundation
import Testing

@testable import KldloadCore

/// Replays every recorded scenario under Fixtures/scenarios/kupgrade-*/ (built from real captures by
/// Tests/scenario-builder/build-scenarios.py) and checks the exit status the scenario
/// declares (`expect_exit=` in scenario.conf), that the commands run are exactly the recorded
/// ones in order, and that no recording is left unused (but the retired ones,
/// Support/RetiredRecordings.swift).
@Suite("kupgrade recorded scenarios")
struct KupgradeScenarioTests {
    static var scenarios: [String] {
        let dir = Fixtures.root.appendingPathComponent("scenarios")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix("kupgrade-") }.sorted()
            .map { dir.appendingPathComponent($0).path }
            .filter { FileManager.default.fileExists(atPath: $0 + "/commands") }
    }

    @Test(.enabled(if: !scenarios.isEmpty, "no kupgrade scenario has been built yet (needs the VM's ZFS captures)"),
          arguments: scenarios)
    func replay(_ path: String) throws {
        let r = try ScenarioReplay.run(path: path)
        let (report, replay, output) = (r.report, r.replay, r.lines)
        let expected = try #require(replay.configuration.values["expect_exit"].flatMap { Int32($0) }, "scenario.conf needs expect_exit=")
        #expect(report.exitCode == expected, "\(output.text)")
        #expect(replay.unusedRecordingsInUse.map(\.name) == [], "recorded but not run")
        // A recording made live (KLDLOAD_RECORD) has one recording per command run, repeats
        // included (kupgrade reads bootfs and the BE listing again before the checkpoint), so
        // the replay must run exactly the recorded sequence.
        #expect(replay.invocations.map(\.argv) == replay.recordingsInUse.map(\.argv), "commands run differ from the recordings")
    }

    /// Each retired command is still held by a recorded run (else the entry goes), and no
    /// replay above runs it (the sequence check compares with the recordings without them).
    @Test func everyRetiredRecordingIsInARecordedRun() throws {
        var held = Array(repeating: 0, count: RetiredRecordings.all.count)
        for path in Self.scenarios {
            for recording in try ReplayRunner(scenario: path).recordings {
                for (i, retired) in RetiredRecordings.all.enumerated() where RetiredRecordings.isRetired(recording.argv)
                    && recording.argv.dropLast().elementsEqual(retired.argvBeforeDataset)
                {
                    held[i] += 1
                }
            }
        }
        // Six recorded kupgrade runs listed the package-database snapshots in retention.
        #expect(held == [6])
    }
}

@Suite("kupgrade recorded scenario: DKMS package fails inside the transaction")
struct KupgradeFailedDKMSTransactionTests {
    /// The real VM recording: kldload-dkms-demo 2.0's postinst build fails, dpkg and apt fail
    /// (exit 4). `dkms status` then lists `kldemo/2.0: added` (1.0 was removed first), so the
    /// summary must name that driver as missing, while ZFS itself is fine and nothing is rebuilt.
    @Test func summaryNamesTheUnbuiltModule() throws {
        let r = try ScenarioReplay.run("kupgrade-debian12-dkms-transaction-failed")
        let (report, replay, output) = (r.report, r.replay, r.lines)
        #expect(report.exitCode == 4)
        #expect(report.transactionFailed)
        #expect(report.modules?.zfsOKForAllKernels == true)
        let warning = report.modules?.findings.first { $0.module == "kldemo" }
        #expect(warning?.severity == .warning)
        #expect(output.text.contains("  warning: DKMS module kldemo 2.0 is not installed for kernel 6.1.0-50-amd64 (dkms status: added)"))
        #expect(!replay.invocations.contains { $0.argv.count > 1 && $0.argv[0] == "dkms" && $0.argv[1] == "autoinstall" })
        #expect(output.text.contains("kbe rollback pre-upgrade-20261122-052205 && reboot"))
    }
}

