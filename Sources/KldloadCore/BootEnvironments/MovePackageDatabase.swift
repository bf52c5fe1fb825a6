import Foundation

/// `kbe move-pkgdb`: bring the package database into the boot environment when it lives on a
/// shared dataset (the seeds' `rpool/var/lib`), leaving application data (`/var/lib/postgresql`,
/// `/var/lib/docker`, …) where it is (Docs/KBE.md, "Moving the package database into the BE";
/// Docs/DESIGN.md decision 18).
///
/// Each package-manager state directory on the shared dataset (`/var/lib/dpkg`, `/var/lib/apt`,
/// `/var/lib/rpm`, `/var/lib/dnf`, `/var/lib/pacman`) is copied to `/usr/lib/sysimage/NAME`,
/// inside the BE, and replaced by a relative symbolic link to it — the layout Fedora uses for
/// rpm (`/var/lib/rpm -> ../../usr/lib/sysimage/rpm`), which the package-database guard already
/// follows. The shared dataset keeps only the link (the same text in every BE, resolving into
/// whichever BE is running) and the old copy, renamed `NAME.kbe-moved`.
extension BootEnvironmentManager {
    /// Package-manager state under `/var/lib` (not application data).
    public static let packageStateDirectories = ["dpkg", "apt", "rpm", "dnf", "pacman"]
    /// Where they go inside the BE.
    public static let packageDatabaseHome = "/usr/lib/sysimage"

    /// The locks of every package manager: none may be held while the database moves.
    static let packageManagerLocks: [PackageLock] = AptDriver().locks + DnfDriver().locks + PacmanDriver().locks

    public func movePackageDatabase() throws(KBEError) -> KBEOutput {
        let state = try loadState()
        var out = newReport("move-pkgdb", state: state)
        guard let running = state.running else {
            throw KBEError(.notFound, "no boot environment under \(state.layout.beRoot) is running",
                           hint: "run kbe move-pkgdb on the booted system whose package database should move")
        }
        let pkg = packageDatabase(state)
        out.report.packageDatabase = pkg
        guard let split = pkg.splitDataset else {
            out.say("[kbe] the package database is already inside the boot environment \(running.dataset); nothing to do")
            out.report.plan = []
            out.report.executed = false
            return out
        }
        let moves: [(from: String, to: String)] = Self.packageStateDirectories.compactMap { name in
            let path = "/var/lib/" + name
            guard context.files.isDirectory(path), context.files.symbolicLinkDestination(path) == nil,
                state.mounts.mount(holding: path)?.source == split
            else { return nil }
            return (path, Self.packageDatabaseHome + "/" + name)
        }
        guard !moves.isEmpty else {
            throw KBEError(.refused, "\(split) holds the package database, but kbe found none of /var/lib/{\(Self.packageStateDirectories.joined(separator: ","))} as a directory on it",
                           hint: "move it by hand (Docs/KBE.md)")
        }
        if let holder = state.mounts.mount(holding: Self.packageDatabaseHome),
            holder.source != running.dataset && !running.children.contains(holder.source)
        {
            throw KBEError(.refused, "\(Self.packageDatabaseHome) is on \(holder.source), not inside the boot environment \(running.dataset)",
                           hint: "kbe move-pkgdb needs /usr inside the boot environment")
        }
        for move in moves where context.files.exists(move.to) {
            throw KBEError(.refused, "\(move.to) exists already; kbe does not overwrite it",
                           hint: "look at it and remove it if it is stale, then run kbe move-pkgdb again")
        }
        for lock in Self.packageManagerLocks {
            if let holder = context.locks.holder(of: lock) {
                throw KBEError(.refused, "\(lock.owner) is busy: \(lock.path) is \(holder)",
                               hint: "wait for the package manager to finish, then run kbe move-pkgdb again")
            }
        }
        // 1. One atomic checkpoint of the BE, its children, the shared dataset and the paired ones (kbe rollback
        // of it undoes the move).
        let taken = Set(running.checkpoints.map(\.name))
        let name = Checkpoints.unique(
            Checkpoints.name(Checkpoints.Prefix.preMovePackageDatabase, at: context.now(), timeZone: context.timeZone)
        ) { taken.contains($0) }
        let paired = try pairedDatasets(state, excluding: [split])
        let snapshots = ([running.dataset] + running.children + [split] + paired).map { $0 + "@" + name }
        for s in snapshots { try BENames.validate(name, as: "checkpoint name", fullName: s) }
        var plan = BEPlan([.run(["zfs", "snapshot", "-o", "\(Self.descriptionProperty)=before kbe move-pkgdb"] + snapshots,
                                undo: snapshots.map { ["zfs", "destroy", $0] })])
        if !context.files.isDirectory(Self.packageDatabaseHome) {
            plan.append(PlanStep(.createDirectory(Self.packageDatabaseHome)))
        }
        // 2. Per directory: copy into the BE, a link beside the old one, then two renames (the
        // path is missing only between them).
        for move in moves {
            let link = "../.." + move.to
            plan.append(.run(["cp", "-a", move.from, move.to], undo: [["rm", "-rf", move.to]]))
            plan.append(.run(["ln", "-s", link, move.from + ".kbe-new"], undo: [["rm", move.from + ".kbe-new"]]))
            plan.append(.run(["mv", move.from, move.from + ".kbe-moved"], undo: [["mv", move.from + ".kbe-moved", move.from]]))
            plan.append(.run(["mv", move.from + ".kbe-new", move.from], undo: [["mv", move.from, move.from + ".kbe-new"]]))
        }
        out.report.target = running.dataset
        out.report.created = snapshots
        let others = state.environments.filter { $0.dataset != running.dataset }.map(\.name)
        var text = [
            "kbe move-pkgdb moves \(moves.map(\.from).joined(separator: ", ")) from the shared \(split) into \(running.dataset) (\(Self.packageDatabaseHome)), leaving links; checkpoint \(running.dataset)@\(name) first.",
        ]
        if !others.isEmpty {
            text.append("Boot environments made before the move (\(others.joined(separator: ", "))) do not have \(Self.packageDatabaseHome): their package manager will not work when booted; kbe rollback \(name) undoes the move.")
        }
        try confirm(text, expected: "move-pkgdb", output: &out)
        try carryOut(plan, output: &out)
        if !options.dryRun {
            out.say("[kbe] Checkpoint: \(running.dataset)@\(name) (with \(split)@\(name)); kbe rollback \(name) undoes the move")
            for move in moves {
                out.say("[kbe] Moved \(move.from) into the boot environment: \(move.from) -> \("../.." + move.to)")
                out.say("[kbe] The old copy stays on \(split) as \(move.from).kbe-moved; remove it once the system works: rm -rf \(move.from).kbe-moved")
            }
            out.say("[kbe] Application data under /var/lib stays on \(split), shared by every boot environment")
            if !others.isEmpty {
                out.warn("[kbe] warning: \(others.joined(separator: ", ")) were made before the move; booting them leaves their package manager without a database")
            }
        }
        return out
    }
}
