import Testing
@testable import KldloadCore

/// dnf 4.14.0 output captured on this machine (Fixtures/dnf), with and without a terminal.
@Suite struct DnfGoldenTests {
    static let dir = "dnf/4.14.0-debian12/"

    static let updates = [
        PackageUpgrade(name: "kernel-core", arch: "x86_64", newVersion: "5.14.0-570.el9", repository: "kldload"),
        PackageUpgrade(name: "kldload-demo", arch: "noarch", newVersion: "2.0-1", repository: "kldload"),
        PackageUpgrade(name: "kldload-epoch", arch: "noarch", newVersion: "2:1.1-1", repository: "kldload"),
        PackageUpgrade(name: "kldload-extremely-long-package-name-for-wrapping-test", arch: "noarch", newVersion: "1.0-2", repository: "kldload"),
        PackageUpgrade(name: "kmod-zfs", arch: "x86_64", newVersion: "2.2.8-1.el9", repository: "kldload"),
        PackageUpgrade(name: "zfs-dkms", arch: "noarch", newVersion: "2.2.8-1.el9", repository: "kldload"),
    ]

    @Test(arguments: ["check-update-pending.stdout", "check-update-pending-tty80.stdout"])
    func checkUpdatePending(_ name: String) throws {
        let r = try DnfParser.parseCheckUpdate(try Fixtures.text(Self.dir + name))
        #expect(r.updates == Self.updates)
        #expect(r.obsoletes.count == 1)
        #expect(r.obsoletes[0].obsoleting == PackageUpgrade(name: "kldload-modern", arch: "noarch", newVersion: "1.0-1", repository: "kldload"))
        #expect(r.obsoletes[0].obsoleted == [PackageUpgrade(name: "kldload-legacy", arch: "noarch", newVersion: "1.0-1", repository: "@kldload")])
        let status = Int32(try Fixtures.text(Self.dir + name.replacingOccurrences(of: ".stdout", with: ".status"))
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(DnfParser.checkUpdateHasUpdates(exitStatus: status) == true)
    }

    @Test func checkUpdateNoop() throws {
        let r = try DnfParser.parseCheckUpdate(try Fixtures.text(Self.dir + "check-update-noop.stdout"))
        #expect(r.updates.isEmpty && r.obsoletes.isEmpty)
        #expect(r.messages.count == 1)
    }

    @Test func upgradeAssumeno() throws {
        let t = try DnfParser.parseTransaction(try Fixtures.text(Self.dir + "upgrade-assumeno.stdout"))
        #expect(t.installs.map(\.package.name) == ["kernel-core", "kldload-modern", "kldload-newdep"])
        #expect(t.installs.map(\.section) == ["Installing", "Installing", "Installing dependencies"])
        #expect(t.installs[1].replacing == [PackageUpgrade(name: "kldload-legacy", arch: "noarch", newVersion: "1.0-1")])
        #expect(t.upgrades.map(\.package.name) == ["kldload-demo", "kldload-epoch", "kldload-extremely-long-package-name-for-wrapping-test", "kmod-zfs", "zfs-dkms"])
        #expect(t.upgrades[1].package.newVersion == "2:1.1-1")
        #expect(t.upgrades[0].size == "6.1 k")
        #expect(t.summary == ["install": 3, "upgrade": 5])
        #expect(t.removals.isEmpty)
    }

    /// A real `upgrade -y` prints the same table, then progress and past-tense result lists,
    /// which are not table rows.
    @Test func upgradeYesTableMatchesAssumeno() throws {
        let yes = try DnfParser.parseTransaction(try Fixtures.text(Self.dir + "upgrade-y.stdout"))
        let no = try DnfParser.parseTransaction(try Fixtures.text(Self.dir + "upgrade-assumeno.stdout"))
        #expect(yes.entries == no.entries)
        #expect(yes.summary == no.summary)
        let auto = try DnfParser.parseTransaction(try Fixtures.text(Self.dir + "autoremove-y.stdout"))
        #expect(auto.removals.map(\.package.name) == ["kldload-olddep"])
        #expect(auto.removals.first?.package.repository == "@kldload")
        #expect(auto.summary == ["remove": 1])
    }

    @Test func otherDnfOutputsDoNotCrashTheTableParser() throws {
        for file in Fixtures.files(under: "dnf", where: { $0.hasSuffix(".stdout") && !$0.hasPrefix("check-update") }) {
            _ = try DnfParser.parseTransaction(try Fixtures.text(file))
        }
    }
}
