import Testing
@testable import KldloadCore

/// A tool's option table as the CLIs declare theirs (`KBEOption`, `KupgradeOption`).
enum SampleOption: OptionKey {
    case dryRun, scripted, keep, source

    var spec: OptionSpec {
        switch self {
        case .dryRun: .flag("-n", "--dry-run", help: "print what would run")
        case .scripted: .flag("-H", help: "tab-separated")
        case .keep: .value("--keep", metavar: "N", help: "keep N")
        case .source: .value("-e", metavar: "SOURCE", help: "clone from")
        }
    }
}

@Suite struct OptionParserTests {
    let parser = OptionParser(SampleOption.allCases)

    @Test func longShortCombinedAndValues() throws {
        let p = try parser.parse(["create", "-nH", "--keep=5", "-e", "rpool/ROOT/a@x", "new"])
        #expect(p.has(.dryRun) && p.has(.scripted))
        #expect(p.value(.keep) == "5")
        #expect(p.value(.source) == "rpool/ROOT/a@x")
        #expect(p.positionals == ["create", "new"])
        let q = try parser.parse(["-eold", "--keep", "3", "--", "-weird"])
        #expect(q.value(.source) == "old")
        #expect(q.positionals == ["-weird"])
        #expect(try q.integer(.keep) == 3)
    }

    @Test func errorsNameTheOption() {
        #expect(throws: UsageError("unknown option '--dryrun' (did you mean '--dry-run'?)")) {
            try parser.parse(["--dryrun"])
        }
        #expect(throws: UsageError("option --keep needs a value")) { try parser.parse(["--keep"]) }
        #expect(throws: UsageError("option --dry-run takes no value (got 'yes')")) {
            try parser.parse(["--dry-run=yes"])
        }
        #expect(throws: UsageError("option --keep given more than once")) {
            try parser.parse(["--keep", "1", "--keep", "2"])
        }
        let bad = try? parser.parse(["--keep", "-1"]).integer(.keep)
        #expect(bad == nil)
    }

    @Test func helpComesFromTheTable() {
        let help = parser.helpText()
        #expect(help.contains("-n, --dry-run"))
        #expect(help.contains("--keep N"))
    }

    @Test func tableRendering() {
        let t = TextTable(headers: ["NAME", "SPACE"], rows: [["default", "4.20G"], ["b", "96K"]], rightAligned: [1])
        #expect(t.render() == "NAME     SPACE\ndefault  4.20G\nb          96K\n")
        #expect(t.render(scripted: true) == "default\t4.20G\nb\t96K\n")
        #expect(humanSize(98304) == "96K")
        #expect(humanSize(4_509_715_660) == "4.20G")
        #expect(humanSize(131_072_000) == "125M")
        #expect(humanSize(512) == "512B")
    }
}

@Suite struct HumanSizeTests {
    /// Expected strings are what zfs_nicenum prints (printf "%.*f" with 2, 1, 0 decimals until
    /// the text fits in five characters).
    @Test func matchesZfsNicenum() {
        #expect(humanSize(0) == "0B")
        #expect(humanSize(1023) == "1023B")
        #expect(humanSize(1024) == "1K")
        #expect(humanSize(1536) == "1.50K")
        #expect(humanSize(10 * 1024 + 512) == "10.5K")
        #expect(humanSize(1023 * 1024 + 1) == "1023K")
        #expect(humanSize(619_728_896) == "591M")
        #expect(humanSize(212_992) == "208K")
        #expect(humanSize(1_288_490_189) == "1.20G")
        #expect(humanSize(UInt64.max) == "16.0E")
    }
}
