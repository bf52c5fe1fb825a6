import Foundation

/// Which kind of scan a `scan:` line reports.
public enum ScanKind: Sendable, Hashable, Codable, CustomStringConvertible {
    case scrub
    /// Healing resilver (`resilver in progress since`, `resilvered … in …`).
    case resilver
    /// Sequential resilver / rebuild of one top-level vdev (OpenZFS 2.0+, dRAID spares,
    /// `zpool attach -s`): `resilver (draid2:8d:42c:2s-0) in progress since …`.
    case sequentialResilver(vdev: String)
    /// Error scrub (`zpool scrub -e`, OpenZFS 2.2+).
    case errorScrub

    public var description: String {
        switch self {
        case .scrub: return "scrub"
        case .resilver: return "resilver"
        case .sequentialResilver(let v): return "resilver (\(v))"
        case .errorScrub: return "error scrub"
        }
    }

    public var isResilver: Bool {
        switch self {
        case .resilver, .sequentialResilver: return true
        default: return false
        }
    }
}

/// Where a pool's last scrub or resilver stands (the `scan:` line of `zpool status`).
public enum ScanState: String, Sendable, Hashable, Codable {
    /// `scan: none requested` (OpenZFS ≤ 0.8; 2.0+ prints no scan line instead).
    case noneRequested
    case finished
    case inProgress
    case paused
    case canceled
    /// A sentence this parser does not know; `ScanStatus.text` keeps it.
    case unknown
}

/// One `scan:` section of `zpool status`, every figure that version printed.
///
/// Sentences, by `print_scan_scrub_resilver_status` / `print_rebuild_status_impl` /
/// `print_err_scrub_status` in openzfs `cmd/zpool/zpool_main.c`:
/// - finished: `scrub repaired 0B in 00:00:01 with 0 errors on <ctime>`,
///   `resilvered 1.2G in 0 days 01:02:03 with 0 errors on <ctime>`,
///   `resilvered (draid1-0) 1.2G in …`, old `scrub repaired 0 in 1h18m with …`,
///   `scrubbed 3 error blocks in 0 days 00:00:01 on <ctime>`.
/// - canceled: `scrub canceled on <ctime>`, `resilver canceled on …`.
/// - running: `scrub in progress since <ctime>` / `scrub paused since <ctime>` +
///   `scrub started on <ctime>`, then figures:
///   0.6/0.7 `X scanned out of T at R/s, 1h2m to go` + `P repaired, 12.3% done`;
///   0.8–2.1 `X scanned at R/s, Y issued at R/s, T total` (paused: `X scanned, Y issued, T total`)
///   + `P repaired, 12.34% done, 01:02:03 to go` (or `, no estimated completion time`);
///   2.2+ `X / T scanned at R/s, Y / T issued at R/s` + the same second line.
public struct ScanStatus: Sendable, Hashable, Codable {
    /// Nil for `none requested`.
    public var kind: ScanKind?
    public var state: ScanState
    /// The whole section as printed, lines joined with `\n`, leading whitespace removed.
    public var text: String

    public var scanned: NiceNumber?
    public var scanRate: NiceNumber?
    public var issued: NiceNumber?
    public var issueRate: NiceNumber?
    public var total: NiceNumber?
    /// Repaired (scrub) or resilvered (resilver) amount.
    public var processed: NiceNumber?
    /// Errors of a finished scan (`with N errors`), or error blocks for an error scrub.
    public var errors: UInt64?
    public var percentDone: Double?
    /// `in 00:00:01`, `in 0 days 01:02:03`, `in 1h18m`, `after 0h0m`.
    public var duration: String?
    /// `01:02:03 to go` without the suffix; nil when no estimate was printed.
    public var timeToGo: String?
    /// ctime text (`Sun Jun  8 12:43:45 2025`) of the start, pause and end, in the host's
    /// local time zone of the machine that printed it. Convert with `ZFSDate.parseCTime`.
    public var startedText: String?
    public var pausedText: String?
    public var endedText: String?

    public init(kind: ScanKind?, state: ScanState, text: String) {
        self.kind = kind
        self.state = state
        self.text = text
    }

    public var isRunning: Bool { state == .inProgress || state == .paused }

    /// The sentence as printed; for a scan read from `zpool status -j`, which carries figures
    /// but no sentence, a short one from its kind and state (`resilver in progress`,
    /// `scrub finished with 0 errors`).
    public var sentence: String {
        if !text.isEmpty { return text }
        let what = kind.map(String.init(describing:)) ?? "scan"
        switch state {
        case .noneRequested: return "none requested"
        case .finished: return "\(what) finished" + (errors.map { " with \($0) errors" } ?? "")
        case .inProgress: return "\(what) in progress"
        case .paused: return "\(what) paused"
        case .canceled: return "\(what) canceled"
        case .unknown: return "\(what) (state unknown)"
        }
    }
}

/// Dates as `zpool status` prints them (`ctime(3)`: `Sun Jun  8 12:43:45 2025`).
public enum ZFSDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Parses ctime text in the given time zone (ctime prints local time, so pass the zone
    /// of the machine that produced it). Nil for anything else.
    public static func parseCTime(_ text: String, timeZone: TimeZone = .current) -> Date? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 5,
              let month = months.firstIndex(of: String(parts[1])),
              let day = Int(parts[2]), (1...31).contains(day),
              let year = Int(parts[4]), (1970...9999).contains(year) else { return nil }
        let hms = parts[3].split(separator: ":")
        guard hms.count == 3, let h = Int(hms[0]), let m = Int(hms[1]), let s = Int(hms[2]),
              (0...23).contains(h), (0...59).contains(m), (0...60).contains(s) else { return nil }
        var comps = DateComponents()
        comps.year = year
        comps.month = month + 1
        comps.day = day
        comps.hour = h
        comps.minute = m
        comps.second = s
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        return cal.date(from: comps)
    }
}
