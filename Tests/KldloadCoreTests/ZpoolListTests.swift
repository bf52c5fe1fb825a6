import Foundation
import Testing
@testable import KldloadCore

@Suite struct ZpoolListTests {
    static let zfslibColumns = ["name", "size", "allocated", "free", "checkpoint", "fragmentation",
                                "capacity", "health", "readonly"]

    @Test func zfslibSampleWithCustomColumns() throws {
        let text = try #require(FixtureLoader.text("zfs/zfslib-tests/zpool_data.tsv"))
        let pools = try ZpoolListParser.parse(text, columns: Self.zfslibColumns)
        #expect(pools.map(\.name) == ["bpool", "dpool", "rpool"])
        let b = pools[0]
        #expect(b.size == 2_013_265_920)
        #expect(b.allocated == 1_022_283_776)
        #expect(b.free == 990_982_144)
        #expect(b.checkpoint == nil)
        #expect(b["checkpoint"] == nil)
        #expect(b.properties["checkpoint"] == "-")
        #expect(b.fragmentation == 5)
        #expect(b.capacity == 50)
        #expect(b.health == .online)
        #expect(b["readonly"] == "off")
        #expect(pools[2].health == .offline)
        #expect(pools[1].size == 3_985_729_650_688)
    }

    @Test func aliasesFindFullNames() throws {
        let text = try #require(FixtureLoader.text("zfs/zfslib-tests/zpool_data.tsv"))
        let short = ["name", "size", "alloc", "free", "ckpoint", "frag", "cap", "health", "readonly"]
        let pools = try ZpoolListParser.parse(text, columns: short)
        #expect(pools[0].allocated == 1_022_283_776)
        #expect(pools[0].capacity == 50)
        #expect(pools[0].fragmentation == 5)
    }

    @Test func wrongColumnListIsAParseErrorNamingTheLine() throws {
        let text = try #require(FixtureLoader.text("zfs/zfslib-tests/zpool_data.tsv"))
        do {
            _ = try ZpoolListParser.parse(text, columns: ZpoolListParser.defaultColumns)
            Issue.record("11 columns for 9 fields must fail")
        } catch {
            #expect(error.line == 1)
            #expect(error.text.hasPrefix("bpool"))
            #expect(error.reason.contains("expected 11"))
        }
        #expect(throws: ParseError.self) { try ZpoolListParser.parse(text, columns: ["size", "free"]) }
    }

    @Test func humanFormsWithoutP() {
        // zpool list without -p prints these forms (print_pool / zprop_print_one_property).
        let row = PoolListEntry(name: "t", properties: ZFSPropertyList(
            names: ["name", "size", "capacity", "dedupratio", "fragmentation"],
            values: ["t", "1.81T", "12%", "1.00x", "-"]))
        #expect(row.capacity == 12)
        #expect(row.dedupRatio == 1.0)
        #expect(row.fragmentation == nil)
        #expect((row.size ?? 0) > 1_990_000_000_000)
    }

    @Test func zpoolGetLines() throws {
        // Shape of zpool get -Hp (zprop_print_one_property with -H: fields joined by TAB).
        let text = "rpool\tbootfs\trpool/ROOT/debian\tlocal\nrpool\thealth\tONLINE\t-\nrpool\tfree\t123456\t-\nbpool\tbootfs\t-\tdefault\n"
        let props = try ZpoolGetParser.parse(text)
        #expect(props.count == 4)
        #expect(ZpoolGetParser.value("bootfs", pool: "rpool", in: props) == "rpool/ROOT/debian")
        #expect(ZpoolGetParser.value("bootfs", pool: "bpool", in: props) == nil)
        #expect(props[0].source == .local)
        #expect(props[1].source == ZFSPropertySource.none)
        #expect(props[3].source == .default)
        #expect(throws: ParseError.self) { try ZpoolGetParser.parse("rpool\tbootfs\n") }
    }
}
