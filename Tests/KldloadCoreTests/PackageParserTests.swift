import Testing
@testable import KldloadCore

@Suite struct PackageParserTests {
    @Test func packageVersionNotation() {
        let p = Package(name: "bsdutils", fullVersion: "1:2.38.1-5+deb12u3", arch: "amd64")
        #expect(p.epoch == "1")
        #expect(p.version == "2.38.1")
        #expect(p.release == "5+deb12u3")
        #expect(p.fullVersion == "1:2.38.1-5+deb12u3")
        let q = Package(name: "debconf", fullVersion: "1.5.82")
        #expect(q.epoch == nil && q.release == nil && q.version == "1.5.82")
        // Upstream versions may contain '-' (dpkg): the revision starts after the last one.
        let r = Package(name: "x", fullVersion: "2:1.2-rc1-3")
        #expect(r.version == "1.2-rc1" && r.release == "3")
        #expect(Package(name: "k", epoch: nil, version: "6.1.0", release: "18", arch: nil).fullVersion == "6.1.0-18")
    }

    @Test func rpmQueryFormat() throws {
        let text = "kernel-core\t(none)\t5.14.0\t427.13.1.el9_4\tx86_64\n"
            + "shim-x64\t(none)\t15.8\t3.el9\tx86_64\n"
            + "grub2-pc\t1\t2.06\t77.el9\tx86_64\n"
            + "gpg-pubkey\t(none)\tfd431d51\t4ae0493b\t(none)\n"
        let pkgs = try RPMQueryParser.parse(text)
        #expect(pkgs.count == 4)
        #expect(pkgs[0] == Package(name: "kernel-core", version: "5.14.0", release: "427.13.1.el9_4", arch: "x86_64"))
        #expect(pkgs[2].epoch == "1")
        #expect(pkgs[2].fullVersion == "1:2.06-77.el9")
        #expect(pkgs[3].arch == nil)
    }

    @Test func rpmErrorsNameTheLine() {
        do {
            _ = try RPMQueryParser.parse("a\t(none)\t1\t1\tx86_64\nbroken line\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.source == "rpm -qa")
        }
        #expect(throws: ParseError.self) { try RPMQueryParser.parse("a\tx\t1\t1\tx86_64\n") }
    }

    @Test func dpkgQueryKeepsInstalledOnly() throws {
        let text = "ii \tbash\t5.2.15-2+b13\tamd64\n"
            + "ii \tgcc-12-base:amd64\t12.2.0-14+deb12u1\tamd64\n"
            + "rc \tlinux-image-6.1.0-17-amd64\t6.1.69-1\tamd64\n"
            + "hi \tzfs-dkms\t2.1.11-1\tall\n"
            + "iF \tkldload-breaks\t2.0\tall\n"
            + "un \tfoo\t\t\n"
            + "iU \tlibfoo:i386\t1.0-1\ti386\n"
        let all = try DpkgQueryParser.parseEntries(text)
        #expect(all.count == 7)
        #expect(all[2].status.description == "rc ")
        #expect(all[6].package.name == "libfoo" && all[6].package.arch == "i386")
        let installed = try DpkgQueryParser.parse(text)
        #expect(installed.map(\.name) == ["bash", "gcc-12-base", "zfs-dkms"])
        #expect(installed[0].fullVersion == "5.2.15-2+b13")
    }

    @Test func dpkgQueryRejectsWrongShape() {
        #expect(throws: ParseError.self) { try DpkgQueryParser.parse("ii bash 5.2 amd64\n") }
        #expect(throws: ParseError.self) { try DpkgQueryParser.parse("iiii\tbash\t5.2\tamd64\n") }
    }

    @Test func packageManagerFromFamily() {
        #expect(PackageManager(family: .debian) == .apt)
        #expect(PackageManager(family: .rhel) == .dnf)
        #expect(PackageManager(family: .arch) == .pacman)
        #expect(PackageManager(family: .unknown) == nil)
        #expect(PackageManager.allCases.allSatisfy { PackageManager(family: $0.family) == $0 })
    }
}
