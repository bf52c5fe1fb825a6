import Testing
@testable import KldloadCore

/// Shapes from dnf's dnf/cli/output.py (`fmtColumns` wrapping, `simpleList`,
/// `updatesObsoletesList`, `list_transaction`) and dnf5's check-upgrade.cpp.
@Suite struct DnfParserTests {
    @Test func checkUpdateWithWrapAndObsoletes() throws {
        let text = """
            Last metadata expiration check: 0:07:38 ago on Sun Dec 25 20:46:13 2016.

            PackageKit.x86_64                         1.1.4-2.fc25                   updates
            kernel-core.x86_64                        5.14.0-427.13.1.el9_4          baseos
            a-very-long-package-name-that-does-not-fit-the-column.noarch
                                                      1.0-1.el9                      appstream
            Obsoleting Packages
            grub2-tools.x86_64                        1:2.06-77.el9                  baseos
                grub2-tools-efi.x86_64                1:2.06-70.el9                  @baseos
                grub2-tools-extra.x86_64              1:2.06-70.el9                  @anaconda
            """
        let r = try DnfParser.parseCheckUpdate(text)
        #expect(r.updates.count == 3)
        #expect(r.updates[1] == PackageUpgrade(name: "kernel-core", arch: "x86_64", newVersion: "5.14.0-427.13.1.el9_4", repository: "baseos"))
        #expect(r.updates[2].name == "a-very-long-package-name-that-does-not-fit-the-column")
        #expect(r.updates[2].repository == "appstream")
        #expect(r.obsoletes.count == 1)
        #expect(r.obsoletes[0].obsoleting.newVersion == "1:2.06-77.el9")
        #expect(r.obsoletes[0].obsoleted.map(\.name) == ["grub2-tools-efi", "grub2-tools-extra"])
        #expect(r.obsoletes[0].obsoleted[1].repository == "@anaconda")
        #expect(r.messages.count == 1)
        #expect(DnfParser.checkUpdateHasUpdates(exitStatus: 100) == true)
        #expect(DnfParser.checkUpdateHasUpdates(exitStatus: 0) == false)
        #expect(DnfParser.checkUpdateHasUpdates(exitStatus: 1) == nil)
    }

    @Test func dnf5ObsoletingLowercase() throws {
        let r = try DnfParser.parseCheckUpdate("""
            python3-dnf.noarch    4.4.0-1.fc36    updates
            Obsoleting packages
            python3-dnf-plugins-core.noarch    4.4.0-1.fc36    copr:example
                python3-dnf-plugins-core.noarch    4.2.1-1.fc36    @updates
            """)
        #expect(r.updates.count == 1)
        #expect(r.obsoletes.first?.obsoleted.first?.newVersion == "4.2.1-1.fc36")
    }

    @Test func checkUpdateTruncatedWrapIsAnError() {
        do {
            _ = try DnfParser.parseCheckUpdate("foo.x86_64  1.0-1  baseos\nsome-very-long-name.x86_64\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test func dnf4TransactionTable() throws {
        let text = """
            Dependencies resolved.
            ================================================================================
             Package                Architecture  Version                Repository    Size
            ================================================================================
            Installing:
             kernel                 x86_64        5.14.0-427.13.1.el9_4  baseos        5.0 M
             kernel-core-with-a-name-too-long-for-the-column
                                    x86_64        5.14.0-427.13.1.el9_4  baseos         18 M
            Upgrading:
             bash                   x86_64        5.1.8-9.el9            baseos        1.7 M
             grub2-tools            x86_64        1:2.06-77.el9          baseos        1.8 M
                 replacing  grub2-tools-efi.x86_64 1:2.06-70.el9
            Removing:
             kernel-core            x86_64        5.14.0-362.8.1.el9_3   @baseos        60 M

            Transaction Summary
            ================================================================================
            Install  2 Packages
            Upgrade  2 Packages
            Remove   1 Package

            Total download size: 27 M
            Operation aborted.
            """
        let t = try DnfParser.parseTransaction(text)
        #expect(t.installs.count == 2)
        #expect(t.installs[1].package.name == "kernel-core-with-a-name-too-long-for-the-column")
        #expect(t.installs[1].size == "18 M")
        #expect(t.upgrades.map(\.package.name) == ["bash", "grub2-tools"])
        #expect(t.upgrades[1].replacing == [PackageUpgrade(name: "grub2-tools-efi", arch: "x86_64", newVersion: "1:2.06-70.el9")])
        #expect(t.upgrades[1].package.currentVersion == nil)
        #expect(t.removals.first?.package.repository == "@baseos")
        #expect(t.summary == ["install": 2, "upgrade": 2, "remove": 1])
        #expect(t.messages.contains("Operation aborted."))
    }

    @Test func dnf5TransactionTable() throws {
        let text = """
            Updating and loading repositories:
            Repositories loaded.
            Package              Arch   Version        Repository      Size
            Upgrading:
             curl                x86_64 8.11.1-5.fc42  updates    450.7 KiB
               replacing curl    x86_64 8.11.1-4.fc42  fedora     450.6 KiB
             libcurl             x86_64 8.11.1-5.fc42  updates    834.0 KiB
               replacing libcurl x86_64 8.11.1-4.fc42  fedora     842.1 KiB

            Transaction Summary:
             Upgrading:          2 packages
             Replacing:          2 packages

            Operation aborted by the user.
            """
        let t = try DnfParser.parseTransaction(text)
        #expect(t.upgrades.count == 2)
        #expect(t.upgrades[0].package.currentVersion == "8.11.1-4.fc42")
        #expect(t.upgrades[0].package.newVersion == "8.11.1-5.fc42")
        #expect(t.upgrades[0].size == "450.7 KiB")
        #expect(t.summary == ["upgrading": 2, "replacing": 2])
    }

    @Test func transactionReplacingWithoutRowIsAnError() {
        #expect(throws: ParseError.self) {
            try DnfParser.parseTransaction("Upgrading:\n   replacing curl x86_64 1-1 fedora 1 KiB\n")
        }
    }
}
