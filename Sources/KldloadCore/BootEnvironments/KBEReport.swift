import Foundation

/// The `--json` result of every kbe command (schema in Docs/KBE.md). `version` is 1.
public struct KBEReport: Sendable, Codable, Hashable {
    public struct CheckpointInfo: Sendable, Codable, Hashable {
        public var name: String
        public var snapshot: String
        public var used: UInt64
        public var referenced: UInt64
        public var created: Date?
        public var description: String?
        public var clones: [String]
    }

    public struct EnvironmentInfo: Sendable, Codable, Hashable {
        public var name: String
        public var dataset: String
        public var active: String
        public var activeNow: Bool
        public var activeOnReboot: Bool
        public var mountpoint: String?
        public var space: UInt64
        public var used: UInt64
        public var referenced: UInt64
        public var created: Date?
        public var description: String?
        public var origin: String?
        public var checkpoints: [CheckpointInfo]?
        /// The pending trial that boots this BE next, once.
        public var trial: TrialInfo?
    }

    public struct ErrorInfo: Sendable, Codable, Hashable {
        public var kind: String
        public var message: String
        public var hint: String?
        public var details: [String]
        public var exitCode: Int32
    }

    public var version = 1
    public var command: String
    public var dryRun: Bool
    public var pool: String?
    public var beRoot: String?
    public var runningBE: String?
    public var bootfs: String?
    /// Every command (argv) the plan contains, in order.
    public var plan: [[String]]?
    /// True when the plan ran to the end.
    public var executed: Bool?
    public var messages: [String] = []
    public var warnings: [String] = []
    public var bootEnvironments: [EnvironmentInfo]?
    /// The dataset or snapshot the command acted on / created.
    public var target: String?
    public var created: [String]?
    public var destroyed: [String]?
    /// What boots next (activate).
    public var nextBoot: String?
    public var nextBootKernel: String?
    public var mountpoint: String?
    public var packageDatabase: PackageDatabaseStatus?
    /// The trial (activate --trial, confirm, --cancel-trial, trial-check; list when one is recorded).
    public var trial: TrialInfo?
    /// Datasets paired with the boot environments (`kbe list --json`, and where a command used them).
    public var pairedDatasets: [String]?
    /// `kbe diff`: packages, kernels and (--files) file changes between two sides.
    public var diff: BEDiff?
    /// `kbe --version --json`.
    public var kbeVersion: String?
    /// Set when the command failed (the process exits with `error.exitCode`).
    public var error: ErrorInfo?

    public init(command: String, dryRun: Bool) {
        self.command = command
        self.dryRun = dryRun
    }

    public func json() -> String {
        // The checkpoints (100,000 of them on a busy pool) are written by `CheckpointJSON`, byte
        // for byte what the encoder writes (KBEReportJSONTests), at a fraction of its cost;
        // everything else goes through `JSONEncoder` (Docs/PERFORMANCE.md).
        guard let envs = bootEnvironments, envs.contains(where: { !($0.checkpoints ?? []).isEmpty }),
              let arrays = CheckpointJSON.arrays(envs.compactMap(\.checkpoints))
        else { return encodedJSON() }
        var skeleton = self
        for i in envs.indices where envs[i].checkpoints != nil { skeleton.bootEnvironments?[i].checkpoints = [] }
        let text = skeleton.encodedJSON()
        var out = ""
        out.reserveCapacity(text.utf8.count + arrays.reduce(0) { $0 + $1.utf8.count })
        var rest = text[...]
        for array in arrays {
            guard let r = rest.range(of: CheckpointJSON.emptyArrayMarker) else { return encodedJSON() }
            out += rest[..<r.lowerBound]
            out += CheckpointJSON.key
            out += array
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }

    /// The report as `JSONEncoder` writes it (the schema's one definition of the format).
    func encodedJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(self) else { return "{\"version\": 1}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func info(_ be: BootEnvironment, withCheckpoints: Bool, trial: TrialInfo? = nil) -> EnvironmentInfo {
        EnvironmentInfo(
            name: be.name, dataset: be.dataset, active: be.activeFlags, activeNow: be.isActiveNow,
            activeOnReboot: be.isActiveOnReboot, mountpoint: be.mountedAt, space: be.space, used: be.used,
            referenced: be.referenced, created: be.creation, description: be.description, origin: be.origin,
            checkpoints: withCheckpoints
                ? be.checkpoints.map {
                    CheckpointInfo(
                        name: $0.name, snapshot: $0.fullName, used: $0.used, referenced: $0.referenced,
                        created: $0.creation, description: $0.description, clones: $0.clones)
                } : nil, trial: trial)
    }
}

/// What a kbe command produced: lines for stdout, warnings for stderr, and the JSON report.
public struct KBEOutput: Sendable {
    public var lines: [String] = []
    public var warnings: [String] = []
    public var report: KBEReport

    public init(report: KBEReport) { self.report = report }

    mutating func say(_ line: String) {
        lines.append(line)
        report.messages.append(line)
    }

    mutating func warn(_ line: String) {
        warnings.append(line)
        report.warnings.append(line)
    }
}

/// The `kbe list` table.
package enum BEListRenderer {
    public static func render(
        _ envs: [BootEnvironment], scripted: Bool, exact: Bool, checkpoints: Bool, timeZone: TimeZone
    ) -> String {
        var rows: [[String]] = []
        rows.reserveCapacity(envs.count + (checkpoints ? envs.reduce(0) { $0 + $1.checkpoints.count } : 0))
        var stamper = Stamper(timeZone: timeZone)
        func created(_ d: Date?) -> String {
            guard let d else { return "-" }
            if exact { return epochSeconds(d) }
            return stamper.stamp(d)
        }
        func size(_ n: UInt64) -> String { exact ? String(n) : humanSize(n) }
        for be in envs {
            rows.append([
                be.name, be.activeFlags, be.mountedAt ?? "-", size(be.space), created(be.creation),
                be.description ?? "-",
            ])
            if checkpoints {
                for c in be.checkpoints {
                    rows.append([
                        (scripted ? "" : "  ") + be.name + "@" + c.name, "-", "-", size(c.used), created(c.creation),
                        c.description ?? "-",
                    ])
                }
            }
        }
        let table = TextTable(
            headers: ["NAME", "ACTIVE", "MOUNTPOINT", "SPACE", "CREATED", "DESCRIPTION"], rows: rows,
            rightAligned: [3])
        return table.render(scripted: scripted)
    }

    /// The whole epoch seconds of `date` (`-p`). Total: `creation` comes from the pool, which
    /// may hold any 64-bit value; one outside what a UInt64 holds prints as `-`. Values above
    /// 2^53 seconds (far beyond any real clock) are printed as the nearest Double holds them.
    public static func epochSeconds(_ date: Date) -> String {
        let t = date.timeIntervalSince1970.rounded(.down)
        if let n = Int64(exactly: t) { return String(n) }
        if let n = UInt64(exactly: t) { return String(n) }
        return "-"
    }

    /// `stamp` for many dates (one per checkpoint row): the time zone's UTC offset is looked up
    /// once per interval between its transitions, and the date computed with integer
    /// arithmetic; same text as `stamp`. Dates before 1971 or after 9998 (a pool can hold any
    /// value) go through `stamp`: Foundation's Gregorian calendar is Julian before 1582.
    /// Proleptic Gregorian year, month, day and second of the day of `seconds` since
    /// 1970-01-01T00:00 (H. Hinnant, "chrono-compatible low-level date algorithms",
    /// civil_from_days): the one integer civil date of the list's stamps and the JSON's dates.
    static func civil(_ seconds: Int64) -> (year: Int64, month: Int64, day: Int64, secondOfDay: Int64) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day, seconds - days * 86_400)
    }

    struct Stamper {
        let timeZone: TimeZone
        var offset = 0
        var validFrom = Date.distantFuture
        var validUntil = Date.distantPast

        init(timeZone: TimeZone) { self.timeZone = timeZone }

        mutating func stamp(_ date: Date) -> String {
            let t = date.timeIntervalSince1970
            guard t >= 31_536_000, t < 253_370_764_800 else { return BEListRenderer.stamp(date, timeZone: timeZone) }
            if !(date >= validFrom && date < validUntil) {
                offset = timeZone.secondsFromGMT(for: date)
                validFrom = date
                validUntil = timeZone.nextDaylightSavingTimeTransition(after: date) ?? .distantFuture
            }
            let local = Int64(t.rounded(.down)) + Int64(offset)
            let (year, month, day, secondOfDay) = BEListRenderer.civil(local)
            let hour = secondOfDay / 3600
            let minute = secondOfDay % 3600 / 60
            return String(unsafeUninitializedCapacity: 16) { b in
                var n = 0
                // year is 1970…9998: four digits
                for div in [1000, 100, 10, 1] as [Int64] {
                    b[n] = 0x30 + UInt8(year / div % 10)
                    n += 1
                }
                for (sep, v) in [(UInt8(0x2D), month), (0x2D, day), (0x20, hour), (0x3A, minute)] {
                    b[n] = sep
                    b[n + 1] = 0x30 + UInt8(v / 10)
                    b[n + 2] = 0x30 + UInt8(v % 10)
                    n += 3
                }
                return n
            }
        }
    }

    /// `2026-11-22 10:15` in the given time zone.
    public static func stamp(_ date: Date, timeZone: TimeZone) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ n: Int?) -> String {
            let v = n ?? 0
            return v < 10 ? "0\(v)" : "\(v)"
        }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute))"
    }
}

/// `KBEReport.EnvironmentInfo.checkpoints` as `JSONEncoder` writes it with the report's options
/// (pretty-printed, sorted keys, slashes unescaped, ISO 8601 dates), at the depth the report puts
/// it: the key at six spaces, each checkpoint at eight.
enum CheckpointJSON {
    static let key = "      \"checkpoints\" : "
    /// What the encoder writes for `checkpoints: []` of a BE (spliced over).
    static let emptyArrayMarker = key + "[\n\n      ]"

    /// One text per array, in order, starting at `[`; nil when a value is outside what this
    /// writer reproduces exactly (a date with fractions of a second, or outside years 1583–9999):
    /// the caller then encodes everything the ordinary way.
    static func arrays(_ lists: [[KBEReport.CheckpointInfo]]) -> [String]? {
        var out: [String] = []
        out.reserveCapacity(lists.count)
        for list in lists {
            if list.isEmpty { out.append("[\n\n      ]"); continue }
            var s = ""
            s.reserveCapacity(list.count * 330)
            s += "[\n"
            for (i, c) in list.enumerated() {
                s += "        {\n          \"clones\" : ["
                if c.clones.isEmpty {
                    s += "\n\n          ],\n"
                } else {
                    s += "\n"
                    for (j, clone) in c.clones.enumerated() {
                        s += "            "
                        string(clone, into: &s)
                        s += j == c.clones.count - 1 ? "\n" : ",\n"
                    }
                    s += "          ],\n"
                }
                if let d = c.created {
                    guard let stamp = iso8601(d) else { return nil }
                    s += "          \"created\" : \""
                    s += stamp
                    s += "\",\n"
                }
                if let d = c.description {
                    s += "          \"description\" : "
                    string(d, into: &s)
                    s += ",\n"
                }
                s += "          \"name\" : "
                string(c.name, into: &s)
                s += ",\n          \"referenced\" : "
                s += String(c.referenced)
                s += ",\n          \"snapshot\" : "
                string(c.snapshot, into: &s)
                s += ",\n          \"used\" : "
                s += String(c.used)
                s += i == list.count - 1 ? "\n        }\n" : "\n        },\n"
            }
            s += "      ]"
            out.append(s)
        }
        return out
    }

    /// A JSON string as the encoder escapes it: `"` and `\\`, the control characters
    /// (`\\b \\f \\n \\r \\t`, the others as `\\u00XX`), nothing else (`/` left as it is).
    static func string(_ value: String, into s: inout String) {
        s += "\""
        var plainStart = value.utf8.startIndex
        var i = plainStart
        let utf8 = value.utf8
        while i != utf8.endIndex {
            let b = utf8[i]
            if b < 0x20 || b == 0x22 || b == 0x5C {
                // Scalar views: a String subscript would round to Character boundaries.
                s.unicodeScalars.append(contentsOf: value.unicodeScalars[plainStart..<i])
                switch b {
                case 0x22: s += "\\\""
                case 0x5C: s += "\\\\"
                case 0x08: s += "\\b"
                case 0x0C: s += "\\f"
                case 0x0A: s += "\\n"
                case 0x0D: s += "\\r"
                case 0x09: s += "\\t"
                default:
                    let hex: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
                    s += "\\u00"
                    s.append(hex[Int(b >> 4)])
                    s.append(hex[Int(b & 0xF)])
                }
                i = utf8.index(after: i)
                plainStart = i
            } else {
                i = utf8.index(after: i)
            }
        }
        if plainStart == utf8.startIndex {
            s += value
        } else {
            s.unicodeScalars.append(contentsOf: value.unicodeScalars[plainStart..<utf8.endIndex])
        }
        s += "\""
    }

    /// `2026-11-22T03:53:36Z` for whole seconds in the years 1583–9999 (UTC, Gregorian, as
    /// `ISO8601DateFormatter` writes them; before 1583 it switches to the Julian calendar);
    /// nil otherwise.
    static func iso8601(_ date: Date) -> String? {
        let t = date.timeIntervalSince1970
        guard t == t.rounded(.down), t >= -12_212_553_600, t < 253_402_300_800 else { return nil }
        let (y, m, d, rem) = BEListRenderer.civil(Int64(t))
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(rem / 3600, 2) + ":"
            + pad(rem % 3600 / 60, 2) + ":" + pad(rem % 60, 2) + "Z"
    }
}
