import Foundation
import Testing
@testable import KldloadCore

/// Real OpenZFS 2.1 output captured in a VM (branch `vm`, `Tests/e2e/scripts/capture-*.sh`):
/// every capture listed in the PROVENANCE.md tables under `Fixtures/zfs-2.1/` is fed to the
/// parser for the command that produced it, with the column list taken from the recorded argv.
@Suite struct ZFSCaptureTests {
    struct Capture {
        var folder: String
        var name: String
        var status: Int
        var argv: [String]
        var stdoutPath: String
    }

    /// Per-state PROVENANCE.md files written by `Tests/e2e/capture-zfs`; each lists every
    /// capture as `| name | exit | time (UTC) | `argv` |`.
    static let captureIndexes: [String] = FixtureLoader.files(under: "zfs-2.1", suffix: "PROVENANCE.md")
    static let haveCaptures = !captures().isEmpty

    static func captures() -> [Capture] {
        var out: [Capture] = []
        for index in captureIndexes {
            guard let text = FixtureLoader.text(index) else { continue }
            let dir = (index as NSString).deletingLastPathComponent
            for line in text.split(separator: "\n") where line.hasPrefix("| ") && line.hasSuffix("` |") {
                // | name | exit | time | `argv` |   (pipes inside argv escaped as \|)
                let body = line.dropFirst(2).dropLast(2)
                let parts = body.components(separatedBy: " | ")
                guard parts.count >= 4, let rc = Int(parts[1]) else { continue }
                var argvText = parts[3...].joined(separator: " | ")
                guard argvText.hasPrefix("`"), argvText.hasSuffix("`") else { continue }
                argvText = String(argvText.dropFirst().dropLast()).replacingOccurrences(of: "\\|", with: "|")
                out.append(Capture(folder: (dir as NSString).lastPathComponent, name: parts[0], status: rc,
                                   argv: splitArgv(argvText), stdoutPath: "\(dir)/\(parts[0]).stdout"))
            }
        }
        return out
    }

    static func splitArgv(_ s: String) -> [String] {
        var words: [String] = []
        var cur = ""
        var inQuote = false
        var have = false
        for c in s {
            if inQuote {
                if c == "'" { inQuote = false } else { cur.append(c) }
            } else if c == "'" {
                inQuote = true
                have = true
            } else if c == " " {
                if have { words.append(cur) }
                cur = ""
                have = false
            } else {
                cur.append(c)
                have = true
            }
        }
        if have { words.append(cur) }
        return words
    }

    static func option(_ flag: String, in argv: [String]) -> [String]? {
        guard let i = argv.firstIndex(of: flag), i + 1 < argv.count else { return nil }
        return argv[i + 1].split(separator: ",").map(String.init)
    }

    static let zfsListDefault = ["name", "used", "available", "referenced", "mountpoint"]

    @Test func argvSplittingMatchesCaptureLib() {
        #expect(Self.splitArgv("zfs list -Hp -o name,used rpool/ROOT") == ["zfs", "list", "-Hp", "-o", "name,used", "rpool/ROOT"])
        #expect(Self.splitArgv("find /lib/modules -name 'zfs.ko*' -o ''") == ["find", "/lib/modules", "-name", "zfs.ko*", "-o", ""])
        #expect(Self.option("-o", in: ["zpool", "list", "-Hp", "-o", "name,size"]) == ["name", "size"])
    }

    @Test(.enabled(if: haveCaptures, "no Fixtures/zfs-2.1 captures merged yet"))
    func everyCaptureParsesWithItsOwnArgv() throws {
        var checked = 0
        for c in Self.captures() where c.status == 0 {
            guard let text = FixtureLoader.text(c.stdoutPath) else { continue }
            let a = c.argv
            guard a.count >= 2 else { continue }
            switch (a[0], a[1]) {
            case ("zpool", "status"):
                let r = try ZpoolStatusParser.parse(text)
                #expect(!r.pools.isEmpty || r.message != nil, "\(c.stdoutPath)")
                for p in r.pools { #expect(p.root != nil, "\(c.stdoutPath): \(p.name) has no config") }
            case ("zpool", "list") where a.contains("-Hp") && !a.contains("-v"):
                let cols = Self.option("-o", in: a) ?? ZpoolListParser.defaultColumns
                let pools = try ZpoolListParser.parse(text, columns: cols)
                #expect(!pools.isEmpty, "\(c.stdoutPath)")
                #expect(pools.allSatisfy { $0.health != nil || !cols.contains("health") })
            case ("zpool", "get") where a.contains("-Hp"):
                let props = try ZpoolGetParser.parse(text, fields: Self.option("-o", in: a) ?? ZFSGetParser.defaultFields)
                #expect(!props.isEmpty, "\(c.stdoutPath)")
            case ("zfs", "list") where a.contains("-Hp"):
                let cols = Self.option("-o", in: a) ?? Self.zfsListDefault
                let rows = try ZFSListParser.parse(text, columns: cols)
                #expect(rows.allSatisfy { !$0.name.isEmpty }, "\(c.stdoutPath)")
            case ("zfs", "get") where a.contains("-Hp"):
                let props = try ZFSGetParser.parse(text, fields: Self.option("-o", in: a) ?? ZFSGetParser.defaultFields)
                #expect(!props.isEmpty, "\(c.stdoutPath)")
            default:
                continue
            }
            checked += 1
        }
        #expect(checked >= 10, "expected at least 10 parseable captures, checked \(checked)")
    }
}

/// Golden values from the real OpenZFS 2.1 captures (stable facts only: names, states,
/// kinds, descriptions; sizes and times differ between capture runs).
enum ZFS21Captures {
    /// `zfs-2.1/openzfs-<version>-debian12`
    static let base: String? = FixtureLoader.files(under: "zfs-2.1", suffix: "zpool-status.stdout")
        .first { $0.hasSuffix("/healthy/zpool-status.stdout") }
        .map { (($0 as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent }
}

@Suite(.enabled(if: ZFS21Captures.base != nil, "no Fixtures/zfs-2.1 captures merged yet"))
struct ZFS21GoldenTests {
    static var base: String? { ZFS21Captures.base }

    func text(_ rel: String) throws -> String {
        let base = try #require(Self.base)
        return try #require(FixtureLoader.text("\(base)/\(rel).stdout"), "missing \(rel).stdout")
    }

    func pool(_ rel: String, _ name: String = "rpool") throws -> PoolStatus {
        try #require(try ZpoolStatusParser.parse(try text(rel)).pool(named: name), "\(rel): no pool \(name)")
    }

    static let beColumns = ["name", "type", "used", "usedbysnapshots", "referenced", "available", "mountpoint",
                            "canmount", "mounted", "origin", "clones", "creation", "org.kldload:description"]

    @Test func healthyMirror() throws {
        let p = try pool("healthy/zpool-status")
        #expect(p.state == .online)
        #expect(p.isHealthy)
        #expect(p.scans.isEmpty)  // 2.0+: no scan line before the first scrub
        #expect(p.root?.children.map(\.kind) == [.mirror])
        #expect(p.root?.leaves.map(\.name) == ["virtio-pool0", "virtio-pool1"])
        #expect(p.errors == PoolDataErrors.none)
        let withPaths = try pool("healthy/zpool-status-P")
        #expect(withPaths.root?.leaves.allSatisfy { $0.name.hasPrefix("/dev/disk/by-id/virtio-pool") } == true)
        #expect(try ZpoolStatusParser.parse(try text("healthy/zpool-status-x")).message == .allPoolsHealthy)
        #expect(try ZpoolStatusParser.parse(try text("healthy/zpool-status-x-rpool")).message == .poolHealthy("rpool"))
    }

    @Test func degradedAndUnavail() throws {
        let p = try pool("degraded/zpool-status")
        #expect(p.state == .degraded)
        #expect(p.root?.leaves.map(\.state) == [.online, .offline])
        #expect(p.status?.hasPrefix("One or more devices has been taken offline") == true)
        #expect(!p.isHealthy)
        let x = try ZpoolStatusParser.parse(try text("degraded/zpool-status-x"))
        #expect(x.pools.map(\.name) == ["rpool"])
        let tank = try pool("unavail/zpool-status", "tank")
        #expect(tank.state == .degraded)
        let missing = try #require(tank.root?.leaves.last)
        #expect(missing.state == .unavail)
        #expect(missing.annotation?.hasPrefix("was /dev/disk/by-id/virtio-tank1") == true)
        #expect(tank.see == "https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-4J")
    }

    @Test func scrubLifecycle() throws {
        let running = try #require(try pool("scrub/zpool-status-in-progress").scan)
        #expect(running.kind == .scrub && running.state == .inProgress)
        #expect(running.scanned != nil && running.issued != nil && running.total != nil)
        #expect(running.percentDone != nil)
        let paused = try #require(try pool("scrub/zpool-status-paused").scan)
        #expect(paused.state == .paused)
        #expect(paused.pausedText != nil && paused.startedText != nil)
        #expect(paused.scanRate == nil && paused.issueRate == nil)
        #expect(try pool("scrub/zpool-status-canceled").scan?.state == .canceled)
        let done = try #require(try pool("scrub/zpool-status-finished").scan)
        #expect(done.state == .finished && done.errors == 0 && done.duration != nil)
        #expect(done.endedText.flatMap { ZFSDate.parseCTime($0, timeZone: TimeZone(identifier: "UTC")!) } != nil)
    }

    @Test func severalPools() throws {
        let r = try ZpoolStatusParser.parse(try text("multipool/zpool-status"))
        #expect(Set(r.pools.map(\.name)) == ["rpool", "tank", "solo"])
        #expect(r.pool(named: "solo")?.root?.children.map(\.name) == ["virtio-solo0"])
        let list = try ZpoolListParser.parse(try text("multipool/zpool-list-Hp"))
        #expect(Set(list.map(\.name)) == ["rpool", "tank", "solo"])
        #expect(list.allSatisfy { ($0.size ?? 0) > 0 && $0.health == .online && $0.dedupRatio == 1.0 })
        let custom = try ZpoolListParser.parse(try text("multipool/zpool-list-Hp-o"),
                                               columns: ["name", "size", "allocated", "free", "health", "altroot"])
        #expect(custom.allSatisfy { ($0.allocated ?? 0) + ($0.free ?? 0) <= ($0.size ?? 0) && $0.altroot == nil })
    }

    @Test func bootEnvironments() throws {
        let rows = try ZFSListParser.parse(try text("bes/zfs-list-Hp-be"), columns: Self.beColumns)
        let byName = Dictionary(rows.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let test = try #require(byName["rpool/ROOT/test"])
        #expect(test.type == .filesystem)
        #expect(test.origin == "rpool/ROOT/default@pre-upgrade-20261122-101500")
        #expect(test.canmount == "noauto")
        #expect(test.userProperty("org.kldload:description") == "test BE: clone of pre-upgrade")
        let snap = try #require(byName["rpool/ROOT/default@pre-upgrade-20261122-101500"])
        #expect(snap.type == .snapshot)
        #expect(snap["clones"] == "rpool/ROOT/test")
        #expect(snap.userProperty("org.kldload:description") == "before nginx rewrite")
        #expect(snap.available == nil && snap.creation != nil)
        #expect(byName["rpool/ROOT"]?.mountpoint == "none")
        let props = try ZFSGetParser.parse(try text("bes/zfs-get-Hp-description"))
        #expect(props.first { $0.target == "rpool/ROOT/test@t1" }?.source == .inherited(from: "rpool/ROOT/test"))
        #expect(props.first { $0.target == "rpool/ROOT" }?.value == nil)
        let pg = try ZpoolGetParser.parse(try text("bes/zpool-get-Hp-bootfs"))
        #expect(ZpoolGetParser.value("bootfs", pool: "rpool", in: pg) == "rpool/ROOT/default")
        let snaps = try ZFSListParser.parseSnapshots(try text("bes/zfs-list-Hp-snapshots-all"),
                                                     columns: ["name", "used", "referenced", "creation"])
        #expect(snaps.contains { $0.fullName == "rpool/ROOT/default@before-nginx-rewrite" })
        #expect(snaps.allSatisfy { $0.creation != nil })
    }
}
