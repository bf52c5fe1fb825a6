import Foundation
import Testing
@testable import KldloadCore

/// Real OpenZFS 2.3.9 output from the Debian 13 ZFS-root guest (Fixtures/zfs-2.3, written by
/// `E2E_DISTRO=trixie Tests/e2e/capture-zfs`). Each `*-j*` file is the `-j --json-int` output of
/// the state whose text was captured just before it with the same arguments.
@Suite struct ZFS23CaptureTests {
    static let dir = "zfs-2.3/openzfs-2.3.9-debian13/"

    /// What both `zpool status` and `zpool status -j` carry, for comparing the two.
    struct PoolView: Equatable, CustomStringConvertible {
        var name: String
        var state: PoolState
        var tree: [String]
        var groups: [String]
        var errors: PoolDataErrors?
        var scan: String?
        var status: String?
        var action: String?

        init(_ p: PoolStatus, compareScan: Bool) {
            name = p.name
            state = p.state
            func lines(_ v: VDev, _ depth: Int) -> [String] {
                let counters = [v.readErrors, v.writeErrors, v.checksumErrors].map { $0.map { String($0.value) } ?? "-" }
                return ["\(String(repeating: " ", count: depth))\(v.name) \(v.kind) \(v.state) \(counters.joined(separator: "/"))"]
                    + v.children.flatMap { lines($0, depth + 1) }
            }
            tree = p.root.map { lines($0, 0) } ?? []
            groups = p.groups.flatMap { g in ["\(g.group):"] + g.vdevs.flatMap { lines($0, 1) } }
            errors = p.errors
            status = p.status
            action = p.action
            scan = compareScan ? p.scans.map { "\($0.kind.map(String.init(describing:)) ?? "-") \($0.state) \($0.errors.map(String.init) ?? "-")" }.joined(separator: "; ") : nil
        }

        var description: String {
            ([name, "\(state)"] + tree + groups + ["\(String(describing: errors))", scan ?? "", status ?? "-", action ?? "-"]).joined(separator: "\n")
        }
    }

    /// Text file of the same state as a JSON file: the name without its `-j`.
    static func textTwin(of json: String) -> String {
        json.replacingOccurrences(of: "-j-", with: "-").replacingOccurrences(of: "-j.stdout", with: ".stdout")
    }

    @Test func everyTextStatusCaptureParses() throws {
        let files = Fixtures.files(under: Self.dir) { $0.hasPrefix("zpool-status") && !$0.contains("-j") && $0.hasSuffix(".stdout") }
        #expect(files.count >= 20)
        for file in files {
            let r = try ZpoolStatusParser.parse(try Fixtures.text(file))
            for p in r.pools {
                #expect(p.root != nil || p.otherSections["config"] != nil, "\(file)")
                #expect(p.scans.allSatisfy { $0.state != .unknown }, "\(file): \(p.scans.map(\.text))")
            }
        }
    }

    /// The golden equality: for every captured pool state, `zpool status -j --json-int` and the
    /// text give the same pools, states, vdev trees with error counters, groups, data errors and
    /// status/action sentences, and the same scan kind/state/errors where the scan was not running (a running scrub or
    /// resilver can finish between the two commands).
    @Test func jsonAndTextOfTheSameStateGiveEqualValues() throws {
        let files = Fixtures.files(under: Self.dir) { $0.hasPrefix("zpool-status-j") && $0.hasSuffix(".stdout") }
        #expect(files.count >= 15)
        var compared = 0
        for file in files {
            let twin = Self.textTwin(of: file)
            guard Fixtures.exists(twin) else { continue }
            let text = try ZpoolStatusParser.parse(try Fixtures.text(twin))
            let json = try ZFSJSONParser.zpoolStatus(try Fixtures.text(file))
            #expect(text.pools.map(\.name) == json.pools.map(\.name), "\(file)")
            for (t, j) in zip(text.pools, json.pools) {
                let stable = !t.scans.contains(where: \.isRunning) && !j.scans.contains(where: \.isRunning)
                let tv = PoolView(t, compareScan: stable)
                let jv = PoolView(j, compareScan: stable)
                #expect(tv == jv, "\(file): text\n\(tv)\njson\n\(jv)")
            }
            compared += 1
        }
        #expect(compared >= 15)
    }

    /// `zfs list -j` / `zfs get -j` / `zpool get -j` against `-Hp` of the same state.
    @Test func datasetAndPropertyJSONEqualsTheHpText() throws {
        let be = ["name", "type", "used", "usedbysnapshots", "referenced", "available", "mountpoint", "canmount",
                  "mounted", "origin", "clones", "creation", "org.kldload:description"]
        var pairs = 0
        for state in ["healthy", "bes"] {
            for suffix in ["", "-after-rename", "-after-promote"] {
                let j = Self.dir + "\(state)/zfs-list-j-be\(suffix).stdout"
                let t = Self.dir + "\(state)/zfs-list-Hp-be\(suffix).stdout"
                guard Fixtures.exists(j), Fixtures.exists(t) else { continue }
                let a = try ZFSListParser.parse(try Fixtures.text(t), columns: be)
                let b = try ZFSJSONParser.datasets(try Fixtures.text(j), columns: be)
                // The guest was live: `available` may move by a few blocks between the two
                // commands (seen: 12 KiB in bes). Everything else must be equal.
                func withoutAvailable(_ d: Dataset) -> [String] {
                    zip(d.properties.names, d.properties.values).filter { $0.0 != "available" }.map { "\($0.0)=\($0.1)" }
                }
                #expect(a.map(withoutAvailable) == b.map(withoutAvailable), "\(j)")
                for (x, y) in zip(a, b) {
                    let drift = x.available.flatMap { u in y.available.map { u > $0 ? u - $0 : $0 - u } }
                    #expect(drift.map { $0 < 1 << 20 } ?? (x.available == y.available), "\(j) \(x.name)")
                }
                #expect(!a.isEmpty)
                pairs += 1
            }
        }
        for (j, t) in [("healthy/zpool-get-j-bootfs-etc", "healthy/zpool-get-Hp-bootfs-etc"),
                       ("healthy/zpool-get-j-all", "healthy/zpool-get-Hp-all"),
                       ("healthy/zfs-get-j-local-ROOT", "healthy/zfs-get-Hp-local-ROOT"),
                       ("degraded/zpool-get-j-health", "degraded/zpool-get-Hp-health")] {
            let text = try ZFSGetParser.parse(try Fixtures.text(Self.dir + t + ".stdout"))
            let json = try ZFSJSONParser.properties(try Fixtures.text(Self.dir + j + ".stdout"))
            // OpenZFS 2.3.9's --json-int reads property values with sscanf("%lld"): load_guid,
            // a random 64-bit number, came out as INT64_MAX while -Hp printed it exactly.
            let clamped = json.filter { $0.rawValue == String(Int64.max) }
            #expect(clamped.map(\.name).allSatisfy { $0.hasSuffix("guid") }, "\(j)")
            for c in clamped {
                let exact = text.first { $0.target == c.target && $0.name == c.name }
                #expect(exact.flatMap { UInt64($0.rawValue) }.map { $0 > UInt64(Int64.max) } == true, "\(c.name)")
            }
            let clampedNames = Set(clamped.map(\.name))
            #expect(Set(text.filter { !clampedNames.contains($0.name) }) == Set(json.filter { !clampedNames.contains($0.name) }), "\(j)")
            #expect(text.count == json.count, "\(j)")
            #expect(!text.isEmpty)
            pairs += 1
        }
        #expect(pairs >= 6)
    }
}

@Suite struct OpenZFSVersionTests {
    /// `zfs version` and `zfs -V` captured on both generations decide the JSON path.
    @Test func capturedVersionsDecideJSON() throws {
        let old = OpenZFSVersion.parse(try Fixtures.text("zfs-2.1/openzfs-2.1.11-debian12/system/zfs-version.stdout"))
        #expect(old.userland == OpenZFSVersion(major: 2, minor: 1, patch: 11))
        #expect(old.kernelModule == old.userland)
        #expect(old.userland?.hasJSONOutput == false)
        for file in ["zfs-version", "zfs-V"] {
            let new = OpenZFSVersion.parse(try Fixtures.text(ZFS23CaptureTests.dir + "system/\(file).stdout"))
            #expect(new.userland == OpenZFSVersion(major: 2, minor: 3, patch: 9), "\(file)")
            #expect(new.kernelModule == new.userland)
            #expect(new.userland?.hasJSONOutput == true)
        }
    }

    @Test func otherReleaseStrings() {
        #expect(OpenZFSVersion(release: "zfs-0.8.6-1") == OpenZFSVersion(major: 0, minor: 8, patch: 6))
        #expect(OpenZFSVersion(release: "zfs-2.2.99-365_g8f2f6cd2a") == OpenZFSVersion(major: 2, minor: 2, patch: 99))
        #expect(OpenZFSVersion(release: "zfs-kmod-2.4.0-rc1") == OpenZFSVersion(major: 2, minor: 4, patch: 0))
        #expect(OpenZFSVersion(release: "zfs-2") == nil)
        #expect(OpenZFSVersion(release: "bash: zfs: command not found") == nil)
        #expect(OpenZFSVersion.parse("").userland == nil)
    }
}

/// The `zpool status` text formats that came after 2.1, on real 2.3.9 output (boot D).
@Suite struct ZpoolStatus23FormatTests {
    static func pool(_ file: String) throws -> PoolStatus {
        let r = try ZpoolStatusParser.parse(try Fixtures.text(ZFS23CaptureTests.dir + file))
        #expect(r.pools.count == 1)
        return try #require(r.pools.first)
    }

    @Test func raidzExpansionInProgressAndFinished() throws {
        let running = try Self.pool("expand/zpool-status-expanding.stdout")
        let e = try #require(running.expansion)
        #expect(e.state == .inProgress)
        #expect(e.vdev == "raidz1-0")
        #expect(e.startedText == "Sat Dec  5 12:45:09 2026")
        #expect(e.copied?.raw == "4.65M" && e.total?.raw == "385M")
        #expect(e.percentDone == 1.21)
        #expect(e.timeToGo == "00:01:21")
        #expect(!e.pausedForResilver)
        #expect(running.root?.children.first?.kind == .raidz(parity: 1))
        #expect(running.root?.leaves.count == 4)
        #expect(running.root?.leaves.allSatisfy { $0.kind == .file } == true)

        let done = try Self.pool("expand/zpool-status-expanded.stdout")
        let f = try #require(done.expansion)
        #expect(f.state == .finished)
        #expect(f.vdev == "raidz1-0")
        #expect(f.copied?.raw == "372M")
        #expect(f.duration == "00:00:10")
        #expect(f.endedText == "Sat Dec  5 12:45:19 2026")
        #expect(done.scans.map(\.kind) == [.scrub])
        #expect(try Self.pool("expand/zpool-status-before.stdout").expansion == nil)
    }

    @Test func sequentialResilverAndTheScrubAfterIt() throws {
        let running = try Self.pool("rebuild/zpool-status-rebuilding.stdout")
        #expect(running.scans.map(\.kind) == [.sequentialResilver(vdev: "mirror-0")])
        #expect(running.scans.first?.state == .inProgress)
        #expect(running.scans.first?.percentDone == 36.05)
        #expect(running.isResilvering)

        let both = try Self.pool("rebuild/zpool-status-rebuilt-scrubbed.stdout")
        #expect(both.scans.map(\.kind) == [.scrub, .sequentialResilver(vdev: "mirror-0")])
        #expect(both.scans.map(\.state) == [.finished, .finished])
        #expect(both.scans.last?.processed?.raw == "257M")
        #expect(!both.isResilvering)
    }

    @Test func draidWithItsDistributedSpareInUse() throws {
        let p = try Self.pool("draid/zpool-status-rebuilding.stdout")
        #expect(p.state == .degraded)
        let top = try #require(p.root?.children.first)
        #expect(top.kind == .draid(parity: 1, layout: "2d:5c:1s"))
        let spare = try #require(top.children.first { $0.kind == .spare })
        #expect(spare.children.map(\.name) == ["/srv/vdevs/d1", "draid1-0-0"])
        #expect(spare.children.map(\.state) == [.offline, .online])
        #expect(spare.children.last?.kind == .draidSpare)
        let spares = try #require(p.groups.first)
        #expect(spares.group == .spares)
        #expect(spares.vdevs.map(\.state) == [.inUse])
        #expect(spares.vdevs.first?.annotation == "currently in use")
    }
}
