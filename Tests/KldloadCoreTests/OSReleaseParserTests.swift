import Testing
@testable import KldloadCore

/// Quoting rules from os-release(5) and systemd's parse_env_file.
@Suite struct OSReleaseParserTests {
    @Test func quotingAndEscapes() throws {
        let r = try OSReleaseParser.parse("""
            # comment
            NAME="Fedora Linux"
            ID=fedora
            VERSION_ID=40
            PRETTY_NAME='Single $quoted'
            VARIANT="with \\"escaped\\" quote and \\$dollar and \\\\ backslash"
            BARE=escaped\\ space
            EMPTY=
            ID_LIKE="rhel centos  fedora"

            """)
        #expect(r.name == "Fedora Linux")
        #expect(r.id == "fedora")
        #expect(r.versionID == "40")
        #expect(r.prettyName == "Single $quoted")
        #expect(r["VARIANT"] == "with \"escaped\" quote and $dollar and \\ backslash")
        #expect(r["BARE"] == "escaped space")
        #expect(r["EMPTY"] == "")
        #expect(r.idLike == ["rhel", "centos", "fedora"])
    }

    @Test func defaultsWhenMissing() throws {
        let r = try OSReleaseParser.parse("")
        #expect(r.id == "linux")
        #expect(r.name == "Linux")
        #expect(r.family == .unknown)
        #expect(r.packageManager == nil)
    }

    @Test func familyFromIDThenIDLike() throws {
        #expect(try OSReleaseParser.parse("ID=pop\n").family == .debian)
        #expect(try OSReleaseParser.parse("ID=rocky\nID_LIKE=\"rhel centos fedora\"\n").family == .rhel)
        #expect(try OSReleaseParser.parse("ID=mydistro\nID_LIKE=\"something ubuntu\"\n").family == .debian)
        #expect(try OSReleaseParser.parse("ID=endeavouros\nID_LIKE=arch\n").packageManager == .pacman)
        #expect(try OSReleaseParser.parse("ID=opensuse-leap\nID_LIKE=\"suse opensuse\"\n").family == .unknown)
    }

    @Test func errorsNameTheLine() {
        do {
            _ = try OSReleaseParser.parse("ID=debian\nNAME=\"unterminated\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.reason.contains("quote"))
        }
        #expect(throws: ParseError.self) { try OSReleaseParser.parse("not an assignment\n") }
        #expect(throws: ParseError.self) { try OSReleaseParser.parse("BAD KEY=1\n") }
    }

    /// Every real os-release file under Fixtures/os-release parses and yields the expected family.
    @Test func goldenFixtures() throws {
        let expected: [String: (id: String, family: DistroFamily, version: String?)] = [
            "os-release/debian-12-host.os-release": ("debian", .debian, "12"),
            "os-release/debian-13.os-release": ("debian", .debian, "13"),
            "os-release/debian-10.os-release": ("debian", .debian, "10"),
            "os-release/ubuntu-24.04.os-release": ("ubuntu", .debian, "24.04"),
            "os-release/ubuntu-16.04.os-release": ("ubuntu", .debian, "16.04"),
            "os-release/fedora-42.os-release": ("fedora", .rhel, "42"),
            "os-release/fedora-40.os-release": ("fedora", .rhel, "40"),
            "os-release/fedora-30.os-release": ("fedora", .rhel, "30"),
            "os-release/rhel-9.6.os-release": ("rhel", .rhel, "9.6"),
            "os-release/rhel-7.0.os-release": ("rhel", .rhel, "7.0"),
            "os-release/rocky-9.3.os-release": ("rocky", .rhel, "9.3"),
            "os-release/rocky-9.6.os-release": ("rocky", .rhel, "9.6"),
            "os-release/rocky-8.4.os-release": ("rocky", .rhel, "8.4"),
            "os-release/centos-stream-9.os-release": ("centos", .rhel, "9"),
            "os-release/centos-7.os-release": ("centos", .rhel, "7"),
            "os-release/almalinux-10.0.os-release": ("almalinux", .rhel, "10.0"),
            "os-release/arch.os-release": ("arch", .arch, nil),
            "os-release/manjaro-15.12.os-release": ("manjaro", .arch, nil),
        ]
        let files = Fixtures.files(under: "os-release")
        #expect(Set(files) == Set(expected.keys), "every os-release fixture has an expectation")
        for file in files {
            let r = try OSReleaseParser.parse(try Fixtures.text(file))
            guard let e = expected[file] else { continue }
            #expect(r.id == e.id, "\(file)")
            #expect(r.family == e.family, "\(file)")
            #expect(r.versionID == e.version, "\(file)")
            #expect(!r.prettyName.isEmpty && r.prettyName != "Linux", "\(file)")
        }
        let debian = try OSReleaseParser.parse(try Fixtures.text("os-release/debian-12-host.os-release"))
        #expect(debian.versionCodename == "bookworm")
        #expect(debian.prettyName == "Debian GNU/Linux 12 (bookworm)")
        let fedora = try OSReleaseParser.parse(try Fixtures.text("os-release/fedora-42.os-release"))
        #expect(fedora.versionCodename == "")
        #expect(fedora.name == "Fedora Linux")
    }
}
