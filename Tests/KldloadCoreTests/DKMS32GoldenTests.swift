import Testing
@testable import KldloadCore

/// dkms 3.2.2 (Debian 13) run through the same sequence as dkms 3.0.10 (Debian 12) by
/// Tests/capture/dkms.sh, in a trixie chroot with two Debian 6.12 kernels (Fixtures/dkms/3.2.2-debian13).
/// `dkms status` went back to the comma form (`name/version, kernel, arch: state`), the build
/// generates and uses its own MOK pair, BUILD_EXCLUSIVE is a `Warning:` over three lines, and
/// autoinstall ends with per-result summary lines.
@Suite struct DKMS32GoldenTests {
    static let dir = "dkms/3.2.2-debian13/"
    static let knew = "6.12.117+deb13-amd64"
    static let kold = "6.12.107+deb13-amd64"

    /// The same states as the dkms 3.0.10 expectations in DKMSGoldenTests, for the 6.12 kernels.
    @Test func statusInEveryStateOfTheSequence() throws {
        let helloNew = "kldload-hello/1.0 \(Self.knew) x86_64: installed"
        let helloOld = "kldload-hello/1.0 \(Self.kold) x86_64: installed"
        let want: [String: [String]] = [
            "status-empty.stdout": [],
            "status-added.stdout": ["kldload-hello/1.0: added"],
            "status-built.stdout": ["kldload-hello/1.0 \(Self.knew) x86_64: built"],
            "status-installed.stdout": [helloNew],
            "status-installed-two-kernels.stdout": [helloOld, helloNew],
            "status-with-added.stdout": ["kldload-broken/1.0: added", helloOld, helloNew, "kldload-oldonly/1.0: added"],
            "status-all.stdout": ["kldload-broken/1.0: added", helloOld, helloNew, "kldload-oldonly/1.0: added"],
            "status-k-new.stdout": ["kldload-broken/1.0: added", helloNew, "kldload-oldonly/1.0: added"],
            "status-k-old.stdout": ["kldload-broken/1.0: added", helloOld, "kldload-oldonly/1.0: added"],
            "status-m-hello.stdout": [helloOld, helloNew],
            "status-m-hello-v-k-new.stdout": [helloNew],
            "status-after-uninstall-old.stdout": [
                "kldload-broken/1.0: added", "kldload-hello/1.0 \(Self.kold) x86_64: built", helloNew, "kldload-oldonly/1.0: added",
            ],
        ]
        for (name, modules) in want {
            let status = try DKMSStatusParser.parse(try Fixtures.text(Self.dir + name))
            #expect(status.modules.map(DKMSGoldenTests.render) == modules, "\(name)")
            #expect(status.warnings.isEmpty, "\(name)")
        }
        #expect(try Fixtures.text(Self.dir + "status-installed.stdout") == "kldload-hello/1.0, \(Self.knew), x86_64: installed\n")
    }

    @Test func autoinstallWithAFailingAndAnExcludedModule() {
        for kernel in [Self.knew, Self.kold] {
            let name = kernel == Self.knew ? "autoinstall-with-broken" : "autoinstall-with-broken-old-kernel"
            let output = ModuleFixtures.text(Self.dir + name + ".stdout") + ModuleFixtures.text(Self.dir + name + ".stderr")
            #expect(ModuleFixtures.status(Self.dir + name + ".status") == 11)
            let parsed = DKMSAutoinstallOutput.parse(output, kernel: kernel)
            let byModule = Dictionary(uniqueKeysWithValues: parsed.outcomes.map { ($0.module, $0) })
            #expect(Set(byModule.keys) == ["kldload-hello", "kldload-broken", "kldload-oldonly"], "\(name)")
            #expect(byModule["kldload-hello"]?.result == .installed)
            #expect(byModule["kldload-broken"]?.result == .failed)
            #expect(byModule["kldload-broken"]?.version == "1.0")
            #expect(byModule["kldload-broken"]?.buildLog == "/var/lib/dkms/kldload-broken/1.0/build/make.log")
            #expect(byModule["kldload-oldonly"]?.result == .skipped)
            #expect(byModule["kldload-oldonly"]?.version == "1.0")
            #expect(!parsed.anonymousBuildExclusive)
        }
    }

    @Test func autoinstallSuccessAndBuildExclusiveBuild() {
        let success = DKMSAutoinstallOutput.parse(ModuleFixtures.text(Self.dir + "autoinstall-success.stdout"), kernel: Self.kold)
        #expect(success.outcomes.map(\.module) == ["kldload-hello"])
        #expect(success.outcomes.allSatisfy { $0.result == .installed })

        #expect(ModuleFixtures.status(Self.dir + "build-oldonly-excluded.status") == 77)
        let excluded = DKMSAutoinstallOutput.parse(ModuleFixtures.text(Self.dir + "build-oldonly-excluded.stderr"), kernel: Self.knew)
        #expect(excluded.outcomes.map(\.module) == ["kldload-oldonly"])
        #expect(excluded.outcomes.first?.result == .skipped)
        #expect(excluded.outcomes.first?.version == "1.0")
    }

    /// dkms 3.2 makes its own MOK pair on the first build when none exists and signs with it;
    /// the module lands compressed (`.ko.xz`) in updates/dkms.
    @Test func dkms32GeneratesItsOwnMOKAndSigns() {
        let build = ModuleFixtures.text(Self.dir + "build-hello.stdout")
        #expect(build.contains("Certificate or key are missing, generating self signed certificate for MOK..."))
        #expect(build.contains("Signing key: /var/lib/dkms/mok.key"))
        #expect(build.contains("Signing module /var/lib/dkms/kldload-hello/1.0/build/kldload_hello.ko"))
        let install = ModuleFixtures.text(Self.dir + "install-hello.stdout")
        #expect(install.contains("/lib/modules/\(Self.knew)/updates/dkms/kldload_hello.ko.xz"))
    }
}
