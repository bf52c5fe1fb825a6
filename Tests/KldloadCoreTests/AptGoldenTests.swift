import Testing
@testable import KldloadCore

/// `apt-get -s dist-upgrade` / `apt-get -s autoremove` captured with apt 2.6.1 (Debian 12) and
/// apt 3.0.4 (Debian 13) from the same package sequence (Fixtures/apt, Tests/capture/apt.sh).
@Suite struct AptGoldenTests {
    static let dir = "apt/2.6.1-debian12-chroot/"
    static let dir30 = "apt/3.0.4-debian13-chroot/"
    static let generations = [dir, dir30]

    @Test func everySimulationCaptureParses() throws {
        let files = Fixtures.files(under: "apt") { $0.hasPrefix("apt-get-s-") && $0.hasSuffix(".stdout") }
        #expect(files.count >= 6)
        for file in files {
            let s = try AptParser.parseSimulation(try Fixtures.text(file))
            #expect(s.summary != nil, "\(file)")
        }
    }

    /// apt 3.0's new human output (the `Summary:` block, column lists) is for terminals only: the
    /// simulations kupgrade reads through a pipe are byte-for-byte apt 2.6's.
    @Test func apt30SimulationsThroughAPipeAreApt26s() throws {
        let files = Fixtures.files(under: Self.dir30) { $0.hasPrefix("apt-get-s-") && $0.hasSuffix(".stdout") }
        #expect(files.count == 6)
        for file in files {
            let name = String(file.split(separator: "/").last ?? "")
            let new = try Fixtures.text(Self.dir30 + name)
            let old = try Fixtures.text(Self.dir + name)
            #expect(new == old, "\(name)")
            #expect(try AptParser.parseSimulation(new) == AptParser.parseSimulation(old), "\(name)")
        }
    }

    @Test(arguments: generations) func distUpgrade(dir: String) throws {
        let s = try AptParser.parseSimulation(try Fixtures.text(dir + "apt-get-s-dist-upgrade.stdout"))
        #expect(s.upgrades.map(\.name) == ["kldload-lib", "kldload-demo"])
        #expect(s.upgrades[0] == PackageUpgrade(name: "kldload-lib", arch: "all", currentVersion: "1.0", newVersion: "2.0",
                                                repository: "kldload-capture:capture"))
        #expect(s.installs.map(\.name) == ["kldload-newdep"])
        #expect(s.installs[0].currentVersion == nil && s.installs[0].newVersion == "1.0")
        #expect(s.removals == [AptRemoval(name: "kldload-legacy", arch: nil, version: "1.0", purge: false)])
        #expect(s.configures.map(\.name) == ["kldload-lib", "kldload-newdep", "kldload-demo"])
        #expect(s.keptBack == ["kldload-held"])
        #expect(s.summary == AptSummary(upgraded: 2, newlyInstalled: 1, reinstalled: 0, downgraded: 0, toRemove: 1,
                                        notUpgraded: 1, notFullyInstalled: 0))
        #expect(s.lists.first?.heading == "The following package was automatically installed and is no longer required")
        #expect(s.lists.first?.packages == ["kldload-olddep"])
        #expect(s.messages == ["Use 'apt autoremove' to remove it."])
    }

    @Test(arguments: generations) func smallerCases(dir: String) throws {
        let noop = try AptParser.parseSimulation(try Fixtures.text(dir + "apt-get-s-dist-upgrade-noop.stdout"))
        #expect(noop.isEmpty && noop.summary?.upgraded == 0 && noop.messages.isEmpty)

        let held = try AptParser.parseSimulation(try Fixtures.text(dir + "apt-get-s-dist-upgrade-held-only.stdout"))
        #expect(held.isEmpty && held.keptBack == ["kldload-held"] && held.summary?.notUpgraded == 1)

        let breaks = try AptParser.parseSimulation(try Fixtures.text(dir + "apt-get-s-dist-upgrade-breaks.stdout"))
        #expect(breaks.upgrades.map(\.newVersion) == ["2.0"])

        let after = try AptParser.parseSimulation(try Fixtures.text(dir + "apt-get-s-dist-upgrade-after-failure.stdout"))
        #expect(after.summary?.notFullyInstalled == 1)
        #expect(after.configures.map(\.name) == ["kldload-breaks"])
        #expect(after.isEmpty)

        let auto = try AptParser.parseSimulation(try Fixtures.text(dir + "apt-get-s-autoremove.stdout"))
        #expect(auto.removals.map(\.name) == ["kldload-olddep"])
        #expect(auto.summary?.toRemove == 1)
    }
}
