import Foundation
import Testing

@testable import KldloadCore

/// The `kupgrade --new-be` runs recorded in the Debian 13 VM (Tests/e2e/scenarios/21-new-be,
/// 22-move-pkgdb-power-cut), replayed.
@Suite("kupgrade --new-be recorded scenarios")
struct KupgradeNewBEScenarioTests {
    @Test func splitPackageDatabaseRefused() throws {
        let r = try ScenarioReplay.run("kupgrade-new-be-split-pkgdb-refused")
        #expect(r.report.exitCode == 3)
        #expect(r.report.refusal?.reason == "split-package-database")
        #expect(r.report.newBootEnvironment == nil)
        #expect(r.argv.allSatisfy { $0[0] == "zpool" || ($0[0] == "zfs" && $0[1] == "list") })
        let live = try String(contentsOfFile: ScenarioReplay.path("kupgrade-new-be-split-pkgdb-refused") + "/live/kupgrade.stdout", encoding: .utf8)
        #expect(r.output == live)
    }
}
