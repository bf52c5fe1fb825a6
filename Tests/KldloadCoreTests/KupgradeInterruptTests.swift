import Foundation
import Testing

@testable import KldloadCore

#if canImport(Glibc)
import Glibc
#endif

/// An interrupted kupgrade stops at the next safe point, records `result=interrupted`, still
/// verifies the modules when the package manager ran, prints the rollback line and exits 130.
@Suite("kupgrade interrupted")
struct KupgradeInterruptTests {
    static let scenario = "kupgrade-debian12-apt"

    /// A copy of the recorded scenario whose `scenario.conf` says the interrupt arrived during
    /// command `during`; `result=` in the recorded `zfs set` becomes `interrupted`, as the run
    /// now records it.
    static func interruptedCopy(signal: String, during: Int) throws -> URL {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("kupgrade-interrupted-\(UUID().uuidString)")
        try fm.copyItem(at: Fixtures.url("scenarios/\(scenario)"), to: dir)
        let conf = dir.appendingPathComponent("scenario.conf")
        let text = try String(contentsOf: conf, encoding: .utf8) + "interrupt=\(signal)\ninterrupt_during=\(during)\n"
        try text.write(to: conf, atomically: true, encoding: .utf8)
        let set = dir.appendingPathComponent("commands/016/argv")
        let argv = try String(contentsOf: set, encoding: .utf8).replacingOccurrences(of: "result=success", with: "result=interrupted")
        try argv.write(to: set, atomically: true, encoding: .utf8)
        return dir
    }

    /// SIGINT while apt-get dist-upgrade runs (command 11 of the run): autoremove and
    /// retention are skipped, the modules are still verified, the result is recorded, exit 130.
    @Test func duringTheTransaction() throws {
        let dir = try Self.interruptedCopy(signal: "SIGINT", during: 11)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try ScenarioReplay.run(path: dir.path)
        #expect(r.report.exitCode == 130)
        #expect(r.report.result == "interrupted")
        #expect(r.report.interrupted == "SIGINT")
        let programs = r.argv.map { $0.prefix(2).joined(separator: " ") }
        #expect(!r.argv.contains(AptDriver.autoremoveCommand.argv))
        #expect(programs.contains("dkms status"))  // modules verified: the package manager ran
        #expect(r.argv.contains { $0.contains("org.kldload:result=interrupted") })
        // Retention's listings never ran.
        #expect(r.replay.unusedRecordings.map(\.name) == ["011", "017", "018"])
        #expect(r.output.contains("[kupgrade] INTERRUPTED (SIGINT) during apt-get: stopping at the next safe point"))
        #expect(r.output.contains("[kupgrade] skipping autoremove: the run was interrupted"))
        #expect(r.output.contains("[kupgrade] retention skipped: the run was interrupted"))
        #expect(r.output.contains("To roll back:\n  kbe rollback pre-upgrade-"))
    }

    /// SIGTERM during `apt-get update`: nothing was changed, no checkpoint, exit 130.
    @Test func beforeAnyChange() throws {
        let dir = try Self.interruptedCopy(signal: "SIGTERM", during: 5)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = Lines()
        let code = KupgradeCommand.main(["--replay", dir.path, "--json"], stdout: out.add, stderr: out.add)
        #expect(code == 130)
        #expect(out.text.contains("[kupgrade] INTERRUPTED (SIGTERM) before any change"))
        #expect(out.text.contains("\"interrupted\" : \"SIGTERM\""))
        #expect(!out.text.contains("zfs snapshot"))
    }

    /// A command killed by the interrupt fails its step: that is an interrupt (exit 130), not a
    /// refusal, and the line says what was being done.
    @Test(arguments: [
        (3, "before any change (", "nothing was changed"),
        (9, "while taking the checkpoint rpool/ROOT/default@pre-upgrade-",
         "nothing was upgraded; if zfs snapshot had run, the checkpoint may exist (kbe list -s shows it)"),
    ])
    func commandKilledByTheInterrupt(command: Int, what: String, outcome: String) throws {
        let dir = try Self.interruptedCopy(signal: "SIGINT", during: command)
        defer { try? FileManager.default.removeItem(at: dir) }
        let status = dir.appendingPathComponent("commands/" + RecordingRunner.name(command) + "/status")
        try "signal 2\n".write(to: status, atomically: true, encoding: .utf8)
        let r = try ScenarioReplay.run(path: dir.path)
        #expect(r.report.exitCode == 130)
        #expect(r.report.result == "interrupted")
        #expect(r.report.refusal == nil)
        #expect(r.output.contains("[kupgrade] INTERRUPTED (SIGINT) " + what))
        #expect(r.output.contains("[kupgrade] " + outcome + "\n"))
        #expect(!r.argv.contains { $0.first == "apt-get" && $0.contains("dist-upgrade") && !$0.contains("-s") })
    }

    /// A known key with a value it cannot take names the key, what it wants and what it found.
    @Test func scenarioConfigurationValueErrors() {
        let cases = [
            ("now=yesterday", "now= wants an ISO 8601 time such as 2026-04-08T14:30:22Z, found: yesterday"),
            ("uid=-1", "uid= wants a number 0-4294967295, found: -1"),
            ("interactive=maybe", "interactive= wants true or false, found: maybe"),
            ("interrupt=SIGHUP", "interrupt= wants SIGINT or SIGTERM, found: SIGHUP"),
            ("interrupt_during=0", "interrupt_during= wants a command number 1 or more, found: 0"),
        ]
        for (line, reason) in cases {
            #expect(throws: ScenarioError.invalidFile(path: "scenario.conf", line: 2, reason: reason)) {
                try ScenarioConfiguration.parse("uid=0\n" + line + "\n", path: "scenario.conf")
            }
        }
    }

    @Test func scenarioConfigurationKeys() throws {
        let conf = try ScenarioConfiguration.parse("interrupt=SIGTERM\ninterrupt_during=7\n", path: "scenario.conf")
        #expect(conf.interrupt?.signal == SIGTERM)
        #expect(conf.interrupt?.during == 7)
        #expect(throws: ScenarioError.self) { try ScenarioConfiguration.parse("interrupt=SIGHUP\n", path: "x") }
        #expect(throws: ScenarioError.self) { try ScenarioConfiguration.parse("interrupt_during=0\n", path: "x") }
        #expect(try ScenarioConfiguration.parse("interrupt_during=3\n", path: "x").interrupt == nil)
    }

    @Test func exitCodeIsDocumented() throws {
        #expect(ExitStatus.interrupted.rawValue == 130)
        #expect(ExitStatus.helpText.contains("130  interrupted"))
        let guide = try String(contentsOf: Fixtures.root.deletingLastPathComponent().appendingPathComponent("Docs/KUPGRADE.md"), encoding: .utf8)
        #expect(guide.contains("| 130 |"))
    }
}

