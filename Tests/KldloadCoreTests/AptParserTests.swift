import Testing
@testable import KldloadCore

/// Shapes from apt's pkgSimulate (`Inst`/`Conf`/`Remv`/`Purg` + `Describe`) and
/// apt-private/private-output.cc (`ShowList`, `Stats`).
@Suite struct AptParserTests {
    static let sample = """
        NOTE: This is only a simulation!
              apt-get needs root privileges for real execution.
        Reading package lists...
        Building dependency tree...
        Reading state information...
        Calculating upgrade...
        The following packages will be REMOVED:
          zfs-dkms
        The following NEW packages will be installed:
          linux-image-6.1.0-21-amd64
        The following packages have been kept back:
          zfsutils-linux libzfs4linux
        The following packages will be upgraded:
          libc6 linux-image-amd64
        2 upgraded, 1 newly installed, 1 to remove and 2 not upgraded.
        Remv zfs-dkms [2.1.11-1]
        Inst libc6 [2.36-9+deb12u4] (2.36-9+deb12u7 Debian:12.7/stable, Debian-Security:12/stable-security [amd64])
        Inst linux-image-6.1.0-21-amd64 (6.1.90-1 Debian-Security:12/stable-security [amd64])
        Inst linux-image-amd64 [6.1.76-1] (6.1.90-1 Debian-Security:12/stable-security [amd64]) []
        Conf libc6 (2.36-9+deb12u7 Debian:12.7/stable, Debian-Security:12/stable-security [amd64])
        Conf linux-image-6.1.0-21-amd64 (6.1.90-1 Debian-Security:12/stable-security [amd64])
        Purg old-thing:i386 [1.0]

        """

    @Test func fullSimulation() throws {
        let s = try AptParser.parseSimulation(Self.sample)
        #expect(s.upgrades.count == 2)
        #expect(s.upgrades[0] == PackageUpgrade(name: "libc6", arch: "amd64", currentVersion: "2.36-9+deb12u4",
                                                newVersion: "2.36-9+deb12u7",
                                                repository: "Debian:12.7/stable, Debian-Security:12/stable-security"))
        #expect(s.installs.map(\.name) == ["linux-image-6.1.0-21-amd64"])
        #expect(s.installs[0].currentVersion == nil)
        #expect(s.removals.count == 2)
        #expect(s.removals[0] == AptRemoval(name: "zfs-dkms", arch: nil, version: "2.1.11-1", purge: false))
        #expect(s.removals[1] == AptRemoval(name: "old-thing", arch: "i386", version: "1.0", purge: true))
        #expect(s.configures.count == 2)
        #expect(s.summary == AptSummary(upgraded: 2, newlyInstalled: 1, reinstalled: 0, downgraded: 0, toRemove: 1,
                                        notUpgraded: 2, notFullyInstalled: 0))
        #expect(s.keptBack == ["zfsutils-linux", "libzfs4linux"])
        #expect(s.lists.count == 4)
        #expect(s.messages.first == "NOTE: This is only a simulation!")
        #expect(!s.isEmpty)
    }

    @Test func summaryVariants() throws {
        let s = try AptParser.parseSimulation("""
            0 upgraded, 0 newly installed, 1 reinstalled, 2 downgraded, 0 to remove and 0 not upgraded.
            1 not fully installed or removed.
            """)
        #expect(s.summary?.reinstalled == 1)
        #expect(s.summary?.downgraded == 2)
        #expect(s.summary?.notFullyInstalled == 1)
        #expect(s.isEmpty)
    }

    @Test func malformedActionNamesTheLine() {
        do {
            _ = try AptParser.parseSimulation("Reading package lists...\nInst libc6 [2.36\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
        }
        #expect(throws: ParseError.self) { try AptParser.parseSimulation("Inst foo [1.0]\n") }
        #expect(throws: ParseError.self) { try AptParser.parseSimulation("x upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n") }
    }
}
