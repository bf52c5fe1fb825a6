import Testing
@testable import KldloadCore

/// pacman 7.0.0 (Debian 13's pacman-package-manager) through kupgrade's exact Arch argv, the same
/// hold-back sequence as pacman 6.0.2 (Tests/capture/pacman-arch-holdback.sh), with Arch's 7.0
/// default `DownloadUser = alpm` and the download sandbox on.
@Suite struct Pacman7GoldenTests {
    static let old = "pacman/6.0.2-debian12-arch-holdback/"
    static let new = "pacman/7.0.0-debian13-arch-holdback/"

    /// What kupgrade reads (-Qu, -Q, -Qi, -Si, the -Syu run) parses to the same values on both.
    @Test func kupgradesReadsGiveTheSameValuesOnPacman6And7() throws {
        for name in ["Qu-checkupdates", "after-Qu"] {
            let a = try PacmanParser.parseUpgrades(try Fixtures.text(Self.old + name + ".stdout"))
            let b = try PacmanParser.parseUpgrades(try Fixtures.text(Self.new + name + ".stdout"))
            #expect(a == b, "\(name)")
        }
        let pending = try PacmanParser.parseUpgrades(try Fixtures.text(Self.new + "Qu-checkupdates.stdout"))
        #expect(pending.map(\.upgrade.name) == ["kldload-app", "linux", "linux-headers"])
        #expect(pending[1].upgrade == PackageUpgrade(name: "linux", currentVersion: "6.12.1.arch1-1", newVersion: "6.12.3.arch1-1"))

        for name in ["Q-before", "after-Q"] {
            let a = try PacmanParser.parseInstalled(try Fixtures.text(Self.old + name + ".stdout"))
            let b = try PacmanParser.parseInstalled(try Fixtures.text(Self.new + name + ".stdout"))
            #expect(a == b, "\(name)")
            #expect(b.first { $0.name == "linux" }?.fullVersion == "6.12.1.arch1-1", "\(name)")
        }
        for name in ["Qi-zfs-linux", "Si-checkupdates-zfs-linux"] {
            let info = try PacmanParser.parseInfo(try Fixtures.text(Self.new + name + ".stdout"))
            #expect(info.count == 1)
            #expect(info.first?.name == "zfs-linux")
            #expect(info.first?.requiredVersion(of: "linux") == "6.12.1.arch1-1", "\(name)")
            let old = try PacmanParser.parseInfo(try Fixtures.text(Self.old + name + ".stdout"))
            #expect(old.first?.dependsOn == info.first?.dependsOn, "\(name)")
        }
        // The -Syu --ignore run: the same warnings on stderr, the same transaction on stdout.
        #expect(try Fixtures.text(Self.new + "Syu-ignore-linux.stderr") == Fixtures.text(Self.old + "Syu-ignore-linux.stderr"))
        #expect(try Fixtures.text(Self.new + "Syu-ignore-linux.stdout") == Fixtures.text(Self.old + "Syu-ignore-linux.stdout"))
    }

    @Test func theCaptureIsPacman7WithADownloadUser() throws {
        #expect(try Fixtures.text(Self.new + "version.stdout").contains("Pacman v7.0.0"))
        let provenance = try String(contentsOf: Fixtures.url(Self.new + "PROVENANCE.md"), encoding: .utf8)
        #expect(provenance.contains("DownloadUser = alpm"))
    }

    /// kmod 34 (Debian 13) reads the staged Arch modules like kmod 30: the same vermagic, the
    /// same fields (only their order in the full listing moved).
    @Test func kmod34ReadsTheStagedModulesLikeKmod30() throws {
        for m in ["zfs", "spl"] {
            let file = "vermagic-arch-\(m)-ko-zst.stdout"
            let new = try ModinfoParser.parseVermagic(try Fixtures.text("modinfo/kmod34-debian13-arch-staged/" + file))
            let old = try ModinfoParser.parseVermagic(try Fixtures.text("modinfo/kmod30-debian12-arch-staged/" + file))
            #expect(new == old)
            #expect(new.release == "6.12.1-arch1-1")
        }
        let full = try ModinfoParser.parse(try Fixtures.text("modinfo/kmod34-debian13-arch-staged/full-arch-zfs-ko-zst.stdout"))
        #expect(full.vermagic?.release == "6.12.1-arch1-1")
    }
}
