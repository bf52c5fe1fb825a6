import Testing
@testable import KldloadCore

/// rpm and dpkg-query output captured on this machine (Fixtures/rpm, Fixtures/dpkg).
@Suite struct PackageGoldenTests {
    @Test func rpmQueryAll() throws {
        let expectedCounts = [
            "rpm/4.18.0-debian12/qa-v1.stdout": 8,
            "rpm/4.18.0-debian12/qa-after-upgrade.stdout": 10,
            "rpm/4.18.0-debian12/qa-final.stdout": 9,
        ]
        let files = Fixtures.files(under: "rpm") { $0.hasPrefix("qa") && $0.hasSuffix(".stdout") }
        #expect(Set(expectedCounts.keys).isSubset(of: Set(files)))
        for file in files {
            let pkgs = try RPMQueryParser.parse(try Fixtures.text(file))
            if let n = expectedCounts[file] { #expect(pkgs.count == n, "\(file)") }
            #expect(pkgs.allSatisfy { !$0.name.isEmpty && !$0.version.isEmpty && $0.release != nil && $0.arch != nil }, "\(file)")
        }
        let final = try RPMQueryParser.parse(try Fixtures.text("rpm/4.18.0-debian12/qa-final.stdout"))
        let epoch = try #require(final.first { $0.name == "kldload-epoch" })
        #expect(epoch.epoch == "2" && epoch.fullVersion == "2:1.1-1" && epoch.arch == "noarch")
        let kernels = final.filter { $0.name == "kernel-core" }.map(\.fullVersion)
        #expect(kernels == ["5.14.0-503.el9", "5.14.0-570.el9"])
        #expect(final.first { $0.name == "kmod-zfs" }?.fullVersion == "2.2.8-1.el9")
        #expect(final.filter { $0.epoch != nil }.count == 1)
    }

    @Test func dpkgQueryHost() throws {
        let all = try DpkgQueryParser.parseEntries(try Fixtures.text("dpkg/1.21.23-debian12-host/dpkg-query-host.stdout"))
        #expect(all.count == 978)
        let installed = try DpkgQueryParser.parse(try Fixtures.text("dpkg/1.21.23-debian12-host/dpkg-query-host.stdout"))
        #expect(installed.count == all.filter { $0.status.isInstalled }.count)
        #expect(installed.contains { $0.name == "dpkg" && $0.fullVersion == "1.21.23" })
        // Multi-Arch: same packages print `name:arch`; the name is stored without the suffix.
        #expect(!installed.contains { $0.name.contains(":") })

        let withRC = try DpkgQueryParser.parseEntries(try Fixtures.text("dpkg/1.21.23-debian12-host/dpkg-query-host-with-rc.stdout"))
        #expect(withRC.count == 979)
        let rc = withRC.filter { $0.status.description == "rc " }
        #expect(rc.map(\.package.name) == ["kldload-legacy"])
        #expect(try DpkgQueryParser.parse(try Fixtures.text("dpkg/1.21.23-debian12-host/dpkg-query-host-with-rc.stdout"))
            .contains { $0.name == "kldload-legacy" } == false)

        let single = try DpkgQueryParser.parseEntries(try Fixtures.text("dpkg/1.21.23-debian12-host/dpkg-query-single-rc.stdout"))
        #expect(single.count == 1 && !single[0].status.isInstalled)
        #expect(try DpkgQueryParser.parse(try Fixtures.text("dpkg/1.21.23-debian12-host/dpkg-query-single-not-installed.stdout")).isEmpty)
    }

    @Test func dpkgQueryChroot() throws {
        let half = try DpkgQueryParser.parseEntries(try Fixtures.text("dpkg/1.21.23-debian12-chroot/dpkg-query-chroot-half-configured.stdout"))
        #expect(half.count == 96)
        #expect(half.first { $0.package.name == "kldload-breaks" }?.status.description == "iF ")
        #expect(half.filter { $0.status.isInstalled }.count == 93)
        let rc = try DpkgQueryParser.parse(try Fixtures.text("dpkg/1.21.23-debian12-chroot/dpkg-query-chroot-rc.stdout"))
        #expect(rc.count == 93)
        #expect(rc.filter { $0.name.hasPrefix("kldload-") }.map(\.name) == ["kldload-demo", "kldload-held", "kldload-lib", "kldload-newdep"])
        #expect(rc.first { $0.name == "bsdutils" }?.epoch == "1")
    }

    @Test func everyDpkgQueryCaptureParses() throws {
        for file in Fixtures.files(under: "dpkg", where: { $0.hasPrefix("dpkg-query") && $0.hasSuffix(".stdout") }) {
            _ = try DpkgQueryParser.parseEntries(try Fixtures.text(file))
        }
    }
}
