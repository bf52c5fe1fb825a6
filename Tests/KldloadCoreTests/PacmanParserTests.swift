import Testing
@testable import KldloadCore

/// Shapes from pacman's src/pacman/query.c (`display`) and package.c (`string_display`,
/// `list_display` wrapping at the value column).
@Suite struct PacmanParserTests {
    @Test func installedList() throws {
        let p = try PacmanParser.parseInstalled("linux 6.12.1.arch1-1\nzfs-linux 2.2.7_6.12.1.arch1.1-1\nfoo 1:2.0-3\n")
        #expect(p.count == 3)
        #expect(p[0].version == "6.12.1.arch1" && p[0].release == "1")
        #expect(p[2].epoch == "1" && p[2].fullVersion == "1:2.0-3")
        #expect(throws: ParseError.self) { try PacmanParser.parseInstalled("justaname\n") }
    }

    @Test func upgradesWithIgnored() throws {
        let u = try PacmanParser.parseUpgrades("linux 6.12.1.arch1-1 -> 6.12.4.arch1-1 [ignored]\nbash 5.2.026-2 -> 5.2.037-1\n")
        #expect(u.count == 2)
        #expect(u[0].ignored && !u[1].ignored)
        #expect(u[0].upgrade == PackageUpgrade(name: "linux", currentVersion: "6.12.1.arch1-1", newVersion: "6.12.4.arch1-1"))
        #expect(throws: ParseError.self) { try PacmanParser.parseUpgrades("bash 5.2 => 5.3\n") }
    }

    @Test func infoWithWrappedDependsOn() throws {
        let text = """
            Repository      : archzfs
            Name            : zfs-linux
            Version         : 2.2.7_6.12.1.arch1.1-1
            Depends On      : kmod  zfs-utils=2.2.7  linux=6.12.1.arch1-1
                              foo>=1.0
            Optional Deps   : None

            Name            : linux
            Version         : 6.12.4.arch1-1
            Depends On      : coreutils  initramfs  kmod

            """
        let info = try PacmanParser.parseInfo(text)
        #expect(info.count == 2)
        #expect(info[0].name == "zfs-linux")
        #expect(info[0].dependsOn.count == 4)
        #expect(info[0].requiredVersion(of: "linux") == "6.12.1.arch1-1")
        #expect(info[0].dependsOn[3] == PacmanDependency(name: "foo", relation: .greaterOrEqual, version: "1.0"))
        #expect(info[1].requiredVersion(of: "linux") == nil)
        #expect(info[1].version == "6.12.4.arch1-1")
        #expect(PacmanDependency("linux=6.12.1.arch1-1").description == "linux=6.12.1.arch1-1")
    }

    @Test func infoErrors() {
        #expect(throws: ParseError.self) { try PacmanParser.parseInfo("   orphan continuation\n") }
        #expect(throws: ParseError.self) { try PacmanParser.parseInfo("no separator here\n") }
    }
}
