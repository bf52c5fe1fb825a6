/// Pool health as `zpool status` (`state:`) and `zpool list -o health` print it.
public enum PoolState: Sendable, Hashable, Codable, CustomStringConvertible {
    case online, degraded, faulted, offline, removed, unavail, suspended
    /// A word this version of kldload does not know (forward compatibility).
    case unknown(String)

    public init(_ text: some StringProtocol) {
        switch text {
        case "ONLINE": self = .online
        case "DEGRADED": self = .degraded
        case "FAULTED": self = .faulted
        case "OFFLINE": self = .offline
        case "REMOVED": self = .removed
        case "UNAVAIL": self = .unavail
        case "SUSPENDED": self = .suspended
        default: self = .unknown(String(text))
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
        case .suspended: return "SUSPENDED"
        case .unknown(let s): return s
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public init(from decoder: Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }
}

/// The `errors:` part of one pool in `zpool status`.
public enum PoolDataErrors: Sendable, Hashable, Codable {
    /// `errors: No known data errors`
    case none
    /// `errors: 5 data errors, use '-v' for a list`
    case count(UInt64)
    /// `errors: Permanent errors have been detected in the following files:` and the list
    /// (`zpool status -v`); entries as printed (`/tank/file`, `<metadata>:<0x0>`).
    case files([String])
    /// Any other sentence, e.g. `List of errors unavailable: pool I/O is currently suspended`.
    case other(String)

    public var hasErrors: Bool {
        switch self {
        case .none: return false
        case .count(let n): return n > 0
        case .files, .other: return true
        }
    }
}

/// One pool as `zpool status` shows it.
public struct PoolStatus: Sendable, Hashable, Codable {
    public var name: String
    public var state: PoolState
    /// `status:` paragraph (continuation lines joined with a space), nil when absent.
    public var status: String?
    public var action: String?
    /// `see:` URL (`https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P`).
    public var see: String?
    /// Every `scan:` section in order (2.1+ can print a scrub and a resilver).
    public var scans: [ScanStatus]
    /// The pool's own line of the config tree, with the main vdevs as children. Nil when
    /// `config: The configuration cannot be determined.` or no config was printed.
    public var root: VDev?
    /// `logs`, `cache`, `spares`, `special`, `dedup` sections in printed order.
    public var groups: [VDevGroupSection]
    /// The `errors:` part; nil when not printed.
    public var errors: PoolDataErrors?
    /// Other labelled sections this parser keeps as text: `remove:`, `checkpoint:`,
    /// `expand:`, `trim:`, `dedup:` …, keyed by label.
    public var otherSections: [String: String]

    public init(name: String, state: PoolState, status: String? = nil, action: String? = nil,
                see: String? = nil, scans: [ScanStatus] = [], root: VDev? = nil,
                groups: [VDevGroupSection] = [], errors: PoolDataErrors? = nil,
                otherSections: [String: String] = [:]) {
        self.name = name
        self.state = state
        self.status = status
        self.action = action
        self.see = see
        self.scans = scans
        self.root = root
        self.groups = groups
        self.errors = errors
        self.otherSections = otherSections
    }

    /// The scan that matters most: a running resilver, else any running scan, else the
    /// last one printed.
    public var scan: ScanStatus? {
        scans.first { $0.isRunning && ($0.kind?.isResilver ?? false) }
            ?? scans.first { $0.isRunning }
            ?? scans.last
    }

    public var isResilvering: Bool {
        scans.contains { $0.state == .inProgress && ($0.kind?.isResilver ?? false) }
            || allVDevs.contains { $0.isResilvering }
    }

    public var isScrubbing: Bool {
        scans.contains { $0.isRunning && $0.kind == .scrub }
    }

    /// Vdevs of one group section (empty when the pool has none).
    public func vdevs(in group: VDevGroup) -> [VDev] {
        groups.first { $0.group == group }?.vdevs ?? []
    }

    /// Every vdev, the pool line first, then groups.
    public var allVDevs: [VDev] {
        (root?.allVDevs ?? []) + groups.flatMap { $0.vdevs.flatMap(\.allVDevs) }
    }

    /// Healthy as `zpool status -x` judges it, and stricter: ONLINE; no `status:` text other
    /// than the advisory ones `-x` ignores (legacy format, features not enabled, compatibility);
    /// no resilver running; no data errors; every vdev ONLINE (spares AVAIL/INUSE) with all
    /// error counters zero.
    public var isHealthy: Bool {
        guard state == .online, !isResilvering else { return false }
        if let s = status, !PoolStatus.isAdvisory(s) { return false }
        if let e = errors, e.hasErrors { return false }
        return allVDevs.allSatisfy { $0.state.isHealthy && $0.errorCount == 0 }
    }

    /// Status texts of the reasons `zpool status -x` does not report (ZPOOL_STATUS_OK,
    /// VERSION_OLDER, FEAT_DISABLED, COMPATIBILITY_ERR, INCOMPATIBLE_FEAT in zpool_main.c).
    static func isAdvisory(_ status: String) -> Bool {
        status.hasPrefix("The pool is formatted using a legacy on-disk format")
            || status.hasPrefix("Some supported features are not enabled on the pool")
            || status.hasPrefix("Some supported and requested features are not enabled on the pool")
            || status.hasPrefix("This pool has a compatibility list specified")
            || status.hasPrefix("One or more features are enabled on the pool despite not being")
    }
}

/// Everything `zpool status` printed.
public struct ZpoolStatusReport: Sendable, Hashable, Codable {
    public enum Message: Sendable, Hashable, Codable {
        /// `all pools are healthy` (`-x`).
        case allPoolsHealthy
        /// `pool 'tank' is healthy` (`-x tank`).
        case poolHealthy(String)
        /// `no pools available`.
        case noPoolsAvailable
    }

    public var pools: [PoolStatus]
    public var message: Message?

    public init(pools: [PoolStatus], message: Message? = nil) {
        self.pools = pools
        self.message = message
    }

    public func pool(named name: String) -> PoolStatus? { pools.first { $0.name == name } }
}

/// One row of `zpool list -Hp -o …`.
public struct PoolListEntry: Sendable, Hashable, Codable {
    public var name: String
    public var properties: ZFSPropertyList

    public init(name: String, properties: ZFSPropertyList) {
        self.name = name
        self.properties = properties
    }

    public subscript(property: String) -> String? { properties.value(property) }

    public var size: UInt64? { properties.number("size") }
    public var allocated: UInt64? { properties.number("allocated") }
    public var free: UInt64? { properties.number("free") }
    public var checkpoint: UInt64? { properties.number("checkpoint") }
    public var expandSize: UInt64? { properties.number("expandsize") }
    /// Percent; `-p` prints `12`, without it `12%`.
    public var fragmentation: UInt64? { percent("fragmentation") }
    public var capacity: UInt64? { percent("capacity") }
    /// `1.00` with `-p`, `1.00x` without.
    public var dedupRatio: Double? {
        guard var v = properties.value("dedupratio") else { return nil }
        if v.hasSuffix("x") { v.removeLast() }
        return Double(v)
    }
    public var health: PoolState? { properties.value("health").map { PoolState($0) } }
    public var altroot: String? { properties.value("altroot") }

    private func percent(_ name: String) -> UInt64? {
        guard var v = properties.value(name) else { return nil }
        if v.hasSuffix("%") { v.removeLast() }
        return parseExactUInt64(v)
    }
}
