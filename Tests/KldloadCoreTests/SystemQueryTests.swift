import Foundation
import Testing

@testable import KldloadCore

/// Queries as values: each read is one `SystemQuery` (argv + parser), asked through
/// `SystemContext.run`/`ask`, and nothing else in the library writes a read argv.
@Suite struct SystemQueryTests {
    /// Queries read no files; an empty overlay keeps the host out of reach.
    static let noFiles = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent/kldload-no-files"))

    /// The argv of every query, as the recorded scenarios hold them (a change here is a change
    /// of what kldload asks, and every recording would stop replaying).
    @Test func everyQueryAsksWhatTheRecordingsHold() {
        let columns = "name,type,used,usedbysnapshots,referenced,available,mountpoint,canmount,mounted,origin,clones,creation,org.kldload:description"
        let table: [([String], [String])] = [
            (SystemQuery.poolStatus().command.argv, ["zpool", "status"]),
            (SystemQuery.poolStatus("rpool", onlyUnhealthy: true).command.argv, ["zpool", "status", "-x", "rpool"]),
            (SystemQuery.poolProperties(SystemProbes.poolProperties, pool: "rpool").command.argv,
             ["zpool", "get", "-Hp", "bootfs,health,free,size,allocated", "rpool"]),
            (SystemQuery.bootfs(pool: "rpool").command.argv, ["zpool", "get", "-Hp", "bootfs", "rpool"]),
            (SystemQuery.localProperties(of: "rpool/ROOT/default").command.argv,
             ["zfs", "get", "-Hp", "-s", "local", "all", "rpool/ROOT/default"]),
            (SystemQuery.bootEnvironmentRecords(root: "rpool/ROOT").command.argv,
             ["zfs", "list", "-Hp", "-t", "filesystem,volume,snapshot", "-r", "-o", columns, "rpool/ROOT"]),
            (SystemQuery.bootEnvironmentRecords(root: "rpool/var/lib", depth: 1, types: "snapshot").command.argv,
             ["zfs", "list", "-Hp", "-t", "snapshot", "-d", "1", "-o", columns, "rpool/var/lib"]),
            (SystemQuery.retentionRows(of: "rpool/ROOT/default").command.argv,
             ["zfs", "list", "-Hp", "-t", "snapshot", "-d", "1", "-s", "creation",
              "-o", "name,creation,clones,org.kldload:kupgrade-version", "rpool/ROOT/default"]),
            (SystemQuery.autoCheckpointRows(of: "rpool/ROOT/default").command.argv,
             ["zfs", "list", "-Hp", "-t", "snapshot", "-d", "1", "-s", "creation",
              "-o", "name,creation,org.kldload:origin,org.kldload:kupgrade-version", "rpool/ROOT/default"]),
            (SystemQuery.snapshotNames(of: "rpool/var/lib").command.argv,
             ["zfs", "list", "-H", "-o", "name", "-t", "snapshot", "-d", "1", "rpool/var/lib"]),
            (SystemQuery.property("org.kldload:new-be", of: "rpool/ROOT/x").command.argv,
             ["zfs", "get", "-H", "-o", "value", "org.kldload:new-be", "rpool/ROOT/x"]),
            (SystemQuery.fileChanges(from: "rpool/ROOT/a@s", to: "rpool/ROOT/a").command.argv,
             ["zfs", "diff", "-FH", "rpool/ROOT/a@s", "rpool/ROOT/a"]),
            (SystemQuery.moduleField("signer", of: "/m.ko").command.argv, ["modinfo", "-F", "signer", "/m.ko"]),
            (SystemQuery.vermagic(of: "/m.ko").command.argv, ["modinfo", "-F", "vermagic", "/m.ko"]),
            (SystemQuery.dkmsStatus.command.argv, ["dkms", "status"]),
            (SystemQuery.secureBootState.command.argv, ["mokutil", "--sb-state"]),
            (SystemQuery.rpmPackages(databaseDirectory: "/var/lib/rpm").command.argv,
             ["rpm", "--dbpath", "/var/lib/rpm", "-qa", "--qf", RPMQueryParser.queryFormat]),
            // Trial boots and paired datasets.
            (SystemQuery.blockDevices.command.argv, ["lsblk", "--pairs", "--paths", "--output", "NAME,PKNAME,PARTUUID"]),
            (SystemQuery.property("org.zfsbootmenu:commandline", withSourceOf: "rpool/ROOT/x").command.argv,
             ["zfs", "get", "-Hp", "-o", "name,property,value,source", "org.zfsbootmenu:commandline", "rpool/ROOT/x"]),
            (SystemQuery.pairedDatasets(pool: "rpool").command.argv,
             ["zfs", "get", "-Hp", "-r", "-s", "local", "-t", "filesystem,volume", "org.kldload:paired", "rpool"]),
            (SystemQuery.properties(["type", "mountpoint", "org.kldload:paired"], of: ["rpool/srv/pg"]).command.argv,
             ["zfs", "get", "-Hp", "type,mountpoint,org.kldload:paired", "rpool/srv/pg"]),
            (SystemQuery.newestChange(since: "rpool/srv/pg@s").command.argv, ["zfs", "diff", "-H", "-t", "rpool/srv/pg@s"]),
            (SystemQuery.bootEnvironmentRecords(roots: ["rpool/srv/a", "rpool/srv/b"], depth: 1).command.argv,
             ["zfs", "list", "-Hp", "-t", "filesystem,volume,snapshot", "-d", "1", "-o", columns, "rpool/srv/a", "rpool/srv/b"]),
        ]
        for (asked, recorded) in table { #expect(asked == recorded) }
        // The JSON forms (OpenZFS 2.3.9, Fixtures/scenarios/kupgrade-debian13-apt and the 2.3 captures).
        let json: [([String]?, [String])] = [
            (SystemQuery.poolProperties(SystemProbes.poolProperties, pool: "rpool").json?.command.argv,
             ["zpool", "get", "-j", "--json-int", "bootfs,health,free,size,allocated", "rpool"]),
            (SystemQuery.poolStatus("rpool", onlyUnhealthy: true).json?.command.argv, ["zpool", "status", "-j", "--json-int", "rpool"]),
            (SystemQuery.bootfs(pool: "rpool").json?.command.argv, ["zpool", "get", "-j", "--json-int", "bootfs", "rpool"]),
            (SystemQuery.localProperties(of: "rpool/ROOT/default").json?.command.argv,
             ["zfs", "get", "-j", "--json-int", "-s", "local", "all", "rpool/ROOT/default"]),
            (SystemQuery.bootEnvironmentRecords(root: "rpool/ROOT").json?.command.argv,
             ["zfs", "list", "-j", "--json-int", "-t", "filesystem,volume,snapshot", "-r", "-o", columns, "rpool/ROOT"]),
            (SystemQuery.retentionRows(of: "rpool/ROOT/default").json?.command.argv,
             ["zfs", "list", "-j", "--json-int", "-t", "snapshot", "-d", "1", "-s", "creation",
              "-o", "name,creation,clones,org.kldload:kupgrade-version", "rpool/ROOT/default"]),
        ]
        for (asked, recorded) in json { #expect(asked == recorded) }
        // Reads that stay text on every release (DESIGN item 19) have no JSON form.
        #expect(SystemQuery.localProperties(of: "rpool/ROOT").textOnly.json == nil)
        #expect(SystemQuery.pairedDatasets(pool: "rpool").json == nil)
        #expect(SystemQuery.snapshotNames(of: "rpool/var/lib").json == nil)
        #expect(SystemQuery.blockDevices.json == nil)
    }

    /// The one place a form is chosen: a query without a JSON form never makes kldload ask
    /// `zfs version`; one with it is asked as JSON on 2.3 and says so in its answer.
    @Test func theFormIsChosenInAsk() throws {
        let runner = ReplayRunner.kbe(acceptingMutations: false)
        let local = SystemQuery.localProperties(of: "rpool/ROOT")
        runner.on(OpenZFSOutput.versionCommand.argv,
                  stdout: try Fixtures.text("zfs-2.3/openzfs-2.3.9-debian13/system/zfs-version.stdout"))
        runner.on(local.text.command.argv,
                  stdout: try Fixtures.text("zfs-2.3/openzfs-2.3.9-debian13/healthy/zfs-get-Hp-local-ROOT.stdout"))
        runner.on(try #require(local.json).command.argv,
                  stdout: try Fixtures.text("zfs-2.3/openzfs-2.3.9-debian13/healthy/zfs-get-j-local-ROOT.stdout"))
        let context = SystemContext(runner: runner, files: Self.noFiles, openZFS: .probing())
        let text = try context.ask(local.textOnly)
        #expect(text.form == .text)
        #expect(runner.argvs == [local.text.command.argv], "a text-only query asks no zfs version")
        let json = try context.ask(local)
        #expect(json.form == .json)
        #expect(runner.argvs == [local.text.command.argv, OpenZFSOutput.versionCommand.argv, try #require(local.json).command.argv])
        #expect(try json.value().map(\.name) == text.value().map(\.name))
        #expect(try !json.value().isEmpty)
    }

    /// What an embedder writes: a context, then `run(.query)`, model values back.
    @Test func runReadsARecordedMachine() throws {
        let context = try SystemContext.replay(scenario: ScenarioReplay.path("kupgrade-debian12-degraded-refusal"))
        #expect(try context.run(.bootfs(pool: "rpool")) == "rpool/ROOT/default")
        let records = try context.run(.bootEnvironmentRecords(root: "rpool/ROOT"))
        #expect(records.contains { $0.name == "rpool/ROOT/default" && $0.kind == .filesystem })
        let status = try context.run(.poolStatus("rpool", onlyUnhealthy: true))
        let pool = try #require(status.pool(named: "rpool"))
        #expect(pool.state == .degraded)
        #expect(pool.allVDevs.contains { $0.name == "virtio-pool1" && $0.state == .offline })
    }

    @Test func runSaysWhyThereIsNoValue() throws {
        let runner = ReplayRunner.kbe(acceptingMutations: false)
        runner.on(["zpool", "get", "-Hp", "bootfs", "tank"], stderr: "cannot open 'tank': no such pool\n", status: 1)
        runner.on(["zpool", "get", "-Hp", "bootfs", "rpool"], stdout: "rpool\tbootfs\n")
        let context = SystemContext(runner: runner, files: Self.noFiles)
        #expect {
            try context.run(.bootfs(pool: "tank"))
        } throws: { error in
            guard case QueryError.failed(let r)? = error as? QueryError else { return false }
            return r.status == .exited(1) && "\(error)".contains("no such pool")
        }
        #expect {
            try context.run(.bootfs(pool: "rpool"))
        } throws: { error in
            guard case QueryError.unreadable(let parse, _)? = error as? QueryError else { return false }
            return parse.line == 1
        }
        #expect {
            try context.run(.poolStatus())
        } throws: { error in
            guard case QueryError.couldNotRun(.noRecording)? = error as? QueryError else { return false }
            return true
        }
    }

    /// `map` keeps the command (and so the recording it is answered from).
    @Test func mapKeepsTheQuestion() throws {
        let names = SystemQuery.poolProperties(["health"], pool: "rpool").map { props in props.map(\.name) }
        #expect(names.command.argv == ["zpool", "get", "-Hp", "health", "rpool"])
        let runner = ReplayRunner.kbe()
        runner.on(names.command.argv, stdout: "rpool\thealth\tONLINE\t-\n")
        #expect(try SystemContext(runner: runner, files: Self.noFiles).run(names) == ["health"])
    }

    /// The one place: no read argv of zfs, zpool, modinfo, dkms, mokutil or rpm is written
    /// outside Sources/KldloadCore/Queries (commands that change the system may be).
    @Test func noReadArgvOutsideTheQueries() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/KldloadCore")
        let reads = [
            #""zfs", "list""#, #""zfs", "get""#, #""zfs", "diff""#, #""zpool", "get""#, #""zpool", "status""#,
            #""zpool", "list""#, #"["modinfo", "-F""#, #""dkms", "status""#, #""mokutil", "--sb-state""#, #""rpm", "--dbpath""#,
        ]
        var offenders: [String] = []
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }
        for file in files where file.hasSuffix(".swift") && !file.hasPrefix("Queries/") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                for r in reads where line.contains(r) { offenders.append("\(file):\(n + 1): \(r)") }
            }
        }
        #expect(offenders == [])
    }

    /// The pool's state stays a `PoolState` from `zpool get` to kupgrade's refusal.
    @Test func poolFactsKeepTheState() throws {
        let runner = ReplayRunner.kbe()
        runner.on(SystemQuery.poolProperties(SystemProbes.poolProperties, pool: "rpool").command.argv,
                  stdout: "rpool\tbootfs\trpool/ROOT/default\tlocal\nrpool\thealth\tSUSPENDED\t-\nrpool\tfree\t5\t-\n")
        runner.on(["zpool", "status", "-x", "rpool"], stdout: "pool 'rpool' is healthy\n")
        let facts = try SystemProbes(context: SystemContext(runner: runner, files: Self.noFiles)).pool("rpool")
        #expect(facts.health == .suspended)
        #expect(facts.free == 5)
        #expect(!facts.resilvering)
    }
}
