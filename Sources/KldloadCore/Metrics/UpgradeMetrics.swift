import Foundation

/// kupgrade's figures for the Prometheus node_exporter textfile collector
/// (`--collector.textfile.directory`), Docs/KUPGRADE.md "Metrics".
///
/// The file is rewritten whole after every run that is not a `--dry-run`, by `Textfile.write`
/// (the writer and format kbe's `CheckpointMetrics` share).
package enum UpgradeMetrics {
    /// The file name inside the textfile directory (the collector reads `*.prom`).
    public static let fileName = "kldload_kupgrade.prom"

    /// Every result `kupgrade` can record; the current one is 1, the others 0, so an alert can
    /// match `kldload_kupgrade_last_result{result="critical-module-failure"} == 1`.
    public static let results = [
        "success", "success-with-warnings", "refused", "transaction-failed", "critical-module-failure", "interrupted",
    ]

    /// The text of the file: pure, from the run's report and the time it finished.
    public static func render(_ report: UpgradeReport, finishedAt: Date) -> String {
        var out = ""
        out += Textfile.gauge("kldload_kupgrade_last_run_timestamp_seconds", help: "When the last kupgrade run finished (Unix time).",
                              [([], Textfile.seconds(finishedAt, fraction: true))])
        out += Textfile.gauge("kldload_kupgrade_last_result", help: "Result of the last kupgrade run (1 for the result it had).",
                              results.map { ([("result", $0)], report.result == $0 ? "1" : "0") })
        out += Textfile.gauge("kldload_kupgrade_last_exit_code", help: "Exit status of the last kupgrade run (Docs/KUPGRADE.md).",
                              [([], String(report.exitCode))])
        out += Textfile.gauge("kldload_reboot_required", help: "1 when the last upgrade needs a reboot to take effect.",
                              [([], report.rebootRequired ? "1" : "0")])
        if let be = report.bootEnvironment, let checkpoint = report.checkpoint {
            out += Textfile.gauge("kldload_kupgrade_last_checkpoint_info", help: "The checkpoint the last run took, by boot environment.",
                                  [([("be", be), ("checkpoint", checkpoint.name)], "1")])
        }
        if let retention = report.retention {
            out += Textfile.gauge("kldload_kupgrade_retention_destroyed", help: "Checkpoints (and their twins) the last run's retention destroyed.",
                                  [([], String(retention.destroyed.count))])
        }
        return out
    }
}
