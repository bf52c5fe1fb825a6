import Foundation

/// The checkpoints of the boot environments for the node_exporter textfile collector:
/// `kldload_checkpoints.prom`, rewritten whole (`Textfile.write`) by kbe after every command
/// that makes, destroys or moves checkpoints or boot environments, and by kupgrade after its
/// run (Docs/KUPGRADE.md "Metrics"). The figures come from a listing made after the change,
/// never from a guess of what the change did.
package enum CheckpointMetrics {
    /// The file name inside the textfile directory (next to kupgrade's `kldload_kupgrade.prom`).
    public static let fileName = "kldload_checkpoints.prom"

    /// The text of the file: pure, from the boot environments as listed. A BE without
    /// checkpoints has a sample of 0; the oldest checkpoint has no sample when there is none.
    public static func render(_ environments: [BootEnvironment]) -> String {
        var out = Textfile.gauge(
            "kldload_be_checkpoints", help: "Checkpoints (snapshots) of each boot environment.",
            environments.map { ([("be", $0.dataset)], String($0.checkpoints.count)) })
        let oldest = environments.lazy.flatMap(\.checkpoints).compactMap(\.creation).min()
        out += Textfile.gauge(
            "kldload_checkpoint_oldest_timestamp_seconds",
            help: "Creation time of the oldest checkpoint of any boot environment (Unix time).",
            oldest.map { [([], Textfile.seconds($0, fraction: false))] } ?? [])
        return out
    }

    /// Lists the boot environments again and rewrites the file in `directory`. Returns the
    /// warning to show when that failed (nil: written); a failure never changes a result.
    public static func refresh(_ manager: BootEnvironmentManager, directory: String) -> String? {
        do {
            let state = try manager.loadState()
            try Textfile.write(render(state.environments), named: fileName, in: directory, files: manager.context.files)
            return nil
        } catch let error as KBEError {
            return "metrics not written to \(FilePath.trimmingTrailingSlashes(directory))/\(fileName): listing the boot environments failed: \(error.message)"
        } catch {
            return "metrics not written to \(FilePath.trimmingTrailingSlashes(directory))/\(fileName): \(error)"
        }
    }

    /// kbe's side: the textfile directory is kupgrade's (`textfile_dir` in
    /// /etc/kldload/kupgrade.conf), used only when that directory exists (kbe does not create
    /// a directory for a collector that is not installed). Returns the warnings to print.
    public static func refreshAfterKBE(_ manager: BootEnvironmentManager) -> [String] {
        switch kbeDirectory(manager) {
        case .failure(let warning): return [warning.description]
        case .success(nil): return []
        case .success(let dir?): return refresh(manager, directory: dir).map { ["[kbe] warning: " + $0] } ?? []
        }
    }

    /// The textfile directory kbe writes to, nil when there is none (a dry run, no
    /// configuration, or a directory that does not exist); a warning when the configuration
    /// cannot be read. Shared by the checkpoint and trial files.
    public static func kbeDirectory(_ manager: BootEnvironmentManager) -> Result<String?, KBEMetricsWarning> {
        guard !manager.options.dryRun,
            let text = manager.context.files.textIfPresent(UpgradeOptions.configPath)
        else { return .success(nil) }
        let config: KupgradeConfig
        do { config = try KupgradeConfig.parse(text) } catch {
            return .failure(KBEMetricsWarning("[kbe] warning: metrics not written: \(error)"))
        }
        guard let dir = config.textfileDir, manager.context.files.isDirectory(dir) else { return .success(nil) }
        return .success(dir)
    }
}

/// A metrics file kbe could not write: a warning line, never a change of the result.
package struct KBEMetricsWarning: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
