import Foundation
import Synchronization

/// Appends timestamped lines to `/var/log/kupgrade.log` (or `--log PATH`) through the
/// FileSystem, so a replay writes into its in-memory overlay and never to the host.
///
/// Format, one line per event (Docs/KUPGRADE.md):
/// `2026-03-25T09:15:30+01:00 [kupgrade] checking pool health... rpool ONLINE` for kupgrade's
/// own lines, `… [apt-get] Setting up zfs-dkms …` for a command's stdout, `… [apt-get!] …`
/// for its stderr. A failing write is remembered (and reported once), never fatal: losing the
/// log must not abort an upgrade half way.
package final class UpgradeLog: Sendable {
    public let path: String
    private let files: any FileSystem
    private let now: @Sendable () -> Date
    private let timeZone: TimeZone
    /// The first write error; once set, nothing more is written. Held while a line is appended,
    /// so lines from two threads stay whole.
    private let failure = Mutex<FileSystemError?>(nil)

    public init(path: String, files: any FileSystem, now: @escaping @Sendable () -> Date, timeZone: TimeZone) {
        self.path = path
        self.files = files
        self.now = now
        self.timeZone = timeZone
    }

    /// The first write error, if any (reported as a warning in the summary).
    public var writeError: FileSystemError? { failure.withLock { $0 } }

    public func record(_ message: String, tag: String = "kupgrade") {
        let stamp = Self.stamp(now(), timeZone: timeZone)
        var text = ""
        for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "\(stamp) [\(tag)] \(line)\n"
        }
        failure.withLock { failure in
            guard failure == nil else { return }
            do throws(FileSystemError) { try files.append(Data(text.utf8), to: path) } catch { failure = error }
        }
    }

    /// `2026-03-25T09:15:30+01:00` (`Z` for UTC): the date in `timeZone`, whole seconds rounded
    /// down, the same text as `ISO8601DateFormatter` with `.withInternetDateTime` writes.
    /// Integer civil-date arithmetic (`BEListRenderer.civil`) for local years 1583–9999 and
    /// offsets in whole minutes; otherwise (Foundation is Julian before 1583, and treats offsets
    /// with seconds, local mean time before about 1900, its own way) Foundation's formatter,
    /// made for the call.
    static func stamp(_ date: Date, timeZone: TimeZone) -> String {
        let t = date.timeIntervalSince1970
        let offset = Int64(timeZone.secondsFromGMT(for: date))
        let local = t > -1e12 && t < 1e12 ? Int64(t.rounded(.down)) + offset : nil
        guard let local, local >= -12_212_553_600, local < 253_402_300_800, offset % 60 == 0 else {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            formatter.timeZone = timeZone
            return formatter.string(from: date)
        }
        let (year, month, day, secondOfDay) = BEListRenderer.civil(local)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : String(v) }
        let s = String(year) + "-" + two(month) + "-" + two(day) + "T" + two(secondOfDay / 3600) + ":"
            + two(secondOfDay % 3600 / 60) + ":" + two(secondOfDay % 60)
        if offset == 0 { return s + "Z" }
        let magnitude = abs(offset)
        return s + (offset < 0 ? "-" : "+") + two(magnitude / 3600) + ":" + two(magnitude % 3600 / 60)
    }

    /// A line of a command's output: `[program]` for stdout, `[program!]` for stderr. Carriage
    /// returns (dpkg's progress, CRLF line ends) are resolved as a terminal shows them: the
    /// text after the last `\r` is what stays on screen.
    public func record(output line: String, of command: Command, stream: OutputStreamKind) {
        let program = (command.program as NSString).lastPathComponent
        record(TerminalText.resolvingCarriageReturns(line), tag: stream == .stdout ? program : program + "!")
    }
}
