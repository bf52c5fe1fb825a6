import Foundation
import Testing
@testable import KldloadCore

@Suite struct ModuleDKMSOutputTests {
    let d = ModuleFixtures.dkms

    @Test func capturedAutoinstallWithBrokenAndExcludedModules() {
        let output = ModuleFixtures.text(d + "autoinstall-with-broken.stdout") + ModuleFixtures.text(d + "autoinstall-with-broken.stderr")
        let parsed = DKMSAutoinstallOutput.parse(output, kernel: "6.1.0-56-amd64")
        #expect(parsed.outcomes.map(\.module) == ["kldload-broken", "kldload-oldonly"])
        #expect(parsed.outcomes[0].result == .failed)
        #expect(parsed.outcomes[0].version == "1.0")
        #expect(parsed.outcomes[0].buildLog == "/var/lib/dkms/kldload-broken/1.0/build/make.log")
        #expect(parsed.outcomes[0].detail == "Bad return status for module build on kernel: 6.1.0-56-amd64 (x86_64)")
        #expect(parsed.outcomes[1].result == .skipped)
        #expect(parsed.outcomes[1].version == "1.0")
        #expect(!parsed.anonymousBuildExclusive)
    }

    /// dkms 3.0.10 and 3.2.2, kernel without headers: the message is kept with its advice.
    @Test(arguments: [("dkms/3.0.10-debian12/", "6.18.44-fc-v769"), ("dkms/3.2.2-debian13/", "6.18.44-fc-v1272")])
    func capturedHeadersMissing(_ dir: String, _ kernel: String) throws {
        let base = "\(dir)autoinstall-running-kernel-no-headers"
        let output = try #require(FixtureLoader.text(base + ".stdout")) + (FixtureLoader.text(base + ".stderr") ?? "")
        let parsed = DKMSAutoinstallOutput.parse(output, kernel: kernel)
        #expect(parsed.headersMissing?.hasPrefix("Your kernel headers for kernel \(kernel) cannot be found") == true)
        #expect(parsed.headersMissing?.hasSuffix("to tell DKMS where it's located.") == true)
        #expect(!parsed.outcomes.contains { $0.result == .installed })
    }

    @Test func capturedSuccessNamesNoFailure() {
        let parsed = DKMSAutoinstallOutput.parse(ModuleFixtures.text(d + "autoinstall-success.stdout"), kernel: "6.1.0-55-amd64")
        #expect(!parsed.outcomes.contains { $0.result != .installed })
    }

    @Test func capturedBuildExclusiveBuild() {
        let parsed = DKMSAutoinstallOutput.parse(ModuleFixtures.text(d + "build-oldonly-excluded.stderr"), kernel: "6.1.0-56-amd64")
        #expect(parsed.outcomes == [DKMSBuildOutcome(module: "kldload-oldonly", version: "1.0", kernel: "6.1.0-56-amd64", result: .skipped,
                                                     detail: "dkms.conf BUILD_EXCLUSIVE does not include kernel 6.1.0-56-amd64")])
    }

    /// dkms 3.1+ wording, quoted from dell/dkms `run_test.sh` (expected output of
    /// `dkms autoinstall -k`), with its ${KERNEL_VER}/${KERNEL_ARCH} filled in.
    @Test func dkms31SummaryLinesAndWrappedBuildExclusive() {
        let text = """
        Warning: The /var/lib/dkms/dkms_build_exclusive_test/1.0/6.8.0-1-amd64/x86_64/dkms.conf
        for module dkms_build_exclusive_test/1.0 includes a BUILD_EXCLUSIVE directive
        which does not match this kernel/arch/config.
        This indicates that it should not be built.
        Autoinstall of module dkms_failing_test/1.0 for kernel 6.8.0-1-amd64 (x86_64)
        Building module(s)...(bad exit status: 2)
        Failed command:
        make -j1 KERNELRELEASE=6.8.0-1-amd64 all <omitting possibly set CC/LD/... flags>

        Error! Bad return status for module build on kernel: 6.8.0-1-amd64 (x86_64)
        Consult /var/lib/dkms/dkms_failing_test/1.0/build/make.log for more information.

        Autoinstall on 6.8.0-1-amd64 succeeded for module(s) dkms_test dkms_noisy_test.
        Autoinstall on 6.8.0-1-amd64 was skipped for module(s) dkms_build_exclusive_test.
        Autoinstall on 6.8.0-1-amd64 failed for module(s) dkms_failing_test(10).

        Error! One or more modules failed to install during autoinstall.
        Refer to previous errors for more information.
        """
        let parsed = DKMSAutoinstallOutput.parse(text, kernel: "6.8.0-1-amd64")
        let byName = Dictionary(uniqueKeysWithValues: parsed.outcomes.map { ($0.module, $0) })
        #expect(byName["dkms_build_exclusive_test"]?.result == .skipped)
        #expect(byName["dkms_failing_test"]?.result == .failed)
        #expect(byName["dkms_failing_test"]?.buildLog == "/var/lib/dkms/dkms_failing_test/1.0/build/make.log")
        #expect(byName["dkms_test"]?.result == .installed)
        #expect(byName["dkms_noisy_test"]?.result == .installed)
    }

    @Test func garbageNeverCrashes() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["Consult ", "/var/lib/dkms/", "/", "BUILD_EXCLUSIVE", "Autoinstall on ", " for module(s) ", "(", ")", ".", "\n", "x", " "]
        for _ in 0..<300 {
            let text = (0..<40).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }.joined()
            _ = DKMSAutoinstallOutput.parse(text, kernel: "k")
            _ = DKMSBuildExclusive.parse(dkmsConf: text).exclusionReason(kernel: "6.1.0-1-amd64", arch: "x86_64")
        }
    }

    @Test func capturedDkmsConfExclusion() {
        let conf = (try? String(contentsOfFile: ModuleFixtures.root + "/../Tests/capture/dkms-src/kldload-oldonly-1.0/dkms.conf", encoding: .utf8)) ?? ""
        let ex = DKMSBuildExclusive.parse(dkmsConf: conf)
        #expect(ex.kernel == "^4\\.")
        #expect(ex.exclusionReason(kernel: "6.1.0-56-amd64", arch: "x86_64") != nil)
        #expect(ex.exclusionReason(kernel: "4.19.0-27-amd64", arch: "x86_64") == nil)
    }

    @Test func archAndVersionBoundsExclude() {
        let ex = DKMSBuildExclusive.parse(dkmsConf: """
        BUILD_EXCLUSIVE_ARCH="x86_64|i.86"
        BUILD_EXCLUSIVE_KERNEL_MIN="5.10"
        BUILD_EXCLUSIVE_KERNEL_MAX="6.6"
        """)
        #expect(ex.exclusionReason(kernel: "6.1.0-56-amd64", arch: "x86_64") == nil)
        #expect(ex.exclusionReason(kernel: "6.1.0-56-arm64", arch: "aarch64")?.contains("BUILD_EXCLUSIVE_ARCH") == true)
        #expect(ex.exclusionReason(kernel: "5.4.0-1-amd64", arch: "x86_64")?.contains("KERNEL_MIN") == true)
        #expect(ex.exclusionReason(kernel: "6.8.0-45-generic", arch: "x86_64")?.contains("KERNEL_MAX") == true)
    }
}
