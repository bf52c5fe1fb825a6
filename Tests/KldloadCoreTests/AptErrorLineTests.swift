import Foundation
import Testing

@testable import KldloadCore

/// apt exits 0 but prints an `E:` line when it cannot open the pty it logs dpkg through (no
/// /dev/pts in a chroot or container). The exit status is the truth: the transaction is done;
/// the `E:` line is a warning. Real output: Fixtures/apt/2.6.1-debian12-chroot-no-devpts.
@Suite("apt E: line with exit 0")
struct AptErrorLineTests {
    static let dir = "apt/2.6.1-debian12-chroot-no-devpts/"

    @Test func theCaptureReallyExitedZeroWithAnELine() throws {
        let stderr = kupgradeFixture(Self.dir + "apt-get-dist-upgrade-no-devpts.stderr")
        #expect(stderr.contains("E: Can not write log (Is /dev/pts mounted?)"))
        #expect(!FileManager.default.fileExists(atPath: Fixtures.url(Self.dir + "apt-get-dist-upgrade-no-devpts.status").path))
        #expect(kupgradeFixture(Self.dir + "dpkg-query-after.stdout").contains("ii \tkldload-demo\t2.0"))
    }

    @Test func driverJudgesByExitStatus() {
        let stderr = kupgradeFixture(Self.dir + "apt-get-dist-upgrade-no-devpts.stderr")
        let ok = CommandResult(command: AptDriver.upgrade, status: .exited(0), stdout: "", stderr: stderr)
        #expect(AptDriver().failed(ok) == false)
        #expect(AptDriver().errorLinesDespiteSuccess(ok).contains { $0.hasPrefix("E: Can not write log (Is /dev/pts mounted?)") })
        let failed = CommandResult(command: AptDriver.upgrade, status: .exited(100), stdout: "", stderr: stderr)
        #expect(AptDriver().failed(failed))
        #expect(AptDriver().errorLinesDespiteSuccess(failed).isEmpty)
    }

    @Test func kupgradeCountsTheTransactionAsDoneWithAWarning() throws {
        let rig = try KupgradeRig()
        rig.healthyPool()
        rig.aptPlan()
        let setProps = rig.aptRunSucceeds(stdout: kupgradeFixture(Self.dir + "apt-get-dist-upgrade-no-devpts.stdout"),
                                          stderr: kupgradeFixture(Self.dir + "apt-get-dist-upgrade-no-devpts.stderr"),
                                          result: "success-with-warnings")
        let report = rig.run()
        #expect(report.transactionFailed == false)
        #expect(report.exitCode == ExitStatus.warnings.rawValue)
        #expect(report.warnings.contains { $0.hasPrefix("apt-get exited 0 but reported: E: Can not write log (Is /dev/pts mounted?)") })
        #expect(rig.runner.argvs.contains(AptDriver.autoremoveCommand.argv))
        #expect(rig.runner.argvs.contains(setProps))
        #expect(rig.output.text.contains("[kupgrade] DONE"))
    }
}
