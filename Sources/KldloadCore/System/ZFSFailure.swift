/// What a failed `zfs`/`zpool` command said, kept whole, and which of ZFS's common refusals it
/// is. zfs prints the reason on the first line (`cannot destroy 'a@x': snapshot has dependent
/// clones`) and, for some refusals, a list of dataset names after it; keeping only the last line
/// keeps a dataset name and loses the reason. The patterns are the exact strings of OpenZFS
/// (cmd/zfs/zfs_main.c, lib/libzfs/libzfs_dataset.c, lib/libzfs/libzfs_util.c).
public struct ZFSFailure: Sendable, Hashable, CustomStringConvertible {
    public enum Refusal: String, Sendable, Hashable, Codable, CaseIterable {
        /// `snapshot has dependent clones` (zfs destroy) or `snapshot is cloned` (batched destroy).
        case dependentClones
        /// `filesystem has children` (zfs destroy without -r).
        case hasChildren
        /// `more recent snapshots or bookmarks exist` / `there is a snapshot or bookmark more recent`.
        case newerSnapshots
        /// `clones of previous snapshots exist` (zfs rollback -r past a cloned snapshot).
        case clonesOfNewerSnapshots
        /// `it's being held` (a user hold, zfs hold).
        case held
        /// `dataset is busy` / `pool or dataset is busy`.
        case busy
        /// `permission denied`.
        case permissionDenied
        /// `dataset does not exist` / `no such pool or dataset` / `could not find any snapshots to destroy`.
        case doesNotExist
        /// `dataset already exists` / `pool or dataset exists`.
        case alreadyExists
        /// `out of space`.
        case outOfSpace
    }

    /// Every non-empty stderr line, in order.
    public var lines: [String]
    public var refusal: Refusal?

    public init(stderr: String) {
        lines = stderr.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let first = lines.first ?? ""
        refusal = Self.patterns.first { pattern in pattern.texts.contains { first.contains($0) } }?.refusal
    }

    /// Checked in this order against the first line (the one with the reason).
    static let patterns: [(refusal: Refusal, texts: [String])] = [
        (.dependentClones, ["has dependent clones", "snapshot is cloned"]),
        (.clonesOfNewerSnapshots, ["clones of previous snapshots exist"]),
        (.newerSnapshots, ["more recent snapshots or bookmarks exist", "snapshot or bookmark more recent"]),
        (.hasChildren, ["has children"]),
        (.held, ["it's being held"]),
        (.busy, ["dataset is busy"]),
        (.permissionDenied, ["permission denied"]),
        (.doesNotExist, ["dataset does not exist", "no such pool or dataset", "could not find any snapshots to destroy"]),
        (.alreadyExists, ["dataset already exists", "pool or dataset exists"]),
        (.outOfSpace, ["out of space"]),
    ]

    /// The whole message on one line: a line ending in `:` introduces the dataset names after
    /// it, which are joined with `, ` (`…: snapshot has dependent clones; use '-R' to destroy the
    /// following datasets: rpool/ROOT/b`).
    public var description: String {
        var out = ""
        var inList = false
        for line in lines {
            if out.isEmpty {
                out = line
                continue
            }
            if out.hasSuffix(":") {
                out += " "
                inList = true
            } else {
                out += inList ? ", " : "; "
            }
            out += line
        }
        return out
    }

    /// What to do about a recognised refusal.
    public var hint: String? {
        switch refusal {
        case nil: return nil
        case .dependentClones:
            return "boot environments were cloned from that snapshot (listed above): destroy them first (kbe destroy NAME), or zfs promote one so that it owns the snapshot"
        case .clonesOfNewerSnapshots:
            return "a newer checkpoint has a clone (listed above): destroy that boot environment or zfs promote it first"
        case .newerSnapshots:
            return "newer checkpoints exist (listed above); kbe rollback destroys them after confirmation (kbe list -s shows them)"
        case .hasChildren:
            return "the dataset has child datasets or snapshots (listed above); kbe destroy removes a boot environment with them"
        case .held:
            return "a user hold keeps the snapshot: zfs holds -r SNAPSHOT shows it, zfs release TAG SNAPSHOT removes it"
        case .busy:
            return "it is in use: unmount it (kbe umount NAME), stop what uses its files (fuser -vm MOUNTPOINT), then retry"
        case .permissionDenied:
            return "run it as root, or have the rights delegated (zfs allow)"
        case .doesNotExist:
            return "it changed since it was listed: kbe list -s shows what exists now"
        case .alreadyExists:
            return "the name is taken: kbe list -s shows what exists; choose another name"
        case .outOfSpace:
            return "the pool is full: free space (kbe list -s shows the checkpoints and their space) and retry"
        }
    }
}
