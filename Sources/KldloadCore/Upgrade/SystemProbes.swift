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

    /// `zpool get -Hp bootfs,health,free,size,allocated POOL` (scripted, exact numbers) and
    /// `zpool status POOL` (a resilver in progress; the status/action text shown on refusal).
    static func poolGet(_ name: String) -> Command {
        Command(["zpool", "get", "-Hp", "bootfs,health,free,size,allocated", name])
    }

    func pool(_ name: String) throws(UpgradeError) -> PoolFacts {
        let get: CommandResult
        do { get = try context.runner.run(Self.poolGet(name)) } catch {
            throw .stepFailed(step: "zpool get", error: error.description)
        }
        guard get.status.isSuccess else {
            throw .stepFailed(step: "zpool get \(name)", error: "\(get.status)" + lastError(get))
        }
        let props: [ZFSProperty]
        do { props = try ZpoolGetParser.parse(get.stdout) } catch {
            throw .stepFailed(step: "reading zpool get", error: error.description)
        }
        guard let health = ZpoolGetParser.value("health", pool: name, in: props) else {
            throw .stepFailed(step: "zpool get \(name)", error: "no health property for pool \(name) in its output")
        }
        var facts = PoolFacts(name: name, health: PoolState(health).description,
                              free: ZpoolGetParser.value("free", pool: name, in: props).flatMap { UInt64($0) },
                              resilvering: false, statusLines: [])
        if let status = try? context.runner.run(Command(["zpool", "status", name])), status.status.isSuccess,
            let parsed = try? ZpoolStatusParser.parse(status.stdout), let p = parsed.pool(named: name)
        {
            facts.resilvering = p.isResilvering
            if let s = p.status { facts.statusLines.append("status: " + s) }
            if let a = p.action { facts.statusLines.append("action: " + a) }
            if let scan = p.scan { facts.statusLines.append("scan: " + scan.text) }
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
