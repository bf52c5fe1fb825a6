import Foundation

/// Options every kbe command shares.
public struct KBEOptions: Sendable, Hashable {
    public var pool: String?
    public var beRoot: String?
    public var dryRun: Bool
    public var assumeYes: Bool
    public var allowSplitPackageDatabase: Bool
    /// `--with-data` / `--without-data`: what rollback and activation do with paired datasets.
    public var pairedData: PairedData.Choice?

    public init(
        pool: String? = nil, beRoot: String? = nil, dryRun: Bool = false, assumeYes: Bool = false,
        allowSplitPackageDatabase: Bool = false, pairedData: PairedData.Choice? = nil
    ) {
        self.pairedData = pairedData
        self.pool = pool
        self.beRoot = beRoot
        self.dryRun = dryRun
        self.assumeYes = assumeYes
        self.allowSplitPackageDatabase = allowSplitPackageDatabase
    }
}

/// What a name on the command line resolved to.
public enum BETarget: Sendable, Hashable {
    case environment(BootEnvironment)
    case checkpoint(BootEnvironment, Checkpoint)
}

/// The boot-environment manager: one function per kbe command. Reads go straight to the
/// runner; every change is first built as a `BEPlan` (validated names, safety checks done),
/// then printed (`dryRun`) or executed.
public struct BootEnvironmentManager: Sendable {
    public var context: SystemContext
    public var options: KBEOptions
    /// Asks the person at the terminal: receives the full prompt, returns the line typed
    /// (nil at end of input). Only used when `context.isInteractive`.
    public var ask: (@Sendable (String) -> String?)?
    /// Progress lines while a plan runs (`[kbe] ran: …`).
    public var progress: ProgressSink?

    public init(
        context: SystemContext, options: KBEOptions = KBEOptions(), ask: (@Sendable (String) -> String?)? = nil,
        progress: ProgressSink? = nil
    ) {
        self.context = context
        self.options = options
        self.ask = ask
        self.progress = progress
    }

    public static let descriptionProperty = BEListing.descriptionProperty

    // MARK: - Reading the pool

    func run(_ command: Command, doing what: String) throws(KBEError) -> CommandResult {
        do { return try context.runner.run(command) } catch { throw KBEError.from(error, doing: what) }
    }

    /// Asks `query`; a command that could not run is a `KBEError` saying what kbe was `doing`.
    func ask<Value>(_ query: SystemQuery<Value>, doing what: String) throws(KBEError) -> QueryAnswer<Value> {
        do { return try context.ask(query) } catch { throw KBEError.from(error, doing: what) }
    }

    /// The answer to `query`: a command that could not run, failed (`commandFailed` with zfs's
    /// own message) or printed what its parser rejects is a `KBEError`.
    func value<Value>(_ query: SystemQuery<Value>, doing what: String) throws(KBEError) -> Value {
        let answer = try ask(query, doing: what)
        let r = answer.result
        guard r.status.isSuccess else {
            throw KBEError(
                .commandFailed, "\(r.command) failed (\(r.status)): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        do { return try answer.value() } catch { throw KBEError.parse(error) }
    }

    func fetchBootfs(pool: String) throws(KBEError) -> String? {
        let answer = try ask(.bootfs(pool: pool), doing: "reading bootfs of pool \(pool)")
        let r = answer.result
        guard r.status.isSuccess else {
            let err = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            if err.contains("no such pool") {
                throw KBEError(
                    .notFound, "pool \(pool) is not imported: \(err)",
                    hint: "import it first (rescue system: zpool import -R /mnt \(pool))")
            }
            throw KBEError(.commandFailed, "\(r.command) failed (\(r.status)): \(err)")
        }
        do { return try answer.value() } catch { throw KBEError.parse(error) }
    }

    func fetchRecords(_ query: SystemQuery<[BERecord]>, what: String) throws(KBEError) -> [BERecord] {
        try fetchListing(query, what: what)
    }

    /// The answer to a listing of `what`: a missing dataset is `notFound` with a hint.
    func fetchListing<Value>(_ query: SystemQuery<Value>, what: String) throws(KBEError) -> Value {
        let answer = try ask(query, doing: "listing \(what)")
        let r = answer.result
        guard r.status.isSuccess else {
            let err = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            if err.contains("does not exist") {
                throw KBEError(
                    .notFound, "\(what) does not exist: \(err)",
                    hint: "check the pool and BE root (kbe --pool POOL, or --be-root POOL/ROOT)")
            }
            throw KBEError(.commandFailed, "\(r.command) failed (\(r.status)): \(err)")
        }
        do { return try answer.value() } catch { throw KBEError.parse(error) }
    }

    /// Mount table, layout, bootfs and the one listing: at most two subprocesses.
    /// `keepRecords: false` leaves `records` empty (the listing's rows go straight into the
    /// environments): for commands that need only those, as `kbe list`.
    public func loadState() throws(KBEError) -> BootEnvironmentState {
        try loadState(keepRecords: true)
    }

    package func loadState(keepRecords: Bool) throws(KBEError) -> BootEnvironmentState {
        let mountsText = context.files.textIfPresent(BootEnvironmentLayout.mountTablePath) ?? ""
        let mounts: MountTable
        do { mounts = try MountTable.parse(mountsText) } catch { throw KBEError.parse(error) }
        var cachedBootfs: (pool: String, value: String?)? = nil
        let layout = try BootEnvironmentLayout.discover(
            files: context.files, mounts: mounts, pool: options.pool, beRoot: options.beRoot,
            bootfsOf: { (pool: String) throws(KBEError) -> String? in
                let value = try fetchBootfs(pool: pool)
                cachedBootfs = (pool, value)
                return value
            })
        let bootfs: String?
        if let cached = cachedBootfs, cached.pool == layout.pool {
            bootfs = cached.value
        } else {
            bootfs = try fetchBootfs(pool: layout.pool)
        }
        let listing = try fetchListing(
            SystemQuery.bootEnvironmentListing(
                root: layout.beRoot, runningBE: layout.runningBE, bootfs: bootfs, mounts: mounts, keepRecords: keepRecords),
            what: "boot environment root \(layout.beRoot)")
        // `--be-root` naming a boot environment (its children would be listed as BEs).
        if let root = listing.root,
            root.mountpoint == "/" || layout.beRoot == bootfs || mounts.entry(at: "/")?.source == layout.beRoot
        {
            throw KBEError(
                .refused,
                "\(layout.beRoot) is itself a boot environment (mountpoint \(root.mountpoint ?? "-")\(layout.beRoot == bootfs ? ", the pool's bootfs" : "")), not the container of the boot environments: its child datasets would count as boot environments",
                hint: BootEnvironmentLayout.parent(of: layout.beRoot).flatMap { $0.contains("/") ? "name its parent: --be-root \($0)" : nil }
                    ?? BootEnvironmentLayout.containerHint(pool: layout.pool, root: layout.beRoot))
        }
        let state = BootEnvironmentState(
            layout: layout, mounts: mounts, bootfs: bootfs, records: listing.records, environments: listing.environments)
        if layout.runningSource == .markerFile, let marked = layout.runningBE, state.environment(named: marked) == nil {
            throw KBEError(
                .notFound,
                "\(BootEnvironmentLayout.markerFile) names \(marked), but there is no such boot environment",
                hint: "name the BE root with --be-root POOL/ROOT (kbe never guesses a dataset)")
        }
        return state
    }

    // MARK: - Names and targets

    public func resolve(_ text: String, in state: BootEnvironmentState) throws(KBEError) -> BETarget {
        if text.contains("%") {
            throw KBEError(
                .usage, "'\(text)' contains '%': kbe does not accept snapshot ranges",
                hint: "name one boot environment or checkpoint at a time")
        }
        if let at = text.firstIndex(of: "@") {
            let bePart = String(text[..<at])
            let snap = String(text[text.index(after: at)...])
            let be: BootEnvironment?
            if bePart.isEmpty {
                be = state.running
            } else {
                be = state.environment(named: bePart)
            }
            guard let be else {
                throw KBEError(
                    .notFound, "no boot environment '\(bePart.isEmpty ? "(running)" : bePart)' under \(state.layout.beRoot)",
                    hint: "kbe list shows the boot environments")
            }
            guard let cp = be.checkpoint(named: snap) else {
                throw KBEError(
                    .notFound, "no checkpoint \(be.dataset)@\(snap)", hint: "kbe list -s shows the checkpoints")
            }
            return .checkpoint(be, cp)
        }
        if text.contains("/") {
            guard BootEnvironmentLayout.parent(of: text) == state.layout.beRoot, let be = state.environment(named: text)
            else {
                throw KBEError(
                    .notFound, "\(text) is not a boot environment under \(state.layout.beRoot)",
                    hint: "kbe list shows the boot environments")
            }
            return .environment(be)
        }
        if let be = state.environment(named: text) { return .environment(be) }
        if let running = state.running, let cp = running.checkpoint(named: text) { return .checkpoint(running, cp) }
        throw KBEError(
            .notFound,
            "no boot environment or checkpoint named '\(text)' under \(state.layout.beRoot)"
                + (state.running.map { " (checkpoints of the running BE \($0.name) were searched too)" } ?? ""),
            hint: "kbe list -s shows boot environments and their checkpoints")
    }

    /// The snapshot `kbe create --be NAME` takes of the source to clone it: `kbe-NAME`
    /// (`kbe-NAME-2`, … when taken). It is the only origin `kbe destroy NAME` destroys implicitly.
    static func cloneSnapshotName(for beName: String) -> String { Checkpoints.Prefix.cloneSource + beName }

    /// Whether `snapshot` is `kbe-NAME` or a uniquified `kbe-NAME-N` for BE `beName`.
    static func isCloneSnapshot(_ snapshot: String, of beName: String) -> Bool {
        let base = cloneSnapshotName(for: beName)
        if snapshot == base { return true }
        guard snapshot.hasPrefix(base + "-") else { return false }
        let suffix = snapshot.dropFirst(base.count + 1)
        return !suffix.isEmpty && suffix.count < 10 && suffix.allSatisfy(\.isASCII) && suffix.allSatisfy(\.isNumber)
    }

    func newReport(_ command: String, state: BootEnvironmentState?) -> KBEOutput {
        var report = KBEReport(command: command, dryRun: options.dryRun)
        if let state {
            report.pool = state.layout.pool
            report.beRoot = state.layout.beRoot
            report.runningBE = state.layout.runningBE
            report.bootfs = state.bootfs
        }
        return KBEOutput(report: report)
    }

    // MARK: - Confirmation and execution

    func confirm(_ text: [String], expected: String, output: inout KBEOutput) throws(KBEError) {
        if options.dryRun { return }
        if options.assumeYes {
            for line in text { output.warn(line) }
            return
        }
        guard context.isInteractive, let ask else {
            throw KBEError(
                .refused, "this is destructive and needs confirmation, but there is no terminal to ask on",
                hint: "run it on a terminal, or pass --yes to confirm in a script", details: text)
        }
        let prompt = (text + ["Type '\(expected)' (or 'yes') to continue, anything else aborts: "]).joined(separator: "\n")
        let answer = ask(prompt)?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let answer, answer == expected || answer == "yes" else {
            throw KBEError(.refused, "not confirmed")
        }
    }

    /// Prints the plan (dry run) or runs it.
    func carryOut(_ plan: BEPlan, output: inout KBEOutput) throws(KBEError) {
        output.report.plan = plan.steps.map(\.argv)
        if options.dryRun {
            output.say("[kbe] dry run: nothing was changed; the plan is:")
            for step in plan.steps { output.say("  " + step.display) }
            output.report.executed = false
            return
        }
        try PlanExecutor.execute(plan, context: context, progress: progress)
        output.report.executed = true
    }

    func packageDatabase(_ state: BootEnvironmentState) -> PackageDatabaseStatus {
        PackageDatabaseGuard.inspect(
            files: context.files, mounts: state.mounts, beRoot: state.layout.beRoot, altroot: state.altroot)
    }

    func warnAboutLayout(_ status: PackageDatabaseStatus, output: inout KBEOutput) {
        for u in status.unsnapshottable {
            output.warn("[kbe] warning: package database \(u) is not on ZFS and cannot be checkpointed with the BE")
        }
        if let boot = status.bootOutsideBE {
            output.warn(
                "[kbe] warning: /boot is on \(boot), not inside the boot environment: a rollback does not bring back old kernels")
        }
    }

    /// Snapshots of the split package-database dataset (one extra `zfs list`, only when split).
    func packageDatabaseSnapshots(_ dataset: String) throws(KBEError) -> [BERecord] {
        try fetchRecords(
            .bootEnvironmentRecords(root: dataset, depth: 1, types: "snapshot"), what: "package database dataset \(dataset)")
    }

    /// Local `org.zfsbootmenu:*` properties of a dataset, as `-o` arguments for `zfs clone`.
    func zfsBootMenuProperties(of dataset: String) throws(KBEError) -> [String] {
        let props = try value(.localProperties(of: dataset), doing: "reading local properties of \(dataset)")
        return props.filter { $0.name.hasPrefix("org.zfsbootmenu:") }.flatMap { ["-o", "\($0.name)=\($0.rawValue)"] }
    }

    /// The clone steps for a new BE from `source@snap` and the source's children that have
    /// that snapshot.
    func cloneSteps(
        from be: BootEnvironment, snapshot snap: String, to newDataset: String, extraProperties: [String],
        childHasSnapshot: (String) -> Bool
    ) -> [PlanStep] {
        var steps: [PlanStep] = [
            .run(
                ["zfs", "clone", "-o", "canmount=noauto", "-o", "mountpoint=/"] + extraProperties + [
                    be.dataset + "@" + snap, newDataset,
                ], undo: [["zfs", "destroy", "-r", newDataset]])
        ]
        for child in be.children where childHasSnapshot(child + "@" + snap) {
            let newChild = newDataset + child.dropFirst(be.dataset.count)
            let canmount = be.childCanmount[child] == "off" ? "off" : "noauto"
            steps.append(.run(["zfs", "clone", "-o", "canmount=\(canmount)", child + "@" + snap, newChild]))
        }
        return steps
    }

    static func join(_ dir: String, _ path: String) -> String {
        if dir == "/" || dir.isEmpty { return path }
        return (dir.hasSuffix("/") ? String(dir.dropLast()) : dir) + path
    }

    func splitRefusal(_ dataset: String, doing what: String, alternative: String) -> KBEError {
        KBEError(
            .refused,
            "the package database lives on \(dataset), outside the boot environments: \(what) would boot old files with the current package database, which then describes packages whose files are not there",
            hint: "\(alternative), or pass --allow-split-pkgdb if you accept that")
    }
}
