import Foundation

/// A checkpoint: a snapshot of a boot environment (`rpool/ROOT/default@pre-upgrade-…`),
/// taken together on the BE's child datasets (and a split package-database dataset) under the
/// same name.
public struct Checkpoint: Sendable, Hashable, Codable {
    /// The snapshot name (`pre-upgrade-20260408-143022`).
    public var name: String
    /// The boot environment dataset (`rpool/ROOT/default`).
    public var dataset: String
    /// Space used by the snapshot itself plus its same-named snapshots of the BE's children.
    public var used: UInt64
    public var referenced: UInt64
    public var creation: Date?
    public var description: String?
    /// Datasets cloned from this checkpoint (or from its children's snapshots).
    public var clones: [String]
    /// Position among the BE's snapshots in creation (createtxg) order, 0 = oldest.
    public var order: Int

    public var fullName: String { dataset + "@" + name }

    mutating func addChild(used childUsed: UInt64, clones childClones: [String]) {
        let (sum, overflow) = used.addingReportingOverflow(childUsed)
        used = overflow ? .max : sum
        clones += childClones
    }
}

/// A boot environment: a filesystem directly under the BE root, booted with its children.
public struct BootEnvironment: Sendable, Hashable, Codable {
    /// The last component (`default`).
    public var name: String
    /// The dataset (`rpool/ROOT/default`).
    public var dataset: String
    /// Mounted at `/` of the running system (N).
    public var isActiveNow: Bool
    /// The pool's `bootfs` (R).
    public var isActiveOnReboot: Bool
    /// The `mountpoint` property as zfs reports it (includes an altroot).
    public var mountpointProperty: String?
    /// Where the BE is actually mounted now (from the mount table), if anywhere.
    public var mountedAt: String?
    public var canmount: String?
    /// `used` of the BE dataset (includes its children and snapshots).
    public var used: UInt64
    /// `used` of the origin snapshot when the BE is a clone, else 0.
    public var originUsed: UInt64
    public var referenced: UInt64
    public var creation: Date?
    public var description: String?
    /// The snapshot this BE was cloned from, if any.
    public var origin: String?
    /// Descendant datasets (`rpool/ROOT/default/var`), parents before children.
    public var children: [String]
    /// Child datasets with their `mountpoint` and `canmount` (same order as `children`).
    public var childMountpoints: [String: String]
    public var childCanmount: [String: String]
    /// Checkpoints, oldest first.
    public var checkpoints: [Checkpoint]
    /// A pending trial boots this BE next, once (T; Docs/TRIAL.md).
    public var isTrialTarget: Bool = false

    /// Space as bectl defines it: the BE's `used` plus, for a clone, its origin snapshot's
    /// `used` (the blocks the BE keeps alive that its origin pins).
    public var space: UInt64 {
        let (sum, overflow) = used.addingReportingOverflow(originUsed)
        return overflow ? .max : sum
    }

    /// `N`, `R`, `NR`, `T` (a pending trial boots it next, once) or `-`.
    public var activeFlags: String {
        let s = (isActiveNow ? "N" : "") + (isActiveOnReboot ? "R" : "") + (isTrialTarget ? "T" : "")
        return s.isEmpty ? "-" : s
    }

    public func checkpoint(named name: String) -> Checkpoint? { checkpoints.first { $0.name == name } }
}

/// Builds boot environments from the one listing of the BE root in a single pass plus one
/// pass over the BEs (dictionaries only; no per-BE scans), so 100 000 checkpoints list fast.
public enum BootEnvironmentInventory {
    public static func build(
        records: [BERecord], beRoot: String, runningBE: String?, bootfs: String?, mounts: MountTable
    ) -> [BootEnvironment] {
        let prefix = beRoot + "/"
        var order: [String] = []
        var bes: [String: BootEnvironment] = [:]
        // Per BE: checkpoints (in list order = createtxg order, see libzfs zfs_compare).
        var checkpoints: [String: [Checkpoint]] = [:]
        // (BE, snapshot name) → index in checkpoints[BE], to merge children's snapshots.
        var checkpointIndex: [String: [String: Int]] = [:]
        var childSnapshots: [(be: String, snap: String, used: UInt64, clones: [String])] = []
        var snapshotUsed: [String: UInt64] = [:]
        var children: [String: [String]] = [:]
        var childMountpoints: [String: [String: String]] = [:]
        var childCanmount: [String: [String: String]] = [:]

        for r in records {
            let ds = r.datasetName
            guard ds.hasPrefix(prefix) else { continue }
            let rest = ds.dropFirst(prefix.count)
            guard !rest.isEmpty else { continue }
            let beComponent = rest.firstIndex(of: "/").map { rest[..<$0] } ?? rest
            let beDataset = prefix + beComponent
            let isBEItself = beComponent.count == rest.count
            if r.kind == .snapshot {
                snapshotUsed[r.name] = r.used
                guard let snap = r.snapshotName else { continue }
                if isBEItself {
                    let n = checkpoints[beDataset]?.count ?? 0
                    checkpointIndex[beDataset, default: [:]][String(snap)] = n
                    checkpoints[beDataset, default: []].append(
                        Checkpoint(
                            name: String(snap), dataset: beDataset, used: r.used, referenced: r.referenced,
                            creation: r.creation, description: r.description, clones: r.clones, order: n))
                } else {
                    childSnapshots.append((beDataset, String(snap), r.used, r.clones))
                }
                continue
            }
            guard r.kind == .filesystem else { continue }
            if isBEItself {
                order.append(beDataset)
                bes[beDataset] = BootEnvironment(
                    name: String(beComponent), dataset: beDataset, isActiveNow: beDataset == runningBE,
                    isActiveOnReboot: beDataset == bootfs, mountpointProperty: r.mountpoint,
                    mountedAt: mounts.mountpoints(ofDataset: beDataset).last, canmount: r.canmount, used: r.used,
                    originUsed: 0, referenced: r.referenced, creation: r.creation, description: r.description,
                    origin: r.origin, children: [], childMountpoints: [:], childCanmount: [:], checkpoints: [])
            } else {
                children[beDataset, default: []].append(r.name)
                if let mp = r.mountpoint { childMountpoints[beDataset, default: [:]][r.name] = mp }
                if let cm = r.canmount { childCanmount[beDataset, default: [:]][r.name] = cm }
            }
        }
        for s in childSnapshots {
            // idx was the array's count when that checkpoint was appended; arrays only grow.
            guard let idx = checkpointIndex[s.be]?[s.snap] else { continue }
            checkpoints[s.be]?[idx].addChild(used: s.used, clones: s.clones)
        }
        return order.compactMap { ds -> BootEnvironment? in
            guard var be = bes[ds] else { return nil }
            be.children = children[ds] ?? []
            be.childMountpoints = childMountpoints[ds] ?? [:]
            be.childCanmount = childCanmount[ds] ?? [:]
            be.checkpoints = checkpoints[ds] ?? []
            // A snapshot inherits user properties from its filesystem (OpenZFS 2.1 shows
            // `test@t1` with the description of `test`): the same text as the BE's is the
            // BE's description, not the checkpoint's own.
            if let d = be.description {
                for i in be.checkpoints.indices where be.checkpoints[i].description == d {
                    be.checkpoints[i].description = nil
                }
            }
            if let origin = be.origin { be.originUsed = snapshotUsed[origin] ?? 0 }
            return be
        }
    }
}
