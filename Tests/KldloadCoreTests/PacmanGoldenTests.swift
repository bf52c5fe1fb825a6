import Testing
@testable import KldloadCore

/// pacman 6.0.2 output captured on this machine against a local repository (Fixtures/pacman).
@Suite
struct PacmanGoldenTests {
    static let dir = "pacman/6.0.2-debian12/"

    @Test func installedLists() throws {
        for name in ["Q-v1", "Q-before", "Q-after-failure"] {
            let p = try PacmanParser.parseInstalled(try Fixtures.text(Self.dir + name + ".stdout"))
            #expect(p.map(\.name) == ["kldload-app", "linux", "linux-headers", "zfs-linux", "zfs-utils"], "\(name)")
            #expect(p.first { $0.name == "linux" }?.fullVersion == "6.12.1.arch1-1")
            #expect(p.first { $0.name == "zfs-linux" }?.version == "2.2.7_6.12.1.arch1.1")
        }
        let after = try PacmanParser.parseInstalled(try Fixtures.text(Self.dir + "Q-after-ignore.stdout"))
        #expect(after.first { $0.name == "kldload-app" }?.fullVersion == "1.1-1")
        #expect(after.first { $0.name == "linux" }?.fullVersion == "6.12.1.arch1-1")
    }

    @Test func upgradeLists() throws {
        let pending = try PacmanParser.parseUpgrades(try Fixtures.text(Self.dir + "Qu-pending.stdout"))
        #expect(pending.map(\.upgrade.name) == ["kldload-app", "linux", "linux-headers"])
        #expect(pending[1].upgrade == PackageUpgrade(name: "linux", currentVersion: "6.12.1.arch1-1", newVersion: "6.12.3.arch1-1"))
        #expect(pending.allSatisfy { !$0.ignored })
        let ignored = try PacmanParser.parseUpgrades(try Fixtures.text(Self.dir + "Qu-after-ignore-with-IgnorePkg.stdout"))
        #expect(ignored.count == 2 && ignored.allSatisfy(\.ignored))
        #expect(try PacmanParser.parseUpgrades(try Fixtures.text(Self.dir + "Qu-after-ignore.stdout")).count == 2)
        #expect(try PacmanParser.parseUpgrades(try Fixtures.text(Self.dir + "Qu-none.stdout")).isEmpty)
    }

    /// The Arch hold-back decision: zfs-linux pins linux to the installed kernel while the
    /// repository offers a newer one.
    @Test func zfsLinuxPinsTheKernel() throws {
        for name in ["Si-zfs-linux", "Qi-zfs-linux"] {
            let info = try PacmanParser.parseInfo(try Fixtures.text(Self.dir + name + ".stdout"))
            #expect(info.count == 1)
            #expect(info[0].name == "zfs-linux")
            #expect(info[0].requiredVersion(of: "linux") == "6.12.1.arch1-1", "\(name)")
            #expect(info[0].dependsOn.map(\.name) == ["zfs-utils", "linux"])
            #expect(info[0].provides.isEmpty)
        }
        let linux = try PacmanParser.parseInfo(try Fixtures.text(Self.dir + "Si-linux.stdout"))
        #expect(linux.first?.version == "6.12.3.arch1-1")
        #expect(linux.first?.repository == "kldload")
        #expect(linux.first?.dependsOn.isEmpty == true)
        #expect(linux.first?.fields["Validated By"] == "MD5 Sum  SHA-256 Sum")
    }
}
