import Foundation
import Testing
@testable import KldloadCore

/// dnf 4.23.0 / rpm 4.20 (Debian 13) against the same stand-in repositories as dnf 4.14.0 / rpm 4.18
/// (Tests/capture/dnf-zfs.sh, rpm-dnf.sh): the transaction tables kupgrade reads parse to the
/// same packages; only download sizes and rpm's `Verifying` lines differ.
@Suite struct Dnf423GoldenTests {
    static let scenarios = ["rocky9-kmod-zfs", "fedora40-zfs-dkms"]

    /// Entries without the size column, which changed with the RPMs' payload compression.
    static func withoutSizes(_ t: DnfTransaction) -> [DnfTransaction.Entry] {
        t.entries.map { var e = $0; e.size = nil; return e }
    }

    @Test(arguments: scenarios) func upgradeTablesAreTheSameAsDnf414s(_ scenario: String) throws {
        let old = "dnf/4.14.0-debian12-\(scenario)/"
        let new = "dnf/4.23.0-debian13-\(scenario)/"
        for name in ["upgrade-assumeno", "upgrade-y", "autoremove-y"] {
            let a = try DnfParser.parseTransaction(try Fixtures.text(old + name + ".stdout"))
            let b = try DnfParser.parseTransaction(try Fixtures.text(new + name + ".stdout"))
            #expect(Self.withoutSizes(a) == Self.withoutSizes(b), "\(scenario)/\(name)")
            #expect(a.summary == b.summary, "\(scenario)/\(name)")
        }
        let plan = try DnfParser.parseTransaction(try Fixtures.text(new + "upgrade-assumeno.stdout"))
        #expect(plan.upgrades.contains { $0.package.name == "zfs" })
        #expect(plan.installs.contains { $0.package.name == "kernel-core" })
        // --assumeno still ends in "Operation aborted." with exit 1, as kupgrade expects.
        #expect(try Fixtures.text(new + "upgrade-assumeno.status").hasPrefix("1"))
    }

    @Test(arguments: scenarios) func theRealUpgradeTableMatchesTheSimulation(_ scenario: String) throws {
        let dir = "dnf/4.23.0-debian13-\(scenario)/"
        let yes = try DnfParser.parseTransaction(try Fixtures.text(dir + "upgrade-y.stdout"))
        let no = try DnfParser.parseTransaction(try Fixtures.text(dir + "upgrade-assumeno.stdout"))
        #expect(yes.entries == no.entries)
        #expect(yes.summary == no.summary)
    }

    /// check-update (Tests/capture/rpm-dnf.sh): the same updates and obsoletes, with and without a
    /// terminal, and the same exit status 100 when updates are pending.
    @Test(arguments: ["check-update-pending", "check-update-pending-tty80", "check-update-noop"])
    func checkUpdateIsTheSameAsDnf414s(_ name: String) throws {
        let a = try DnfParser.parseCheckUpdate(try Fixtures.text("dnf/4.14.0-debian12/" + name + ".stdout"))
        let b = try DnfParser.parseCheckUpdate(try Fixtures.text("dnf/4.23.0-debian13/" + name + ".stdout"))
        #expect(a.updates == b.updates)
        #expect(a.obsoletes == b.obsoletes)
        let pending = name != "check-update-noop"
        #expect(b.updates == (pending ? DnfGoldenTests.updates : []))
        let statusFile = "dnf/4.23.0-debian13/" + name + ".status"
        let status = Fixtures.exists(statusFile)
            ? Int32(try Fixtures.text(statusFile).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 : 0
        #expect(DnfParser.checkUpdateHasUpdates(exitStatus: status) == pending)
    }

    @Test func upgradeAssumenoOfTheGenericRepository() throws {
        let a = try DnfParser.parseTransaction(try Fixtures.text("dnf/4.14.0-debian12/upgrade-assumeno.stdout"))
        let b = try DnfParser.parseTransaction(try Fixtures.text("dnf/4.23.0-debian13/upgrade-assumeno.stdout"))
        #expect(Self.withoutSizes(a) == Self.withoutSizes(b))
        #expect(b.summary == ["install": 3, "upgrade": 5])
    }
}
