import Foundation
import Testing

@testable import KldloadCore

/// node_exporter textfile metrics: rendered from the report, written whole after a real run.
@Suite("kupgrade metrics")
struct UpgradeMetricsTests {
    @Test func recordedRunWritesTheTextfile() throws {
        let r = try ScenarioReplay.run("kupgrade-debian12-apt") { $0.metricsDirectory = "/var/lib/prometheus/node-exporter" }
        let text = try r.files.text(of: "/var/lib/prometheus/node-exporter/kldload_kupgrade.prom")
        #expect(text.contains("# TYPE kldload_kupgrade_last_result gauge\n"))
        #expect(text.contains("kldload_kupgrade_last_result{result=\"success\"} 1\n"))
        #expect(text.contains("kldload_kupgrade_last_result{result=\"transaction-failed\"} 0\n"))
        #expect(text.contains("kldload_kupgrade_last_exit_code 0\n"))
        #expect(text.contains("kldload_reboot_required 0\n"))
        #expect(text.contains("kldload_kupgrade_last_checkpoint_info{be=\"rpool/ROOT/default\",checkpoint=\"pre-upgrade-20261122-050646\"} 1\n"))
        // Every sample line belongs to a metric announced by HELP and TYPE.
        let names = Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
        for sample in text.split(separator: "\n") where !sample.hasPrefix("#") {
            let name = sample.prefix { $0 != "{" && $0 != " " }
            #expect(names.contains(name), "\(sample)")
        }
    }

    @Test func dryRunAndUnconfiguredRunsWriteNothing() throws {
        let dry = try ScenarioReplay.run("kupgrade-debian12-apt") { $0.metricsDirectory = "/m"; $0.dryRun = true }
        #expect(!dry.files.exists("/m/kldload_kupgrade.prom"))
        let plain = try ScenarioReplay.run("kupgrade-debian12-apt")
        #expect(!plain.files.exists("/var/lib/prometheus/node-exporter/kldload_kupgrade.prom"))
    }

    @Test func labelValuesAreEscaped() {
        #expect(Textfile.escapeLabelValue("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
        var report = UpgradeReport()
        report.bootEnvironment = "rpool/ROOT/we\"ird"
        report.checkpoint = .init(name: "pre-upgrade-1", snapshots: [])
        let text = UpgradeMetrics.render(report, finishedAt: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(text.contains("kldload_kupgrade_last_run_timestamp_seconds 1700000000.000\n"))
        #expect(text.contains("be=\"rpool/ROOT/we\\\"ird\""))
    }

    @Test func configKeyAndOption() throws {
        let config = try KupgradeConfig.parse("textfile_dir = /var/lib/node_exporter\n")
        var options = UpgradeOptions()
        config.apply(to: &options)
        #expect(options.metricsDirectory == "/var/lib/node_exporter")
        #expect(throws: ParseError.self) { try KupgradeConfig.parse("textfile_dir = relative\n") }
        let out = Lines()
        let code = KupgradeCommand.main(["--metrics-dir", "rel", "--replay", Fixtures.url("scenarios/kupgrade-debian12-apt").path],
                                        stdout: out.add, stderr: out.add)
        #expect(code == 2)
        #expect(out.text.contains("--metrics-dir needs an absolute path"))
    }
}
