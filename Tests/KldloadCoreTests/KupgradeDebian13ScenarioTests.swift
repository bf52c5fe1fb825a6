import Foundation
import Testing

@testable import KldloadCore

/// The Debian 13 recording (Fixtures/scenarios/kupgrade-debian13-apt): a real kupgrade run in the
/// e2e VM with apt 3.0.4 and OpenZFS 2.3.9, so every zfs/zpool read is JSON. The generic
/// replay test checks the exit status and the exact command sequence; this suite checks what
/// the recording is for.
@Suite("kupgrade recorded scenario: Debian 13, apt 3.0, OpenZFS 2.3 JSON")
struct KupgradeDebian13ScenarioTests {
    static let name = "kupgrade-debian13-apt"

    @Test func asksTheReleaseOnceThenReadsJSON() throws {
        let r = try ScenarioReplay.run(Self.name)
        #expect(r.report.exitCode == 0, "\(r.output)")
        #expect(r.argv.first == ["zfs", "version"])
        #expect(r.argv.filter { $0 == ["zfs", "version"] }.count == 1)
        // Every read of ZFS state is JSON except the paired-datasets query (only names with a
        // locally set `org.kldload:paired`; DESIGN item 21), inserted into this recording
        // afterwards (its PROVENANCE.md). The recording's name-only listing of the
        // package-database snapshots is retired (Support/RetiredRecordings.swift).
        let reads = r.argv.filter { ($0.first == "zfs" || $0.first == "zpool") && ["list", "get", "status"].contains($0[1]) }
        #expect(reads.count == 8)
        #expect(reads.filter { !$0.contains("-j") } == [
            ["zfs", "get", "-Hp", "-r", "-s", "local", "-t", "filesystem,volume", "org.kldload:paired", "rpool"],
        ])
        #expect(reads.filter { $0.contains("-j") }.allSatisfy { $0[2] == "-j" && $0[3] == "--json-int" })
        #expect(r.report.pool?.health == "ONLINE")
        #expect(r.report.bootEnvironment == "rpool/ROOT/default")
        #expect(r.report.packageDatabaseDataset == "rpool/var/lib")
        #expect(r.report.checkpoint?.name == "pre-upgrade-20261205-181903")
    }

    /// apt 3.0's human output does not matter: the plan comes from the simulation's `Inst` line
    /// (`apt-get -s dist-upgrade`, command 007 of the recording) and the package list from the
    /// dpkg status files, which are the same formats as apt 2.6's.
    @Test func theReplayPrintsWhatTheLiveRunPrinted() throws {
        let r = try ScenarioReplay.run(Self.name)
        let simulation = try String(contentsOfFile: ScenarioReplay.path(Self.name) + "/commands/007/stdout", encoding: .utf8)
        #expect(simulation.contains("Inst kldload-demo [1.0] (2.0 localhost [all])\n"))
        let live = OutputRenames.kupgradeNow(
            try String(contentsOfFile: ScenarioReplay.path(Self.name) + "/live/kupgrade.stdout", encoding: .utf8))
        // kupgrade's own lines (not the package manager's, which the replay streams stdout first)
        // are the live run's, in the same order.
        func own(_ text: String) -> [Substring] {
            // isNewline: dpkg's lines end in CR LF, one Character in Swift.
            text.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("[kupgrade]") || $0.hasPrefix("  ") && !$0.hasPrefix("   ") || $0.hasPrefix("To roll back") || $0.hasPrefix("kernel ") }
        }
        #expect(own(r.output) == own(live))
        for line in ["[kupgrade] plan: 1 to upgrade, 0 new, 0 to remove", "  upgrade  kldload-demo 1.0 -> 2.0",
                     "    upgraded    kldload-demo 1.0 -> 2.0", "  kbe rollback pre-upgrade-20261205-181903 && reboot"] {
            #expect(live.contains(line + "\n"))
            #expect(r.output.contains(line + "\n"))
        }
    }
}
