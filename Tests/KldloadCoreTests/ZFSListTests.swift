import Foundation
import Testing
@testable import KldloadCore

@Suite struct ZFSListTests {
    static let zfslibColumns = ["name", "creation", "used", "available", "referenced", "mountpoint", "mounted"]

    func rows() throws -> [Dataset] {
        let text = try #require(FixtureLoader.text("zfs/zfslib-tests/zfs_data_mounts-head30.tsv"))
        return try ZFSListParser.parse(text, columns: Self.zfslibColumns)
    }

    @Test func zfslibSample() throws {
        let rows = try rows()
        #expect(rows.count == 30)
        let boot = rows[1]
        #expect(boot.name == "bpool/BOOT")
        #expect(boot.pool == "bpool")
        #expect(boot.parent == "bpool")
        #expect(boot.type == nil)  // no type column, no sigil
        #expect(boot.creation == Date(timeIntervalSince1970: 1_608_154_061))
        #expect(boot.used == 190_410_752)
        #expect(boot.available == 1_686_265_856)
        #expect(boot.referenced == 98304)
        #expect(boot.mountpoint == "none")
        #expect(boot["mounted"] == "no")
        #expect(rows[0].parent == nil)

        let snap = rows[3]
        #expect(snap.type == .snapshot)
        #expect(snap.available == nil)
        #expect(snap.mountpoint == nil)
        #expect(snap.parent == "bpool/BOOT/ubuntu_n2qr5q")
        let s = try #require(Snapshot(snap))
        #expect(s.dataset == "bpool/BOOT/ubuntu_n2qr5q")
        #expect(s.name == "autozsys_68frge")
        #expect(s.fullName == "bpool/BOOT/ubuntu_n2qr5q@autozsys_68frge")
        #expect(s.creation == Date(timeIntervalSince1970: 1_608_162_058))

        let poolSnap = try #require(rows.first { $0.name == "dpool@test20201228" })
        #expect(poolSnap.parent == "dpool")
        #expect(Snapshot(poolSnap)?.dataset == "dpool")
        #expect(rows.last?.name == "dpool/devz@autosnap_2020-12-20_23:59:01_daily")
        #expect(rows.filter { $0.type == .snapshot }.count == 25)
    }

    @Test func snapshotsOnly() throws {
        let text = try #require(FixtureLoader.text("zfs/zfslib-tests/zfs_data_mounts-head30.tsv"))
        #expect(throws: ParseError.self) { try ZFSListParser.parseSnapshots(text, columns: Self.zfslibColumns) }
        let onlySnaps = text.split(separator: "\n").filter { $0.contains("@") }.joined(separator: "\n")
        let snaps = try ZFSListParser.parseSnapshots(onlySnaps, columns: Self.zfslibColumns)
        #expect(snaps.count == 25)
        #expect(snaps.allSatisfy { !$0.name.isEmpty && !$0.dataset.isEmpty })
    }

    @Test func fieldCountMismatchNamesTheLine() throws {
        let text = try #require(FixtureLoader.text("zfs/zfslib-tests/zfs_data_mounts-head30.tsv"))
        do {
            _ = try ZFSListParser.parse(text, columns: ["name", "used", "available", "referenced", "mountpoint"])
            Issue.record("5 columns for 7 fields must fail")
        } catch {
            #expect(error.line == 1)
            #expect(error.reason.contains("expected 5"))
            #expect(error.reason.contains("found 7"))
        }
        #expect(throws: ParseError.self) { try ZFSListParser.parse(text, columns: ["used"]) }
    }

    @Test func valuesWithSpacesAndUserProperties() throws {
        // zfs list -H separates fields with one TAB; values may hold spaces.
        let text = "rpool/ROOT/debian\tquiet splash ro\t/\ton\t-\n"
        let rows = try ZFSListParser.parse(text, columns: ["name", "org.zfsbootmenu:commandline", "mountpoint", "canmount", "origin"])
        #expect(rows.first?.userProperty("org.zfsbootmenu:commandline") == "quiet splash ro")
        #expect(rows.first?.canmount == "on")
        #expect(rows.first?.origin == nil)
        #expect(rows.first?.userProperties == ["org.zfsbootmenu:commandline": "quiet splash ro"])
    }

    @Test func zfsGetGroupsByDataset() throws {
        let text = "rpool/ROOT/debian\torg.zfsbootmenu:commandline\tquiet splash ro\tlocal\nrpool/ROOT/debian\tcanmount\tnoauto\tlocal\nrpool/ROOT/debian\tmountpoint\t/\tinherited from rpool/ROOT\nrpool/ROOT/old\tcanmount\tnoauto\tlocal\n"
        let props = try ZFSGetParser.parse(text)
        #expect(props[2].source == .inherited(from: "rpool/ROOT"))
        #expect(props[0].isUserProperty)
        let ds = try ZFSGetParser.parseDatasets(text)
        #expect(ds.map(\.name) == ["rpool/ROOT/debian", "rpool/ROOT/old"])
        #expect(ds[0].userProperty("org.zfsbootmenu:commandline") == "quiet splash ro")
        #expect(ds[0].canmount == "noauto")
        // A TAB inside a value is rejoined, never shifted into the source column.
        let tabbed = try ZFSGetParser.parse("p/fs\tcom.x:note\ta\tb\tlocal\n")
        #expect(tabbed.first?.rawValue == "a\tb")
        #expect(tabbed.first?.source == .local)
        #expect(throws: ParseError.self) { try ZFSGetParser.parse("p/fs\tused\n") }
    }

    @Test func tableRowsBehaveLikeOwnedValues() throws {
        let rows = try rows()
        let row = rows[2]
        let owned = Dataset(name: row.name, properties: row.properties)
        #expect(owned == row)
        #expect(owned.hashValue == row.hashValue)
        #expect(Set(rows).count == 30)
        var renamed = row
        renamed.name = "bpool/BOOT/other"
        #expect(renamed.name == "bpool/BOOT/other")
        #expect(renamed.used == row.used)
        #expect(rows[2].name == "bpool/BOOT/ubuntu_n2qr5q")  // the shared table is untouched
        // Aliases work on table rows too.
        #expect(row.number("avail") == row.available)
        #expect(row.rawValue("refer") == "189722624")
        #expect(row.rawValue("nonexistent") == nil)
        let table = try ZFSListParser.parseTable(
            try #require(FixtureLoader.text("zfs/zfslib-tests/zfs_data_mounts-head30.tsv")), columns: Self.zfslibColumns)
        #expect(table.rowCount == 30)
        #expect(table.columns == Self.zfslibColumns)
    }

    @Test func jsonRoundTrip() throws {
        let rows = try rows()
        let data = try JSONEncoder().encode(rows)
        let back = try JSONDecoder().decode([Dataset].self, from: data)
        #expect(back.map(\.name) == rows.map(\.name))
        #expect(back[1].used == rows[1].used)
    }
}

@Suite struct ZFSNameTests {
    @Test func acceptsOrdinaryNames() throws {
        try ZFSName.validateDataset("rpool/ROOT/debian-12")
        try ZFSName.validateDataset("tank/a_b.c:d")
        try ZFSName.validateSnapshot("rpool/ROOT/debian@kupgrade-2026-11-22T03:13")
        try ZFSName.validateSnapshotName("before_upgrade.1")
        try ZFSName.validatePool("rpool")
    }

    @Test func rejectsWithTheRuleBroken() {
        func err(_ validate: (String) throws(ZFSNameError) -> Void, _ name: String) -> ZFSNameError? {
            do {
                try validate(name)
                return nil
            } catch {
                return error
            }
        }
        #expect(err(ZFSName.validateDataset, "") == .empty)
        #expect(err(ZFSName.validateDataset, "/rpool/x") == .leadingSlash)
        #expect(err(ZFSName.validateDataset, "rpool/x/") == .trailingSlash)
        #expect(err(ZFSName.validateDataset, "rpool//x") == .emptyComponent)
        #expect(err(ZFSName.validateDataset, "rpool/../x") == .selfOrParentReference(".."))
        #expect(err(ZFSName.validateDataset, "rpool/./x") == .selfOrParentReference("."))
        #expect(err(ZFSName.validateDataset, "rpool/a@b") == .unexpectedDelimiter("@"))
        #expect(err(ZFSName.validateDataset, "rpool/a%b") == .unexpectedDelimiter("%"))
        #expect(err(ZFSName.validateDataset, "rpool/a b") == .whitespace(offset: 7))
        #expect(err(ZFSName.validateDataset, "rpool/a;b") == .invalidCharacter(";", offset: 7))
        #expect(err(ZFSName.validateDataset, "rpool/$(x)") == .invalidCharacter("$", offset: 6))
        #expect(err(ZFSName.validateDataset, "rpool/é") == .invalidCharacter("é", offset: 6))
        #expect(err(ZFSName.validateDataset, "rpool/-x") == .leadingDash)
        #expect(err(ZFSName.validateDataset, String(repeating: "a", count: 256)) == .tooLong(length: 256, maximum: 255))
        #expect(err(ZFSName.validateSnapshot, "rpool/x") == .emptyComponent)
        #expect(err(ZFSName.validateSnapshot, "rpool/x@a@b") == .unexpectedDelimiter("@"))
        #expect(err(ZFSName.validateSnapshot, "rpool/x@") == .emptyComponent)
        #expect(err(ZFSName.validateSnapshotName, "-rf") == .leadingDash)
        #expect(err(ZFSName.validatePool, "1pool") == .poolNameMustStartWithLetter)
        #expect(err(ZFSName.validatePool, "mirror") == .reservedPoolName("mirror"))
        #expect(err(ZFSName.validatePool, "raidz2x") == .reservedPoolName("raidz2x"))
        #expect(err(ZFSName.validatePool, "c0t0d0") == .diskLikePoolName)
        #expect(err(ZFSName.validatePool, "a/b") == .unexpectedDelimiter("/"))
        #expect(!ZFSName.isValidDataset("rpool/a\nb"))
        #expect(ZFSNameError.leadingDash.description.contains("-"))
    }
}

/// The real OpenZFS 2.3.9 output for a description holding a TAB, a newline or an escape
/// sequence (Fixtures/zfs-2.3/openzfs-2.3.9-debian13/user-property-values).
@Suite struct UserPropertyValueCaptureTests {
    static let dir = "zfs-2.3/openzfs-2.3.9-debian13/user-property-values/"
    static let columns = ["name", "org.kldload:description"]

    @Test func aTabInTheLastColumnStaysInTheValue() throws {
        let text = try #require(FixtureLoader.text(Self.dir + "tab.stdout"))
        let rows = try ZFSListParser.parse(text, columns: Self.columns)
        #expect(rows.map(\.name) == ["rpool/ROOT/default"])
        #expect(rows.first?.userProperty("org.kldload:description") == "a\tb")
    }

    @Test func aNewlineIsAParseErrorNamingTheDatasetButJSONKeepsIt() throws {
        let text = try #require(FixtureLoader.text(Self.dir + "newline.stdout"))
        do {
            _ = try ZFSListParser.parse(text, columns: Self.columns)
            Issue.record("a value split over two lines must not parse")
        } catch {
            #expect(error.reason.contains("rpool/ROOT/default"))
            #expect(error.reason.contains("org.kldload:description"))
        }
        let json = try #require(FixtureLoader.text(Self.dir + "newline.json"))
        let rows = try ZFSJSONParser.datasets(json, columns: Self.columns)
        #expect(rows.first?.userProperty("org.kldload:description") == "line1\nline2")
    }

    @Test func anEscapeSequenceIsParsedFaithfullyAndShownDefused() throws {
        let text = try #require(FixtureLoader.text(Self.dir + "escape.stdout"))
        let value = try #require(try ZFSListParser.parse(text, columns: Self.columns).first?.userProperty("org.kldload:description"))
        #expect(value == "x\u{1B}[31my")
        #expect(!TerminalText.sanitized(value).contains("\u{1B}"))
    }

    @Test func theLengthLimitIsZAPMaxValueLenMinusOne() throws {
        let refused = try #require(FixtureLoader.text(Self.dir + "long8200.stderr"))
        #expect(refused.contains("property value too long"))
        #expect(try #require(FixtureLoader.text(Self.dir + "long8191.stderr")).isEmpty)
        let length = try #require(FixtureLoader.text(Self.dir + "long8191.len"))
        #expect(length.trimmingCharacters(in: .whitespacesAndNewlines) == "8192")
        // kbe refuses before zfs would: 8,191 bytes pass, 8,192 do not.
        let limit = BENames.maxUserPropertyValueBytes
        #expect(throws: Never.self) { try BENames.validateDescription(String(repeating: "x", count: 8191), limit: limit) }
        #expect(throws: KBEError.self) { try BENames.validateDescription(String(repeating: "x", count: 8192), limit: limit) }
    }
}
