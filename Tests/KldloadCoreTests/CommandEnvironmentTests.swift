import Foundation
import Testing

@testable import KldloadCore

/// The environment is part of a command: recorded as `commands/N/env`, matched on replay when
/// the file is there, ignored when it is not (Docs/REPLAY.md, "Matching").
@Suite struct CommandEnvironmentTests {
    @Test func additionsAreLCALLCUnderTheCommandsOwn() {
        #expect(Command("zpool", "list").environmentAdditions == ["LC_ALL": "C"])
        let apt = Command(["apt-get", "update"], environment: ["DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C.UTF-8"])
        #expect(apt.environmentAdditions == ["LC_ALL": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"])
        #expect(Command("zfs").adding(environment: ["A": "1"]).adding(environment: ["A": "2", "B": "3"]).environment == ["A": "2", "B": "3"])
        // The environment is not part of the rendering a person copies (dry runs print argv only).
        #expect(apt.description == "apt-get update")
    }

    @Test func envFileRoundTrips() throws {
        let env = ["LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive", "X": "a=b c"]
        let text = try #require(Recording.environmentFileText(env))
        #expect(text == "DEBIAN_FRONTEND=noninteractive\nLC_ALL=C\nX=a=b c\n")
        #expect(try Recording.parseEnvironment(text, path: "env") == env)
        #expect(Recording.environmentFileText(["A": "two\nlines"]) == nil)
        #expect(throws: ScenarioError.invalidFile(path: "env", line: 2, reason: "expected NAME=value, found: =x")) {
            try Recording.parseEnvironment("A=1\n=x\n", path: "env")
        }
    }

    @Test func recorderWritesTheEnvironmentAndTheReplayMatchesIt() throws {
        let s = try TempScenario()
        let stub = StubRunner { command throws(CommandError) in CommandResult(command: command, status: .exited(0), stdout: "ok\n") }
        let recorder = RecordingRunner(wrapping: stub, into: s.path, warn: { _ in })
        let upgrade = Command(["apt-get", "-y", "dist-upgrade"], environment: ["DEBIAN_FRONTEND": "noninteractive"])
        _ = try recorder.run(upgrade)
        _ = try recorder.run(Command("zpool", "list"))
        let env1 = try String(contentsOfFile: s.path + "/commands/001/env", encoding: .utf8)
        #expect(env1 == "DEBIAN_FRONTEND=noninteractive\nLC_ALL=C\n")
        #expect(try String(contentsOfFile: s.path + "/commands/002/env", encoding: .utf8) == "LC_ALL=C\n")

        // Same environment: answered.
        let replay = try ReplayRunner(scenario: s.path)
        #expect(replay.recordings.first?.environment == ["DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"])
        #expect(try replay.run(upgrade).stdout == "ok\n")
        // The same argv without DEBIAN_FRONTEND is not what was recorded: a typed mismatch.
        let bare = Command(["apt-get", "-y", "dist-upgrade"])
        let mismatch = CommandError.environmentMismatch(bare, recorded: ["DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"], scenario: s.path)
        #expect(throws: mismatch) { try replay.run(bare) }
        #expect(mismatch.description.contains("environment DEBIAN_FRONTEND=noninteractive LC_ALL=C, but it runs with LC_ALL=C"))
    }

    @Test func aRecordingWithoutEnvFileMatchesAnyEnvironment() throws {
        let s = try TempScenario()
        try s.command("001", argv: "apt-get\nupdate\n", stdout: "Hit\n")
        let replay = try ReplayRunner(scenario: s.path)
        #expect(replay.recordings.first?.environment == nil)
        #expect(try replay.run(Command(["apt-get", "update"], environment: ["DEBIAN_FRONTEND": "noninteractive"])).stdout == "Hit\n")
        #expect(try replay.run(Command("apt-get", "update")).stdout == "Hit\n")
    }

    /// kupgrade runs apt's transaction with DEBIAN_FRONTEND and APT_LISTCHANGES_FRONTEND, the
    /// simulation without; every command with LC_ALL=C. Asserted on the commands the replayed
    /// run asked for, so it is tested, not assumed.
    @Test func kupgradeGivesAptItsEnvironment() throws {
        let run = try ScenarioReplay.run("kupgrade-debian12-apt")
        let byArgv = Dictionary(run.replay.invocations.map { ($0.argv, $0.environmentAdditions) }, uniquingKeysWith: { a, _ in a })
        let apt = ["LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive", "APT_LISTCHANGES_FRONTEND": "none"]
        #expect(byArgv[AptDriver.update.argv] == apt)
        #expect(byArgv[AptDriver.upgrade.argv] == apt)
        #expect(byArgv[AptDriver.simulate.argv] == ["LC_ALL": "C"])
        #expect(run.replay.invocations.allSatisfy { $0.environmentAdditions["LC_ALL"] == "C" })
    }

    /// Time zone and held locks come from the context, so the CLI never asks the runner what it is.
    @Test func replayContextCarriesTimeZoneAndLocks() throws {
        let s = try TempScenario()
        try s.file("scenario.conf", "timezone=Europe/Berlin\nlocks_held=/var/lib/dpkg/lock-frontend\n")
        try s.file("root/etc/hostname", "x\n")
        let context = try SystemContext.replay(scenario: s.path)
        #expect(context.timeZone.identifier == "Europe/Berlin")
        #expect(context.locks.holder(of: PackageLock("/var/lib/dpkg/lock-frontend", .fcntl, owner: "dpkg")) != nil)
        #expect(context.locks.holder(of: PackageLock("/var/lib/dpkg/lock", .fcntl, owner: "dpkg")) == nil)

        let plain = try TempScenario()
        try plain.file("root/etc/hostname", "x\n")
        #expect(try SystemContext.replay(scenario: plain.path).timeZone == TimeZone(identifier: "UTC"))
    }
}
