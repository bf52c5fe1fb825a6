import Foundation
import Testing
@testable import KldloadCore

/// kbe and kupgrade read JSON (`-j --json-int`) where the OpenZFS release has it, learned once per
/// run with `zfs version`, and text otherwise (DESIGN item 19). Answers are real OpenZFS 2.3.9
/// output from the Debian 13 guest (Fixtures/zfs-2.3); where a test needs a failure, it says so.
@Suite struct OpenZFSOutputTests {
    static let dir = ZFS23CaptureTests.dir
    static let zfs23 = dir + "system/zfs-version.stdout"
    static let zfs21 = "zfs-2.1/openzfs-2.1.11-debian12/system/zfs-version.stdout"
    static let version = OpenZFSOutput.versionCommand.argv
    static let listing = SystemQuery.bootEnvironmentRecords(root: "rpool/ROOT")
    static let bootfs = SystemQuery.bootfs(pool: "rpool")
    /// The JSON forms' argv (empty if a query had none: every comparison then fails).
    static let listingJSON = listing.json?.command.argv ?? []
    static let bootfsJSON = bootfs.json?.command.argv ?? []

    static func decide(_ answer: (Command) throws(CommandError) -> CommandResult) -> OpenZFSOutput.Decision {
        OpenZFSOutput.probing().decision(run: answer)
    }

    static func ok(_ c: Command, _ stdout: String, stderr: String = "", status: Int32 = 0) -> CommandResult {
        CommandResult(command: c, status: .exited(status), stdout: stdout, stderr: stderr)
    }

    @Test func theReleaseDecidesTheForm() throws {
        let new = try Fixtures.text(Self.zfs23)
        let old = try Fixtures.text(Self.zfs21)
        let json = Self.decide { c throws(CommandError) in Self.ok(c, new) }
        #expect(json.form == .json)
        #expect(json.version == OpenZFSVersion(major: 2, minor: 3, patch: 9))
        #expect(json.reason == "OpenZFS 2.3.9 (`zfs version`): reading the JSON output (-j --json-int)")
        let text = Self.decide { c throws(CommandError) in Self.ok(c, old) }
        #expect(text.form == .text)
        #expect(text.version == OpenZFSVersion(major: 2, minor: 1, patch: 11))
        #expect(text.reason == "OpenZFS 2.1.11 (`zfs version`): reading the text output (JSON needs 2.3.0 or later)")
    }

    @Test func aVersionProbeThatFailsMeansText() {
        let missing = Self.decide { c throws(CommandError) in throw CommandError.notFound(program: "zfs", searched: ["/usr/sbin"]) }
        #expect(missing.form == .text)
        #expect(missing.version == nil)
        #expect(missing.reason.hasPrefix("`zfs version` could not run ("))
        let refused = Self.decide { c throws(CommandError) in Self.ok(c, "", stderr: "unrecognized command 'version'\n", status: 2) }
        #expect(refused.form == .text)
        #expect(refused.reason == "`zfs version` failed (exit status 2: unrecognized command 'version'): reading the text output")
        let silent = Self.decide { c throws(CommandError) in Self.ok(c, "\n") }
        #expect(silent.form == .text)
        #expect(silent.reason == "`zfs version` printed no zfs-X.Y release: reading the text output")
    }

    // MARK: - kbe on OpenZFS 2.3.9

    /// The `bes` state (Fixtures/zfs-2.3/…/bes): default with checkpoints, test cloned from one.
    /// `jsonListing` answers the JSON listing instead of its capture (a test that needs a failure).
    static func besWorld(json: Bool, jsonListing: (stdout: String, stderr: String, status: Int32)? = nil) throws
        -> (ReplayRunner, SystemContext)
    {
        let runner = ReplayRunner.kbe()
        let bes = Self.dir + "bes/"
        runner.on(Self.version, stdout: try Fixtures.text(Self.zfs23))
        runner.on(Self.listing.text.command.argv, stdout: try Fixtures.text(bes + "zfs-list-Hp-be.stdout"))
        if let jsonListing {
            runner.on(Self.listingJSON,
                      stdout: jsonListing.stdout, stderr: jsonListing.stderr, status: jsonListing.status)
        } else {
            runner.on(Self.listingJSON, stdout: try Fixtures.text(bes + "zfs-list-j-be.stdout"))
        }
        runner.on(Self.bootfs.text.command.argv, stdout: try Fixtures.text(bes + "zpool-get-Hp-bootfs.stdout"))
        // No capture of `zpool get -j --json-int bootfs rpool` alone: the healthy state's
        // `zpool get -j --json-int bootfs,health,free,size,allocated rpool` of the same pool
        // (bootfs rpool/ROOT/default in both states) answers it.
        runner.on(Self.bootfsJSON,
                  stdout: try Fixtures.text(Self.dir + "healthy/zpool-get-j-bootfs-etc.stdout"))
        let fs = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent/openzfs-output-tests"))
        try fs.write(try Fixtures.data(Self.dir + "system/proc-self-mounts.stdout"), to: "/proc/self/mounts")
        let context = SystemContext(runner: runner, files: fs, now: { Date(timeIntervalSince1970: 1_796_480_000) },
                                    openZFS: json ? .probing() : nil)
        return (runner, context)
    }

    /// What `kbe list -s` shows of a BE, without the space figures (the guest was live: the
    /// pool's `available` moved by a few blocks between the text and the JSON capture).
    static func view(_ envs: [BootEnvironment]) -> [String] {
        envs.map { be in
            ([be.dataset, be.origin ?? "-", be.description ?? "-", be.activeFlags]
                + be.checkpoints.map { "\($0.name) \($0.used) \($0.creation.map { String(Int($0.timeIntervalSince1970)) } ?? "-") \($0.clones)" })
                .joined(separator: " | ")
        }
    }

    @Test func kbeReadsJSONOnOpenZFS23AndSeesWhatTheTextShows() throws {
        let (jr, jc) = try Self.besWorld(json: true)
        let (tr, tc) = try Self.besWorld(json: false)
        // The table's listing (`report: false`): the JSON report would also ask for paired datasets.
        let (_, fromJSON) = try BootEnvironmentManager(context: jc).list(showCheckpoints: true, report: false)
        let (_, fromText) = try BootEnvironmentManager(context: tc).list(showCheckpoints: true, report: false)
        #expect(jr.argvs == [Self.version, Self.bootfsJSON, Self.listingJSON])
        #expect(tr.argvs == [Self.bootfs.text.command.argv, Self.listing.text.command.argv])
        #expect(Self.view(fromJSON) == Self.view(fromText))
        #expect(fromJSON.map(\.name) == ["default", "test"])
        #expect(fromJSON.first?.checkpoints.count ?? 0 >= 2)
        #expect(jc.openZFS.notes == ["OpenZFS 2.3.9 (`zfs version`): reading the JSON output (-j --json-int)"])
        #expect(jc.openZFS.fallbacks.isEmpty)
    }

    @Test func theReleaseIsAskedOncePerRun() throws {
        let (runner, context) = try Self.besWorld(json: true)
        let manager = BootEnvironmentManager(context: context)
        _ = try manager.loadState()
        _ = try manager.loadState()
        #expect(runner.argvs.filter { $0 == Self.version }.count == 1)
        #expect(runner.argvs.count == 5)
    }

    @Test func jsonThatCannotBeReadIsReadAgainAsTextAndKBESaysSo() throws {
        // Not JSON (the `-Hp` text of the same listing) where JSON was asked for.
        let (runner, context) = try Self.besWorld(
            json: true, jsonListing: (try Fixtures.text(Self.dir + "bes/zfs-list-Hp-be.stdout"), "", 0))
        let r = KBEWorld.run(["list"], context)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stdout.contains("default"))
        #expect(runner.argvs.suffix(2) == [Self.listingJSON, Self.listing.text.command.argv])
        #expect(context.openZFS.fallbacks.count == 1)
        #expect(r.stderr.hasPrefix("[kbe] warning: `zfs list -j --json-int -t filesystem,volume,snapshot -r -o "))
        #expect(r.stderr.contains("printed JSON kldload could not read ("))
        #expect(r.stderr.contains("; read `zfs list -Hp -t filesystem,volume,snapshot -r -o "))
    }

    @Test func aUsageErrorFallsBackToTextAndARealFailureDoesNot() throws {
        // The usage error OpenZFS 2.3.9 printed for `zfs version -j --json-int` (exit 2).
        let usage = try Fixtures.text(Self.dir + "healthy/zfs-version-j.stderr")
        let (runner, context) = try Self.besWorld(json: true, jsonListing: ("", usage, 2))
        let r = KBEWorld.run(["list"], context)
        #expect(r.exitCode == 0)
        #expect(runner.argvs.last == Self.listing.text.command.argv)
        #expect(r.stderr.contains("was refused (exit status 2: invalid option"))

        // A real failure (exit 1) is the answer: the text command is not asked the same question.
        let missing = try Fixtures.text(Self.dir + "healthy/zfs-list-nosuchdataset.stderr")
        let (runner2, context2) = try Self.besWorld(json: true, jsonListing: ("", missing, 1))
        let r2 = KBEWorld.run(["list"], context2)
        #expect(r2.exitCode != 0)
        #expect(r2.stderr.contains("does not exist"))
        #expect(!runner2.argvs.contains(Self.listing.text.command.argv))
        #expect(context2.openZFS.fallbacks.isEmpty)
    }

    // MARK: - Parsers of the JSON path against the text of the same state

    @Test func beListingJSONEqualsTheText() throws {
        var compared = 0
        for suffix in ["", "-after-rename", "-after-promote"] {
            let text = try BEListing.parse(try Fixtures.text(Self.dir + "bes/zfs-list-Hp-be\(suffix).stdout"))
            let json = try BEListing.parseJSON(try Fixtures.text(Self.dir + "bes/zfs-list-j-be\(suffix).stdout"))
            func stable(_ r: BERecord) -> BERecord { var r = r; r.available = r.available.map { _ in 0 }; return r }
            #expect(text.map(stable) == json.map(stable), "bes\(suffix)")
            #expect(text.count >= 5)
            compared += 1
        }
        #expect(compared == 3)
    }

    /// The reason for the JSON path: a newline in a user property value ends a `-H` row, and JSON
    /// escapes it (captured on 2.3.9 with `org.kldload:description` = `line1<LF>line2`).
    @Test func aNewlineInADescriptionIsReadFromJSONAndRefusedInText() throws {
        let columns = ["name", BEListing.descriptionProperty]
        let dir = Self.dir + "user-property-values/"
        let json = try ZFSJSONParser.datasets(try Fixtures.text(dir + "newline.json"), columns: columns)
        #expect(json.map(\.name) == ["rpool/ROOT/default"])
        #expect(json.first?.properties[BEListing.descriptionProperty] == "line1\nline2")
        #expect(throws: ParseError.self) { try ZFSListParser.parse(try Fixtures.text(dir + "newline.stdout"), columns: columns) }
    }

    @Test func snapshotListingJSONKeepsTheSortOrder() throws {
        let columns = ["name", "used", "referenced", "creation"]
        let text = try ZFSListParser.parseSnapshots(try Fixtures.text(Self.dir + "bes/zfs-list-Hp-snapshots-all.stdout"), columns: columns)
        let json = try ZFSJSONParser.snapshots(try Fixtures.text(Self.dir + "bes/zfs-list-j-snapshots-all.stdout"), columns: columns)
        #expect(text.map(\.fullName) == json.map(\.fullName))
        #expect(text.map { $0["creation"] } == json.map { $0["creation"] })
        #expect(text.count >= 3)
        #expect(throws: ParseError.self) {
            try ZFSJSONParser.snapshots(try Fixtures.text(Self.dir + "bes/zfs-list-j-be.stdout"), columns: columns)
        }
    }

    // MARK: - kupgrade

    @Test func kupgradesPoolProbeReadsJSON() throws {
        let runner = ReplayRunner.kbe()
        let healthy = Self.dir + "healthy/"
        runner.on(Self.version, stdout: try Fixtures.text(Self.zfs23))
        runner.on(try #require(SystemQuery.poolProperties(SystemProbes.poolProperties, pool: "rpool").json).command.argv,
                  stdout: try Fixtures.text(healthy + "zpool-get-j-bootfs-etc.stdout"))
        runner.on(try #require(SystemQuery.poolStatus("rpool", onlyUnhealthy: true).json).command.argv,
                  stdout: try Fixtures.text(healthy + "zpool-status-j-rpool.stdout"))
        let context = SystemContext(runner: runner, files: OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent")), openZFS: .probing())
        let facts = try SystemProbes(context: context).pool("rpool")
        #expect(facts.health == .online)
        #expect(facts.free == ZpoolGetParser.value("free", pool: "rpool", in: try ZpoolGetParser.parse(try Fixtures.text(healthy + "zpool-get-Hp-bootfs-etc.stdout"))).flatMap { UInt64($0) })
        #expect(!facts.resilvering)
        #expect(runner.argvs == [Self.version, ["zpool", "get", "-j", "--json-int", "bootfs,health,free,size,allocated", "rpool"],
                                 ["zpool", "status", "-j", "--json-int", "rpool"]])
    }

    /// Every recorded scenario made before kldload asked `zfs version` replays as recorded: the
    /// replay reads text without asking, and kupgrade's log says so.
    @Test func oldRecordingsReplayAsTextWithoutAsking() throws {
        let r = try ScenarioReplay.run("kupgrade-debian12-apt")
        #expect(!r.argv.contains(Self.version))
        #expect(r.argv == r.replay.recordingsInUse.map(\.argv))
        let log = try r.files.text(of: "/var/log/kupgrade.log")
        #expect(log.contains("[kupgrade] OpenZFS: the replayed recording has no `zfs version` (made before kldload asked): reading the text output\n"))
    }

    @Test func aScanReadFromJSONHasASentence() throws {
        let resilvering = try ZFSJSONParser.zpoolStatus(try Fixtures.text(Self.dir + "draid/zpool-status-j-rebuilt.stdout"))
        let scans = resilvering.pools.flatMap(\.scans)
        #expect(!scans.isEmpty)
        #expect(scans.allSatisfy { $0.text.isEmpty && !$0.sentence.isEmpty })
        var s = ScanStatus(kind: .resilver, state: .inProgress, text: "")
        #expect(s.sentence == "resilver in progress")
        s.state = .finished
        s.errors = 0
        #expect(s.sentence == "resilver finished with 0 errors")
        #expect(ScanStatus(kind: .scrub, state: .finished, text: "scrub repaired 0B in 00:00:01 with 0 errors on x").sentence
                == "scrub repaired 0B in 00:00:01 with 0 errors on x")
    }
}
