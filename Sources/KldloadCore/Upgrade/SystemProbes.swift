import Foundation

/// The few facts kupgrade reads from ZFS and the mount table before it changes anything.
/// Kept small and in one place: the boot-environment discovery of `kbe` and the ZFS parsers
/// replace these when they land (the calls and their argv stay the same).
struct SystemProbes {
    let context: SystemContext

    struct Mount: Hashable {
        var source: String
        var target: String
        var fstype: String
    }

    /// `/proc/self/mounts`: fields are separated by spaces; spaces, tabs, newlines and
    /// backslashes inside fields are written as octal escapes (`\040`) by the kernel's
    /// `mangle()` (fs/proc_namespace.c).
    func mounts() -> [Mount] {
        guard let text = context.files.textIfPresent("/proc/self/mounts") else { return [] }
        var result: [Mount] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 3 else { continue }
            result.append(Mount(source: Self.unescape(f[0]), target: Self.unescape(f[1]), fstype: String(f[2])))
        }
        return result
    }

    static func unescape(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        var bytes: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == 0x5C, i + 3 < u.count {
                let digits = u[(i + 1)...(i + 3)]
                if digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
                    let value = digits.reduce(0) { $0 * 8 + Int($1 - 0x30) }
                    if value < 256 {
                        bytes.append(UInt8(value))
                        i += 4
                        continue
                    }
                }
            }
            bytes.append(u[i])
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The running boot environment: the ZFS dataset mounted at `/` (the last mount there
    /// wins, as in the kernel's mount stack); the marker file only when the mount table has
    /// no ZFS root, and then only if `zfs list` confirms the dataset exists.
    func runningBootEnvironment() throws(UpgradeError) -> String {
        if let root = mounts().last(where: { $0.target == "/" }), root.fstype == "zfs" {
            return root.source
        }
        let marker = "/etc/kldload/boot-environment"
        guard let text = context.files.textIfPresent(marker),
            let first = text.split(separator: "\n").first?.trimmingCharacters(in: .whitespaces), !first.isEmpty
        else {
            throw .noBootEnvironment("/ is not a ZFS dataset (per /proc/self/mounts) and \(marker) does not exist")
        }
        let check = try? context.runner.run(Command(["zfs", "list", "-H", "-o", "name", first]))
        guard let check, check.status.isSuccess,
            check.stdout.split(separator: "\n").first.map(String.init) == first
        else {
            throw .noBootEnvironment("\(marker) names \(first), which does not exist; kupgrade will not guess")
        }
        return first
    }

    /// The dataset holding the package database when it is outside the BE (Docs/DESIGN.md 3).
    func splitPackageDatabase(bootEnvironment be: String) -> String? {
        let zfsMounts = mounts().filter { $0.fstype == "zfs" }
        for path in ["/var/lib/dpkg", "/var/lib/rpm", "/usr/lib/sysimage/rpm", "/var/lib/pacman"]
        where context.files.isDirectory(path) {
            let holder = zfsMounts.filter { m in
                m.target == "/" || path == m.target || path.hasPrefix(m.target + "/")
            }.max { $0.target.count < $1.target.count }
            guard let holder else { continue }
            if holder.source == be || holder.source.hasPrefix(be + "/") { return nil }
            return holder.source
        }
        return nil
    }

    struct PoolFacts {
        var name: String
        var health: String
        var free: UInt64?
        var resilvering: Bool
        var statusLines: [String]
    }

    /// `zpool list -Hp -o name,health,free POOL` (scripted, exact numbers) and
    /// `zpool status POOL` (for a resilver in progress, and to show on refusal).
    func pool(_ name: String) throws(UpgradeError) -> PoolFacts {
        let list: CommandResult
        do { list = try context.runner.run(Command(["zpool", "list", "-Hp", "-o", "name,health,free", name])) } catch {
            throw .stepFailed(step: "zpool list", error: error.description)
        }
        guard list.status.isSuccess else {
            throw .stepFailed(step: "zpool list \(name)", error: "\(list.status)" + lastError(list))
        }
        guard let line = list.stdout.split(separator: "\n").first(where: { $0.hasPrefix(name + "\t") }) else {
            throw .stepFailed(step: "zpool list \(name)", error: "no line for pool \(name) in its output")
        }
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count >= 3 else {
            throw .stepFailed(step: "zpool list \(name)", error: "expected 3 tab-separated fields: \(line)")
        }
        var facts = PoolFacts(name: name, health: String(fields[1]), free: UInt64(fields[2]), resilvering: false,
                              statusLines: [])
        if let status = try? context.runner.run(Command(["zpool", "status", name])), status.status.isSuccess {
            var inScan = false
            for l in status.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
                let t = l.trimmingCharacters(in: .whitespaces)
                if t.hasPrefix("status:") || t.hasPrefix("action:") || t.hasPrefix("scan:") {
                    facts.statusLines.append(t)
                }
                if t.hasPrefix("scan:") { inScan = true } else if t.hasSuffix(":") || t.hasPrefix("config:") { inScan = false }
                if (t.hasPrefix("scan:") || inScan) && t.contains("resilver in progress") { facts.resilvering = true }
            }
        }
        return facts
    }

    /// Snapshot names of a dataset (one `zfs list` call).
    func snapshotNames(of dataset: String) -> Set<String> {
        guard let r = try? context.runner.run(Command(["zfs", "list", "-H", "-o", "name", "-t", "snapshot", "-d", "1", dataset])),
            r.status.isSuccess
        else { return [] }
        var names: Set<String> = []
        for line in r.stdout.split(separator: "\n") {
            if let at = line.firstIndex(of: "@") { names.insert(String(line[line.index(after: at)...])) }
        }
        return names
    }
}
