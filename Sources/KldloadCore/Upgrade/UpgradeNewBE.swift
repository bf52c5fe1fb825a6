import Foundation

/// `kupgrade --new-be [NAME]`: the upgrade runs in a clone of the running boot environment,
/// which then boots next; the running BE does not change (Docs/KUPGRADE.md, "Out-of-place
/// upgrades"; Docs/DESIGN.md decision 17). Names and fixed values live here; the steps are the
/// `Session` extension below.
package enum NewBEUpgrade {
    /// User property on the new BE: `in-progress` from its `zfs clone` until the run ends, then
    /// `done`, `failed` or `interrupted`. A BE still `in-progress` when no kupgrade runs was left
    /// by a power cut or `kill -9`; the next kupgrade finds it (`handleLeftovers`).
    public static let markerProperty = "org.kldload:new-be"
    /// The description the new BE carries while the run lasts. It is in the one BE listing every
    /// kupgrade reads anyway, so finding a leftover costs no command when there is none.
    public static let inProgressDescription = "kupgrade --new-be: in progress"
    /// invoke-rc.d asks this before starting or restarting a service; 101 = "not allowed".
    /// Written into the new BE for apt and removed before it is unmounted.
    public static let policyRCDPath = "/usr/sbin/policy-rc.d"
    public static let policyRCD = "#!/bin/sh\n# kupgrade --new-be: no service is started inside the boot environment being upgraded\nexit 101\n"
    /// Directories apt needs that may be separate datasets (not cloned with the BE) and so
    /// empty in the clone: created in the new BE when missing.
    static let aptDirectories = ["/var/cache/apt/archives/partial", "/var/log/apt"]

    /// `upgrade-YYYYMMDD-HHMMSS` in `timeZone` (the checkpoint's clock and format).
    public static func defaultName(at date: Date, timeZone: TimeZone) -> String {
        Checkpoints.name(Checkpoints.Prefix.upgradeBootEnvironment, at: date, timeZone: timeZone)
    }

    /// Mountpoints of shared datasets (outside the BE root) that hold a link to the package
    /// database (`kbe move-pkgdb`'s layout: `/var/lib/dpkg -> ../../usr/lib/sysimage/dpkg` on
    /// `rpool/var/lib`). They are bind-mounted into the new BE, so the package manager there
    /// sees what the booted BE will see: its own database through the link, and the shared state
    /// beside it (`/var/lib/dkms`, `/var/lib/ucf`). Without such a link nothing is added.
    public static func sharedMounts(files: any FileSystem, state: BootEnvironmentState) -> [String] {
        var result: [String] = []
        for path in PackageDatabaseGuard.candidatePaths where files.symbolicLinkDestination(path) != nil {
            guard let m = state.mounts.mount(holding: path), m.fstype == "zfs", m.mountpoint != "/",
                !m.source.hasPrefix(state.layout.beRoot + "/"), !result.contains(m.mountpoint)
            else { continue }
            result.append(m.mountpoint)
        }
        return result.sorted { $0.count < $1.count }
    }

    /// The kernel file systems the package manager needs in the new root, in mount order (they
    /// are unmounted in reverse). `/run` carries name resolution when `/etc/resolv.conf` links
    /// into it (systemd-resolved); a plain resolv.conf is the clone's own copy.
    public static func kernelMounts(root: String) -> [Command] {
        [
            Command(["mount", "-t", "proc", "proc", root + "/proc"]),
            Command(["mount", "-t", "sysfs", "sysfs", root + "/sys"]),
            Command(["mount", "--bind", "/dev", root + "/dev"]),
            Command(["mount", "--bind", "/dev/pts", root + "/dev/pts"]),
            Command(["mount", "--bind", "/run", root + "/run"]),
        ]
    }
}

/// A `FileSystem` seen from a directory of another one: `/lib/modules` reads
/// `ROOT/lib/modules` of `base`. The module verifier reads the new BE through it.
package struct SubtreeFileSystem: FileSystem {
    public let base: any FileSystem
    public let root: String

    public init(base: any FileSystem, root: String) {
        self.base = base
        self.root = FilePath.trimmingTrailingSlashes(root)
    }

    func map(_ path: String) -> String { root == "/" ? path : root + (path.hasPrefix("/") ? path : "/" + path) }

    public func contents(of path: String) throws(FileSystemError) -> Data {
        do { return try base.contents(of: map(path)) } catch {
            if case .notFound = error { throw .notFound(path) }
            throw error
        }
    }
    public func exists(_ path: String) -> Bool { base.exists(map(path)) }
    public func isDirectory(_ path: String) -> Bool { base.isDirectory(map(path)) }
    public func list(_ path: String) throws(FileSystemError) -> [String] { try base.list(map(path)) }
    public func append(_ data: Data, to path: String) throws(FileSystemError) { try base.append(data, to: map(path)) }
    public func write(_ data: Data, to path: String) throws(FileSystemError) { try base.write(data, to: map(path)) }
    public func createDirectory(_ path: String) throws(FileSystemError) { try base.createDirectory(map(path)) }
    public func remove(_ path: String) throws(FileSystemError) { try base.remove(map(path)) }
    public func symbolicLinkDestination(_ path: String) -> String? { base.symbolicLinkDestination(map(path)) }
}

/// Runs every command inside `root` (`chroot ROOT argv…`) through another runner: the module
/// verifier's `dkms status`, `modinfo` and `dkms autoinstall -k` see the new BE's kernels.
package struct ChrootRunner: CommandRunner {
    public let base: any CommandRunner
    public let root: String

    public init(base: any CommandRunner, root: String) {
        self.base = base
        self.root = root
    }

    public func run(_ command: Command, options: RunOptions) throws(CommandError) -> CommandResult {
        try base.run(Command(["chroot", root] + command.argv, environment: command.environment), options: options)
    }
}

extension Session {
    /// Where the new BE stands while the run lasts: what was mounted (in order) and what was
    /// written into it, so every exit path undoes exactly that.
    struct NewBEMounts {
        var mounted: [String] = []
        /// The policy-rc.d that was there before ours (nil: none), once ours is written.
        var policyRCD: Data??
    }

    /// Steps 5–12 for `--new-be`: refuse a split package database, clone the running BE with
    /// its children (kbe create --be), mount it (kbe mount) with the kernel file systems, plan
    /// and upgrade inside it, verify its kernels' modules, unmount it, record the outcome on it,
    /// and activate it when the upgrade succeeded. The running BE gets one snapshot (the clone's
    /// origin, `kbe-NAME`) and is never written.
    mutating func outOfPlace(driver: any PackageManagerDriver, beManager: BootEnvironmentManager,
                             state: BootEnvironmentState, running: BootEnvironment,
                             pool: SystemProbes.PoolFacts, pkgdb: String?) throws(Stop)
    {
        let be = running.dataset
        if let pkgdb { throw refuse(.splitPackageDatabase(dataset: pkgdb, be: be)) }
        let name = options.newBEName ?? NewBEUpgrade.defaultName(at: context.now(), timeZone: options.timeZone)
        let dataset = state.layout.beRoot + "/" + name
        do { try BENames.validate(name, as: "boot environment name", fullName: dataset) } catch {
            throw refuse(.stepFailed(step: "checking the new boot environment's name", error: error.message))
        }
        if state.environment(named: name) != nil || state.records.contains(where: { $0.name == dataset }) {
            throw refuse(.newBootEnvironmentExists(dataset: dataset))
        }
        let mountDir = "/run/kbe/" + name
        // --release: decided from the running system's os-release before anything is made.
        var driver = driver
        var releasePlan: ReleaseUpgrade.Plan?
        if let target = options.release {
            guard let text = context.files.textIfPresent("/etc/os-release"), let osr = try? OSReleaseParser.parse(text) else {
                throw refuse(.osReleaseUnreadable("--release needs /etc/os-release"))
            }
            switch ReleaseUpgrade.plan(target, release: osr) {
            case .failure(let error): throw refuse(error)
            case .success(let plan):
                releasePlan = plan
                if case .fedora(_, let to) = plan { driver = DnfDriver(releaseVersion: to) }
                report.release = .init(from: plan.from, to: plan.to, rewrittenSources: [],
                                       strandedByPoolUpgrade: state.environments.map(\.name))
                say("release upgrade: \(plan.from) -> \(plan.to), in the new boot environment only")
            }
        }
        if options.dryRun {
            say("dry run: would clone \(be) and its children into \(dataset) (kbe create --be \(name))")
            say("dry run: would mount it at \(mountDir) with /proc, /sys, /dev, /dev/pts and /run")
            for c in driver.upgradeCommands(for: UpgradePlan()) {
                say("dry run: would plan and then run inside it: \(driver.rooted(c, at: mountDir))")
            }
            say("dry run: would verify the ZFS modules of every kernel in \(dataset), unmount it and boot it next (zpool set bootfs=\(dataset) \(pool.name))")
            say("dry run: nothing was changed")
            finish(.success)
            return
        }
        if context.isInteractive && !options.assumeYes {
            guard upgrader.confirm("Upgrade a new boot environment \(dataset), cloned from \(be), and boot it next? [y/N] ") else {
                throw refuse(.notConfirmed)
            }
        }
        try stopIfInterruptedBeforeChange()

        // Clone: kbe's `create --be` (snapshot BE@kbe-NAME of the BE and its children, clones with
        // canmount=noauto), with the in-progress marker set by the clone itself.
        say("creating boot environment \(dataset) from \(be)")
        do {
            let out = try beManager.createEnvironment(
                named: name, from: nil, description: NewBEUpgrade.inProgressDescription,
                properties: [(NewBEUpgrade.markerProperty, "in-progress"),
                             (Checkpoints.kupgradeVersionProperty, KldloadVersion.current),
                             (Checkpoints.commandProperty, safeCommandLine)])
            for line in out.report.plan ?? [] { log.record("ran: \(Command(line))") }
        } catch {
            if let stop = stopIfInterrupted(
                "while creating \(dataset); if zfs clone had run, kbe list shows it (kbe destroy \(name) removes it)")
            {
                throw stop
            }
            throw refuse(.stepFailed(step: "creating boot environment \(dataset)", error: ([error.message] + error.details).joined(separator: "; ")))
        }
        report.newBootEnvironment = .init(name: name, dataset: dataset, mountpoint: nil, state: "in-progress",
                                          activated: false, destroyed: false, stillMounted: [])

        var where_ = NewBEMounts()
        var stop: Stop?
        var outcome: NewBEOutcome?
        do {
            outcome = try upgradeInside(name: name, dataset: dataset, driver: driver, beManager: beManager, pool: pool,
                                        release: releasePlan, shared: NewBEUpgrade.sharedMounts(files: context.files, state: state),
                                        mounts: &where_)
        } catch {
            stop = error
        }
        leave(&where_, root: report.newBootEnvironment?.mountpoint)
        guard let outcome, stop == nil else {
            // Nothing in the new BE was upgraded (a failed mount, plan or space check, an
            // interrupt before the transaction, nothing to do): it is an untouched clone, so it
            // is destroyed (kbe destroy, which takes its kbe-NAME origin snapshot with it).
            discardNewBE(name: name, dataset: dataset, beManager: beManager)
            throw stop ?? Stop()
        }
        finishNewBE(outcome, name: name, dataset: dataset, running: running, beManager: beManager, driver: driver)
    }

    struct NewBEOutcome {
        var plan: UpgradePlan
        var verification: ModuleVerification
        var signing: SigningReport
        var packageManagerRan: Bool
        var transactionLength: Int
    }

    var safeCommandLine: String {
        let commandText = options.commandLine.map(Command.quoteForDisplay).joined(separator: " ")
        return String(String.UnicodeScalarView(commandText.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(1000))
    }

    /// Mount, plan, transaction, autoremove, modules. Throws `Stop` (report filled) when nothing
    /// was upgraded; returns the outcome once the package manager's transaction started.
    mutating func upgradeInside(name: String, dataset: String, driver: any PackageManagerDriver,
                                beManager: BootEnvironmentManager, pool: SystemProbes.PoolFacts,
                                release: ReleaseUpgrade.Plan?, shared: [String],
                                mounts: inout NewBEMounts) throws(Stop) -> NewBEOutcome
    {
        // kbe mount: the BE and its children, at a fresh /run/kbe/NAME.
        let dir: String
        do throws(KBEError) {
            // The directory is named, not chosen by kbe (`/run/kbe/NAME-2` when taken): the name
            // is new, and a replay's recorded tree already holds it.
            let out = try beManager.mount(name, at: "/run/kbe/" + name, readOnly: false)
            for argv in out.report.plan ?? [] {
                log.record("ran: \(Command(argv))")
                if argv.first == "mount", let target = argv.last { mounts.mounted.append(target) }
            }
            guard let at = out.report.mountpoint else { throw KBEError(.commandFailed, "kbe mount reported no mountpoint") }
            dir = at
        } catch {
            throw refuse(.stepFailed(step: "mounting \(dataset)", error: ([error.message] + error.details).joined(separator: "; ")))
        }
        report.newBootEnvironment?.mountpoint = dir
        say("mounted \(dataset) at \(dir)")
        for command in NewBEUpgrade.kernelMounts(root: dir) + shared.map({ Command(["mount", "--bind", $0, dir + $0]) }) {
            let target = command.argv.last ?? dir
            let failure: String?
            do {
                let r = try exec(command, stream: false)
                failure = r.status.isSuccess ? nil : "\(r.status)" + lastError(r)
            } catch {
                failure = error.description
            }
            if let failure { throw refuse(.stepFailed(step: "\(command)", error: failure)) }
            mounts.mounted.append(target)
        }
        let inside = SubtreeFileSystem(base: context.files, root: dir)
        if driver.manager == .apt {
            // No service starts in the clone (invoke-rc.d asks policy-rc.d), whatever was there.
            do {
                let previous = try? inside.contents(of: NewBEUpgrade.policyRCDPath)
                try inside.write(Data(NewBEUpgrade.policyRCD.utf8), to: NewBEUpgrade.policyRCDPath)
                mounts.policyRCD = .some(previous)
                let chmod = try exec(Command(["chmod", "0755", dir + NewBEUpgrade.policyRCDPath]), stream: false)
                if !chmod.status.isSuccess { throw FileSystemError.ioError(path: NewBEUpgrade.policyRCDPath, reason: "chmod: \(chmod.status)") }
                for d in NewBEUpgrade.aptDirectories where !inside.isDirectory(d) { try inside.createDirectory(d) }
            } catch {
                throw refuse(.stepFailed(step: "preparing \(dir) for apt", error: "\(error)"))
            }
        }
        if case .debian(let from, let to) = release {
            // Debian: every suite of `from` becomes `to` in the new BE's sources, nowhere else.
            var rewritten: [String] = []
            for path in ReleaseUpgrade.aptSourceFiles(inside) {
                guard let text = inside.textIfPresent(path) else { continue }
                let (new, changed) = ReleaseUpgrade.rewriteAptSources(text, from: from, to: to)
                guard changed > 0 else { continue }
                do { try inside.write(Data(new.utf8), to: path) } catch {
                    throw refuse(.stepFailed(step: "rewriting \(dir)\(path)", error: "\(error)"))
                }
                rewritten.append(path)
            }
            guard !rewritten.isEmpty else {
                throw refuse(.stepFailed(step: "rewriting the apt sources in \(dataset)", error: "no apt source names the suite \(from)"))
            }
            report.release?.rewrittenSources = rewritten
            say("apt sources in \(dataset): \(from) -> \(to) in \(rewritten.joined(separator: ", "))")
        }
        try stopIfInterruptedBeforeChange()

        // 5. plan, inside the new BE (its own metadata, its own package database).
        let wrap: (Command) -> Command = { [driver] in driver.rooted($0, at: dir) }
        let runner = DriverRunner(files: inside) { [self] command, stream throws(CommandError) in
            try exec(driver.rooted(command, at: dir), stream: stream, environment: stream ? driver.environment : [:])
        }
        guard let plan = try planUpgrade(driver: driver, runner: runner, pool: pool, place: dataset,
                                         nothingToDo: "nothing to upgrade; the new boot environment is not needed") else {
            throw Stop()
        }
        try stopIfInterruptedBeforeChange()

        // 7. transaction; 8. autoremove — inside the new BE.
        let transaction = driver.upgradeCommands(for: plan)
        let ran = runTransaction(transaction, driver: driver, wrap: wrap)
        if !plan.holds.isEmpty {
            report.warnings.append("held back \(plan.holds.map(\.name).joined(separator: ", ")) until the repository's zfs-linux supports the new kernel; run kupgrade again then")
        }
        runAutoremove(driver: driver, runner: runner, wrap: wrap)

        // 9–10. the new BE's kernels, with the existing verifier, rooted at its mountpoint.
        var rooted = context
        rooted.files = inside
        rooted.runner = ChrootRunner(base: context.runner, root: dir)
        let (verification, signing) = verifyModules(
            packageManagerRan: ran, newKernels: plan.newKernels, in: rooted, announceSkip: false)
        return NewBEOutcome(plan: plan, verification: verification, signing: signing, packageManagerRan: ran,
                            transactionLength: transaction.count)
    }

    /// Undoes what `upgradeInside` did to the mounted BE, on every path: our policy-rc.d goes
    /// (the previous one comes back), then every mount in reverse order. A mount that will not
    /// go is reported with the command to finish, never forced.
    mutating func leave(_ mounts: inout NewBEMounts, root: String?) {
        if let root, let previous = mounts.policyRCD {
            let inside = SubtreeFileSystem(base: context.files, root: root)
            do {
                if let previous { try inside.write(previous, to: NewBEUpgrade.policyRCDPath) } else {
                    try inside.remove(NewBEUpgrade.policyRCDPath)
                }
            } catch {
                warn("could not remove kupgrade's \(root)\(NewBEUpgrade.policyRCDPath): \(error); remove it before booting that boot environment")
            }
        }
        var left: [String] = []
        for target in mounts.mounted.reversed() {
            let ok = (try? exec(Command(["umount", target]), stream: false))?.status.isSuccess ?? false
            if !ok { left.append(target) }
        }
        mounts.mounted = []
        mounts.policyRCD = nil
        if !left.isEmpty {
            report.newBootEnvironment?.stillMounted = left
            warn("could not unmount \(left.joined(separator: ", ")); unmount by hand: " + left.map { "umount \($0)" }.joined(separator: "; "))
        } else if let root {
            say("unmounted \(root)")
        }
    }

    /// Removes a new BE in which nothing was upgraded (kbe destroy; it takes the kbe-NAME
    /// origin snapshot with it). A failure is a warning with the command to finish.
    mutating func discardNewBE(name: String, dataset: String, beManager: BootEnvironmentManager) {
        guard report.newBootEnvironment?.stillMounted.isEmpty ?? true else {
            warn("\(dataset) is still mounted and was kept; after unmounting it: kbe destroy \(name)")
            return
        }
        do {
            _ = try beManager.destroy(name, keepOrigin: false)
            report.newBootEnvironment?.destroyed = true
            say("removed \(dataset) (nothing was upgraded in it)")
        } catch {
            warn("could not remove \(dataset): \(error.message); remove it with: kbe destroy \(name)")
        }
    }

    /// The outcome after the transaction ran: recorded on the new BE (marker, result,
    /// description), then activation when it succeeded; a failed or interrupted upgrade keeps
    /// the BE for inspection, never activated.
    mutating func finishNewBE(_ outcome: NewBEOutcome, name: String, dataset: String, running: BootEnvironment,
                              beManager: BootEnvironmentManager, driver: any PackageManagerDriver)
    {
        let plan = outcome.plan
        let severity = max(outcome.verification.severity, outcome.signing.severity)
        let status: ExitStatus =
            severity == .critical ? .criticalModuleFailure
            : report.interrupted != nil ? .interrupted
            : report.transactionFailed ? .transactionFailed
            : (severity == .warning || !report.warnings.isEmpty || outcome.verification.kernels.isEmpty) ? .warnings : .success
        let good = status == .success || status == .warnings
        let marker = good ? "done" : status == .interrupted ? "interrupted" : "failed"
        let transactionDone = outcome.packageManagerRan && !report.transactionFailed
            && report.transaction.count == outcome.transactionLength
        let upgraded = transactionDone ? plan.items.filter { $0.action != .remove }.count : 0
        let description = good
            ? "kupgrade --new-be from \(running.name): \(upgraded) packages"
            : "kupgrade --new-be from \(running.name): \(status.description), not activated"
        let setProps = Command([
            "zfs", "set", "\(NewBEUpgrade.markerProperty)=\(marker)", "org.kldload:result=\(status.description)",
            "org.kldload:packages=\(upgraded)",
            "org.kldload:new-kernel=\(plan.newKernels.isEmpty ? "none" : plan.newKernels.joined(separator: ","))",
            "\(BEListing.descriptionProperty)=\(description)", dataset,
        ])
        if let r = try? exec(setProps, stream: false), r.status.isSuccess {} else {
            report.warnings.append("could not record the result on \(dataset)")
        }
        report.newBootEnvironment?.state = marker
        var final = status
        if good {
            if activateNewBE(name, beManager: beManager) {
                report.newBootEnvironment?.activated = true
                report.rebootRequired = true
                report.rebootReasons = ["boot the upgraded boot environment \(dataset)"] + plan.newKernels.map { "new kernel \($0)" }
                report.rollbackCommand = "kbe activate \(running.name) && reboot"
            } else if final == .success {
                final = .warnings
            }
        }
        finish(final)
        printNewBESummary(plan: plan, verification: outcome.verification, name: name, dataset: dataset, running: running)
    }

    /// Makes the upgraded BE the next boot: as a trial (`activateTrial`, the next boot only,
    /// bootfs unchanged until it confirms itself) unless `--no-trial`; the ordinary activation
    /// (bootfs) when the default finds that this machine cannot do a trial. Docs/DESIGN.md decision 20.
    mutating func activateNewBE(_ name: String, beManager: BootEnvironmentManager) -> Bool {
        if options.trial != .never {
            // A trial needs UEFI: checked before kbe reads anything, so a machine without it runs
            // exactly the commands of an ordinary activation.
            let why: String
            if context.files.isDirectory("/sys/firmware/efi") {
                do {
                    let out = try beManager.activateTrial(name)
                    for argv in out.report.plan ?? [] { log.record("ran: \(Command(argv))") }
                    report.newBootEnvironment?.trial = true
                    report.newBootEnvironment?.trialInfo = out.report.trial
                    return true
                } catch {
                    guard error.kind == .refused, options.trial == .whenPossible else {
                        warn("could not arm a trial boot of \(name): \(error.message)" + (error.hint.map { " (\($0))" } ?? ""))
                        for d in error.details { log.record("  \(d)") }
                        warn("\(name) is NOT activated; the running system boots as before. Arm the trial with: kbe activate --trial \(name)   or, without automatic fallback: kbe activate \(name)")
                        return false
                    }
                    why = error.message
                }
            } else {
                why = "this machine did not boot through UEFI (/sys/firmware/efi is absent), and a trial needs the firmware's BootNext"
            }
            guard options.trial == .whenPossible else {
                warn("--trial: \(why); \(name) is NOT activated. Without automatic fallback: kbe activate \(name)")
                return false
            }
            report.newBootEnvironment?.trialNotPossible = why
            log.record("no trial boot: \(why); activating \(name) as the default instead")
        }
        do {
            let out = try beManager.activate(name)
            for argv in out.report.plan ?? [] { log.record("ran: \(Command(argv))") }
            return true
        } catch {
            warn("could not make \(name) the next boot: \(error.message); do it with: kbe activate \(name)")
            return false
        }
    }

    func printNewBESummary(plan: UpgradePlan, verification: ModuleVerification, name: String, dataset: String,
                           running: BootEnvironment)
    {
        let activated = report.newBootEnvironment?.activated ?? false
        let critical = verification.severity == .critical
        if critical {
            say("DKMS FAILURE in the new boot environment — ZFS may not load on its kernel \(verification.nextBootKernel ?? "")")
            for f in verification.findings where f.severity == .critical {
                line("  \(f.message)" + (f.buildLog.map { " (build log in \(dataset): \($0))" } ?? ""))
            }
        } else if let signal = report.interrupted {
            say("INTERRUPTED (\(signal)) — stopped at a safe point in the new boot environment")
        } else if report.transactionFailed {
            say("FAILED — the package transaction in the new boot environment did not complete")
            if let failed = report.transaction.last(where: \.failed) {
                line("  \(failed.commandText): \(failed.error ?? "failed")")
            }
        } else {
            say("DONE")
        }
        if activated || (!critical && report.interrupted == nil && !report.transactionFailed) {
            line(upgradedLine(plan))
            for k in plan.newKernels { line("  new kernel: \(k) (in \(dataset))") }
            let label = verification.kernels.contains { $0.zfs.contains { $0.delivery == .dkms } } ? "ZFS DKMS" : "ZFS modules"
            if verification.kernels.isEmpty {
                line("  \(label): not verified (no installed kernel found in \(dataset))")
            } else if verification.zfsOKForAllKernels {
                line("  \(label): OK for all kernels in \(dataset)")
            }
        }
        if let release = report.release {
            line("  release: \(release.from) -> \(release.to) in \(dataset)")
            let pool = report.pool?.name ?? "the pool"
            line("  pool features: kupgrade never runs zpool upgrade; upgrading \(pool)'s features would strand the older boot environments \(release.strandedByPoolUpgrade.joined(separator: ", ")) (their OpenZFS may not import the pool then)")
        }
        for f in verification.findings where f.severity == .warning { line("  warning: \(f.message)") }
        for w in report.warnings { line("  warning: \(w)") }
        line("  running system: \(running.dataset), unchanged")
        if activated, report.newBootEnvironment?.trial == true {
            line("  next boot: \(dataset), once, as a trial (reboot to use it); the default stays \(running.dataset)")
            line("  if that boot fails (health check, emergency mode, panic, hang then reset), the boot after it is \(running.dataset) again, by itself")
            line("  a healthy boot confirms itself (boot-complete.target) and \(dataset) becomes the default")
            line("To keep it by hand: kbe confirm (in the new BE)   To cancel before rebooting: kbe activate --cancel-trial")
            line("To go back after it was confirmed:")
            line("  kbe activate \(running.name) && reboot")
        } else if activated {
            line("  next boot: \(dataset) (reboot to use it)")
            if let why = report.newBootEnvironment?.trialNotPossible {
                line("  not a trial: \(why); if \(dataset) fails to boot, choose \(running.dataset) in the ZFSBootMenu menu")
            }
            line("To go back after the reboot:")
            line("  kbe activate \(running.name) && reboot")
        } else {
            line("  \(dataset): kept for inspection, NOT activated; the running system boots as before")
            line("To look at it: kbe mount \(name)   To remove it: kbe destroy \(name)")
        }
    }

    func upgradedLine(_ plan: UpgradePlan) -> String {
        var extra: [String] = []
        if plan.count(.install) > 0 { extra.append("\(plan.count(.install)) new") }
        if plan.count(.remove) > 0 { extra.append("\(plan.count(.remove)) removed") }
        let changed = plan.items.count - plan.count(.install) - plan.count(.remove)
        return "  upgraded: \(changed) package\(changed == 1 ? "" : "s")" + (extra.isEmpty ? "" : " (\(extra.joined(separator: ", ")))")
    }

    /// Boot environments an interrupted `kupgrade --new-be` left (description and marker still
    /// `in-progress` while no kupgrade runs, since this run holds the lock): everything mounted
    /// on or under them is unmounted (deepest first), the marker becomes `interrupted`, and the
    /// administrator is told. Never activated, never destroyed: it may be inspected. No
    /// command runs when there is no such BE.
    mutating func handleLeftovers(state: BootEnvironmentState) {
        for env in state.environments
        where env.description?.hasPrefix(NewBEUpgrade.inProgressDescription) == true && !env.isActiveNow {
            let marker = try? context.ask(.property(NewBEUpgrade.markerProperty, of: env.dataset)) {
                (c: Command) throws(CommandError) -> CommandResult in try exec(c, stream: false)
            }
            guard let marker, marker.result.status.isSuccess, (try? marker.value()) == "in-progress" else { continue }
            let datasets = Set([env.dataset] + env.children)
            let roots = state.mounts.entries.filter { $0.fstype == "zfs" && datasets.contains($0.source) }.map(\.mountpoint)
            let under = state.mounts.entries.filter { e in
                roots.contains { e.mountpoint == $0 || e.mountpoint.hasPrefix($0 + "/") }
            }
            say("found \(env.dataset), left by a kupgrade --new-be that did not finish (power cut or killed); it was never activated")
            if options.dryRun {
                for m in under.reversed() { say("dry run: would unmount \(m.mountpoint)") }
                say("dry run: would mark it \(NewBEUpgrade.markerProperty)=interrupted")
                continue
            }
            var unmounted: [String] = []
            var failed: [String] = []
            for m in under.reversed() {
                if let u = try? exec(Command(["umount", m.mountpoint]), stream: false), u.status.isSuccess {
                    unmounted.append(m.mountpoint)
                } else {
                    failed.append(m.mountpoint)
                }
            }
            let mark = Command([
                "zfs", "set", "\(NewBEUpgrade.markerProperty)=interrupted",
                "\(BEListing.descriptionProperty)=kupgrade --new-be interrupted; not activated", env.dataset,
            ])
            let marked = (try? exec(mark, stream: false))?.status.isSuccess ?? false
            if !unmounted.isEmpty { say("unmounted \(unmounted.joined(separator: ", "))") }
            if !failed.isEmpty {
                warn("could not unmount \(failed.joined(separator: ", ")) of \(env.dataset); unmount by hand: " + failed.map { "umount \($0)" }.joined(separator: "; "))
            }
            if !marked { warn("could not mark \(env.dataset) as interrupted (\(mark))") }
            line("  it is kept, half-upgraded, for inspection (kbe mount \(env.name)); it may hold kupgrade's \(NewBEUpgrade.policyRCDPath), which stops services from starting")
            line("  remove it with: kbe destroy \(env.name)")
            report.leftovers.append(.init(dataset: env.dataset, unmounted: unmounted,
                                          action: (unmounted.isEmpty ? "" : "unmounted and ") + (marked ? "marked interrupted; kept" : "marking failed; kept")))
        }
    }
}
