import Testing
@testable import KldloadCore

/// `zpool status` is parsed by a byte scan; on every input it must give what the Character
/// parser it replaced gives (`ZpoolStatusReference`, kept verbatim in Tests/…/Support): the
/// same report, or the same error with the same line and text. Inputs: every `zpool status`
/// capture, mutated ones (CRLF, TABs turned into spaces, colours, invalid UTF-8, combining
/// marks after the indentation, U+212A KELVIN SIGN in UNKNOWN and CKSUM, …) and the
/// benchmark's shape.
@Suite struct ZpoolStatusByteScanTests {
    static func reference(_ text: String) -> Result<ZpoolStatusReport, ParseError> {
        Result { () throws(ParseError) in try ZpoolStatusReference.parse(text) }
    }

    static func byBytes(_ text: String) -> Result<ZpoolStatusReport, ParseError> {
        Result { () throws(ParseError) in try ZpoolStatusParser.parse(text) }
    }

    static func captures() -> [String] {
        let all = FixtureLoader.files(under: "zpool-status") + FixtureLoader.files(under: "zfs-2.1") + FixtureLoader.files(under: "zfs-2.3")
        return all.filter { $0.contains("zpool-status") && !$0.contains("zpool-status-j") && $0.hasSuffix(".stdout") || $0.hasPrefix("zpool-status/") }
            .compactMap(FixtureLoader.text)
    }

    /// Config lines the byte scan and the Character code must agree on, spliced into a capture.
    static let configLines = [
        "\t  mirror-0  ONLINE       0     0     0",
        "\t    sda     ONLINE       0     0     0  (resilvering)",
        "\t    sdb     ONLINE       0     0     0  block size: 512B configured, 4096B native  ",
        "\t    name with spaces  DEGRADED  1.5K  2M  0",
        "\t    sdc     UNAVAIL      0     0     0  was /dev/sdc1",
        "\t    sdd     ONLINE       0     0     0     0 on  (trimming)",
        "\t    sde     ONLINE       x     0     0",
        "\t    sdf     ONLINE",
        "\t    sdg     AVAIL   ",
        "\tlogs",
        "\tspares",
        "\t  sdh       INUSE     currently in use",
        "\t    sdi     UN\u{212A}NOWN      0     0     0",
        "\t    sdo     FAULTED      0     0     0  too many errors",
        "\t    sdp     OFFLINE      0     0     0",
        "\t    sdq     REMOVED      0     0     0",
        "\t    sdr     SPLIT        0     0     0",
        "\t    sds     UNKNOWN      0     0     0",
        "\t    sdt     SUSPENDED    0     0     0",
        "\t    sdu     ONLINEX      0     0     0",
        "\t    sdv     Online       0     0     0",
        "\t  \u{301}sdj     ONLINE       0     0     0",
        "\t    sdk \u{301}    ONLINE       0     0     0",
        "\t    sdl     ONLINE       0     0     0 \u{600} ",
        "\t    sdm     ONLINE       0     0     0  \u{1B}[0m",
        "\t    /var/tmp/f1  ONLINE  0  0  0",
        "\t    raidz2-0  ONLINE  0  0  0",
        "\t    draid2:8d:42c:2s-0  ONLINE  0  0  0",
        "\t    hole  ONLINE  0  0  0",
        "        sdn     ONLINE       0     0     0",
        "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\tdeep  ONLINE 0 0 0",
        "\tNAME        STATE     READ WRITE CKSUM  SLOW POWER",
        "\tNAME        STATE     READ WRITE C\u{212A}SUM",
        "\tNAME        STATE     READ READ",
        "\tNAME",
        "\tno state here",
        "\tnewpool  ONLINE  0 0 0",
    ]

    static func inputs() -> [String] {
        let captures = captures()
        var out = captures
        var rng = FuzzRNG(seed: 31)
        for i in 0..<3000 {
            var text = captures[i % captures.count]
            if i % 3 == 0 {
                // Splice config lines after a random line of the config section.
                var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if let at = lines.firstIndex(where: { $0.hasPrefix("\tNAME") }) {
                    for _ in 0..<Int.random(in: 1...4, using: &rng) {
                        let pos = Int.random(in: at...lines.count, using: &rng)
                        lines.insert(configLines.randomElement(using: &rng)!, at: pos)
                    }
                }
                text = lines.joined(separator: "\n")
            }
            out.append(i % 3 == 1 ? Fuzzer.mutate(text, &rng) : text)
        }
        out += ["", "\n", "\r", "  pool: a\r\n state: ONLINE\r\n", "all pools are healthy\n", "no pools available",
                "pool 'x' is healthy\n"]
        return out
    }

    @Test func byteScanMatchesTheCharacterParser() {
        let all = Self.inputs()
        #expect(all.count > 3000)
        var vdevs = 0
        for text in all {
            let fast = Self.byBytes(text)
            #expect(fast == Self.reference(text), "\(text.prefix(400).debugDescription)")
            if case .success(let r) = fast { vdevs += r.pools.reduce(0) { $0 + ($1.root?.allVDevs.count ?? 0) } }
        }
        // Most inputs parse: the comparison is about trees, not only about errors.
        #expect(vdevs > 5000)
    }

    /// The shape the benchmark grows (one pool, mirrors of two disks, TAB-indented).
    @Test func largePoolMatches() throws {
        var text = "  pool: tank\n state: ONLINE\nconfig:\n\n\tNAME              STATE     READ WRITE CKSUM\n\ttank              ONLINE       0     0     0\n"
        for m in 0..<300 {
            text += "\t  mirror-\(m)        ONLINE       0     0     0\n"
            text += "\t    virtio-tank\(2 * m)  ONLINE       0     0     0\n\t    virtio-tank\(2 * m + 1)  ONLINE   0  0  1.2K  (resilvering)\n"
        }
        text += "\nerrors: No known data errors\n"
        let report = try ZpoolStatusParser.parse(text)
        #expect(Self.byBytes(text) == Self.reference(text))
        #expect(report.pools.first?.root?.children.count == 300)
        #expect(report.pools.first?.root?.leaves.count == 600)
        #expect(report.pools.first?.root?.children.last?.children.last?.checksumErrors?.raw == "1.2K")
    }
}
