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
/// pass over the BEs, so 100 000 checkpoints list fast. Per row it works on the name's UTF-8
/// bytes (ZFS names are ASCII) and looks the BE up only when it differs from the previous
/// row's (`zfs list -r` groups a BE's rows); no per-snapshot dictionary is filled unless a
/// BE has child datasets with snapshots (profile in Docs/PERFORMANCE.md).
package enum BootEnvironmentInventory {
    /// Where a row's name falls under `prefix` (`rpool/ROOT/`): the end of the dataset part
    /// (the first `@`, or the end), and the end of the BE component (the first `/` after the
    /// prefix, or the dataset's end). Nil when the dataset is not strictly below the prefix.
    struct NameSplit {
        var datasetEnd: Int
        var componentEnd: Int
        var count: Int
        var isBEItself: Bool { componentEnd == datasetEnd }
    }

    static func split(_ name: String, prefix: [UInt8]) -> NameSplit? {
        var name = name
        return name.withUTF8 { b -> NameSplit? in
            let n = b.count
            var at = 0
            while at < n && b[at] != 0x40 { at += 1 }
            guard at > prefix.count else { return nil }
            for k in 0..<prefix.count where b[k] != prefix[k] { return nil }
            var slash = prefix.count
            while slash < at && b[slash] != 0x2F { slash += 1 }
            return NameSplit(datasetEnd: at, componentEnd: slash, count: n)
        }
    }

    static func substring(_ s: String, _ from: Int, _ to: Int) -> String {
        var s = s
        return s.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[from..<to]), as: UTF8.self) }
    }

    public static func build(
        records: [BERecord], beRoot: String, runningBE: String?, bootfs: String?, mounts: MountTable
    ) -> [BootEnvironment] {
        var builder = Builder(beRoot: beRoot, runningBE: runningBE, bootfs: bootfs, mounts: mounts)
        for r in records { builder.add(r) }
        if builder.needsOriginPass {
            for r in records { builder.addOriginCandidate(r) }
        }
        return builder.finish()
    }

    /// `build`, fed one record at a time (`BEListing.forEachRecord`), so that no array of all
    /// rows has to exist: `add` every record in list order; when `needsOriginPass` is then true
    /// (a BE cloned from a child dataset's snapshot, rare), feed the records once more to
    /// `addOriginCandidate`; then `finish`.
    package struct Builder {
        let prefix: [UInt8]
        let runningBE: String?
        let bootfs: String?
        let mounts: MountTable
        struct Slot {
            var dataset: String
            var be: BootEnvironment? = nil
            // In list order = createtxg order, see libzfs zfs_compare.
            var checkpoints: [Checkpoint] = []
            /// `used` of each checkpoint's own snapshot (its children's are added to `checkpoints`).
            var ownUsed: [UInt64] = []
            var children: [String] = []
            var childMountpoints: [String: String] = [:]
            var childCanmount: [String: String] = [:]
        }
        var slots: [Slot] = []
        var slotOf: [String: Int] = [:]
        // BE filesystem rows in list order (a repeated row repeats the BE, its last row wins).
        var order: [Int] = []
        var childSnapshots: [(slot: Int, snap: String, used: UInt64, clones: [String])] = []
        var last: (dataset: String, slot: Int)? = nil
        /// `used` of origin snapshots that are not a BE's own (filled by `addOriginCandidate`).
        var childOriginUsed: [String: UInt64] = [:]
        var childOrigins: Set<String>? = nil

        package init(beRoot: String, runningBE: String?, bootfs: String?, mounts: MountTable) {
            self.prefix = Array((beRoot + "/").utf8)
            self.runningBE = runningBE
            self.bootfs = bootfs
            self.mounts = mounts
        }

        package mutating func add(_ r: BERecord) {
            guard let sp = split(r.name, prefix: prefix) else { return }
            // The BE dataset is the name's first componentEnd bytes: reuse the previous row's.
            let slot: Int
            if let l = last, l.dataset.utf8.count == sp.componentEnd,
               r.name.utf8.starts(with: l.dataset.utf8) {
                slot = l.slot
            } else {
                let ds = substring(r.name, 0, sp.componentEnd)
                if let s = slotOf[ds] {
                    slot = s
                } else {
                    slot = slots.count
                    slots.append(Slot(dataset: ds))
                    slotOf[ds] = slot
                }
                last = (slots[slot].dataset, slot)
            }
            let beDataset = slots[slot].dataset
            if r.kind == .snapshot {
                guard sp.datasetEnd < sp.count else { return }  // a snapshot row without `@`
                let snap = substring(r.name, sp.datasetEnd + 1, sp.count)
                if sp.isBEItself {
                    let n = slots[slot].checkpoints.count
                    slots[slot].checkpoints.append(
                        Checkpoint(
                            name: snap, dataset: beDataset, used: r.used, referenced: r.referenced,
                            creation: r.creation, description: r.description, clones: r.clones, order: n))
                    slots[slot].ownUsed.append(r.used)
                } else {
                    childSnapshots.append((slot, snap, r.used, r.clones))
                }
                return
            }
            guard r.kind == .filesystem else { return }
            if sp.isBEItself {
                order.append(slot)
                let component = substring(r.name, prefix.count, sp.componentEnd)
                slots[slot].be = BootEnvironment(
                    name: component, dataset: beDataset, isActiveNow: beDataset == runningBE,
                    isActiveOnReboot: beDataset == bootfs, mountpointProperty: r.mountpoint,
                    mountedAt: mounts.mountpoints(ofDataset: beDataset).last, canmount: r.canmount, used: r.used,
                    originUsed: 0, referenced: r.referenced, creation: r.creation, description: r.description,
                    origin: r.origin, children: [], childMountpoints: [:], childCanmount: [:], checkpoints: [])
            } else {
                slots[slot].children.append(r.name)
                if let mp = r.mountpoint { slots[slot].childMountpoints[r.name] = mp }
                if let cm = r.canmount { slots[slot].childCanmount[r.name] = cm }
            }
        }

        /// Where an origin under the BE root is a BE's own snapshot: (slot, checkpoint index),
        /// the last of that name (a repeated row: its last row wins).
        func checkpointOfOrigin(_ origin: String) -> (slot: Int, index: Int)? {
            guard let sp = split(origin, prefix: prefix), sp.isBEItself, sp.datasetEnd < sp.count,
                  let slot = slotOf[substring(origin, 0, sp.componentEnd)] else { return nil }
            let snap = substring(origin, sp.datasetEnd + 1, sp.count)
            guard let i = slots[slot].checkpoints.lastIndex(where: { $0.name == snap }) else { return nil }
            return (slot, i)
        }

        /// Origins under the BE root that are not a BE's own snapshot (a child dataset's).
        func pendingChildOrigins() -> Set<String> {
            var c: Set<String> = []
            for i in order {
                guard let o = slots[i].be?.origin, split(o, prefix: prefix) != nil,
                      checkpointOfOrigin(o) == nil else { continue }
                c.insert(o)
            }
            return c
        }

        /// True when some BE's origin is a child dataset's snapshot: its `used` needs a second
        /// look at the rows (`addOriginCandidate`).
        package var needsOriginPass: Bool { !pendingChildOrigins().isEmpty }

        package mutating func addOriginCandidate(_ r: BERecord) {
            guard r.kind == .snapshot else { return }
            if childOrigins == nil { childOrigins = pendingChildOrigins() }
            if childOrigins?.contains(r.name) == true { childOriginUsed[r.name] = r.used }
        }

        package consuming func finish() -> [BootEnvironment] {
            if !childSnapshots.isEmpty {
                // (BE, snapshot name) → index in its checkpoints, only for BEs with child snapshots.
                var index: [Int: [String: Int]] = [:]
                for s in childSnapshots where index[s.slot] == nil {
                    var names: [String: Int] = [:]
                    for (i, c) in slots[s.slot].checkpoints.enumerated() { names[c.name] = i }
                    index[s.slot] = names
                }
                for s in childSnapshots {
                    guard let idx = index[s.slot]?[s.snap] else { continue }
                    slots[s.slot].checkpoints[idx].addChild(used: s.used, clones: s.clones)
                }
            }
            // `used` of each BE's origin snapshot, when it is under the BE root.
            func originUsed(_ origin: String) -> UInt64 {
                if let (slot, i) = checkpointOfOrigin(origin) { return slots[slot].ownUsed[i] }
                return childOriginUsed[origin] ?? 0
            }
            return order.compactMap { i -> BootEnvironment? in
                guard var be = slots[i].be else { return nil }
                be.children = slots[i].children
                be.childMountpoints = slots[i].childMountpoints
                be.childCanmount = slots[i].childCanmount
                be.checkpoints = slots[i].checkpoints
                // A snapshot inherits user properties from its filesystem (OpenZFS 2.1 shows
                // `test@t1` with the description of `test`): the same text as the BE's is the
                // BE's description, not the checkpoint's own.
                if let d = be.description {
                    for i in be.checkpoints.indices where be.checkpoints[i].description == d {
                        be.checkpoints[i].description = nil
                    }
                }
                if let origin = be.origin { be.originUsed = originUsed(origin) }
                return be
            }
        }
    }
}
