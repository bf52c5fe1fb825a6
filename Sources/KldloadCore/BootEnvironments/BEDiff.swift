import Foundation

/// The result of `kbe diff A B` (also the `diff` object of `kbe diff --json`).
public struct BEDiff: Sendable, Hashable, Codable {
    public struct KernelEntry: Sendable, Hashable, Codable {
        public var release: String
        /// The zfs module file the module verifier's scan finds for this kernel (as seen from
        /// that side's `/`), nil when there is none.
        public var zfsModule: String?
    }

    /// What was compared: a BE dataset or `BE@CHECKPOINT`.
    public var from: String
    public var to: String
    /// Where each side's files were read (a `.zfs/snapshot` directory, a mountpoint, a
    /// temporary read-only mount).
    public var fromPath: String
    public var toPath: String
    public var packages: PackageDiff?
    public var fromKernels: [KernelEntry] = []
    public var toKernels: [KernelEntry] = []
    /// `--files`: `zfs diff -FH` of the BE's root dataset, in the order shown (grouped by directory, /etc first).
    public var files: [FileChange]?

    /// Human lines. `packageLimit` shortens the package list (rollback/activate's preview).
    public func lines(packageLimit: Int? = nil, kernels: Bool = true) -> [String] {
        var out = ["kbe diff \(from) -> \(to)"]
        if let packages {
            out += packages.lines(limit: packageLimit)
        } else {
            out.append("packages: no package database found")
        }
        if kernels {
            func show(_ ks: [KernelEntry]) -> String {
                ks.isEmpty
                    ? "none found"
                    : ks.map { "\($0.release) (\($0.zfsModule == nil ? "no zfs module" : "zfs module"))" }.joined(
                        separator: ", ")
            }
            out.append("kernels:")
            out.append("  \(from): \(show(fromKernels))")
            out.append("  \(to): \(show(toKernels))")
        }
        if let files {
            out.append("files (zfs diff): \(files.count) changed")
            var group: String? = nil
            for f in files {
                let dir = Self.directory(of: f.path)
                if dir != group {
                    out.append("  \(Self.shown(dir))")
                    group = dir
                }
                var line = "    \(f.kind.rawValue) \(f.type) \(Self.shown(f.path))"
                if let n = f.newPath { line += " -> \(Self.shown(n))" }
                if let d = f.linkDelta { line += " (links \(d > 0 ? "+" : "")\(d))" }
                out.append(line)
            }
        }
        return out
    }

    /// A file name on one line: newline, TAB and carriage return shown as `\n`, `\t`, `\r`
    /// (other control characters are made visible at the console boundary, `TerminalText`).
    static func shown(_ path: String) -> String {
        guard path.contains(where: { $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "\r\n" }) else { return path }
        return path.replacingOccurrences(of: "\r\n", with: "\\r\\n").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\r", with: "\\r")
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "/" }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }

    /// Groups changes by their directory, `/etc` and everything below it first (where
    /// administrators look), then the other directories in byte order; each group sorted by path.
    public static func grouped(_ changes: [FileChange]) -> [FileChange] {
        func rank(_ c: FileChange) -> (Int, String, String) {
            let dir = directory(of: c.path)
            let etc = dir == "/etc" || dir.hasPrefix("/etc/") || c.path == "/etc"
            return (etc ? 0 : 1, dir, c.path)
        }
        return changes.map { (rank($0), $0) }.sorted { a, b in
            a.0.0 != b.0.0 ? a.0.0 < b.0.0 : a.0.1 != b.0.1 ? a.0.1.utf8.lexicographicallyPrecedes(b.0.1.utf8)
                : a.0.2.utf8.lexicographicallyPrecedes(b.0.2.utf8)
        }.map(\.1)
    }
}

/// A read-only view of one side of a diff: paths of that side's `/` mapped to where they can
/// be read now (longest matching prefix wins), e.g. `/` → `/.zfs/snapshot/NAME` and
/// `/var` → `/var/.zfs/snapshot/NAME` for a child dataset. Writes are refused.
struct SideFileSystem: FileSystem {
    var base: any FileSystem
    /// (path on the side, path to read it from now), longest side path first.
    var map: [(String, String)]

    init(base: any FileSystem, map: [(String, String)]) {
        self.base = base
        self.map = map.sorted { $0.0.count > $1.0.count }
    }

    func real(_ path: String) -> String {
        for (side, now) in map {
            if side == "/" {
                return now == "/" ? path : now + path
            }
            if path == side || path.hasPrefix(side + "/") {
                return now + path.dropFirst(side.count)
            }
        }
        return path
    }

    func contents(of path: String) throws(FileSystemError) -> Data { try base.contents(of: real(path)) }
    func exists(_ path: String) -> Bool { base.exists(real(path)) }
    func isDirectory(_ path: String) -> Bool { base.isDirectory(real(path)) }
    func list(_ path: String) throws(FileSystemError) -> [String] { try base.list(real(path)) }
    func symbolicLinkDestination(_ path: String) -> String? { base.symbolicLinkDestination(real(path)) }
    func append(_ data: Data, to path: String) throws(FileSystemError) { throw .ioError(path: path, reason: "read-only view") }
    func write(_ data: Data, to path: String) throws(FileSystemError) { throw .ioError(path: path, reason: "read-only view") }
    func createDirectory(_ path: String) throws(FileSystemError) { throw .ioError(path: path, reason: "read-only view") }
    func remove(_ path: String) throws(FileSystemError) { throw .ioError(path: path, reason: "read-only view") }
}

extension BootEnvironmentManager {
    /// The package database files kbe diff reads, in the order they are looked for.
    static let dpkgStatus = "/var/lib/dpkg/status"
    static let pacmanLocal = "/var/lib/pacman/local"
    /// rpm ≥ 4.16 keeps a sqlite database; Fedora 36+ under /usr/lib/sysimage/rpm (with
    /// /var/lib/rpm a link to it), RHEL 9 under /var/lib/rpm; older rpm used Berkeley DB `Packages`.
    static let rpmDatabases = [
        ("/usr/lib/sysimage/rpm", "rpmdb.sqlite"), ("/var/lib/rpm", "rpmdb.sqlite"), ("/var/lib/rpm", "Packages"),
        ("/var/lib/rpm", "Packages.db"),
    ]

    /// One side of a diff: its label, the view of its files, and the temporary mount to undo.
    struct DiffSide {
        var label: String
        var files: SideFileSystem
        var shownPath: String
        var temporaryMount: String?
        var dataset: String
        var snapshot: String?
    }

    /// `extraSnapshots`: snapshots taken after `state` was listed (kupgrade's checkpoint).
    func diffSide(_ target: BETarget, state: BootEnvironmentState, extraSnapshots: Set<String> = []) throws(KBEError)
        -> DiffSide
    {
        let altroot = state.altroot
        let snapshots = Set(state.records.lazy.filter { $0.kind == .snapshot }.map(\.name)).union(extraSnapshots)
        switch target {
        case .environment(let be):
            if let at = be.mountedAt {
                return DiffSide(
                    label: be.dataset + (be.isActiveNow ? " (running)" : ""),
                    files: SideFileSystem(base: context.files, map: [("/", at)]), shownPath: at, dataset: be.dataset)
            }
            let dir = try temporaryMount(be.dataset, label: be.name)
            return DiffSide(
                label: be.dataset, files: SideFileSystem(base: context.files, map: [("/", dir)]), shownPath: dir,
                temporaryMount: dir, dataset: be.dataset)
        case .checkpoint(let be, let cp):
            guard let at = be.mountedAt else {
                let dir = try temporaryMount(cp.fullName, label: be.name + "_" + cp.name)
                return DiffSide(
                    label: cp.fullName, files: SideFileSystem(base: context.files, map: [("/", dir)]), shownPath: dir,
                    temporaryMount: dir, dataset: be.dataset, snapshot: cp.name)
            }
            let snapdir = "/.zfs/snapshot/" + cp.name
            var map: [(String, String)] = [("/", Self.join(at, snapdir))]
            // Child datasets (a separate /var) and a split package-database dataset have their
            // own .zfs directory; their snapshot of the same name holds their part of the checkpoint.
            for child in be.children where snapshots.contains(child + "@" + cp.name) {
                guard let m = state.mounts.entries.first(where: { $0.source == child && $0.fstype == "zfs" }) else { continue }
                let side = at == "/" ? m.mountpoint : String(m.mountpoint.dropFirst(at.count))
                guard side.hasPrefix("/") else { continue }
                map.append((side, m.mountpoint + snapdir))
            }
            let pkg = packageDatabase(state)
            if let split = pkg.splitDataset, be.isActiveNow,
                let m = state.mounts.entries.first(where: { $0.source == split && $0.fstype == "zfs" })
            {
                let has = snapshots.contains(split + "@" + cp.name)
                    || ((try? packageDatabaseSnapshots(split)) ?? []).contains(where: { $0.name == split + "@" + cp.name })
                if has {
                    let side = altroot.isEmpty ? m.mountpoint : String(m.mountpoint.dropFirst(altroot.count))
                    map.append((side, m.mountpoint + snapdir))
                }
            }
            return DiffSide(
                label: cp.fullName, files: SideFileSystem(base: context.files, map: map), shownPath: Self.join(at, snapdir),
                dataset: be.dataset, snapshot: cp.name)
        }
    }

    /// Mounts a BE or snapshot read-only under /run/kbe for reading; undone by `unmountTemporary`.
    func temporaryMount(_ dataset: String, label: String) throws(KBEError) -> String {
        let dir = Checkpoints.unique("/run/kbe/diff-" + label) { context.files.exists($0) }
        do { try context.files.createDirectory(dir) } catch {
            throw KBEError(.commandFailed, "cannot create \(dir): \(error)")
        }
        let r = try run(Command(["mount", "-t", "zfs", "-o", "zfsutil,ro", dataset, dir]), doing: "mounting \(dataset) read-only")
        guard r.status.isSuccess else {
            throw KBEError(
                .commandFailed, "\(r.command) failed (\(r.status)): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))",
                hint: "mount it yourself (kbe mount \(dataset) DIR -r) and run kbe diff again")
        }
        return dir
    }

    func unmountTemporary(_ side: DiffSide, output: inout KBEOutput) {
        guard let dir = side.temporaryMount else { return }
        let r = try? context.runner.run(Command(["umount", dir]))
        if r?.status.isSuccess != true {
            output.warn("[kbe] warning: could not unmount \(dir) (umount \(dir) by hand)")
        }
    }

    /// Reads the installed packages of one side, without running its package manager against
    /// it: dpkg's status file and pacman's local/ directory are parsed; rpm's database is read by
    /// `rpm --dbpath` on the snapshot directory (the host's rpm; see Docs/DIFF.md).
    func installedPackages(_ side: DiffSide, prefer: PackageDatabaseKind? = nil) throws(KBEError)
        -> (PackageDatabaseKind, [Package])?
    {
        let fs = side.files
        for kind in PackageDatabaseKind.allCases where prefer == nil || prefer == kind {
            switch kind {
            case .dpkg:
                guard fs.exists(Self.dpkgStatus) else { continue }
                do { return (.dpkg, DpkgStatusParser.parse(try fs.contents(of: Self.dpkgStatus))) } catch {
                    throw KBEError(.commandFailed, "cannot read \(fs.real(Self.dpkgStatus)): \(error)")
                }
            case .rpm:
                guard let (dir, _) = Self.rpmDatabases.first(where: { fs.exists($0.0 + "/" + $0.1) && fs.symbolicLinkDestination($0.0) == nil })
                else { continue }
                let answer = try ask(.rpmPackages(databaseDirectory: fs.real(dir)), doing: "reading the rpm database of \(side.label)")
                let r = answer.result
                guard r.status.isSuccess else {
                    throw KBEError(
                        .commandFailed,
                        "\(r.command) failed (\(r.status)): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))",
                        hint: "the host's rpm must read the database format of \(side.label) (rpm 4.16+ reads sqlite)")
                }
                do { return (.rpm, try answer.value()) } catch { throw KBEError.parse(error) }
            case .pacman:
                guard fs.isDirectory(Self.pacmanLocal), let entries = try? fs.list(Self.pacmanLocal) else { continue }
                var packages: [Package] = []
                for entry in entries.sorted() where entry != "ALPM_DB_VERSION" {
                    guard let text = fs.textIfPresent(Self.pacmanLocal + "/" + entry + "/desc") else { continue }
                    if let p = PacmanLocalParser.parseDesc(text) { packages.append(p) }
                }
                return (.pacman, packages)
            }
        }
        return nil
    }

    /// Kernels of one side (the module verifier's scan, through the side's view).
    func kernels(_ side: DiffSide) -> [BEDiff.KernelEntry] {
        KernelScanner(fileSystem: side.files).scan().kernels.map { k in
            BEDiff.KernelEntry(release: k.release.string, zfsModule: k.modules(named: "zfs").first?.path)
        }
    }

    /// The `zfs diff -FH` of the two sides' root datasets. zfs compares a snapshot with a later
    /// snapshot of the same dataset, with the dataset itself, or with a clone of it.
    func fileChanges(from a: DiffSide, to b: DiffSide, state: BootEnvironmentState) throws(KBEError) -> [FileChange] {
        guard let snap = a.snapshot else {
            throw KBEError(
                .usage, "kbe diff --files needs a checkpoint as A: zfs diff compares a snapshot with a later state",
                hint: "name a checkpoint first (kbe diff BE@CHECKPOINT \(b.label.split(separator: " ").first ?? ""))")
        }
        let to = b.snapshot.map { b.dataset + "@" + $0 } ?? b.dataset
        let answer = try ask(.fileChanges(from: a.dataset + "@" + snap, to: to), doing: "comparing files")
        let r = answer.result
        guard r.status.isSuccess else {
            throw KBEError(
                .commandFailed, "\(r.command) failed (\(r.status)): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))",
                hint: "zfs diff compares a snapshot with a later snapshot of the same dataset, the dataset itself, or a clone of it")
        }
        do { return BEDiff.grouped(try answer.value()) } catch { throw KBEError.parse(error) }
    }

    /// kupgrade's list of the transaction's packages: the checkpoint it just took (`snapshots`:
    /// every snapshot of it, taken after `state` was listed) against the running BE, with the same
    /// code as `kbe diff`. nil when either side has no package database kbe can read (the reason
    /// is the warning returned with it).
    public func transactionPackages(
        state: BootEnvironmentState, running: BootEnvironment, checkpoint name: String, snapshots: [String]
    ) -> (PackageDiff?, String?) {
        let cp = Checkpoint(
            name: name, dataset: running.dataset, used: 0, referenced: 0, creation: nil, description: nil, clones: [],
            order: running.checkpoints.count)
        var scratch = newReport("diff", state: state)
        do {
            let d = try compare(
                .checkpoint(running, cp), .environment(running), state: state, files: false,
                extraSnapshots: Set(snapshots), output: &scratch)
            return (d.packages, nil)
        } catch {
            return (nil, error.message)
        }
    }

    /// The short diff `kbe rollback` and `kbe activate` show on a terminal before they ask: what
    /// changes from the BE as it is now to what will be there (packages, at most 15 lines, and
    /// kernels). Empty when nobody is asked (no terminal, --yes, --dry-run). A failure to compare
    /// is one line, never a reason to refuse.
    func preview(from: BETarget, to: BETarget, state: BootEnvironmentState, output: inout KBEOutput) -> [String] {
        guard context.isInteractive, ask != nil, !options.assumeYes, !options.dryRun else { return [] }
        do {
            let d = try compare(from, to, state: state, files: false, output: &output)
            return ["What changes (kbe diff \(d.from) \(d.to)):"] + d.lines(packageLimit: 15).dropFirst().map { "  " + $0 }
        } catch {
            return ["(kbe diff could not compare them: \(error.message))"]
        }
    }

    /// `kbe diff A [B]`: B defaults to the running BE. Reads only; a BE or checkpoint that is not
    /// mounted is mounted read-only under /run/kbe for the time of the read.
    public func diff(_ a: String, _ b: String?, files: Bool) throws(KBEError) -> (KBEOutput, BEDiff) {
        let state = try loadState()
        var out = newReport("diff", state: state)
        let fromTarget = try resolve(a, in: state)
        let toTarget: BETarget
        if let b {
            toTarget = try resolve(b, in: state)
        } else {
            guard let running = state.running else {
                throw KBEError(.usage, "no boot environment is running to compare with", hint: "name both sides: kbe diff A B")
            }
            toTarget = .environment(running)
        }
        let diff = try compare(fromTarget, toTarget, state: state, files: files, output: &out)
        out.report.target = diff.to
        out.report.diff = diff
        return (out, diff)
    }

    /// The comparison behind `kbe diff`, kupgrade's package list and the rollback preview.
    func compare(
        _ fromTarget: BETarget, _ toTarget: BETarget, state: BootEnvironmentState, files: Bool,
        extraSnapshots: Set<String> = [], output: inout KBEOutput
    ) throws(KBEError) -> BEDiff {
        let from = try diffSide(fromTarget, state: state, extraSnapshots: extraSnapshots)
        var to: DiffSide
        do { to = try diffSide(toTarget, state: state, extraSnapshots: extraSnapshots) } catch {
            unmountTemporary(from, output: &output)
            throw error
        }
        defer {
            unmountTemporary(from, output: &output)
            unmountTemporary(to, output: &output)
        }
        func name(_ t: BETarget) -> String {
            switch t {
            case .environment(let be): return be.dataset
            case .checkpoint(_, let cp): return cp.fullName
            }
        }
        var diff = BEDiff(from: name(fromTarget), to: name(toTarget), fromPath: from.shownPath, toPath: to.shownPath)
        if let (kind, old) = try installedPackages(from) {
            guard let (_, new) = try installedPackages(to, prefer: kind) else {
                throw KBEError(
                    .notFound, "\(diff.from) has a \(kind.rawValue) database but \(diff.to) has none (looked under \(to.shownPath))")
            }
            diff.packages = PackageDiff.compute(old: old, new: new, database: kind)
        } else if try installedPackages(to) != nil {
            throw KBEError(
                .notFound, "\(diff.to) has a package database but \(diff.from) has none (looked under \(from.shownPath))")
        }
        diff.fromKernels = kernels(from)
        diff.toKernels = kernels(to)
        if files { diff.files = try fileChanges(from: from, to: to, state: state) }
        return diff
    }
}
