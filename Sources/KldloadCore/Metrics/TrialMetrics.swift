import Foundation

/// The trial boot for the node_exporter textfile collector: `kldload_trial.prom`, rewritten
/// whole (`Textfile.write`) by whatever changes a trial — kbe's `activate --trial`,
/// `activate --cancel-trial`, `confirm` and `trial-check` (which runs at every boot), and
/// kupgrade when its `--new-be` run arms one (Docs/KUPGRADE.md "Metrics"). One file, one
/// writer, so the gauge never appears twice.
package enum TrialMetrics {
    /// The file name inside the textfile directory.
    public static let fileName = "kldload_trial.prom"

    /// The text of the file: pure. `pending` is the state after the command; `trial` names
    /// the target and the fallback while one is pending.
    public static func render(pending: Bool, trial: TrialInfo?) -> String {
        var out = Textfile.gauge(
            "kldload_trial_pending", help: "1 while a trial boot is pending (Docs/TRIAL.md).", [([], pending ? "1" : "0")])
        out += Textfile.gauge(
            "kldload_trial_info", help: "The pending trial: the boot environment it boots once and the default it falls back to.",
            pending ? [([("target", trial?.target ?? ""), ("from", trial?.from ?? "")], "1")] : [])
        return out
    }

    /// Whether a trial is pending after a kbe command that changed trials; nil for commands
    /// that do not (the file is then left alone).
    public static func pendingAfter(_ action: KBEInvocation.Action, report: KBEReport) -> Bool? {
        switch action {
        case .activateTrial: return true
        case .cancelTrial, .confirm: return false
        // Confirmed or a fallback recorded (executed): none pending; otherwise what was read
        // (no trial, or one armed for the next boot).
        case .trialCheck(.settle): return report.executed == true ? false : (report.trial?.pending ?? false)
        default: return nil
        }
    }

    /// Writes the file; returns the warning to show when that failed (nil: written).
    public static func write(pending: Bool, trial: TrialInfo?, directory: String, files: any FileSystem) -> String? {
        do {
            _ = try Textfile.write(render(pending: pending, trial: trial), named: fileName, in: directory, files: files)
            return nil
        } catch {
            return "metrics not written to \(FilePath.trimmingTrailingSlashes(directory))/\(fileName): \(error)"
        }
    }
}
