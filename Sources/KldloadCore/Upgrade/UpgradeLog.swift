import Foundation

/// Appends timestamped lines to `/var/log/kupgrade.log` (or `--log PATH`) through the
/// FileSystem, so a replay writes into its in-memory overlay and never to the host.
///
/// Format, one line per event (Docs/KUPGRADE.md):
/// `2026-03-25T09:15:30+01:00 [kupgrade] checking pool health... rpool ONLINE` for kupgrade's
/// own lines, `… [apt-get] Setting up zfs-dkms …` for a command's stdout, `… [apt-get!] …`
/// for its stderr. A failing write is remembered (and reported once), never fatal: losing the
/// log must not abort an upgrade half way.
// @unchecked: ISO8601DateFormatter is not Sendable; it and `failure` are used only under `lock`.
package final class UpgradeLog: @unchecked Sendable {
    public let path: String
    private let files: any FileSystem
    private let now: @Sendable () -> Date
    private let formatter: ISO8601DateFormatter
    private let lock = NSLock()
    private var failure: FileSystemError?

    public init(path: String, files: any FileSystem, now: @escaping @Sendable () -> Date, timeZone: TimeZone) {
        self.path = path
        self.files = files
        self.now = now
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = timeZone
        self.formatter = f
    }

    /// The first write error, if any (reported as a warning in the summary).
    public var writeError: FileSystemError? { lock.withLock { failure } }

    public func record(_ message: String, tag: String = "kupgrade") {
        let stamp = lock.withLock { formatter.string(from: now()) }
        var text = ""
        for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "\(stamp) [\(tag)] \(line)\n"
        }
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil else { return }
        do throws(FileSystemError) { try files.append(Data(text.utf8), to: path) } catch { failure = error }
    }

    /// A line of a command's output: `[program]` for stdout, `[program!]` for stderr. Carriage
    /// returns (dpkg's progress, CRLF line ends) are resolved as a terminal shows them: the
    /// text after the last `\r` is what stays on screen.
    public func record(output line: String, of command: Command, stream: OutputStreamKind) {
        let program = (command.program as NSString).lastPathComponent
        record(TerminalText.resolvingCarriageReturns(line), tag: stream == .stdout ? program : program + "!")
    }
}
