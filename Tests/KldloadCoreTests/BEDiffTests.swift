import Foundation
import Testing
@testable import KldloadCore

/// kbe diff: version orders checked against the real tools, package databases parsed as the
/// real tools read them, and the diff replayed on real databases (Fixtures/pkgdb, Fixtures/scenarios/kbe-diff-*).
@Suite struct BEDiffTests {
    static func table(_ tool: String) throws -> [(String, String, Int)] {
        let text = try String(contentsOfFile: Fixtures.root.path + "/vercmp/\(tool)/pairs.txt", encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let f = line.split(separator: " ").map(String.init)
            try #require(f.count == 3)
            return (f[0], f[1], ["lt": -1, "eq": 0, "gt": 1][f[2]] ?? 99)
        }
    }

    @Test func rpmOrderAgreesWithRealRpmVercmp() throws {
        let pairs = try Self.table("rpm")
        #expect(pairs.count == 32 * 32)
        for (a, b, expected) in pairs {
            #expect(RPMVersion.compare(a, b) == expected, "rpm.vercmp('\(a)', '\(b)') answered \(expected)")
        }
    }

    @Test func pacmanOrderAgreesWithRealVercmp() throws {
        let pairs = try Self.table("pacman")
        #expect(pairs.count == 32 * 32)
        for (a, b, expected) in pairs {
            #expect(PacmanVersion.compare(a, b) == expected, "vercmp \(a) \(b) answered \(expected)")
        }
    }

    @Test func versionOrdersAreTotalAndAntisymmetric() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789:-~^+._ab".unicodeScalars)
        func word() -> String {
            String(String.UnicodeScalarView((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
        }
        for _ in 0..<3000 {
            let a = word(), b = word()
            for kind in PackageDatabaseKind.allCases {
                #expect(kind.compare(a, b) == -kind.compare(b, a), "\(kind) \(a) \(b)")
                #expect(kind.compare(a, a) == 0)
            }
        }
    }

    // MARK: parsers against the real tools' own reading of the same database

    static let dpkgDir = Fixtures.root.path + "/pkgdb/dpkg-1.21.23-debian12-root"
    static let pacmanDir = Fixtures.root.path + "/pkgdb/pacman-6.0.2-debian12"
    static let rpmDir = Fixtures.root.path + "/pkgdb/rpm-4.18.0-debian12"

    static func dpkg(_ side: String) throws -> [Package] {
        DpkgStatusParser.parse(try Data(contentsOf: URL(fileURLWithPath: "\(dpkgDir)/\(side)/var/lib/dpkg/status")))
    }

    static func pacman(_ side: String) throws -> [Package] {
        let dir = "\(pacmanDir)/\(side)/var/lib/pacman/local"
        return try FileManager.default.contentsOfDirectory(atPath: dir).sorted().compactMap { entry in
            guard let text = try? String(contentsOfFile: "\(dir)/\(entry)/desc", encoding: .utf8) else { return nil }
            return PacmanLocalParser.parseDesc(text)
        }
    }

    static func rpm(_ side: String) throws -> [Package] {
        try RPMQueryParser.parse(try String(contentsOfFile: "\(rpmDir)/\(side)-qa.stdout", encoding: .utf8))
    }

    @Test(arguments: ["before", "after"]) func dpkgStatusParserAgreesWithDpkgQuery(side: String) throws {
        let query = try String(contentsOfFile: "\(Self.dpkgDir)/\(side)-dpkg-query.stdout", encoding: .utf8)
        // dpkg-query -W lists every package it knows; present = desired/state not n or c.
        let expected = query.split(separator: "\n").compactMap { line -> String? in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 3, f[2].count >= 2 else { return nil }
            let state = f[2].dropFirst().first
            return state == "n" || state == "c" ? nil : "\(f[0]) \(f[1])"
        }.sorted()
        let parsed = try Self.dpkg(side).map { "\($0.name) \($0.fullVersion)" }.sorted()
        #expect(expected.count > 80)
        #expect(parsed == expected)
    }

    @Test(arguments: ["before", "after"]) func pacmanDescParserAgreesWithPacmanQ(side: String) throws {
        let q = try String(contentsOfFile: "\(Self.pacmanDir)/\(side)-Q.stdout", encoding: .utf8)
        let expected = q.split(separator: "\n").map(String.init).sorted()
        #expect(try Self.pacman(side).map { "\($0.name) \($0.fullVersion)" }.sorted() == expected)
    }

    // MARK: the diff

    static func text(_ d: PackageDiff) -> [String] { d.lines() }

    @Test func dpkgDiffOfARealTransaction() throws {
        let d = PackageDiff.compute(old: try Self.dpkg("before"), new: try Self.dpkg("after"), database: .dpkg)
        #expect(
            d.lines() == [
                "packages (dpkg): 1 upgraded, 0 downgraded, 3 added, 1 removed, 88 unchanged",
                "  upgraded    less 590-2.1~deb12u2 -> 668-1",
                "  added       file 1:5.44-3",
                "  added       libmagic-mgc 1:5.44-3",
                "  added       libmagic1:amd64 1:5.44-3",
                "  removed     cpio 2.13+dfsg-7.1",
            ])
        let back = PackageDiff.compute(old: try Self.dpkg("after"), new: try Self.dpkg("before"), database: .dpkg)
        #expect(back.downgraded.map { "\($0.name) \($0.from) \($0.to)" } == ["less 668-1 590-2.1~deb12u2"])
        #expect(back.added.map(\.name) == ["cpio"])
        #expect(back.removed.map(\.name) == ["file", "libmagic-mgc", "libmagic1:amd64"])
    }

    @Test func rpmDiffOfARealTransactionWithAnInstallonlyKernel() throws {
        let d = PackageDiff.compute(old: try Self.rpm("before"), new: try Self.rpm("after"), database: .rpm)
        #expect(
            d.lines() == [
                "packages (rpm): 1 upgraded, 1 downgraded, 2 added, 1 removed, 1 unchanged",
                "  upgraded    kldload-app 1.0-1 -> 1.1-1",
                "  downgraded  kldload-tool 2:1.4-3 -> 2:1.4-2",
                "  added       kernel-core 5.14.0-503.15.1.el9",
                "  added       kldload-new 0.1-1",
                "  removed     kldload-old 1.0-1",
            ])
    }

    @Test func pacmanDiffOfARealTransaction() throws {
        let d = PackageDiff.compute(old: try Self.pacman("before"), new: try Self.pacman("after"), database: .pacman)
        #expect(
            d.lines() == [
                "packages (pacman): 2 upgraded, 1 downgraded, 1 added, 1 removed, 0 unchanged",
                "  upgraded    kldload-app 1.0-1 -> 1.1-1",
                "  upgraded    linux 6.12.1.arch1-1 -> 6.12.3.arch1-1",
                "  downgraded  kldload-tool 1:1.4-2 -> 1:1.4-1",
                "  added       kldload-new 0.1-1",
                "  removed     kldload-old 1.0-1",
            ])
        #expect(d.lines(limit: 2).last == "  … and 3 more (kbe diff shows all)")
    }

    @Test func diffIsLinearInThePackages() {
        // Counting work, not time: one version comparison per package whose version changed.
        func packages(_ n: Int, _ v: String) -> [Package] { (0..<n).map { Package(name: "p\($0)", fullVersion: v) } }
        let d = PackageDiff.compute(old: packages(5000, "1.0-1"), new: packages(5000, "1.0-2"), database: .dpkg)
        #expect(d.upgraded.count == 5000 && d.unchanged == 0)
    }

    // MARK: replayed kbe diff

    static func run(_ name: String, _ argv: [String]) throws -> (KBECommand.Result, ReplayRunner?) {
        let context = try SystemContext.replay(scenario: Fixtures.root.path + "/scenarios/\(name)")
        let r = KBECommand.run(try KBEInvocation.parse(argv), context: context, timeZone: TimeZone(identifier: "UTC")!)
        return (r, context.runner as? ReplayRunner)
    }

    @Test func kbeDiffReplaysOnRealDpkgDatabases() throws {
        let (r, runner) = try Self.run("kbe-diff-dpkg", ["diff", "pre-upgrade-20261122-101500"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(
            r.stdout == """
                kbe diff rpool/ROOT/default@pre-upgrade-20261122-101500 -> rpool/ROOT/default
                packages (dpkg): 1 upgraded, 0 downgraded, 3 added, 1 removed, 88 unchanged
                  upgraded    less 590-2.1~deb12u2 -> 668-1
                  added       file 1:5.44-3
                  added       libmagic-mgc 1:5.44-3
                  added       libmagic1:amd64 1:5.44-3
                  removed     cpio 2.13+dfsg-7.1
                kernels:
                  rpool/ROOT/default@pre-upgrade-20261122-101500: 6.1.0-50-amd64 (zfs module)
                  rpool/ROOT/default: 6.1.0-50-amd64 (zfs module)

                """)
        // Two reads of the pool, nothing else: the databases are files.
        #expect(runner?.invocations.map { $0.argv[0] } == ["zpool", "zfs"])
    }

    @Test func kbeDiffJSONOnRealRpmDatabases() throws {
        let (r, runner) = try Self.run("kbe-diff-rpm", ["diff", "--json", "rpool/ROOT/default@pre-upgrade-20261122-101500", "default"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let diff = obj?["diff"] as? [String: Any]
        let pk = diff?["packages"] as? [String: Any]
        #expect(pk?["database"] as? String == "rpm")
        #expect((pk?["upgraded"] as? [[String: Any]])?.first?["to"] as? String == "1.1-1")
        #expect((pk?["downgraded"] as? [[String: Any]])?.first?["name"] as? String == "kldload-tool")
        #expect((pk?["added"] as? [[String: Any]])?.map { $0["name"] as? String } == ["kernel-core", "kldload-new"])
        #expect(diff?["fromPath"] as? String == "/.zfs/snapshot/pre-upgrade-20261122-101500")
        let rpm = runner?.invocations.filter { $0.argv[0] == "rpm" }.map(\.argv) ?? []
        #expect(rpm == [
            SystemQuery.rpmPackages(databaseDirectory: "/.zfs/snapshot/pre-upgrade-20261122-101500/var/lib/rpm").command.argv,
            SystemQuery.rpmPackages(databaseDirectory: "/var/lib/rpm").command.argv,
        ])
    }

    @Test func kbeDiffReplaysOnRealPacmanDatabasesInBothDirections() throws {
        let (r, _) = try Self.run("kbe-diff-pacman", ["diff", "default", "default@pre-upgrade-20261122-101500"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stdout.contains("packages (pacman): 1 upgraded, 2 downgraded, 1 added, 1 removed, 0 unchanged\n"))
        #expect(r.stdout.contains("  downgraded  linux 6.12.3.arch1-1 -> 6.12.1.arch1-1\n"))
        #expect(r.stdout.contains("  added       kldload-old 1.0-1\n"))
    }

    @Test func filesNeedACheckpointFirst() throws {
        let (r, _) = try Self.run("kbe-diff-dpkg", ["diff", "--files", "default", "pre-upgrade-20261122-101500"])
        #expect(r.exitCode == 2)
        #expect(r.stderr.contains("kbe diff --files needs a checkpoint as A"))
    }

    @Test func unknownSideIsNotFound() throws {
        let (r, _) = try Self.run("kbe-diff-dpkg", ["diff", "no-such-checkpoint"])
        #expect(r.exitCode == 4)
    }

    // MARK: zfs diff

    @Test func zfsDiffEscapesAreDecoded() {
        // stream_bytes: every byte <= space, backslash and >= DEL as \ + four octal digits.
        #expect(ZFSDiffParser.decode("/root/with\\0040space") == "/root/with space")
        #expect(ZFSDiffParser.decode("/r/\\0303\\0274mlaut") == "/r/ümlaut")
        #expect(ZFSDiffParser.decode("/r/back\\0134slash") == "/r/back\\slash")
        #expect(ZFSDiffParser.decode("/r/short\\04") == "/r/short\\04")
    }

    @Test func groupingPutsEtcFirst() {
        let changes = ["/usr/bin/x", "/etc/b.conf", "/root/y", "/etc/a.d/z", "/etc/a.conf"].map {
            FileChange(kind: .modified, type: "F", path: $0)
        }
        #expect(BEDiff.grouped(changes).map(\.path) == ["/etc/a.conf", "/etc/b.conf", "/etc/a.d/z", "/root/y", "/usr/bin/x"])
    }
}

/// zfs diff as OpenZFS 2.3.9 printed it (Fixtures/zfs-2.3/openzfs-2.3.9-debian13/diff).
@Suite struct ZFSDiffGoldenTests {
    static let dir = Fixtures.root.path + "/zfs-2.3/openzfs-2.3.9-debian13/diff"

    @Test func everyKindOfChangeAndEveryEscapeIsRead() throws {
        let text = try String(contentsOfFile: Self.dir + "/zfs-diff-FH-a-b.stdout", encoding: .utf8)
        let changes = try ZFSDiffParser.parse(text)
        #expect(changes.count == 15)
        let byPath = Dictionary(changes.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let d = "/etc/kldload-diff-files/"
        #expect(byPath[d + "remove-me"]?.kind == .removed)
        #expect(byPath[d + "rename-me"]?.newPath == d + "renamed")
        #expect(byPath[d + "linked"]?.linkDelta == 1)
        #expect(byPath[d + "symlink"]?.type == "@")
        #expect(byPath[d + "fifo"]?.type == "|")
        #expect(byPath["/etc/kldload-diff.d"]?.type == "/")
        for name in ["with space", "tab\there", "new\nline", "ümlaut", "back\\slash"] {
            #expect(byPath[d + name]?.kind == .added, "\(name)")
        }
    }

    @Test func timestampedAndHumanFormsAreNotMistakenForTheScriptedOne() throws {
        // kbe asks for -FH; -t and the human form must not parse as it silently.
        for name in ["zfs-diff-FHt-a-b", "zfs-diff-a-b"] {
            let text = try String(contentsOfFile: Self.dir + "/\(name).stdout", encoding: .utf8)
            #expect(throws: ParseError.self) { try ZFSDiffParser.parse(text) }
        }
    }

    @Test func kbeDiffFilesReplaysOnTheRealCapture() throws {
        let context = try SystemContext.replay(scenario: Fixtures.root.path + "/scenarios/kbe-diff-files")
        let r = KBECommand.run(try KBEInvocation.parse(["diff", "--files", "diff-a"]), context: context, timeZone: TimeZone(identifier: "UTC")!)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(
            r.stdout == """
                kbe diff rpool/ROOT/default@diff-a -> rpool/ROOT/default
                packages: no package database found
                kernels:
                  rpool/ROOT/default@diff-a: none found
                  rpool/ROOT/default: none found
                files (zfs diff): 15 changed
                  /
                    M / /etc
                  /etc
                    M / /etc/kldload-diff-files
                    M F /etc/kldload-diff.conf
                    + / /etc/kldload-diff.d
                  /etc/kldload-diff-files
                    + F /etc/kldload-diff-files/back\\slash
                    + | /etc/kldload-diff-files/fifo
                    M F /etc/kldload-diff-files/linked (links +1)
                    + F /etc/kldload-diff-files/new\\nline
                    - F /etc/kldload-diff-files/remove-me
                    R F /etc/kldload-diff-files/rename-me -> /etc/kldload-diff-files/renamed
                    + @ /etc/kldload-diff-files/symlink
                    + F /etc/kldload-diff-files/tab\\there
                    + F /etc/kldload-diff-files/with space
                    + F /etc/kldload-diff-files/ümlaut
                  /etc/kldload-diff.d
                    + F /etc/kldload-diff.d/added.conf

                """)
    }

    @Test func zfsRefusalIsPassedOnWithAHint() throws {
        let text = try String(contentsOfFile: Self.dir + "/zfs-diff-FH-b-a.stderr", encoding: .utf8)
        #expect(text.contains("Not an earlier snapshot from the same fs"))
    }
}

/// kupgrade's summary and report list the transaction's packages with kbe diff's code.
@Suite struct KupgradePackageListTests {
    /// The real apt run of kupgrade-debian12-apt-pkgdb-in-be (checkpoint pre-upgrade-20261122-051036,
    /// package database inside the BE), with two real dpkg databases put in its tree for the read: the
    /// debootstrap pair of Fixtures/pkgdb (not this run's own databases, which were not captured), the
    /// "before" one in the checkpoint's .zfs/snapshot directory. The summary must list what they say.
    @Test func summaryAndReportListThePackagesTheDatabasesShow() throws {
        let dir = Fixtures.root.path + "/pkgdb/dpkg-1.21.23-debian12-root"
        let r = try ScenarioReplay.run(path: ScenarioReplay.path("kupgrade-debian12-apt-pkgdb-in-be"), prepare: { context in
            try context.files.write(
                try Data(contentsOf: URL(fileURLWithPath: dir + "/before/var/lib/dpkg/status")),
                to: "/.zfs/snapshot/pre-upgrade-20261122-051036/var/lib/dpkg/status")
            try context.files.write(
                try Data(contentsOf: URL(fileURLWithPath: dir + "/after/var/lib/dpkg/status")), to: "/var/lib/dpkg/status")
        })
        #expect(r.report.exitCode == 0)
        #expect(r.report.packages?.upgraded.map(\.name) == ["less"])
        #expect(r.report.packages?.removed.map(\.name) == ["cpio"])
        let text = r.lines.text
        #expect(text.contains("  packages (dpkg): 1 upgraded, 0 downgraded, 3 added, 1 removed, 88 unchanged\n"))
        #expect(text.contains("    upgraded    less 590-2.1~deb12u2 -> 668-1\n"))
        // Reading the databases ran nothing: the recorded commands are exactly those of the run.
        #expect(r.replay.invocations.map(\.argv) == r.replay.recordings.map(\.argv))
        let json = r.report.json()
        #expect(json.contains("\"packages\""))
    }

    @Test func withoutReadableDatabasesNothingIsAdded() throws {
        let r = try ScenarioReplay.run("kupgrade-debian12-apt-pkgdb-in-be")
        #expect(r.report.packages == nil)
        #expect(!r.lines.text.contains("packages ("))
    }
}

/// kbe rollback and kbe activate show on a terminal what changes before they ask.
@Suite struct RollbackPreviewTests {
    final class Asked: @unchecked Sendable {
        let lock = NSLock()
        var prompts: [String] = []
        func ask(_ p: String) -> String? { lock.withLock { prompts.append(p) }; return "no" }
    }

    static func run(_ argv: [String], interactive: Bool) throws -> (KBECommand.Result, [String], ReplayRunner?) {
        var context = try SystemContext.replay(scenario: Fixtures.root.path + "/scenarios/kbe-diff-dpkg")
        context.isInteractive = interactive
        let asked = Asked()
        let r = KBECommand.run(
            try KBEInvocation.parse(argv), context: context, ask: { asked.ask($0) }, timeZone: TimeZone(identifier: "UTC")!)
        return (r, asked.prompts, context.runner as? ReplayRunner)
    }

    @Test func rollbackShowsWhatItUndoesBeforeAsking() throws {
        let (r, prompts, runner) = try Self.run(["rollback", "pre-upgrade-20261122-101500"], interactive: true)
        #expect(r.exitCode == 3)  // answered "no"
        let prompt = try #require(prompts.first)
        let lines = prompt.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(Array(lines.prefix(4)) == [
            "What changes (kbe diff rpool/ROOT/default rpool/ROOT/default@pre-upgrade-20261122-101500):",
            "  packages (dpkg): 0 upgraded, 1 downgraded, 1 added, 3 removed, 88 unchanged",
            "    downgraded  less 668-1 -> 590-2.1~deb12u2",
            "    added       cpio 2.13+dfsg-7.1",
        ])
        #expect(prompt.contains("kbe rollback discards every change made after rpool/ROOT/default@pre-upgrade-20261122-101500 on:"))
        #expect(runner?.invocations.allSatisfy { ["zpool", "zfs"].contains($0.argv[0]) && $0.argv[1] != "rollback" } == true)
    }

    @Test func activateAsksOnATerminalAfterTheDiff() throws {
        let (r, prompts, runner) = try Self.run(["activate", "pre-upgrade-20261122-101500"], interactive: true)
        #expect(r.exitCode == 3)
        #expect(prompts.first?.hasPrefix("What changes (kbe diff rpool/ROOT/default rpool/ROOT/default@pre-upgrade-20261122-101500):\n") == true)
        #expect(prompts.first?.contains("Type 'pre-upgrade-20261122-101500' (or 'yes') to continue") == true)
        #expect(runner?.invocations.contains { $0.argv.starts(with: ["zfs", "clone"]) } == false)
    }

    @Test func withoutATerminalNothingIsShownOrAsked() throws {
        let (r, prompts, _) = try Self.run(["rollback", "pre-upgrade-20261122-101500"], interactive: false)
        #expect(r.exitCode == 3)
        #expect(prompts.isEmpty)
        #expect(!r.stderr.contains("What changes"))
    }
}

@Suite struct SideFileSystemTests {
    /// A checkpoint of a BE with a child /var: the child's part is read through its own .zfs.
    @Test func longestPrefixWinsAndWritesAreRefused() throws {
        let base = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent-kbe-diff-test"))
        try base.write(Data("root\n".utf8), to: "/.zfs/snapshot/cp/etc/hostname")
        try base.write(Data("var\n".utf8), to: "/var/.zfs/snapshot/cp/lib/dpkg/status")
        let side = SideFileSystem(base: base, map: [("/", "/.zfs/snapshot/cp"), ("/var", "/var/.zfs/snapshot/cp")])
        #expect(side.real("/var/lib/dpkg/status") == "/var/.zfs/snapshot/cp/lib/dpkg/status")
        #expect(side.real("/variable") == "/.zfs/snapshot/cp/variable")
        #expect(side.textIfPresent("/var/lib/dpkg/status") == "var\n")
        #expect(side.textIfPresent("/etc/hostname") == "root\n")
        #expect(throws: FileSystemError.self) { try side.write(Data(), to: "/etc/x") }
    }
}
