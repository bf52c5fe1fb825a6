import Foundation

/// Where the package database lives relative to the boot environments (Docs/DESIGN.md
/// decision 3). When the dataset holding `/var/lib/dpkg` (or rpm, pacman) is outside the BE
/// root, every BE shares it: rolling a BE back alone would leave the database describing
/// packages whose files are gone.
public struct PackageDatabaseStatus: Sendable, Hashable, Codable {
    /// Package-database directories found on the running system (`/var/lib/dpkg`).
    public var paths: [String]
    /// The ZFS dataset outside the BE root that holds one of them, if any (`rpool/var/lib`).
    public var splitDataset: String?
    /// A package database on something kbe cannot snapshot (not ZFS), if any.
    public var unsnapshottable: [String]
    /// The dataset or filesystem holding `/boot` when it is not inside the boot environment.
    public var bootOutsideBE: String?

    public var isSplit: Bool { splitDataset != nil }
}

package enum PackageDatabaseGuard {
    public static let candidatePaths = ["/var/lib/dpkg", "/var/lib/rpm", "/usr/lib/sysimage/rpm", "/var/lib/pacman"]

    /// Looks at the running system (or, in a rescue system, the pool's datasets mounted under
    /// `altroot`): which candidate path exists, and which mount holds it (longest prefix).
    /// A holding dataset below the BE root is part of the BE; any other ZFS dataset is shared.
    public static func inspect(files: any FileSystem, mounts: MountTable, beRoot: String, altroot: String)
        -> PackageDatabaseStatus
    {
        var status = PackageDatabaseStatus(paths: [], splitDataset: nil, unsnapshottable: [], bootOutsideBE: nil)
        let inBERoot = { (ds: String) in ds.hasPrefix(beRoot + "/") }
        var seen: Set<String> = []
        for path in candidatePaths {
            // Fedora 36+: /var/lib/rpm -> ../../usr/lib/sysimage/rpm. The database lives where the
            // link points (inside the BE's /usr), not on the dataset that holds the link. The
            // target is looked up under altroot (an absolute link must not reach the host's /usr).
            let target = resolveLink(path, files: files, altroot: altroot)
            guard files.isDirectory(altroot + target), seen.insert(target).inserted else { continue }
            status.paths.append(path)
            guard let m = mounts.mount(holding: altroot + target) else { continue }
            if m.fstype != "zfs" {
                status.unsnapshottable.append("\(path) on \(m.source) (\(m.fstype) at \(m.mountpoint))")
            } else if !inBERoot(m.source), status.splitDataset == nil {
                status.splitDataset = m.source
            }
        }
        // /boot is inside the BE when the mount holding it is the BE root's own mount or a
        // dataset under the BE root. A holding mount above the altroot means the BE is not
        // mounted (rescue): then nothing is known and nothing is said.
        let rootMountpoint = altroot.isEmpty ? "/" : altroot
        if let m = mounts.mount(holding: altroot + "/boot"), m.mountpoint != rootMountpoint,
            m.mountpoint.count > rootMountpoint.count, !(m.fstype == "zfs" && inBERoot(m.source))
        {
            status.bootOutsideBE = m.fstype == "zfs" ? m.source : "\(m.source) (\(m.fstype))"
        }
        return status
    }
}

extension PackageDatabaseGuard {
    /// `path` (as seen from the target's `/`) with a symbolic link in its last component
    /// followed, up to 8 times; `.` and `..` resolved. An absolute destination is read under
    /// `altroot`, as the target system would read it.
    static func resolveLink(_ path: String, files: any FileSystem, altroot: String) -> String {
        var current = path
        for _ in 0..<8 {
            guard let destination = files.symbolicLinkDestination(altroot + current) else { break }
            let base = destination.hasPrefix("/") ? "" : (current as NSString).deletingLastPathComponent
            current = FilePath.resolvingDots(base + "/" + destination)
        }
        return current
    }
}

/// The newest kernel image in a boot environment's `/boot`, if kbe can read it.
public enum BootKernel {
    public static func newest(files: any FileSystem, bootDirectory: String) -> String? {
        guard let names = try? files.list(bootDirectory) else { return nil }
        let kernels = names.filter { $0.hasPrefix("vmlinuz-") || $0.hasPrefix("vmlinux-") }
            .map { String($0.dropFirst("vmlinuz-".count)) }
        return kernels.max(by: versionLess)
    }

    /// Compares release strings piecewise: runs of digits numerically, other runs as text
    /// (`6.1.0-9` < `6.1.0-18`).
    static func versionLess(_ a: String, _ b: String) -> Bool {
        func pieces(_ s: String) -> [(Bool, Substring)] {
            var out: [(Bool, Substring)] = []
            var i = s.startIndex
            while i < s.endIndex {
                let digit = s[i].isASCII && s[i].isNumber
                var j = i
                while j < s.endIndex && (s[j].isASCII && s[j].isNumber) == digit { j = s.index(after: j) }
                out.append((digit, s[i..<j]))
                i = j
            }
            return out
        }
        let pa = pieces(a)
        let pb = pieces(b)
        for (x, y) in zip(pa, pb) where x.1 != y.1 {
            if x.0 && y.0 {
                let xs = x.1.drop { $0 == "0" }
                let ys = y.1.drop { $0 == "0" }
                if xs.count != ys.count { return xs.count < ys.count }
                return xs < ys
            }
            return x.1 < y.1
        }
        return pa.count < pb.count
    }
}
