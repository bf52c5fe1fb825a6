import Foundation

/// Where the boot environments are: the pool, the BE root (`rpool/ROOT`), and the BE mounted
/// at `/` right now, if any (none in a rescue system with the pool imported under an altroot).
public struct BootEnvironmentLayout: Sendable, Hashable, Codable {
    public enum RunningSource: String, Sendable, Hashable, Codable {
        /// The ZFS dataset mounted at `/` in `/proc/self/mounts`.
        case mountTable
        /// `/etc/kldload/boot-environment` (only when the mount table shows no ZFS root).
        case markerFile
        /// No running BE: rescue system, or `--be-root` pointing at another tree.
        case none
    }

    public var pool: String
    public var beRoot: String
    public var runningBE: String?
    public var runningSource: RunningSource

    public init(pool: String, beRoot: String, runningBE: String?, runningSource: RunningSource) {
        self.pool = pool
        self.beRoot = beRoot
        self.runningBE = runningBE
        self.runningSource = runningSource
    }

    public static let markerFile = "/etc/kldload/boot-environment"
    public static let mountTablePath = "/proc/self/mounts"

    static func parent(of dataset: String) -> String? {
        guard let slash = dataset.lastIndex(of: "/") else { return nil }
        return String(dataset[..<slash])
    }

    static func poolName(of dataset: String) -> String {
        String(dataset.split(separator: "/", maxSplits: 1).first ?? Substring(dataset))
    }

    static func validateDatasetPath(_ path: String, option: String) throws(KBEError) {
        try BENames.validateDataset(path, option: option)
    }

    /// The BE root must be a container below the pool (`rpool/ROOT`), as `--be-root` requires:
    /// a root dataset directly under the pool (`rpool/root`) would make the pool the BE root, and
    /// every other dataset of the pool (`rpool/var`, `rpool/home`) a "boot environment" that
    /// kbe would list, activate (`mountpoint=/`) and destroy.
    static func requireContainer(_ root: String, bootEnvironment: String, from what: String) throws(KBEError) {
        guard !root.contains("/") else { return }
        throw KBEError(
            .refused,
            "\(what) \(bootEnvironment) sits directly under the pool, so the boot environment root would be the pool \(root) itself, and every other dataset of \(root) (its /var, /home, …) would count as a boot environment",
            hint: containerHint(pool: root, root: bootEnvironment))
    }

    static func containerHint(pool: String, root: String?) -> String {
        let be = root.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? "NAME"
        let rootName = root ?? "\(pool)/ROOT_DATASET"
        return "keep the boot environments in a container of their own: from a rescue system, zfs create -o canmount=off -o mountpoint=none \(pool)/ROOT; zfs rename \(rootName) \(pool)/ROOT/\(be); zpool set bootfs=\(pool)/ROOT/\(be) \(pool) (and update the boot loader's root= if it names the dataset); or name an existing container with --be-root \(pool)/CONTAINER"
    }

    /// Finds the layout from the running system. Reads only files (the mount table and, as a
    /// fallback, the marker file); `bootfs` is asked for by the caller when the BE root has to
    /// come from it (`--pool` naming a pool without a running BE).
    static func discover(
        files: any FileSystem, mounts: MountTable, pool: String?, beRoot: String?,
        bootfsOf: (String) throws(KBEError) -> String?
    ) throws(KBEError) -> BootEnvironmentLayout {
        if let pool { try validateDatasetPath(pool, option: "--pool") }
        if let beRoot { try validateDatasetPath(beRoot, option: "--be-root") }
        if let pool, pool.contains("/") {
            throw KBEError(.usage, "--pool takes a pool name, not a dataset: '\(pool)'", hint: "use --be-root \(pool)")
        }
        let rootMount = mounts.entry(at: "/")
        var running: String? = nil
        var source = RunningSource.none
        if let m = rootMount, m.fstype == "zfs", m.source.contains("/") {
            running = m.source
            source = .mountTable
        } else if rootMount == nil || rootMount?.fstype != "zfs",
            let marker = files.textIfPresent(markerFile)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !marker.isEmpty, !marker.contains("@"), marker.contains("/"),
            (try? validateDatasetPath(marker, option: markerFile)) != nil
        {
            running = marker
            source = .markerFile
        }

        if let beRoot {
            let p = poolName(of: beRoot)
            if let pool, pool != p {
                throw KBEError(.usage, "--be-root \(beRoot) is not in --pool \(pool)")
            }
            guard beRoot.contains("/") else {
                throw KBEError(
                    .usage,
                    "--be-root must be a dataset below the pool (e.g. \(beRoot)/ROOT), not the pool itself: every dataset of the pool would count as a boot environment",
                    hint: containerHint(pool: beRoot, root: nil))
            }
            let runningHere = running.flatMap { parent(of: $0) == beRoot ? $0 : nil }
            return BootEnvironmentLayout(
                pool: p, beRoot: beRoot, runningBE: runningHere, runningSource: runningHere == nil ? .none : source)
        }
        if let running, let root = parent(of: running) {
            let p = poolName(of: running)
            if pool == nil || pool == p {
                try requireContainer(root, bootEnvironment: running, from: "the root file system")
                return BootEnvironmentLayout(pool: p, beRoot: root, runningBE: running, runningSource: source)
            }
        }
        if let pool {
            // Rescue system or another pool: the BE root is the parent of the pool's bootfs.
            if let bootfs = try bootfsOf(pool), let root = parent(of: bootfs) {
                try requireContainer(root, bootEnvironment: bootfs, from: "the pool's bootfs")
                return BootEnvironmentLayout(pool: pool, beRoot: root, runningBE: nil, runningSource: .none)
            }
            throw KBEError(
                .notFound, "pool \(pool) has no bootfs set, so its boot environment root is unknown",
                hint: "name it: --be-root \(pool)/ROOT")
        }
        throw KBEError(
            .notFound,
            "cannot find the boot environments: / is not a ZFS dataset and \(markerFile) does not name one",
            hint: "in a rescue system: zpool import -R /mnt POOL, then kbe --pool POOL …; or name the BE root with --be-root POOL/ROOT")
    }
}

/// Everything kbe knows after its (at most two) reads of the pool.
public struct BootEnvironmentState: Sendable {
    public var layout: BootEnvironmentLayout
    public var mounts: MountTable
    public var bootfs: String?
    public var records: [BERecord]
    public var environments: [BootEnvironment]
    private var index: [String: Int]

    init(layout: BootEnvironmentLayout, mounts: MountTable, bootfs: String?, records: [BERecord]) {
        self.init(
            layout: layout, mounts: mounts, bootfs: bootfs, records: records,
            environments: BootEnvironmentInventory.build(
                records: records, beRoot: layout.beRoot, runningBE: layout.runningBE, bootfs: bootfs, mounts: mounts))
    }

    /// `records` may be empty when the command needs only the environments (`kbe list`).
    init(layout: BootEnvironmentLayout, mounts: MountTable, bootfs: String?, records: [BERecord],
         environments: [BootEnvironment]) {
        self.layout = layout
        self.mounts = mounts
        self.bootfs = bootfs
        self.records = records
        self.environments = environments
        var index: [String: Int] = [:]
        for (i, be) in environments.enumerated() { index[be.dataset] = i }
        self.index = index
    }

    /// By short name (`default`) or full dataset (`rpool/ROOT/default`).
    public func environment(named name: String) -> BootEnvironment? {
        let full = name.contains("/") ? name : layout.beRoot + "/" + name
        return index[full].map { environments[$0] }
    }

    public var running: BootEnvironment? { layout.runningBE.flatMap { environment(named: $0) } }

    /// The altroot the pool was imported under (rescue), read off a BE whose `mountpoint=/`
    /// zfs displays with the altroot prefixed; "" on a running system.
    public var altroot: String {
        if layout.runningBE != nil { return "" }
        for be in environments {
            if let mp = be.mountpointProperty, mp.hasPrefix("/"), mp != "/" { return mp }
        }
        return ""
    }

    /// All records by full name (built on demand for the commands that need it).
    func recordsByName() -> [String: BERecord] {
        var d: [String: BERecord] = [:]
        d.reserveCapacity(records.count)
        for r in records { d[r.name] = r }
        return d
    }
}
