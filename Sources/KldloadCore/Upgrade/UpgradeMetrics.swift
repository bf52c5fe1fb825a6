import Foundation

/// kupgrade's figures for the Prometheus node_exporter textfile collector
/// (`--collector.textfile.directory`), Docs/KUPGRADE.md "Metrics".
///
/// The file is rewritten whole after every run that is not a `--dry-run`, through
/// `FileSystem.write` (a new file renamed over the old one, so the collector never reads half a
/// file). Names follow the Prometheus conventions: the `kldload_` namespace, base units
/// (`_seconds`), gauges only (no `_total`: one run's values, not counters).
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
        func metric(_ name: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for s in samples {
                let labels = s.labels.isEmpty ? ""
                    : "{" + s.labels.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",") + "}"
                out += "\(name)\(labels) \(s.value)\n"
            }
        }
        let seconds = finishedAt.timeIntervalSince1970
        metric("kldload_kupgrade_last_run_timestamp_seconds", "When the last kupgrade run finished (Unix time).",
               [([], String(format: "%.3f", seconds))])
        metric("kldload_kupgrade_last_result", "Result of the last kupgrade run (1 for the result it had).",
               results.map { ([("result", $0)], report.result == $0 ? "1" : "0") })
        metric("kldload_kupgrade_last_exit_code", "Exit status of the last kupgrade run (Docs/KUPGRADE.md).",
               [([], String(report.exitCode))])
        metric("kldload_reboot_required", "1 when the last upgrade needs a reboot to take effect.",
               [([], report.rebootRequired ? "1" : "0")])
        metric("kldload_trial_pending", "1 while a trial boot is pending (trial boots: Docs/TRIAL.md).",
               [([], "0")])
        if let be = report.bootEnvironment, let checkpoint = report.checkpoint {
            metric("kldload_kupgrade_last_checkpoint_info", "The checkpoint the last run took, by boot environment.",
                   [([("be", be), ("checkpoint", checkpoint.name)], "1")])
        }
        if let retention = report.retention {
            metric("kldload_kupgrade_retention_destroyed", "Checkpoints (and their twins) the last run's retention destroyed.",
                   [([], String(retention.destroyed.count))])
        }
        return out
    }

    /// Label values escape backslash, double quote and line feed (exposition format).
    static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
