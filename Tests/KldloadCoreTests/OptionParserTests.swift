import Testing
@testable import KldloadCore

@Suite struct OptionParserTests {
    let parser = OptionParser([
        .flag("dry-run", "-n", "--dry-run", help: "print what would run"),
        .flag("scripted", "-H", help: "tab-separated"),
        .value("keep", "--keep", metavar: "N", help: "keep N"),
        .value("source", "-e", metavar: "SOURCE", help: "clone from"),
    ])

    @Test func longShortCombinedAndValues() throws {
        let p = try parser.parse(["create", "-nH", "--keep=5", "-e", "rpool/ROOT/a@x", "new"])
        #expect(p.has("dry-run") && p.has("scripted"))
        #expect(p.value("keep") == "5")
        #expect(p.value("source") == "rpool/ROOT/a@x")
        #expect(p.positionals == ["create", "new"])
        let q = try parser.parse(["-eold", "--keep", "3", "--", "-weird"])
        #expect(q.value("source") == "old")
        #expect(q.positionals == ["-weird"])
        #expect(try q.integer("keep", option: "--keep") == 3)
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
        let bad = try? parser.parse(["--keep", "-1"]).integer("keep", option: "--keep")
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
