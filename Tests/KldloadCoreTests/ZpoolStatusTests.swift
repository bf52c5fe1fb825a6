import Foundation
import Testing
@testable import KldloadCore

@Suite struct ZpoolStatusGoldenTests {
    static let dir = "zpool-status/github-issues/"

    func parse(_ name: String) throws -> PoolStatus {
        let text = try #require(FixtureLoader.text(Self.dir + name), "fixture \(name) missing")
        let report = try ZpoolStatusParser.parse(text)
        #expect(report.pools.count == 1)
        return try #require(report.pools.first)
    }

    @Test func everyZpoolStatusFixtureParses() throws {
        let files = FixtureLoader.files(under: "zpool-status")
        #expect(files.count >= 14)
        for f in files {
            let text = try #require(FixtureLoader.text(f))
            let report = try ZpoolStatusParser.parse(text)
            #expect(!report.pools.isEmpty, "\(f)")
            for p in report.pools {
                #expect(p.root != nil, "\(f): no config tree")
                #expect(p.root?.name == p.name, "\(f): pool line is not the pool")
            }
        }
    }

    @Test func oldResilverWithLogsAndCache() throws {
        let p = try parse("zol-0.6-issue3267-resilver-logs-cache.txt")
        #expect(p.name == "tank")
        #expect(p.state == .online)
        #expect(p.status?.hasPrefix("One or more devices is currently being resilvered.") == true)
        #expect(p.status?.hasSuffix("possibly in a degraded state.") == true)
        #expect(p.action == "Wait for the resilver to complete.")
        let scan = try #require(p.scan)
        #expect(scan.kind == .resilver)
        #expect(scan.state == .inProgress)
        #expect(scan.startedText == "Wed Apr  8 23:23:38 2015")
        #expect(scan.scanned?.raw == "1.35G")
        #expect(scan.total?.raw == "347G")
        #expect(scan.scanRate?.raw == "126M")
        #expect(scan.timeToGo == "0h46m")
        #expect(scan.processed?.value == 0)
        #expect(scan.percentDone == 0.39)
        #expect(p.isResilvering)
        #expect(p.root?.children.count == 1)
        #expect(p.root?.children.first?.kind == .mirror)
        #expect(p.root?.children.first?.children.map(\.name) == ["sdc", "sdd"])
        #expect(p.groups.map(\.group) == [.logs, .cache])
        #expect(p.vdevs(in: .logs).first?.children.map(\.name) == ["sda3", "sdb3"])
        #expect(p.vdevs(in: .cache).map(\.name) == ["sda4", "sdb4"])
        #expect(p.errors == PoolDataErrors.none)
    }

    @Test func finishedScrubWithSpaceMangledTabs() throws {
        let p = try parse("zol-0.6-issue1079-scrub-repaired-spaces.txt")
        let scan = try #require(p.scan)
        #expect(scan.kind == .scrub)
        #expect(scan.state == .finished)
        #expect(scan.processed?.value == 0)
        #expect(scan.duration == "1h18m")
        #expect(scan.errors == 0)
        #expect(scan.endedText == "Tue Nov  6 22:47:38 2012")
        let raidz = try #require(p.root?.children.first)
        #expect(raidz.kind == .raidz(parity: 2))
        #expect(raidz.children.count == 4)
        #expect(raidz.children.allSatisfy { $0.kind == .disk && $0.state == .online })
        #expect(p.isHealthy)
    }

    @Test func spareInUse() throws {
        let p = try parse("zol-0.6.5.9-issue7577-spare-inuse.txt")
        #expect(p.scan?.kind == .resilver)
        #expect(p.scan?.state == .finished)
        #expect(p.scan?.processed?.raw == "1.30T")
        #expect(p.root?.children.first?.children.count == 6)
        let spare = try #require(p.vdevs(in: .spares).first)
        #expect(spare.name == "sdd")
        #expect(spare.state == .inUse)
        #expect(spare.readErrors == nil)
        #expect(spare.annotation == "currently in use")
    }

    @Test func unavailPoolWithFaultedDisk() throws {
        let p = try parse("zol-0.7-pr5907-unavail-scrub-in-progress.txt")
        #expect(p.state == .unavail)
        #expect(p.see == "http://zfsonlinux.org/msg/ZFS-8000-HC")
        #expect(p.root?.annotation == "insufficient replicas")
        let sdd = try #require(p.root?.children.last)
        #expect(sdd.state == .faulted)
        #expect(sdd.readErrors?.value == 6)
        #expect(sdd.annotation == "too many errors")
        #expect(p.scan?.state == .inProgress)
        #expect(p.scan?.kind == .scrub)
        #expect(p.scan?.percentDone == 75.44)
        #expect(p.errors == .other("List of errors unavailable: pool I/O is currently suspended"))
        #expect(!p.isHealthy)
    }

    @Test func noneRequestedAndTwoErrorLines() throws {
        let p = try parse("zfs-0.8.1-pr9348-unavail-suspended.txt")
        #expect(p.scan?.state == .noneRequested)
        #expect(p.scan?.kind == nil)
        #expect(p.root?.children.map(\.state) == [.unavail])
        #expect(p.errors == .count(5))
    }

    @Test func scrubCanceled() throws {
        let p = try parse("zfs-0.8-rc-issue7720-scrub-canceled.txt")
        #expect(p.scan?.kind == .scrub)
        #expect(p.scan?.state == .canceled)
        #expect(p.scan?.endedText == "Mon Jul 16 16:30:35 2018")
        #expect(p.root?.children.map(\.name) == ["ata-ST2000LX001-1RG174_WDZ82LHK"])
    }

    @Test func checksumCountersAndDataErrorCount() throws {
        let p = try parse("zol-0.6-issue3049-io-failures-data-errors.txt")
        #expect(p.state == .online)
        #expect(p.root?.checksumErrors?.value == 1)
        #expect(p.root?.children.first?.checksumErrors?.value == 6)
        #expect(p.root?.children.first?.children.count == 6)
        #expect(p.errors == .count(1))
        #expect(!p.isHealthy)
    }

    @Test func openZFS22DataErrors() throws {
        let p = try parse("zfs-2.2.2-issue15742-data-errors-x.txt")
        #expect(p.scan?.duration == "07:23:22")
        #expect(p.scan?.endedText == "Mon Jan  1 07:37:58 2024")
        #expect(p.see == "https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-8A")
        #expect(p.root?.children.map(\.kind) == [.mirror, .mirror])
        #expect(p.root.map { $0.leaves.count } == 4)
        #expect(p.errors == .count(31))
    }

    @Test func removedDiskAndNoScanLine() throws {
        let p = try parse("zfs-alpine3.18-libzetta-pr264-removed.txt")
        #expect(p.state == .degraded)
        #expect(p.scans.isEmpty)
        #expect(p.scan == nil)
        let leaves = p.root?.leaves ?? []
        #expect(leaves.map(\.state) == [.removed, .online])
        #expect(p.action?.contains("'zpool replace'.") == true)
    }

    @Test func offlineLogDevice() throws {
        let p = try parse("illumos-smartos-issue249-log-offline.txt")
        #expect(p.state == .degraded)
        #expect(p.root?.children.first?.children.count == 3)
        #expect(p.vdevs(in: .logs).map(\.state) == [.offline])
        #expect(p.vdevs(in: .logs).first?.name == "c1t2d0s4")
    }

    @Test func openZFS08ScanFigures() throws {
        let p = try parse("zfs-0.8.0-issue8891-scrub-no-estimate.txt")
        let s = try #require(p.scan)
        #expect(s.state == .inProgress)
        #expect(s.scanned?.raw == "212G")
        #expect(s.scanRate?.raw == "325M")
        #expect(s.issued?.raw == "245T")
        #expect(s.issueRate?.raw == "375G")
        #expect(s.total?.raw == "212G")
        #expect(s.processed?.raw == "0B")
        #expect(s.percentDone == 118068.85)
        #expect(s.timeToGo == nil)
        #expect(p.isScrubbing)
        #expect(!p.isResilvering)
    }

    @Test func legacyFourSpaceIndentWithCache() throws {
        let p = try parse("zol-0.6-issue1391-legacy-cache-spaces.txt")
        #expect(p.status?.contains("legacy on-disk format") == true)
        #expect(p.scan?.processed?.raw == "34K")
        #expect(p.scan?.processed?.value == 34 * 1024)
        #expect(p.root?.children.first?.children.count == 2)
        #expect(p.vdevs(in: .cache).map(\.name) == ["VolGroup00-l2arc"])
    }

    @Test func mirroredLogs() throws {
        let p = try parse("zol-0.7-issue7118-logs-mirror.txt")
        #expect(p.root?.children.map(\.name) == ["mirror-0", "mirror-1"])
        #expect(p.vdevs(in: .logs).map(\.name) == ["mirror-2"])
        #expect(p.vdevs(in: .logs).first?.children.map(\.name) == ["sdg", "sdf"])
        #expect(p.scan?.kind == .resilver)
        #expect(p.scan?.duration == "0h0m")
        #expect(p.isHealthy)
    }

    @Test func resilveringAnnotationWithChecksumErrors() throws {
        let p = try parse("zol-0.6-issue1490-resilvering-cksum.txt")
        let leaf = try #require(p.root?.children.last?.children.last)
        #expect(leaf.name == "scsi-SATA_ST2000DL003-9VT_5YD6JQ0G")
        #expect(leaf.checksumErrors?.value == 12)
        #expect(leaf.isResilvering)
        #expect(p.isResilvering)
        #expect(p.scan?.timeToGo == "300h54m")
    }
}

/// Scan sentences of versions with no complete public sample in Fixtures/, checked one
/// section at a time. Each line is quoted from the thread named beside it.
@Suite struct ZpoolScanSentenceTests {
    @Test func openZFS23InProgressAndPaused() {
        // https://github.com/openzfs/zfs/issues/17440 (OpenZFS 2.3.1), lines without the
        // author's "# " comment prefix.
        let running = ScanParser.parse([
            "scrub in progress since Sun Jun  8 12:43:45 2025",
            "4.75T / 12.8T scanned at 327M/s, 3.06T / 12.8T issued at 211M/s",
            "0B repaired, 23.87% done, 13:28:54 to go",
        ])
        #expect(running.kind == .scrub)
        #expect(running.state == .inProgress)
        #expect(running.scanned?.raw == "4.75T")
        #expect(running.total?.raw == "12.8T")
        #expect(running.scanRate?.raw == "327M")
        #expect(running.issued?.raw == "3.06T")
        #expect(running.issueRate?.raw == "211M")
        #expect(running.percentDone == 23.87)
        #expect(running.timeToGo == "13:28:54")

        let paused = ScanParser.parse([
            "scrub paused since Sun Jun  8 17:00:20 2025",
            "scrub started on Sun Jun  8 12:43:45 2025",
            "0B / 12.8T scanned, 0B / 12.8T issued",
            "0B repaired, 0.00% done",
        ])
        #expect(paused.state == .paused)
        #expect(paused.pausedText == "Sun Jun  8 17:00:20 2025")
        #expect(paused.startedText == "Sun Jun  8 12:43:45 2025")
        #expect(paused.scanRate == nil)
        #expect(paused.issued?.value == 0)
        #expect(paused.percentDone == 0)
        #expect(paused.isRunning)
    }

    @Test func sequentialResilverOfDraid() {
        // https://github.com/rouben/zfswatcher/issues/24 (zfs-2.1.5-1ubuntu6~22.04.1): two
        // scan: lines, the second a rebuild ("issued 1.95G/s" without "at").
        let text = """
          pool: aggr0
         state: DEGRADED
          scan: scrub repaired 0B in 2 days 10:05:20 with 0 errors on Tue Jul 11 10:29:22 2023
          scan: resilver (draid3:19d:24c:2s-0) in progress since Mon Jul 24 19:40:55 2023
        \t334T scanned at 2.13G/s, 306T issued 1.95G/s, 359T total
        \t13.9T resilvered, 92.97% done, 03:22:35 to go
        config:

        \tNAME                   STATE     READ WRITE CKSUM
        \taggr0                  DEGRADED     0     0     0
        \t  draid3:19d:24c:2s-0  DEGRADED     0     0     0
        \t    0a-0               ONLINE       0     0     0  (resilvering)
        """
        let p = try? ZpoolStatusParser.parse(text).pools.first
        #expect(p?.scans.count == 2)
        #expect(p?.scans.first?.duration == "2 days 10:05:20")
        let r = p?.scan
        #expect(r?.kind == .sequentialResilver(vdev: "draid3:19d:24c:2s-0"))
        #expect(r?.state == .inProgress)
        #expect(r?.issueRate?.raw == "1.95G")
        #expect(r?.total?.raw == "359T")
        #expect(r?.processed?.raw == "13.9T")
        #expect(p?.root?.children.first?.kind == .draid(parity: 3, layout: "19d:24c:2s"))
        #expect(p?.isResilvering == true)
    }

    @Test func openZFS22DraidResilverFigures() {
        // https://github.com/openzfs/zfs/issues/16979 (OpenZFS 2.2.4)
        let s = ScanParser.parse([
            "resilver in progress since Tue Jan 21 06:44:45 2025",
            "1.38P / 1.38P scanned, 144T / 177T issued at 1.29G/s",
            "43.4T resilvered, 81.21% done, 07:21:15 to go",
        ])
        #expect(s.kind == .resilver)
        #expect(s.scanned?.raw == "1.38P")
        #expect(s.scanRate == nil)
        #expect(s.issued?.raw == "144T")
        #expect(s.total?.raw == "177T")
        #expect(s.processed?.raw == "43.4T")
    }

    @Test func decimalCommaLocale() {
        // Lines published in a shell test stub of a monitoring plugin (non-C locale; found
        // through the code search index, repository not named there):
        // "9,12T scanned out of 9,48T at 1,90M/s, 55h33m to go" / "0 repaired, 96,19% done".
        let s = ScanParser.parse([
            "scrub in progress since Thu Aug 17 10:25:48 2017",
            "9,12T scanned out of 9,48T at 1,90M/s, 55h33m to go",
            "0 repaired, 96,19% done",
        ])
        #expect(s.percentDone == 96.19)
        #expect(s.scanned?.raw == "9,12T")
        #expect((s.scanned?.value ?? 0) > 9 * (1 << 40))
        #expect(s.timeToGo == "55h33m")
    }

    @Test func ctimeDates() {
        let utc = TimeZone(identifier: "UTC")!
        let d = ZFSDate.parseCTime("Mon Jan  1 07:37:58 2024", timeZone: utc)
        #expect(d == Date(timeIntervalSince1970: 1_704_094_678))
        #expect(ZFSDate.parseCTime("Mon Foo  1 07:37:58 2024") == nil)
        #expect(ZFSDate.parseCTime("") == nil)
    }
}

@Suite struct ZpoolStatusShapeTests {
    @Test func healthyMessages() throws {
        // The sentences zpool prints (zpool_main.c, zpool_do_status).
        #expect(try ZpoolStatusParser.parse("all pools are healthy\n").message == .allPoolsHealthy)
        #expect(try ZpoolStatusParser.parse("no pools available\n").message == .noPoolsAvailable)
        #expect(try ZpoolStatusParser.parse("pool 'rpool' is healthy\n").message == .poolHealthy("rpool"))
        #expect(try ZpoolStatusParser.parse("").pools.isEmpty)
    }

    @Test func multiplePoolsFromFixturesConcatenated() throws {
        let a = try #require(FixtureLoader.text(ZpoolStatusGoldenTests.dir + "zol-0.7-issue7118-logs-mirror.txt"))
        let b = try #require(FixtureLoader.text(ZpoolStatusGoldenTests.dir + "zfs-2.2.2-issue15742-data-errors-x.txt"))
        // zpool prints one blank line between pools.
        let report = try ZpoolStatusParser.parse(a + "\n" + b)
        #expect(report.pools.map(\.name) == ["Pool-0", "zstore"])
        #expect(report.pool(named: "zstore")?.errors == .count(31))
    }

    @Test func garbageIsATypedErrorNamingTheLine() {
        do {
            _ = try ZpoolStatusParser.parse("cannot open 'tank': no such pool\n")
            Issue.record("expected a ParseError")
        } catch {
            #expect(error.line == 1)
            #expect(error.text.contains("no such pool"))
        }
    }

    @Test func specialGroupFromAPartialPublicSample() throws {
        // https://github.com/Checkmk/checkmk/pull/475 (phreaker0, 2022-06-01): the published
        // text as stored ends inside the special group; TABs appear as 8 spaces and the
        // group header keeps a trailing space.
        let text = "  pool: storage\n state: ONLINE\nstatus: One or more devices has experienced an unrecoverable error.  An\n        attempt was made to correct the error.  Applications are unaffected.\naction: Determine if the device needs to be replaced, and clear the errors\n        using 'zpool clear' or replace the device with 'zpool replace'.\n   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P\n  scan: scrub repaired 0B in 00:54:14 with 0 errors on Mon May 30 22:52:10 2022\nconfig:\n\n        NAME                                                   STATE     READ WRITE CKSUM\n        storage                                                ONLINE       0     0     0\n          mirror-0                                             ONLINE       0     0     0\n            ata-ST2000VM003-1CT164_W1H3SR9H                    ONLINE       0     0     0\n            ata-TOSHIBA_DT01ACA200_94RRPEVAS                   ONLINE       0     0     0\n        special \n          mirror-2                                             ONLINE       0     0     0\n            ata-Samsung_SSD_860_QVO_1TB_S4CZNF0N459001M-part3  ONLINE       0     5     0\n            ata-Samsung_SSD_860_QVO_1TB_S4CZNF0N458919M-part3  ONLINE       0     0     0"
        let p = try #require(try ZpoolStatusParser.parse(text).pools.first)
        #expect(p.groups.map(\.group) == [.special])
        let special = try #require(p.vdevs(in: .special).first)
        #expect(special.kind == .mirror)
        #expect(special.children.first?.writeErrors?.value == 5)
        #expect(p.errors == nil)
        #expect(!p.isHealthy)
        #expect(p.scan?.duration == "00:54:14")
    }

    @Test func slowAndPowerColumns() throws {
        // Header and row layout of `zpool status -s --power` per print_status_config().
        let text = "  pool: t\n state: ONLINE\nconfig:\n\n\tNAME        STATE     READ WRITE CKSUM  SLOW  POWER\n\tt           ONLINE       0     0     0     -\n\t  sda       ONLINE       0     0     0     3  on  (trim unsupported)\n"
        let p = try #require(try ZpoolStatusParser.parse(text).pools.first)
        let sda = try #require(p.root?.children.first)
        #expect(sda.slowIOs?.value == 3)
        #expect(sda.annotation == "(trim unsupported)")
        #expect(p.root?.slowIOs == nil)
        #expect(p.root?.annotation == nil)
    }

    @Test func permanentErrorList() throws {
        // print_error_log(): the sentence, a blank line, then "%7s %s\n" per entry. Entries
        // as in https://github.com/openzfs/zfs/issues/9705 (`<metadata>:<0x0>`).
        let text = "  pool: t\n state: ONLINE\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\tt ONLINE 0 0 0\n\nerrors: Permanent errors have been detected in the following files:\n\n        <metadata>:<0x0>\n        /t/dir/file with spaces\n"
        let p = try #require(try ZpoolStatusParser.parse(text).pools.first)
        #expect(p.errors == .files(["<metadata>:<0x0>", "/t/dir/file with spaces"]))
        #expect(p.errors?.hasErrors == true)
        #expect(!p.isHealthy)
    }

    @Test func colorCodesAreIgnored() throws {
        // printf_color() output when ZFS_COLOR is set: bold labels, coloured states.
        let text = "  \u{1B}[1mpool:\u{1B}[0m tank\n \u{1B}[1mstate: \u{1B}[0m\u{1B}[0;32mONLINE\u{1B}[0m\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\ttank \u{1B}[0;32mONLINE\u{1B}[0m 0 0 0\n"
        let p = try #require(try ZpoolStatusParser.parse(text).pools.first)
        #expect(p.name == "tank")
        #expect(p.state == .online)
        #expect(p.root?.state == .online)
    }

    @Test func vdevLineWithoutStateIsRejected() {
        let text = "  pool: t\n state: ONLINE\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\tt ONLINE 0 0 0\n\t  sda banana 0 0 0\n"
        #expect(throws: ParseError.self) { try ZpoolStatusParser.parse(text) }
    }

    @Test func counterAbbreviations() {
        #expect(NiceNumber.parse("1.2K")?.value == 1228)
        #expect(NiceNumber.parse("3M")?.value == 3 * 1024 * 1024)
        #expect(NiceNumber.parse("0")?.isExact == true)
        #expect(NiceNumber.parse("512B")?.value == 512)
        #expect(NiceNumber.parse("99999999999999999999999")?.value == UInt64.max)
        #expect(NiceNumber.parse("16E")?.value == UInt64.max)
        #expect(NiceNumber.parse("-") == nil)
        #expect(NiceNumber.parse("K") == nil)
        #expect(NiceNumber.parse("1.2.3") == nil)
    }

    @Test func vdevKinds() {
        #expect(VDevKind.classify("mirror-12") == .mirror)
        #expect(VDevKind.classify("raidz1-0") == .raidz(parity: 1))
        #expect(VDevKind.classify("raidz3-2") == .raidz(parity: 3))
        #expect(VDevKind.classify("draid2:8d:42c:2s-0") == .draid(parity: 2, layout: "8d:42c:2s"))
        #expect(VDevKind.classify("draid2-0-1") == .draidSpare)
        #expect(VDevKind.classify("replacing-3") == .replacing)
        #expect(VDevKind.classify("spare-0") == .spare)
        #expect(VDevKind.classify("/root/test/files/file1") == .file)
        #expect(VDevKind.classify("/dev/disk/by-id/ata-X") == .disk)
        #expect(VDevKind.classify("mirror-banana") == .disk)
    }

    @Test func jsonRoundTrip() throws {
        let text = try #require(FixtureLoader.text(ZpoolStatusGoldenTests.dir + "zol-0.6-issue3267-resilver-logs-cache.txt"))
        let report = try ZpoolStatusParser.parse(text)
        let data = try JSONEncoder().encode(report)
        let back = try JSONDecoder().decode(ZpoolStatusReport.self, from: data)
        #expect(back == report)
    }
}
