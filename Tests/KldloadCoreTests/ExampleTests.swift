import Foundation
import Testing

@testable import KldloadCore

/// The embedder's example (Docs/examples/ListBootEnvironments) is compiled into this test target
/// through a symbolic link (Examples/ListBootEnvironments.swift), so a change of the public API
/// that breaks it breaks the build here, and its output is checked against recorded machines.
@Suite struct ExampleTests {
    @Test func listBootEnvironmentsReadsARecordedDegradedPool() throws {
        let context = try SystemContext.replay(scenario: ScenarioReplay.path("kupgrade-debian12-degraded-refusal"))
        let text = try listBootEnvironments(context: context)
        #expect(text == """
            pool rpool: DEGRADED (One or more devices has been taken offline by the administrator. \
            Sufficient replicas exist for the pool to continue functioning in a degraded state.)
            default\tNR\trpool/ROOT/default

            """)
    }

    @Test func listBootEnvironmentsReadsRecordedBootEnvironments() throws {
        let context = try SystemContext.replay(scenario: ScenarioReplay.path("kupgrade-new-be-leftover"))
        let text = try listBootEnvironments(context: context)
        // A VM recording: the BE an earlier `kupgrade --new-be` made runs (N) and boots next (R);
        // a killed run left `killed-be` behind.
        #expect(text == """
            pool rpool: healthy
            default\t-\trpool/ROOT/default\tcheckpoints: e2e-proof, kbe-upgrade-20261205-153727, pre-upgrade-20261205-154002
            killed-be\t-\trpool/ROOT/killed-be
            upgrade-20261205-153727\tNR\trpool/ROOT/upgrade-20261205-153727\tcheckpoints: kbe-killed-be

            """)
    }

    /// The file the test compiles is the example's own, not a copy.
    @Test func theTestCompilesTheExamplesFile() throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let link = here.appendingPathComponent("Examples/ListBootEnvironments.swift").path
        let destination = try FileManager.default.destinationOfSymbolicLink(atPath: link)
        #expect(destination == "../../../Docs/examples/ListBootEnvironments/Sources/ListBootEnvironments/ListBootEnvironments.swift")
        #expect(FileManager.default.fileExists(atPath: link))
    }
}
