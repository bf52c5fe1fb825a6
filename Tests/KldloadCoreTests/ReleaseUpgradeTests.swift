import Foundation
import Testing

@testable import KldloadCore

/// `--release`: which release upgrades kupgrade does and how the Debian sources are rewritten.
@Suite struct ReleaseUpgradeTests {
    static func osRelease(_ text: String) throws -> OSRelease { try OSReleaseParser.parse(text) }

    @Test func deb822SourcesRenameEverySuiteAndKeepTheRest() throws {
        let text = kupgradeFixture("apt-sources/debian12-docker.sources")
        let (new, changed) = ReleaseUpgrade.rewriteAptSources(text, from: "bookworm", to: "trixie")
        #expect(changed == 3)
        #expect(new == text.replacingOccurrences(of: "Suites: bookworm bookworm-updates", with: "Suites: trixie trixie-updates")
            .replacingOccurrences(of: "Suites: bookworm-security", with: "Suites: trixie-security"))
    }

    @Test func oneLineSourcesRenameOnlyTheSuite() {
        let text = """
            # bookworm mirror
            deb http://deb.debian.org/debian bookworm main contrib
            deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://deb.debian.org/debian bookworm-updates main
            deb-src http://deb.debian.org/debian-security/ bookworm-security main
              deb http://example.org/bookworm bookworm-backports main
            deb http://example.org/other stable main

            """
        let (new, changed) = ReleaseUpgrade.rewriteAptSources(text, from: "bookworm", to: "trixie")
        #expect(changed == 4)
        #expect(new == """
            # bookworm mirror
            deb http://deb.debian.org/debian trixie main contrib
            deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://deb.debian.org/debian trixie-updates main
            deb-src http://deb.debian.org/debian-security/ trixie-security main
              deb http://example.org/bookworm trixie-backports main
            deb http://example.org/other stable main

            """)
    }

    @Test func nothingToRenameChangesNothing() {
        let text = "deb http://example.org/x stable main\n"
        #expect(ReleaseUpgrade.rewriteAptSources(text, from: "bookworm", to: "trixie") == (text, 0))
    }

    @Test func whichReleaseUpgradesAreDone() throws {
        let debian = try Self.osRelease(kupgradeFixture("os-release/debian-12-host.os-release"))
        #expect(try ReleaseUpgrade.plan("trixie", release: debian).get() == .debian(from: "bookworm", to: "trixie"))
        #expect(try ReleaseUpgrade.plan("13", release: debian).get() == .debian(from: "bookworm", to: "trixie"))
        #expect(throws: UpgradeError.self) { try ReleaseUpgrade.plan("bookworm", release: debian).get() }
        #expect(throws: UpgradeError.self) { try ReleaseUpgrade.plan("hamm", release: debian).get() }
        let ubuntu = try Self.osRelease(kupgradeFixture("os-release/ubuntu-24.04.os-release"))
        guard case .failure(let error) = ReleaseUpgrade.plan("25.04", release: ubuntu) else {
            Issue.record("Ubuntu release upgrade accepted")
            return
        }
        #expect(error.reason == "release-unsupported")
        #expect(error.description.contains("do-release-upgrade"))
        #expect(error.description.contains("cannot run in a clone"))
        #expect(error.hint.contains("kbe create before-release"))
        let fedora = try Self.osRelease(kupgradeFixture("os-release/fedora-40.os-release"))
        #expect(try ReleaseUpgrade.plan("41", release: fedora).get() == .fedora(from: "40", to: "41"))
        #expect(throws: UpgradeError.self) { try ReleaseUpgrade.plan("39", release: fedora).get() }
        let rocky = try Self.osRelease(kupgradeFixture("os-release/rocky-9.3.os-release"))
        #expect(try ReleaseUpgrade.plan("9.6", release: rocky).get() == .enterpriseMinor(from: "9.3", to: "9.6"))
        #expect(throws: UpgradeError.self) { try ReleaseUpgrade.plan("9.2", release: rocky).get() }
        #expect(throws: UpgradeError.self) { try ReleaseUpgrade.plan("10.0", release: rocky).get() }
        let arch = try Self.osRelease(kupgradeFixture("os-release/arch.os-release"))
        #expect(throws: UpgradeError.self) { try ReleaseUpgrade.plan("2026", release: arch).get() }
    }

    @Test func fedoraRunsDistroSyncWithReleasever() {
        let d = DnfDriver(releaseVersion: "41")
        #expect(d.upgradeCommands(for: UpgradePlan()).map(\.argv) == [["dnf", "--releasever=41", "distro-sync", "-y"]])
        #expect(d.rooted(d.upgradeCommands(for: UpgradePlan())[0], at: "/run/kbe/x").argv
                == ["dnf", "--installroot=/run/kbe/x", "--releasever=41", "distro-sync", "-y"])
        #expect(DnfDriver().upgradeCommands(for: UpgradePlan()).map(\.argv) == [["dnf", "upgrade", "-y"]])
    }

    @Test func releaseNeedsNewBE() throws {
        func options(_ args: [String]) throws -> UpgradeOptions {
            let parsed = try KupgradeCommand.parser.parse(args)
            return try KupgradeCommand.options(arguments: args, parsed: parsed, files: OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent")))
        }
        #expect(throws: UsageError.self) { try options(["--release", "trixie"]) }
        #expect(try options(["--new-be", "--release", "trixie"]).release == "trixie")
        #expect(throws: UsageError.self) { try options(["--new-be", "--release", "../x"]) }
    }
}
