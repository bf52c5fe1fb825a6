/// State of one vdev in the `zpool status` config tree (`zpool_state_to_name` in libzfs),
/// plus the two words hot spares use instead: `AVAIL` and `INUSE`.
public enum VDevState: Sendable, Hashable, Codable, CustomStringConvertible {
    case online, degraded, faulted, offline, removed, unavail, split
    case avail, inUse
    case unknown(String)

    /// Nil for words that are not a vdev state (used to find the STATE column).
    public init?(word: some StringProtocol) {
        switch word {
        case "ONLINE": self = .online
        case "DEGRADED": self = .degraded
        case "FAULTED": self = .faulted
        case "OFFLINE": self = .offline
        case "REMOVED": self = .removed
        case "UNAVAIL": self = .unavail
        case "SPLIT": self = .split
        case "AVAIL": self = .avail
        case "INUSE": self = .inUse
        case "UNKNOWN": self = .unknown("UNKNOWN")
        // Pool health words that can appear on the pool's own line.
        case "SUSPENDED": self = .unknown("SUSPENDED")
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .online: return "ONLINE"
        case .degraded: return "DEGRADED"
        case .faulted: return "FAULTED"
        case .offline: return "OFFLINE"
        case .removed: return "REMOVED"
        case .unavail: return "UNAVAIL"
        case .split: return "SPLIT"
        case .avail: return "AVAIL"
        case .inUse: return "INUSE"
        case .unknown(let s): return s
        }
    }

    /// ONLINE, or a hot spare that is available or in use.
    public var isHealthy: Bool { self == .online || self == .avail || self == .inUse }
}

/// What a vdev is, from the name `zpool_vdev_name` gives it.
public enum VDevKind: Sendable, Hashable, Codable {
    /// The pool itself (first line of the config tree).
    case pool
    case disk
    /// A file vdev (absolute path outside /dev).
    case file
    case mirror
    case raidz(parity: Int)
    /// `draid<parity>:<d>d:<c>c:<s>s-<n>`; `layout` keeps the `:…` part.
    case draid(parity: Int, layout: String)
    /// A dRAID distributed spare, `draid<parity>-<top>-<n>`.
    case draidSpare
    case replacing
    case spare
    case indirect
    case hole
    case root

    /// Classifies a vdev name. Leaves are `disk` unless the name is an absolute path
    /// outside `/dev`, which `zpool` prints only for file vdevs.
    public static func classify(_ name: String, isPoolLine: Bool = false) -> VDevKind {
        if isPoolLine { return .pool }
        func numberedPrefix(_ prefix: String) -> Bool {
            guard name.hasPrefix(prefix + "-") else { return false }
            let rest = name.dropFirst(prefix.count + 1)
            return !rest.isEmpty && rest.allSatisfy(\.isASCIIDigit)
        }
        if numberedPrefix("mirror") { return .mirror }
        if numberedPrefix("replacing") { return .replacing }
        if numberedPrefix("spare") { return .spare }
        if numberedPrefix("indirect") { return .indirect }
        if numberedPrefix("hole") || name == "hole" { return .hole }
        if name.hasPrefix("raidz") {
            // raidz-0 (old), raidz1-0, raidz2-0, raidz3-0
            let rest = name.dropFirst(5)
            if let dash = rest.firstIndex(of: "-") {
                let parityText = rest[..<dash]
                let index = rest[rest.index(after: dash)...]
                if !index.isEmpty, index.allSatisfy(\.isASCIIDigit) {
                    if parityText.isEmpty { return .raidz(parity: 1) }
                    if parityText.count == 1, let p = Int(parityText) { return .raidz(parity: p) }
                }
            }
        }
        if name.hasPrefix("draid") {
            let rest = name.dropFirst(5)
            let digits = rest.prefix(while: \.isASCIIDigit)
            let after = rest.dropFirst(digits.count)
            let parity = Int(digits) ?? 1
            if after.first == ":" || after.first == "-" {
                // draid2:8d:42c:2s-0  or the spare draid2-0-1
                if after.first == "-" {
                    let parts = after.dropFirst().split(separator: "-", omittingEmptySubsequences: false)
                    if parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) {
                        return .draidSpare
                    }
                    if parts.count == 1, parts[0].allSatisfy(\.isASCIIDigit), !parts[0].isEmpty {
                        return .draid(parity: parity, layout: "")
                    }
                } else if let dash = after.lastIndex(of: "-") {
                    return .draid(parity: parity, layout: String(after[after.index(after: after.startIndex)..<dash]))
                }
            }
        }
        if name.hasPrefix("/") && !name.hasPrefix("/dev/") { return .file }
        return .disk
    }

    /// True for kinds that group other vdevs.
    public var isInterior: Bool {
        switch self {
        case .pool, .mirror, .raidz, .draid, .replacing, .spare, .root: return true
        default: return false
        }
    }
}

/// The special sections after the main tree in `zpool status`.
public enum VDevGroup: Sendable, Hashable, Codable, CustomStringConvertible {
    case logs, cache, spares, special, dedup
    case unknown(String)

    public init?(header: some StringProtocol) {
        switch header {
        case "logs": self = .logs
        case "cache": self = .cache
        case "spares": self = .spares
        case "special": self = .special
        case "dedup": self = .dedup
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .logs: return "logs"
        case .cache: return "cache"
        case .spares: return "spares"
        case .special: return "special"
        case .dedup: return "dedup"
        case .unknown(let s): return s
        }
    }
}

/// One vdev line of the config tree with its children.
public struct VDev: Sendable, Hashable, Codable {
    /// As printed: `sda`, `/dev/disk/by-id/ata-…` (with `-P`), `mirror-0`, or a GUID for a
    /// missing device.
    public var name: String
    public var kind: VDevKind
    public var state: VDevState
    /// READ / WRITE / CKSUM columns; nil where not printed (hot spares).
    public var readErrors: NiceNumber?
    public var writeErrors: NiceNumber?
    public var checksumErrors: NiceNumber?
    /// The SLOW column of `zpool status -s`, when present.
    public var slowIOs: NiceNumber?
    /// Text after the counters: `(resilvering)`, `was /dev/sdb1`, `too many errors`,
    /// `block size: 512B configured, 4096B native`, `currently in use`, trim/initialize state.
    public var annotation: String?
    public var children: [VDev]

    public init(name: String, kind: VDevKind, state: VDevState, readErrors: NiceNumber? = nil,
                writeErrors: NiceNumber? = nil, checksumErrors: NiceNumber? = nil,
                slowIOs: NiceNumber? = nil, annotation: String? = nil, children: [VDev] = []) {
        self.name = name
        self.kind = kind
        self.state = state
        self.readErrors = readErrors
        self.writeErrors = writeErrors
        self.checksumErrors = checksumErrors
        self.slowIOs = slowIOs
        self.annotation = annotation
        self.children = children
    }

    /// Sum of read, write and checksum errors (saturating).
    public var errorCount: UInt64 {
        var total: UInt64 = 0
        for n in [readErrors, writeErrors, checksumErrors] {
            let (s, o) = total.addingReportingOverflow(n?.value ?? 0)
            total = o ? .max : s
        }
        return total
    }

    public var isResilvering: Bool { annotation?.contains("(resilvering)") ?? false }

    /// This vdev and all below it, depth first, parents before children.
    public var allVDevs: [VDev] {
        var out: [VDev] = []
        var stack: [VDev] = [self]
        while let v = stack.popLast() {
            out.append(v)
            stack.append(contentsOf: v.children.reversed())
        }
        return out
    }

    /// Leaves (devices) below or at this vdev.
    public var leaves: [VDev] { allVDevs.filter { $0.children.isEmpty && $0.kind != .pool } }
}

/// A `logs` / `cache` / `spares` / `special` / `dedup` section with its top-level vdevs.
public struct VDevGroupSection: Sendable, Hashable, Codable {
    public var group: VDevGroup
    public var vdevs: [VDev]

    public init(group: VDevGroup, vdevs: [VDev]) {
        self.group = group
        self.vdevs = vdevs
    }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
}
