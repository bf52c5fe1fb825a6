import Foundation

extension BootEnvironmentManager {
    // MARK: list

    /// `kbe list`: `zpool get bootfs` and one `zfs list`; on a UEFI machine (where a trial can
    /// exist) also the BE root's local properties, for the trial record. `report: false` leaves
    /// `bootEnvironments` out of the report (the table is printed instead; with 100,000
    /// checkpoints the report's copies cost time and memory, Docs/PERFORMANCE.md).
    public func list(showCheckpoints: Bool, report: Bool = true) throws(KBEError) -> (KBEOutput, [BootEnvironment]) {
        let state = try loadState(keepRecords: false)
        var out = newReport("list", state: state)
        var envs = state.environments
        var trial: TrialInfo? = nil
        if context.files.isDirectory("/sys/firmware/efi") {
            let record = try trialRecord(beRoot: state.layout.beRoot)
            if record.isPending || record.result != nil { trial = TrialInfo(record) }
            if let t = record.target, let i = envs.firstIndex(where: { $0.dataset == t }) { envs[i].isTrialTarget = true }
        }
        out.report.trial = trial
        if report {
            out.report.bootEnvironments = envs.map {
                KBEReport.info($0, withCheckpoints: showCheckpoints, trial: $0.isTrialTarget ? trial : nil)
            }
            out.report.pairedDatasets = try pairedDatasets(state)
        }
        if let r = trial?.result, trial?.pending == false {
            out.warn("[kbe] last trial: \(r) (\(TrialBoot.resultProperty) on \(state.layout.beRoot))")
        }
        return (out, envs)
    }

    // MARK: create (checkpoint)

    /// `kbe create NAME`: one atomic `zfs snapshot` of the BE, its children and a split
    /// package-database dataset, all under the same name. `properties` are set on every
    /// snapshot (`zfs snapshot -o`); `uniquify` appends `-2`, `-3` when the name is taken
    /// (Docs/DESIGN.md decision 7) instead of failing. The created snapshot is
    /// `report.target`; all snapshots are in `report.created`.
    public func createCheckpoint(
        named name: String, of source: String? = nil, description: String? = nil,
        properties: [(String, String)] = [], uniquify: Bool = false
    ) throws(KBEError) -> KBEOutput {
        try BENames.validate(name, as: "checkpoint name")
        if let description { try BENames.validateDescription(description) }
        try Self.validateUserProperties(properties)
        let state = try loadState()
        let be: BootEnvironment
        if let source {
            guard case .environment(let b) = try resolve(source, in: state) else {
                throw KBEError(.usage, "a checkpoint is taken of a boot environment, not of checkpoint \(source)")
            }
            be = b
        } else {
            guard let running = state.running else {
                throw KBEError(
                    .notFound, "no boot environment is running from \(state.layout.beRoot) to checkpoint",
                    hint: "name the boot environment: kbe create \(name) -e BE")
            }
            be = running
        }
        var out = newReport("create", state: state)
        let taken = Set(be.checkpoints.map(\.name))
        var final = name
        if taken.contains(name) {
            guard uniquify else {
                throw KBEError(
                    .usage, "checkpoint \(be.dataset)@\(name) already exists",
                    hint: "choose another name (kbe list -s shows the existing ones)")
            }
            final = Checkpoints.unique(name) { taken.contains($0) }
        }
        let pkg = packageDatabase(state)
        out.report.packageDatabase = pkg
        warnAboutLayout(pkg, output: &out)
        let paired = try pairedDatasets(state, excluding: pkg.splitDataset.map { [$0] } ?? [])
        if !paired.isEmpty { out.report.pairedDatasets = paired }
        let datasets = [be.dataset] + be.children + (pkg.splitDataset.map { [$0] } ?? []) + paired
        for ds in datasets { try BENames.validate(final, as: "checkpoint name", fullName: ds + "@" + final) }
        var argv = ["zfs", "snapshot"]
        if let description { argv += ["-o", "\(Self.descriptionProperty)=\(description)"] }
        for (k, v) in properties { argv += ["-o", "\(k)=\(v)"] }
        let snapshots = datasets.map { $0 + "@" + final }
        argv += snapshots
        let plan = BEPlan([.run(argv, undo: snapshots.map { ["zfs", "destroy", $0] })])
        out.report.target = be.dataset + "@" + final
        out.report.created = snapshots
        try carryOut(plan, output: &out)
        if !options.dryRun {
            out.say("[kbe] Snapshot created: \(be.dataset)@\(final)")
            if let split = pkg.splitDataset {
                out.say("[kbe] Package database dataset \(split) snapshotted with it: \(split)@\(final)")
            }
            for ds in paired { out.say("[kbe] Paired dataset \(ds) snapshotted with it: \(ds)@\(final)") }
        }
        return out
    }

    /// User properties kbe sets (`module:property=value`): a valid name, a value ZFS accepts.
    static func validateUserProperties(_ properties: [(String, String)]) throws(KBEError) {
        for (key, value) in properties {
            guard key.contains(":"), ZFSName.isValidDataset("p/" + key.replacingOccurrences(of: ":", with: "")) else {
                throw KBEError(.usage, "invalid user property name '\(key)' (module:property expected)")
            }
            // ZFS refuses a value of ZAP_MAXVALUELEN (8192) bytes or more: 8191 is the longest
            // (dsl_props_set_check; captured in Fixtures/zfs-2.3/…/user-property-values).
            try BENames.validateDescription(value, limit: BENames.maxUserPropertyValueBytes, what: "value of \(key)")
        }
    }

    // MARK: create --be

    /// `kbe create --be NAME [-e SOURCE] [-d TEXT]`. `properties` are user properties set on
    /// the new BE by its `zfs clone` (kupgrade --new-be's in-progress marker), so the marker
    /// exists from the moment the BE does.
    public func createEnvironment(named name: String, from source: String?, description: String?,
                                  properties: [(String, String)] = []) throws(KBEError)
        -> KBEOutput
    {
        try BENames.validate(name, as: "boot environment name")
        if let description { try BENames.validateDescription(description) }
        try Self.validateUserProperties(properties)
        let state = try loadState()
        var out = newReport("create", state: state)
        let newDataset = state.layout.beRoot + "/" + name
        try BENames.validate(name, as: "boot environment name", fullName: newDataset)
        if state.environment(named: name) != nil || state.records.contains(where: { $0.name == newDataset }) {
            throw KBEError(.usage, "boot environment \(newDataset) already exists", hint: "choose another name")
        }
        let target: BETarget
        if let source {
            target = try resolve(source, in: state)
        } else {
            guard let running = state.running else {
                throw KBEError(
                    .notFound, "no boot environment is running to clone", hint: "name the source: -e BE or -e BE@CHECKPOINT")
            }
            target = .environment(running)
        }
        var plan = BEPlan()
        let be: BootEnvironment
        let snap: String
        let snapshotSet: Set<String> = Set(state.records.lazy.filter { $0.kind == .snapshot }.map(\.name))
        let pkg = packageDatabase(state)
        warnAboutLayout(pkg, output: &out)
        switch target {
        case .environment(let b):
            be = b
            let taken = Set(b.checkpoints.map(\.name))
            snap = Checkpoints.unique(Self.cloneSnapshotName(for: name)) { taken.contains($0) }
            let datasets = [b.dataset] + b.children
            let snaps = datasets.map { $0 + "@" + snap }
            plan.append(.run(["zfs", "snapshot"] + snaps, undo: snaps.map { ["zfs", "destroy", $0] }))
        case .checkpoint(let b, let cp):
            be = b
            snap = cp.name
            if let split = pkg.splitDataset, !options.allowSplitPackageDatabase {
                throw splitRefusal(
                    split, doing: "a boot environment cloned from checkpoint \(cp.fullName)",
                    alternative: "use kbe rollback \(cp.fullName) (rolls back the package database with it)")
            }
        }
        var props = try zfsBootMenuProperties(of: be.dataset)
        if let description { props += ["-o", "\(Self.descriptionProperty)=\(description)"] }
        for (k, v) in properties { props += ["-o", "\(k)=\(v)"] }
        let createdFromSnapshot = plan.steps.isEmpty == false
        plan.steps += cloneSteps(from: be, snapshot: snap, to: newDataset, extraProperties: props) {
            createdFromSnapshot || snapshotSet.contains($0)
        }
        out.report.target = newDataset
        out.report.created = (createdFromSnapshot ? [be.dataset + "@" + snap] : []) + [newDataset]
        try carryOut(plan, output: &out)
        if !options.dryRun {
            out.say("[kbe] Boot environment created: \(newDataset) (from \(be.dataset)@\(snap))")
            out.say("[kbe] To boot it next: kbe activate \(name)")
        }
        return out
    }

    // MARK: activate

    public func activate(_ text: String) throws(KBEError) -> KBEOutput {
        let state = try loadState()
        var out = newReport("activate", state: state)
        let target = try resolve(text, in: state)
        var plan = BEPlan()
        let pool = state.layout.pool
        let next: String
        var kernelDir: String?
        var pairedClones: [(String, String)] = []
        let pkg = packageDatabase(state)
        out.report.packageDatabase = pkg
        // On a terminal, what booting it changes compared with the running BE, then a question
        // (before anything more is read or planned).
        func askFirst(_ next: String) throws(KBEError) {
            guard let running = state.running, context.isInteractive, ask != nil, !options.assumeYes, !options.dryRun
            else { return }
            var text = preview(from: .environment(running), to: target, state: state, output: &out)
            text.append("kbe activate makes \(next) the boot environment for the next boot (nothing is destroyed).")
            try confirm(text, expected: String(next.split(separator: "/").last ?? ""), output: &out)
        }
        switch target {
        case .environment(let be):
            next = be.dataset
            if be.canmount != "noauto" {
                plan.append(.run(["zfs", "set", "canmount=noauto", be.dataset]))
            }
            let expectedMountpoint = state.altroot.isEmpty ? "/" : state.altroot
            if be.mountpointProperty != expectedMountpoint {
                plan.append(.run(["zfs", "set", "mountpoint=/", be.dataset]))
            }
            if state.bootfs != be.dataset {
                plan.append(
                    .run(
                        ["zpool", "set", "bootfs=\(be.dataset)", pool],
                        undo: state.bootfs.map { [["zpool", "set", "bootfs=\($0)", pool]] } ?? []))
            }
            kernelDir = be.mountedAt.map { Self.join($0, "/boot") }
            if !plan.isEmpty { try askFirst(next) }
        case .checkpoint(let be, let cp):
            // The paired-data choice is made after the question and before anything more is read.
            var data: PairedDecision? = nil
            let clone = try checkpointClone(
                be, cp, state: state, pkg: pkg, doing: "booting checkpoint \(cp.fullName)",
                beforeReading: { (next: String) throws(KBEError) in
                    try askFirst(next)
                    data = try decidePairedData(
                        state, checkpoint: cp, verb: "cloned", excluding: pkg.splitDataset.map { [$0] } ?? [], output: &out)
                })
            next = clone.next
            plan.steps += clone.steps
            plan.append(
                .run(
                    ["zpool", "set", "bootfs=\(next)", pool],
                    undo: state.bootfs.map { [["zpool", "set", "bootfs=\($0)", pool]] } ?? []))
            out.report.created = [next]
            if let data, data.choice == .withData {
                let (steps, clones) = try pairedCloneSteps(data, checkpoint: cp, newBE: next)
                plan.steps.insert(contentsOf: steps, at: plan.steps.count - 1)
                out.report.created = [next] + clones.map(\.1)
                pairedClones = clones
            } else if let data {
                out.warn(Self.withoutDataWarning(data.datasets, checkpoint: cp, verb: "cloned for \(next)"))
            }
            kernelDir = be.mountedAt.map { Self.join($0, "/.zfs/snapshot/\(cp.name)/boot") }
            if pkg.isSplit {
                out.warn(
                    "[kbe] warning: --allow-split-pkgdb: \(next) boots old files with the current package database on \(pkg.splitDataset ?? "")")
            }
        }
        warnAboutLayout(pkg, output: &out)
        out.report.target = next
        out.report.nextBoot = next

        let kernel = kernelDir.flatMap { BootKernel.newest(files: context.files, bootDirectory: $0) }
        out.report.nextBootKernel = kernel
        if plan.isEmpty {
            out.report.plan = []
            out.report.executed = !options.dryRun
            out.say("[kbe] \(next) is already the boot environment for the next boot; nothing to change")
        } else {
            try carryOut(plan, output: &out)
        }
        if !options.dryRun {
            if case .checkpoint(_, let cp) = target {
                out.say("[kbe] Created boot environment \(next) from checkpoint \(cp.fullName)")
                for (original, clone) in pairedClones {
                    out.say("[kbe] Paired data cloned: \(clone) from \(original)@\(cp.name) (canmount=noauto, not mounted; \(original) is not changed)")
                    out.say("[kbe]   once \(next) runs, stop what uses \(original), then: zfs umount \(original) && zfs mount \(clone)")
                }
            }
            out.say("[kbe] Next boot will use: \(next)" + (kernel.map { " (newest kernel: \($0))" } ?? ""))
        }
        return out
    }

    /// A checkpoint becomes a new BE named after it (`-2` appended if taken): the clone steps,
    /// with the source's local `org.zfsbootmenu:*` properties. Refused on a split package
    /// database unless `--allow-split-pkgdb`.
    func checkpointClone(
        _ be: BootEnvironment, _ cp: Checkpoint, state: BootEnvironmentState, pkg: PackageDatabaseStatus, doing what: String,
        beforeReading: (String) throws(KBEError) -> Void = { _ in }
    ) throws(KBEError) -> (next: String, steps: [PlanStep]) {
        if let split = pkg.splitDataset, !options.allowSplitPackageDatabase {
            throw splitRefusal(
                split, doing: what, alternative: "kbe rollback \(cp.fullName) rolls the BE and \(split) back together")
        }
        let taken = Set(state.environments.map(\.name))
        let name = Checkpoints.unique(cp.name) { taken.contains($0) }
        let next = state.layout.beRoot + "/" + name
        try BENames.validate(name, as: "boot environment name (from the checkpoint name)", fullName: next)
        try beforeReading(next)
        let snapshotSet: Set<String> = Set(state.records.lazy.filter { $0.kind == .snapshot }.map(\.name))
        var props = try zfsBootMenuProperties(of: be.dataset)
        props += ["-o", "\(Self.descriptionProperty)=activated from \(cp.fullName)"]
        return (next, cloneSteps(from: be, snapshot: cp.name, to: next, extraProperties: props) { snapshotSet.contains($0) })
    }

    // MARK: rollback

    public func rollback(_ text: String) throws(KBEError) -> KBEOutput {
        let state = try loadState()
        var out = newReport("rollback", state: state)
        guard case .checkpoint(let be, let cp) = try resolve(text, in: state) else {
            throw KBEError(
                .usage, "'\(text)' is a boot environment; rollback needs a checkpoint",
                hint: "kbe rollback BE@CHECKPOINT (kbe list -s shows them)")
        }
        let pkg = packageDatabase(state)
        out.report.packageDatabase = pkg
        var datasets = [be.dataset]
        let names = Set(state.records.lazy.filter { $0.kind == .snapshot }.map(\.name))
        datasets += be.children.filter { names.contains($0 + "@" + cp.name) }
        var records = state.records
        if let split = pkg.splitDataset {
            let pkgSnaps = try packageDatabaseSnapshots(split)
            if pkgSnaps.contains(where: { $0.name == split + "@" + cp.name }) {
                datasets.append(split)
                records += pkgSnaps
            } else if !options.allowSplitPackageDatabase {
                throw KBEError(
                    .refused,
                    "the package database lives on \(split), which has no snapshot @\(cp.name): rolling back \(be.dataset) alone would leave the package database describing packages whose files are gone",
                    hint: "pass --allow-split-pkgdb to roll back the boot environment alone anyway")
            } else {
                out.warn("[kbe] warning: --allow-split-pkgdb: \(split) is not rolled back (it has no @\(cp.name))")
            }
        }
        let data = try decidePairedData(
            state, checkpoint: cp, verb: "rolled back", excluding: pkg.splitDataset.map { [$0] } ?? [], output: &out)
        if let data, data.choice == .withData {
            datasets += data.datasets
            records += data.records
        }
        // Newer snapshots: those after the target in list order (createtxg order).
        let inSet = Set(datasets)
        var seen: Set<String> = []
        var newer: [BERecord] = []
        for r in records where r.kind == .snapshot {
            let ds = String(r.datasetName)
            guard inSet.contains(ds) else { continue }
            if seen.contains(ds) {
                newer.append(r)
            } else if r.snapshotName.map(String.init) == cp.name {
                seen.insert(ds)
            }
        }
        let blocked = newer.filter { !$0.clones.isEmpty }
        if !blocked.isEmpty {
            throw KBEError(
                .refused,
                "rolling back to \(cp.fullName) would destroy newer checkpoints that have dependent clones",
                hint: "destroy or promote those clones first (kbe destroy BE, or zfs promote CLONE)",
                details: blocked.map { "\($0.name) (clones: \($0.clones.joined(separator: ", ")))" })
        }
        var text: [String] = ["kbe rollback discards every change made after \(cp.fullName) on:"]
        text += datasets.map { "  \($0)" }
        if pkg.splitDataset.map(inSet.contains) == true {
            text.append(
                "The package database dataset \(pkg.splitDataset ?? "") is rolled back with it, so it matches the files.")
        }
        if let data {
            text += data.summary
            if data.choice == .withData {
                text.append("The paired datasets \(data.datasets.joined(separator: ", ")) are rolled back with it: what was written to them since @\(cp.name) is lost.")
                text.append(Self.stopUsersLine)
            } else {
                let warning = Self.withoutDataWarning(data.datasets, checkpoint: cp, verb: "rolled back")
                text.append(String(warning.dropFirst("[kbe] warning: ".count)))
                if !options.assumeYes { out.warn(warning) }
            }
        }
        if newer.isEmpty {
            text.append("No newer checkpoints exist.")
        } else {
            text.append("These newer checkpoints are destroyed:")
            text += newer.map { "  \($0.name)" }
        }
        if be.isActiveNow {
            text += [
                "\(be.dataset) is the running system. An online rollback changes files under running programs:",
                "  processes keep the old (now deleted) files mapped, services see their files change under them,",
                "  and anything written since the checkpoint is lost. Reboot immediately afterwards.",
            ]
            // Only where activation is allowed: with a split package database kbe refuses to
            // activate a checkpoint (seen offered and then refused on the e2e guest).
            if pkg.splitDataset == nil {
                text.append("Non-destructive alternative: kbe activate \(cp.fullName) && reboot")
            }
        }
        if let boot = pkg.bootOutsideBE {
            text.append("/boot is on \(boot), outside the boot environment: old kernels do not come back.")
        }
        out.report.target = cp.fullName
        out.report.destroyed = newer.map(\.name)
        text = preview(from: .environment(be), to: .checkpoint(be, cp), state: state, output: &out) + text
        try confirm(text, expected: be.name, output: &out)
        let plan = BEPlan(datasets.map { .run(["zfs", "rollback", "-r", $0 + "@" + cp.name]) })
        try carryOut(plan, output: &out)
        if !options.dryRun {
            out.say("[kbe] Rolled back \(datasets.joined(separator: ", ")) to @\(cp.name)")
            if be.isActiveNow {
                out.say("[kbe] Reboot now: running programs still use files from before the rollback")
            }
        }
        return out
    }

    // MARK: destroy

    public func destroy(_ text: String, keepOrigin: Bool) throws(KBEError) -> KBEOutput {
        if text.contains("%") {
            throw KBEError(
                .usage, "'\(text)' contains '%': kbe destroy does not accept snapshot ranges",
                hint: "destroy one boot environment or checkpoint at a time")
        }
        let state = try loadState()
        var out = newReport("destroy", state: state)
        let target = try resolve(text, in: state)
        var plan = BEPlan()
        var destroyed: [String] = []
        let expected: String
        switch target {
        case .environment(let be):
            expected = be.name
            if be.isActiveNow {
                throw KBEError(
                    .refused, "\(be.dataset) is the running boot environment (mounted at /)",
                    hint: "boot another boot environment first (kbe activate OTHER && reboot)")
            }
            if be.isActiveOnReboot {
                throw KBEError(
                    .refused, "\(be.dataset) is the pool's bootfs: it boots next",
                    hint: "activate another boot environment first (kbe activate OTHER)")
            }
            if let at = be.mountedAt {
                throw KBEError(.refused, "\(be.dataset) is mounted at \(at)", hint: "kbe umount \(be.name) first")
            }
            let dependent = be.checkpoints.filter { !$0.clones.isEmpty }
            if !dependent.isEmpty {
                throw KBEError(
                    .refused, "checkpoints of \(be.dataset) have dependent clones",
                    hint: "destroy the clones first, or zfs promote one of them",
                    details: dependent.map { "\($0.fullName) (clones: \($0.clones.joined(separator: ", ")))" })
            }
            plan.append(.run(["zfs", "destroy", "-r", be.dataset]))
            destroyed.append(be.dataset)
            destroyed += be.checkpoints.map(\.fullName)
            if let origin = be.origin, !keepOrigin {
                let byName = state.recordsByName()
                let parts = origin.split(separator: "@", maxSplits: 1).map(String.init)
                let originDataset = parts.first ?? origin
                let inRoot = originDataset.hasPrefix(state.layout.beRoot + "/")
                let myDatasets = Set([be.dataset] + be.children)
                let others = (byName[origin]?.clones ?? []).filter { !myDatasets.contains($0) }
                // The origin is a snapshot of another BE, so it is one of that BE's checkpoints
                // (after a `zfs promote` even one the running BE owns). Only the snapshot that
                // `kbe create --be NAME` took to make this BE goes with it; any other is kept.
                let madeForThisBE = parts.count == 2 && Self.isCloneSnapshot(parts[1], of: be.name)
                if !others.isEmpty {
                    out.warn("[kbe] origin \(origin) is kept: other clones depend on it (\(others.joined(separator: ", ")))")
                } else if inRoot && madeForThisBE {
                    // -r also takes the origin's same-named child snapshots (our children's origins).
                    plan.append(.run(["zfs", "destroy", "-r", origin]))
                    destroyed.append(origin)
                } else if inRoot {
                    let owner = state.environments.first { $0.dataset == originDataset }?.name ?? originDataset
                    out.warn(
                        "[kbe] origin \(origin) is kept: it is a checkpoint of \(owner), which kbe never destroys implicitly (kbe destroy \(origin) removes it)")
                }
            }
        case .checkpoint(let be, let cp):
            expected = cp.name
            if !cp.clones.isEmpty {
                throw KBEError(
                    .refused, "checkpoint \(cp.fullName) has dependent clones: \(cp.clones.joined(separator: ", "))",
                    hint: "destroy those boot environments first (kbe destroy NAME), or zfs promote one of them")
            }
            let names = Set(state.records.lazy.filter { $0.kind == .snapshot }.map(\.name))
            let childSnaps = be.children.map { $0 + "@" + cp.name }.filter(names.contains)
            plan.append(.run(["zfs", "destroy"] + (childSnaps.isEmpty ? [] : ["-r"]) + [cp.fullName]))
            destroyed += [cp.fullName] + childSnaps
            let pkg = packageDatabase(state)
            if let split = pkg.splitDataset {
                let snaps = try packageDatabaseSnapshots(split)
                if let s = snaps.first(where: { $0.name == split + "@" + cp.name }) {
                    if s.clones.isEmpty {
                        plan.append(.run(["zfs", "destroy", s.name]))
                        destroyed.append(s.name)
                    } else {
                        out.warn("[kbe] \(s.name) is kept: clones depend on it (\(s.clones.joined(separator: ", ")))")
                    }
                }
            }
            let twins = try pairedSnapshots(state, checkpoint: cp, excluding: pkg.splitDataset.map { [$0] } ?? [])
            for s in twins {
                if s.clones.isEmpty {
                    plan.append(.run(["zfs", "destroy", s.name]))
                    destroyed.append(s.name)
                } else {
                    out.warn("[kbe] \(s.name) is kept: clones depend on it (\(s.clones.joined(separator: ", ")))")
                }
            }
        }
        out.report.target = destroyed.first
        out.report.destroyed = destroyed
        var text = ["kbe destroy permanently removes:"]
        text += destroyed.map { "  \($0)" }
        try confirm(text, expected: expected, output: &out)
        try carryOut(plan, output: &out)
        if !options.dryRun {
            for d in destroyed { out.say("[kbe] Destroyed: \(d)") }
        }
        return out
    }

    // MARK: rename

    /// Renaming the running BE is refused: the mount table and ZFSBootMenu would keep showing
    /// the old name until reboot. Renaming the bootfs BE also sets bootfs to the new name in
    /// the same plan (ZFS stores bootfs by object number and follows renames; kbe does not rely
    /// on that).
    public func rename(_ old: String, to new: String) throws(KBEError) -> KBEOutput {
        try BENames.validate(new, as: "boot environment name")
        let state = try loadState()
        var out = newReport("rename", state: state)
        guard case .environment(let be) = try resolve(old, in: state) else {
            throw KBEError(.usage, "kbe rename works on boot environments; '\(old)' is a checkpoint")
        }
        let newDataset = state.layout.beRoot + "/" + new
        try BENames.validate(new, as: "boot environment name", fullName: newDataset)
        if be.isActiveNow {
            throw KBEError(
                .refused, "\(be.dataset) is the running boot environment; kbe does not rename it while it is mounted at /",
                hint: "boot another boot environment first, or create a copy: kbe create --be \(new)")
        }
        if state.environment(named: new) != nil {
            throw KBEError(.usage, "boot environment \(newDataset) already exists", hint: "choose another name")
        }
        var plan = BEPlan([.run(["zfs", "rename", be.dataset, newDataset], undo: [["zfs", "rename", newDataset, be.dataset]])])
        if be.isActiveOnReboot {
            plan.append(.run(["zpool", "set", "bootfs=\(newDataset)", state.layout.pool]))
        }
        out.report.target = newDataset
        try carryOut(plan, output: &out)
        if !options.dryRun {
            out.say("[kbe] Renamed \(be.dataset) to \(newDataset)")
            if be.isActiveOnReboot { out.say("[kbe] Next boot will use: \(newDataset)") }
        }
        return out
    }

    // MARK: mount / umount

    public func mount(_ text: String, at directory: String?, readOnly: Bool) throws(KBEError) -> KBEOutput {
        if let directory { _ = try Self.mountDirectory(directory, mounts: MountTable(entries: []), files: context.files) }
        let state = try loadState()
        var out = newReport("mount", state: state)
        let target = try resolve(text, in: state)
        let dataset: String
        let label: String
        var children: [(String, String)] = []
        var ro = readOnly
        switch target {
        case .environment(let be):
            if be.isActiveNow {
                throw KBEError(.refused, "\(be.dataset) is the running system, already mounted at /")
            }
            if let at = be.mountedAt {
                throw KBEError(.refused, "\(be.dataset) is already mounted at \(at)", hint: "kbe umount \(be.name)")
            }
            dataset = be.dataset
            label = be.name
            let base = be.mountpointProperty ?? "/"
            for child in be.children where be.childCanmount[child] != "off" {
                guard let mp = be.childMountpoints[child], mp.hasPrefix("/") else { continue }
                let rel: String
                if base == "/" {
                    rel = mp
                } else if mp.hasPrefix(base + "/") {
                    rel = String(mp.dropFirst(base.count))
                } else {
                    out.warn("[kbe] \(child) (mountpoint \(mp)) is outside the boot environment; not mounted")
                    continue
                }
                children.append((child, rel))
            }
        case .checkpoint(let be, let cp):
            dataset = cp.fullName
            label = be.name + "@" + cp.name
            ro = true
        }
        let dir: String
        if let directory {
            dir = try Self.mountDirectory(directory, mounts: state.mounts, files: context.files)
        } else {
            let base = "/run/kbe/" + label.replacingOccurrences(of: "@", with: "_")
            dir = Checkpoints.unique(base) { context.files.exists($0) }
        }
        var plan = BEPlan()
        if !context.files.isDirectory(dir) { plan.append(PlanStep(.createDirectory(dir))) }
        let opts = ro ? "zfsutil,ro" : "zfsutil"
        plan.append(.run(["mount", "-t", "zfs", "-o", opts, dataset, dir], undo: [["umount", dir]]))
        for (child, rel) in children {
            let sub = Self.join(dir, rel)
            plan.append(.run(["mount", "-t", "zfs", "-o", opts, child, sub], undo: [["umount", sub]]))
        }
        out.report.target = dataset
        out.report.mountpoint = dir
        try carryOut(plan, output: &out)
        if !options.dryRun {
            out.say("[kbe] Mounted \(dataset) at \(dir)" + (ro ? " (read-only)" : ""))
        }
        return out
    }

    /// Directories of the running system that nothing is mounted on or under (mounting there
    /// would hide the system's own files), apart from the scratch `/var/tmp`.
    static let systemTrees = [
        "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/sbin", "/sys", "/usr", "/var",
    ]
    /// Directories that hold other things: a BE may be mounted below them, not on them.
    static let systemDirectories: Set<String> = [
        "/", "/home", "/media", "/opt", "/root", "/run", "/run/kbe", "/srv", "/tmp", "/var/tmp",
    ]

    /// `DIR` of `kbe mount BE DIR`, checked and normalized (repeated slashes, `.`, a trailing
    /// slash): absolute, no `..`, no symbolic link on the way (mount would follow it), not
    /// `/` or a system directory, and neither a mountpoint of the running system nor a parent
    /// of one (the new mount would hide it). Throws before anything is changed.
    static func mountDirectory(_ directory: String, mounts: MountTable, files: FileSystem) throws(KBEError) -> String {
        guard directory.hasPrefix("/") else {
            throw KBEError(
                .usage, "mount directory must be an absolute path, not '\(directory)'",
                hint: "give a path such as /mnt/NAME, or leave it out to use /run/kbe/NAME")
        }
        if directory.split(separator: "/").contains("..") {
            throw KBEError(
                .usage, "mount directory '\(directory)' contains '..'",
                hint: "give the directory without '..' (kbe does not guess where it leads)")
        }
        let dir = FilePath.resolvingDots(directory)
        func refuse(_ why: String) -> KBEError {
            KBEError(
                .refused, "kbe does not mount a boot environment on \(dir): \(why)",
                hint: "use an empty directory such as /mnt/NAME, or leave DIR out to use /run/kbe/NAME")
        }
        if dir == "/" { throw refuse("it is the running system's root") }
        if systemDirectories.contains(dir) { throw refuse("it is a directory of the running system") }
        if let tree = systemTrees.first(where: { dir == $0 || dir.hasPrefix($0 + "/") }),
            !dir.hasPrefix("/var/tmp/")
        {
            throw refuse("it is in \(tree), part of the running system")
        }
        for entry in mounts.entries {
            let mp = entry.mountpoint
            if mp == dir { throw refuse("\(entry.source) is mounted there") }
            if mp.hasPrefix(dir + "/") { throw refuse("it would hide \(mp) (\(entry.source)), which is mounted under it") }
        }
        var prefix = ""
        for component in dir.split(separator: "/") {
            prefix += "/" + component
            if let target = files.symbolicLinkDestination(prefix) {
                throw refuse("\(prefix) is a symbolic link (to \(target)), which mount would follow")
            }
        }
        return dir
    }

    public func umount(_ text: String) throws(KBEError) -> KBEOutput {
        let state = try loadState()
        var out = newReport("umount", state: state)
        let target = try resolve(text, in: state)
        var datasets: Set<String>
        let name: String
        switch target {
        case .environment(let be):
            if be.isActiveNow {
                throw KBEError(.refused, "\(be.dataset) is the running system (mounted at /); it cannot be unmounted")
            }
            datasets = Set([be.dataset] + be.children)
            name = be.dataset
        case .checkpoint(_, let cp):
            datasets = [cp.fullName]
            name = cp.fullName
        }
        let mounts = state.mounts.entries.filter { $0.fstype == "zfs" && datasets.contains($0.source) }
        guard !mounts.isEmpty else {
            throw KBEError(.notFound, "\(name) is not mounted", hint: "kbe list shows where boot environments are mounted")
        }
        let ordered = mounts.enumerated().sorted { a, b in
            a.element.mountpoint.count != b.element.mountpoint.count
                ? a.element.mountpoint.count > b.element.mountpoint.count : a.offset > b.offset
        }.map(\.element)
        let plan = BEPlan(ordered.map { .run(["umount", $0.mountpoint]) })
        out.report.target = name
        out.report.mountpoint = ordered.last?.mountpoint
        try carryOut(plan, output: &out)
        if !options.dryRun {
            out.say("[kbe] Unmounted \(name) from \(ordered.last?.mountpoint ?? "")")
        }
        datasets.removeAll()
        return out
    }

    // MARK: describe

    public func describe(_ text: String, as description: String) throws(KBEError) -> KBEOutput {
        try BENames.validateDescription(description)
        let state = try loadState()
        var out = newReport("describe", state: state)
        let dataset: String
        switch try resolve(text, in: state) {
        case .environment(let be): dataset = be.dataset
        case .checkpoint(_, let cp): dataset = cp.fullName
        }
        let step: PlanStep =
            description.isEmpty
            ? .run(["zfs", "inherit", Self.descriptionProperty, dataset])
            : .run(["zfs", "set", "\(Self.descriptionProperty)=\(description)", dataset])
        out.report.target = dataset
        try carryOut(BEPlan([step]), output: &out)
        if !options.dryRun {
            out.say(
                description.isEmpty
                    ? "[kbe] Description of \(dataset) cleared" : "[kbe] Description of \(dataset) set: \(description)")
        }
        return out
    }
}
