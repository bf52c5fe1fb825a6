import Foundation

/// Files for the Prometheus node_exporter textfile collector (`--collector.textfile.directory`):
/// the one text format writer and the one file writer kupgrade (`UpgradeMetrics`) and kbe
/// (`CheckpointMetrics`) share. Docs/KUPGRADE.md "Metrics".
///
/// Names follow the Prometheus conventions: the `kldload_` namespace, base units (`_seconds`),
/// gauges only (no `_total`: a state, not counters).
package enum Textfile {
    /// One sample: its labels (name, value) in order, and its value as printed.
    public typealias Sample = (labels: [(String, String)], value: String)

    /// The exposition text of one gauge: `# HELP`, `# TYPE`, then its samples. No sample is
    /// allowed (the metric is announced, nothing is measured).
    public static func gauge(_ name: String, help: String, _ samples: [Sample]) -> String {
        var out = "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
        for s in samples {
            let labels = s.labels.isEmpty ? ""
                : "{" + s.labels.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",") + "}"
            out += "\(name)\(labels) \(s.value)\n"
        }
        return out
    }

    /// Label values escape backslash, double quote and line feed (exposition format).
    public static func escapeLabelValue(_ value: String) -> String {
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

    /// Unix time in whole seconds (a checkpoint's creation) or with milliseconds (a run's end).
    static func seconds(_ date: Date, fraction: Bool) -> String {
        fraction ? String(format: "%.3f", date.timeIntervalSince1970) : String(Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    /// Replaces `DIRECTORY/NAME` whole through `FileSystem.write` (a new file renamed over the
    /// old one, so the collector never reads half a file). Returns the path written.
    @discardableResult
    public static func write(_ text: String, named name: String, in directory: String, files: any FileSystem)
        throws(FileSystemError) -> String
    {
        let path = FilePath.trimmingTrailingSlashes(directory) + "/" + name
        try files.write(Data(text.utf8), to: path)
        return path
    }
}
