import Foundation

/// One kupgrade run, its steps in order (Docs/KUPGRADE.md). Never throws: every
/// outcome, refusals included, ends in an `UpgradeReport` whose `exitCode` is the documented
/// exit status. A failed step never skips the later checks, the summary or the rollback line.
public struct Upgrader: Sendable {
    public var context: SystemContext
    public var options: UpgradeOptions
    public var locks: any LockProbe
    /// kupgrade's own lines and the summary (the terminal, or stderr under `--json`).
    public var progress: ProgressSink
    /// Live output of the package manager and DKMS (same destination as `progress`).
    public var output: OutputSink
    /// Asked once before changing anything, only on a terminal and without `--yes`.
    public var confirm: @Sendable (String) -> Bool
    /// Which manager drives a family (tests may substitute).
    public var driverFor: @Sendable (PackageManager) -> any PackageManagerDriver
    /// Steps 9 and 10 (tests may substitute canned results).
    public var moduleStep: ModuleStep

    public init(context: SystemContext, options: UpgradeOptions, locks: any LockProbe,
                progress: @escaping ProgressSink, output: @escaping OutputSink,
                confirm: @escaping @Sendable (String) -> Bool = { _ in false },
                driverFor: @escaping @Sendable (PackageManager) -> any PackageManagerDriver = PackageManagerDrivers.driver,
                moduleStep: ModuleStep = .real)
    {
        self.moduleStep = moduleStep
        self.context = context
        self.options = options
        self.locks = locks
        self.progress = progress
        self.output = output
        self.confirm = confirm
        self.driverFor = driverFor
    }

    /// Blocks for the whole upgrade: every step runs its commands synchronously.
    public func run() -> UpgradeReport {
        let log = UpgradeLog(path: options.logPath, files: context.files, now: context.now, timeZone: options.timeZone)
        var session = Session(upgrader: self, log: log)
        session.execute()
        session.writeMetrics()
        return session.report
    }
}

/// Steps 9 (ZFS modules of every kernel, DKMS rebuild) and 10 (Secure Boot re-signing).
public struct ModuleStep: Sendable {
    public var run: @Sendable (_ context: SystemContext, _ progress: @escaping ProgressSink, _ newKernels: [String])
        -> (ModuleVerification, SigningReport)

    public init(run: @escaping @Sendable (SystemContext, @escaping ProgressSink, [String]) -> (ModuleVerification, SigningReport)) {
        self.run = run
    }

    /// `ModuleVerifier` (rebuilding with `dkms autoinstall -k` where DKMS delivers ZFS), then
    /// `ModuleSigner` for the kernel that boots next.
    public static let real = ModuleStep { context, progress, newKernels in
        let verification = ModuleVerifier(context: context, progress: progress)
            .verify(nextBoot: nil, rebuild: true, newKernels: Set(newKernels.map { KernelRelease($0) }))
        let signing = ModuleSigner(context: context, progress: progress, dryRun: false)
            .signModules(nextBoot: verification.nextBootKernel.map { KernelRelease($0) })
        return (verification, signing)
    }
}

/// Ends a run early; the report is already filled.
struct Stop: Error {}

/// One run's state (`Upgrader.run`). The out-of-place steps are in UpgradeNewBE.swift.
struct Session {
    let upgrader: Upgrader
    let log: UpgradeLog
    var report = UpgradeReport()
    /// Why the system needs a reboot; set once the package manager ran (report.rebootReasons).
    var reboot = RebootRequirement()
    var runLock: (any RunLockHandle)?
    /// How many of `context.openZFS.notes` are in the log already.
    var loggedOpenZFSNotes = 0
    /// What dkms said about its signing key in each transaction command (`DKMSSigningOutput`).
    var dkmsSigningKeyEvents: [DKMSSigningOutput.Event?] = []

    init(upgrader: Upgrader, log: UpgradeLog) {
        self.upgrader = upgrader
        self.log = log
    }

    var context: SystemContext { upgrader.context }
    var options: UpgradeOptions { upgrader.options }

    func say(_ message: String) {
        upgrader.progress("[kupgrade] " + message)
        log.record(message)
    }

    func line(_ text: String) {
        upgrader.progress(text)
        log.record(text)
    }

    mutating func warn(_ message: String) {
        report.warnings.append(message)
        say("WARNING: " + message)
    }

    /// Which output of zfs/zpool is read (decided at the first read) and every JSON answer read
    /// again as text: into the log, once each.
    mutating func logOpenZFSNotes() {
        let notes = context.openZFS.notes
        for note in notes.dropFirst(loggedOpenZFSNotes) { log.record("OpenZFS: " + note) }
        loggedOpenZFSNotes = max(loggedOpenZFSNotes, notes.count)
    }

    func exec(_ command: Command, stream: Bool, environment: [String: String] = [:]) throws(CommandError) -> CommandResult {
        if stream { say("running: \(command)") }
        log.record("run: \(command)")
        let log = self.log
        let output = upgrader.output
        let sink: OutputSink = { kind, text in
            log.record(output: text, of: command, stream: kind)
            if stream { output(kind, text) }
        }
        let result = try context.runner.run(command.adding(environment: environment), options: RunOptions(sink: sink))
        log.record("\(command.program): \(result.status)")
        return result
    }

    /// The signal that interrupted this run, if one did (asked of the context, so replays and
    /// tests interrupt without real signals).
    var interruption: String? { context.interrupts.received.map(NoInterrupts.name(of:)) }

    /// A safe point before anything changed: an interrupt ends the run here, exit 130.
    mutating func stopIfInterruptedBeforeChange() throws(Stop) {
        guard let signal = interruption else { return }
        report.interrupted = signal
        finish(.interrupted)
        say("INTERRUPTED (\(signal)) before any change")
        say("nothing was changed")
        throw Stop()
    }

    /// Remembers (once) that the run was interrupted after the checkpoint.
    mutating func noteInterruption(_ during: String) {
        guard report.interrupted == nil, let signal = interruption else { return }
        report.interrupted = signal
        say("INTERRUPTED (\(signal)) \(during): stopping at the next safe point")
    }

    mutating func refuse(_ error: UpgradeError) -> Stop {
        // A step that failed because the user interrupted it (a signaled `zpool`, `apt-get
        // update`) is an interrupt, not a refusal.
        if let signal = interruption {
            report.interrupted = signal
            finish(.interrupted)
            say("INTERRUPTED (\(signal)) before any change (\(error.description))")
            say("nothing was changed")
            return Stop()
        }
        report.refusal = .init(reason: error.reason, message: error.description, hint: error.hint)
        report.result = ExitStatus.refused.description
        report.exitCode = ExitStatus.refused.rawValue
        say("REFUSED: \(error.description)")
        line("  \(error.hint)")
        say("nothing was changed")
        return Stop()
    }

    mutating func execute() {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = options.timeZone
        report.startedAt = formatter.string(from: context.now())
        report.dryRun = options.dryRun
        report.logPath = options.logPath
        log.record("===================================================================")
        log.record("kupgrade \(KldloadVersion.current) started: \(options.commandLine.map(Command.quoteForDisplay).joined(separator: " "))")
        do {
            try steps()
        } catch {
            // A refusal: report already filled.
        }
        // A reader that went away (`kupgrade | head`, a killed tee) never stops the run: the
        // console dropped the rest, the log has every line, and says so here. The exit status
        // stays the run's own; the loss is a note, not a failure of the upgrade.
        logOpenZFSNotes()
        for loss in context.console.losses {
            report.warnings.append("output lost: \(loss); the run continued and \(options.logPath) has every line")
            log.record("WARNING: output lost: \(loss); the run continued and this log has every line")
        }
        log.record("kupgrade finished: \(report.result) (exit \(report.exitCode))")
        // Checked after the last line, so a disk that fills up at the very end is reported too.
        if let error = log.writeError {
            report.warnings.append("could not write the log: \(error.description)")
            upgrader.progress("[kupgrade] WARNING: could not write the log: \(error.description)")
        }
    }

    mutating func steps() throws(Stop) {
        // 1. root, our own lock.
        guard context.userID == 0 else { throw refuse(.notRoot(uid: context.userID)) }
        do { runLock = try upgrader.locks.acquireRunLock(at: RunLock.defaultPath) } catch { throw refuse(error) }

        // 2. distro → package manager, confirmed installed; then its locks (step 1's second half).
        let driver = try detectDriver()
        for lock in driver.locks {
            if let holder = upgrader.locks.holder(of: lock) {
                throw refuse(.packageManagerBusy(owner: lock.owner, lockPath: lock.path, holder: holder))
            }
        }
        try stopIfInterruptedBeforeChange()

        // 3. the running boot environment (kbe's discovery: the mount table, then the marker).
        let probes = SystemProbes(context: context)
        let beManager = BootEnvironmentManager(context: context, options: KBEOptions(assumeYes: true))
        let beState: BootEnvironmentState
        do { beState = try beManager.loadState() } catch {
            logOpenZFSNotes()
            // Output that cannot be parsed is not a missing ZFS root: say what it is.
            if error.parseFailure != nil { throw refuse(.stepFailed(step: "listing the boot environments", error: error.message)) }
            throw refuse(.noBootEnvironment(error.message))
        }
        logOpenZFSNotes()
        guard let running = beState.running else {
            throw refuse(.noBootEnvironment("no boot environment under \(beState.layout.beRoot) is mounted at /"))
        }
        let be = running.dataset
        report.bootEnvironment = be
        let pkgdb = beManager.packageDatabase(beState).splitDataset
        report.packageDatabaseDataset = pkgdb
        say("boot environment: \(be)" + (pkgdb.map { " (package database on \($0), checkpointed with it)" } ?? ""))

        // 4. pool health.
        let poolName = beState.layout.pool
        let pool: SystemProbes.PoolFacts
        do { pool = try probes.pool(poolName) } catch { logOpenZFSNotes(); throw refuse(error) }
        logOpenZFSNotes()
        report.pool = .init(name: pool.name, health: pool.health.description, freeBytes: pool.free, resilvering: pool.resilvering)
        say("checking pool health... \(pool.name) \(pool.health)")
        switch pool.health {
        case .online:
            break
        case .degraded where options.allowDegraded:
            warn("pool \(pool.name) is DEGRADED; continuing because of --allow-degraded")
        default:
            for l in pool.statusLines { line("  " + l) }
            throw refuse(.poolUnhealthy(pool: pool.name, state: pool.health.description,
                                        detail: pool.health == .degraded ? "a device is missing or failing" : ""))
        }
        if pool.resilvering {
            warn("pool \(pool.name) is resilvering; the upgrade will be slower and the redundancy is not complete yet")
        }
        try stopIfInterruptedBeforeChange()

        // A boot environment an interrupted `kupgrade --new-be` left behind (power cut, kill -9):
        // unmounted and marked, never activated (no command at all when there is none).
        handleLeftovers(state: beState)
        if options.newBE {
            try outOfPlace(driver: driver, beManager: beManager, state: beState, running: running, pool: pool, pkgdb: pkgdb)
            return
        }

        // 5. plan.
        let runner = DriverRunner(files: context.files) { [self] command, stream throws(CommandError) in
            try exec(command, stream: stream, environment: stream ? driver.environment : [:])
        }
        guard let plan = try planUpgrade(driver: driver, runner: runner, pool: pool, place: nil,
                                         nothingToDo: "nothing to upgrade; no snapshot taken") else { return }

        let base = Checkpoints.name(Checkpoints.Prefix.preUpgrade, at: context.now(), timeZone: options.timeZone)
        let transaction = driver.upgradeCommands(for: plan)
        if options.dryRun {
            say("dry run: would snapshot \(be)@\(base)\(pkgdb.map { " and \($0)@\(base)" } ?? "")")
            for c in transaction { say("dry run: would run: \(c)") }
            let remove = driver.autoremove(runner, options: options)
            for c in remove.commands { say("dry run: would run: \(c)") }
            say("dry run: would verify ZFS modules for every kernel and re-sign them under Secure Boot")
            say("dry run: nothing was changed")
            finish(report.warnings.isEmpty ? .success : .warnings)
            return
        }
        if context.isInteractive && !options.assumeYes {
            guard upgrader.confirm("Upgrade \(plan.items.count) packages now? [y/N] ") else { throw refuse(.notConfirmed) }
        }
        try stopIfInterruptedBeforeChange()

        // 6. checkpoint: kbe's one atomic `zfs snapshot` of the BE, its children and a split
        // package-database dataset, with kupgrade's user properties; `-2`, `-3` if the name is taken.
        let commandText = options.commandLine.map(Command.quoteForDisplay).joined(separator: " ")
        let safeCommand = String(String.UnicodeScalarView(commandText.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(1000))
        say("creating boot environment: \(base)")
        let created: KBEOutput
        do {
            created = try beManager.createCheckpoint(
                named: base,
                properties: [(Checkpoints.kupgradeVersionProperty, KldloadVersion.current), (Checkpoints.commandProperty, safeCommand)],
                uniquify: true)
        } catch {
            if let signal = interruption {
                // zfs snapshot is atomic, but a signal can arrive after it took the snapshot.
                report.interrupted = signal
                finish(.interrupted)
                say("INTERRUPTED (\(signal)) while taking the checkpoint \(be)@\(base)")
                say("nothing was upgraded; if zfs snapshot had run, the checkpoint may exist (kbe list -s shows it)")
                throw Stop()
            }
            throw refuse(.stepFailed(step: "zfs snapshot", error: error.message))
        }
        let target = created.report.target ?? "\(be)@\(base)"
        let name = target.split(separator: "@", maxSplits: 1).last.map(String.init) ?? base
        let snapshots = created.report.created ?? [target]
        if name != base { say("\(be)@\(base) exists; using \(name)") }
        report.checkpoint = .init(name: name, snapshots: snapshots)
        // With the package database inside the BE, booting a clone of the checkpoint is the
        // non-destructive way back. With it on a separate dataset, only rolling both back
        // together is consistent (kbe refuses to activate a checkpoint there; DESIGN.md #3).
        // Paired datasets (Docs/KBE.md): kbe needs a choice for them; the printed way back takes
        // the data along (activation clones it, nothing is destroyed).
        let withData = (created.report.pairedDatasets ?? []).isEmpty ? "" : " --with-data"
        report.rollbackCommand = pkgdb == nil ? "kbe activate \(name)\(withData) && reboot" : "kbe rollback \(name)\(withData) && reboot"
        say("snapshot: \(snapshots.joined(separator: ", ")) (instant)")

        // 7. the transaction. From here on nothing stops the later steps, except an interrupt:
        // then the remaining transaction commands, autoremove and retention are skipped, the
        // modules are still verified if the package manager ran, and the result is recorded.
        noteInterruption("after the checkpoint")
        let packageManagerRan = runTransaction(transaction, driver: driver)
        if !plan.holds.isEmpty {
            for hold in plan.holds {
                say("held back: \(hold.name) \(hold.installedVersion ?? "") (repository: \(hold.availableVersion ?? "?")): \(hold.reason)")
            }
            // A hold-back leaves the system short of the repository's state: success with
            // warnings (exit 1), so cron and Ansible see it (Docs/KUPGRADE.md, step 7).
            report.warnings.append("held back \(plan.holds.map(\.name).joined(separator: ", ")) until the repository's zfs-linux supports the new kernel; run kupgrade again then")
        }

        // 8. autoremove (not after a failed transaction: it would act on a half-upgraded system).
        runAutoremove(driver: driver, runner: runner)

        // 9. kernel modules; 10. Secure Boot.
        let sink: ProgressSink = { [log, progress = upgrader.progress] text in
            progress(text)
            // The log adds its own `[kupgrade]` tag; do not print it twice.
            log.record(text.hasPrefix("[kupgrade] ") ? String(text.dropFirst("[kupgrade] ".count)) : text)
        }
        // Interrupted before the package manager ran: nothing changed the kernels or modules.
        let verification: ModuleVerification
        var signing: SigningReport
        if packageManagerRan {
            (verification, signing) = upgrader.moduleStep.run(context, sink, plan.newKernels)
            noteDKMSSigningKey(&signing, verification: verification, sink: sink)
            report.modules = verification
            report.signing = signing
        } else {
            say("skipping module verification: the package manager did not run")
            (verification, signing) = (ModuleVerification(), SigningReport(secureBoot: "not checked", enforcing: false))
        }
        noteInterruption("during module verification")
        if packageManagerRan && !report.transactionFailed, let manager = PackageManager(rawValue: report.packageManager ?? "") {
            reboot = RebootRequirement.assess(
                manager: manager, newKernels: plan.newKernels, transactionPackages: plan.items.map(\.name),
                flag: context.files.textIfPresent("/run/reboot-required"),
                flaggedPackages: context.files.textIfPresent("/run/reboot-required.pkgs"))
            report.rebootRequired = reboot.required
            report.rebootReasons = reboot.reasons.map(\.description)
        }

        // Record the outcome on the checkpoint.
        let severity = max(verification.severity, signing.severity)
        // ZFS unusable for the next boot wins (it says "do not reboot"); then an interrupt.
        let status: ExitStatus =
            severity == .critical ? .criticalModuleFailure
            : report.interrupted != nil ? .interrupted
            : report.transactionFailed ? .transactionFailed
            : (severity == .warning || !report.warnings.isEmpty || verification.kernels.isEmpty) ? .warnings : .success
        let transactionDone = packageManagerRan && !report.transactionFailed
            && report.transaction.count == transaction.count
        let upgraded = transactionDone ? plan.items.filter { $0.action != .remove }.count : 0
        let setProps = Command([
            "zfs", "set", "org.kldload:result=\(status.description)", "org.kldload:packages=\(upgraded)",
            "org.kldload:new-kernel=\(plan.newKernels.isEmpty ? "none" : plan.newKernels.joined(separator: ","))",
            "\(be)@\(name)",
        ])
        if let r = try? exec(setProps, stream: false), r.status.isSuccess {} else {
            report.warnings.append("could not record the result on \(be)@\(name)")
        }

        // What the transaction changed, read from the checkpoint and the result (kbe diff's code).
        if packageManagerRan {
            let (packages, why) = beManager.transactionPackages(
                state: beState, running: running, checkpoint: name, snapshots: snapshots)
            report.packages = packages
            if packages == nil, let why { log.record("package list not available: \(why)") }
        }

        // 11. summary.
        finish(status)
        printSummary(plan: plan, verification: verification, signing: signing, checkpoint: name, be: be,
                     driver: driver)

        // 12. retention, after a successful, uninterrupted run only. An interrupt that comes
        // after the result was recorded skips only retention; the exit status stays that result.
        noteInterruption("after the result was recorded")
        if report.interrupted != nil {
            say("retention skipped: the run was interrupted")
        } else if status == .success || status == .warnings {
            retention(be: be, pkgdb: pkgdb, paired: created.report.pairedDatasets ?? [], current: name)
        }
    }

    /// Step 7: the transaction commands in order, each through `wrap` (out-of-place runs put
    /// them inside the new BE). Stops at the first failure or interrupt; returns whether the
    /// package manager ran. The exit status decides failure; error lines of a command that
    /// exited 0 are warnings.
    /// A key dkms made during this run (in the transaction or kupgrade's own rebuild) is not
    /// enrolled yet: under Secure Boot the modules signed with it will not load (`SigningReport.note`).
    func noteDKMSSigningKey(_ signing: inout SigningReport, verification: ModuleVerification, sink: ProgressSink) {
        let event = DKMSSigningOutput.combine(dkmsSigningKeyEvents + verification.kernels.map(\.dkmsSigningKey))
        let known = signing.problems.count
        signing.note(event, nextBoot: verification.nextBootKernel)
        for p in signing.problems.dropFirst(known) { sink("[kupgrade] WARNING: \(p)") }
    }

    mutating func runTransaction(_ transaction: [Command], driver: any PackageManagerDriver,
                                 wrap: (Command) -> Command = { $0 }) -> Bool {
        var packageManagerRan = false
        for original in transaction where report.interrupted == nil {
            let command = wrap(original)
            packageManagerRan = true
            var step = UpgradeReport.Step(argv: command.argv, status: nil, failed: true, error: nil)
            do {
                let r = try exec(command, stream: true, environment: driver.environment)
                step.status = Self.statusText(r.status)
                step.failed = driver.failed(r)
                if step.failed { step.error = "\(r.status)" + lastError(r) }
                // A zfs-dkms or kernel postinst runs dkms inside the transaction.
                dkmsSigningKeyEvents.append(DKMSSigningOutput.scan(r.stdout + "\n" + r.stderr))
                for e in driver.errorLinesDespiteSuccess(r) {
                    warn("\(command.program) exited 0 but reported: \(e)")
                }
            } catch {
                step.error = error.description
            }
            report.transaction.append(step)
            noteInterruption("during \(command.program)")
            if step.failed {
                report.transactionFailed = true
                say("ERROR: \(command) failed: \(step.error ?? "")")
                break
            }
        }
        return packageManagerRan
    }

    /// Step 8: autoremove, skipped after an interrupt or a failed transaction (it would act on a
    /// half-upgraded system).
    mutating func runAutoremove(driver: any PackageManagerDriver, runner: DriverRunner,
                                wrap: (Command) -> Command = { $0 }) {
        if let signal = report.interrupted {
            report.autoremoveSkipped = "the run was interrupted (\(signal))"
            say("skipping autoremove: the run was interrupted")
        } else if report.transactionFailed {
            report.autoremoveSkipped = "the package transaction failed"
            say("skipping autoremove: the package transaction failed")
        } else {
            let remove = driver.autoremove(runner, options: options)
            report.autoremoveSkipped = remove.skipped
            if let why = remove.skipped { say("autoremove skipped: \(why)") }
            for original in remove.commands {
                let command = wrap(original)
                var step = UpgradeReport.Step(argv: command.argv, status: nil, failed: true, error: nil)
                do {
                    let r = try exec(command, stream: true, environment: driver.environment)
                    step.status = Self.statusText(r.status)
                    step.failed = driver.failed(r)
                    for e in driver.errorLinesDespiteSuccess(r) {
                        warn("\(command.program) exited 0 but reported: \(e)")
                    }
                } catch {
                    step.error = error.description
                }
                report.autoremove.append(step)
                if step.failed { warn("autoremove failed: \(command)") }
                noteInterruption("during autoremove")
                if report.interrupted != nil { break }
            }
        }
    }

    static func statusText(_ s: TerminationStatus) -> String {
        switch s {
        case .exited(let c): return "exit \(c)"
        case .signaled(let n): return "signal \(n)"
        }
    }

    /// The node_exporter textfiles, when a directory is configured; never on `--dry-run`:
    /// `UpgradeMetrics` (the run), then `CheckpointMetrics` (the checkpoints as listed now) when
    /// the run found its boot environment. A failure to write is a warning in the log, not a
    /// change of the result.
    mutating func writeMetrics() {
        guard let dir = options.metricsDirectory, !options.dryRun else { return }
        var failures: [String] = []
        do {
            try Textfile.write(UpgradeMetrics.render(report, finishedAt: context.now()), named: UpgradeMetrics.fileName,
                               in: dir, files: context.files)
        } catch {
            failures.append("metrics not written to \(FilePath.trimmingTrailingSlashes(dir))/\(UpgradeMetrics.fileName): \(error)")
        }
        if report.bootEnvironment != nil,
            let failure = CheckpointMetrics.refresh(BootEnvironmentManager(context: context), directory: FilePath.trimmingTrailingSlashes(dir))
        {
            failures.append(failure)
        }
        // An out-of-place run that armed its new BE as a trial: the trial's own file (kbe rewrites
        // it when the trial is confirmed, cancelled or falls back).
        if report.newBootEnvironment?.trial == true, let trial = report.newBootEnvironment?.trialInfo,
            let failure = TrialMetrics.write(pending: true, trial: trial, directory: dir, files: context.files)
        {
            failures.append(failure)
        }
        for failure in failures {
            report.warnings.append(failure)
            log.record("WARNING: " + failure)
        }
    }

    mutating func finish(_ status: ExitStatus) {
        report.result = status.description
        report.exitCode = status.rawValue
    }

    mutating func detectDriver() throws(Stop) -> any PackageManagerDriver {
        guard let text = context.files.textIfPresent("/etc/os-release") ?? context.files.textIfPresent("/usr/lib/os-release")
        else { throw refuse(.osReleaseUnreadable("neither /etc/os-release nor /usr/lib/os-release exists")) }
        let release: OSRelease
        do { release = try OSReleaseParser.parse(text) } catch {
            throw refuse(.osReleaseUnreadable(error.description))
        }
        report.distro = .init(id: release.id, idLike: release.idLike, versionID: release.versionID,
                              prettyName: release.prettyName)
        guard let manager = release.packageManager else {
            throw refuse(.unsupportedDistro(id: release.id, idLike: release.idLike))
        }
        let driver = upgrader.driverFor(manager)
        guard driver.binaries.contains(where: { context.files.exists($0) }) else {
            throw refuse(.packageManagerMissing(manager: manager.rawValue, searched: driver.binaries))
        }
        report.packageManager = manager.rawValue
        let detail = [release.versionCodename, release.versionID].compactMap { $0 }.first { !$0.isEmpty }
        let codename = detail.map { " \($0)" } ?? ""
        say("detected: \(manager.rawValue) (\(release.name.split(separator: " ").first.map(String.init) ?? release.id)\(codename))")
        return driver
    }

    /// Step 5 of both kinds of upgrade: refresh and simulate through `runner` (on the running
    /// system, or rooted in the new BE at `place`), print the plan, check the pool's free space.
    /// Returns nil when there is nothing to upgrade (reported, run finished with success).
    mutating func planUpgrade(driver: any PackageManagerDriver, runner: DriverRunner, pool: SystemProbes.PoolFacts,
                              place: String?, nothingToDo: String) throws(Stop) -> UpgradePlan? {
        say("planning\(place.map { " inside \($0)" } ?? ""): refreshing package metadata and simulating the upgrade")
        let plan: UpgradePlan
        do { plan = try driver.plan(runner, options: options) } catch {
            // An interrupted `apt-get update` fails: that is the interrupt, not a refusal.
            try stopIfInterruptedBeforeChange()
            throw refuse(error)
        }
        report.plan = plan
        try stopIfInterruptedBeforeChange()
        printPlan(plan)
        if plan.isEmpty {
            report.nothingToDo = true
            say(nothingToDo)
            finish(.success)
            return nil
        }
        let needed = plan.requiredBytes
        report.requiredBytes = needed
        if let free = pool.free {
            let sizeNote = plan.downloadBytes == nil && plan.installedSizeChange == nil
                ? " (\(driver.manager.rawValue) gave no sizes: minimum margin only)" : ""
            say("space: needs about \(humanSize(needed)), \(pool.name) has \(humanSize(free)) free\(sizeNote)")
            if free < needed { throw refuse(.notEnoughSpace(pool: pool.name, freeBytes: free, neededBytes: needed)) }
        }
        return plan
    }

    func printPlan(_ plan: UpgradePlan) {
        if plan.isEmpty && plan.holds.isEmpty { return }
        let up = plan.count(.upgrade), new = plan.count(.install), rm = plan.count(.remove)
        say("plan: \(up) to upgrade, \(new) new, \(rm) to remove" + (plan.keptBack.isEmpty ? "" : ", \(plan.keptBack.count) kept back"))
        for item in plan.items {
            let versions: String
            switch item.action {
            case .remove: versions = item.currentVersion ?? ""
            case .install: versions = "(new) \(item.newVersion ?? "")"
            default: versions = item.currentVersion.map { "\($0) -> \(item.newVersion ?? "?")" } ?? (item.newVersion ?? "")
            }
            line("  \(item.action.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(item.name) \(versions)")
        }
        for k in plan.keptBack { line("  kept back \(k)") }
        for hold in plan.holds {
            say("holding back \(hold.name) \(hold.installedVersion ?? "") (repository has \(hold.availableVersion ?? "?")): \(hold.reason)")
        }
        for k in plan.newKernels { say("new kernel: \(k)") }
        if !plan.modulePackages.isEmpty { say("kernel-module packages: \(plan.modulePackages.joined(separator: ", "))") }
    }

    mutating func printSummary(plan: UpgradePlan, verification: ModuleVerification, signing: SigningReport,
                               checkpoint: String, be: String, driver: any PackageManagerDriver)
    {
        let rollback = report.rollbackCommand ?? "kbe activate \(checkpoint) && reboot"
        let critical = verification.severity == .critical || signing.severity == .critical
        if critical {
            let newest = plan.newKernels.last ?? verification.nextBootKernel ?? "the new kernel"
            let moduleCritical = verification.severity == .critical
            let newKey = signing.problems.contains { if case .newKeyNotEnrolled = $0 { return true } else { return false } }
            if !moduleCritical && newKey && !signing.modules.contains(where: { if case .failed = $0.outcome { return true } else { return false } }) {
                say("SECURE BOOT FAILURE — ZFS modules for kernel \(newest) are signed with a new DKMS key that is not enrolled; the kernel will refuse to load them")
            } else if !moduleCritical {
                say("SECURE BOOT FAILURE — ZFS modules for kernel \(newest) are unsigned; the kernel will refuse to load them")
            } else if report.transactionFailed {
                say("DKMS FAILURE — the package transaction failed and ZFS may not load on kernel \(newest)")
            } else {
                say("DKMS FAILURE — upgrade complete but ZFS may not load on new kernel \(newest)")
            }
            for f in verification.findings where f.severity == .critical {
                line("  \(f.message)" + (f.buildLog.map { " (build log: \($0))" } ?? ""))
            }
            for m in signing.modules {
                if case .failed(let reason) = m.outcome { line("  unsigned: \(m.path): \(reason)") }
            }
            for p in signing.problems { line("  \(p)") }
            line("DO NOT REBOOT until this is resolved, or use the rollback:")
            line("  \(rollback)")
            line("Manual fix options:")
            if moduleCritical {
                line("  1. Wait for a new ZFS DKMS package update and re-run kupgrade")
            } else {
                line("  1. " + (signing.problems.first?.fix
                    ?? "Provide the DKMS signing key (dkms generate_mok on dkms 3.1+, the openssl command above on dkms 3.0; mokutil --import \(ModuleSigner.defaultCertificate), then reboot once to enroll it) and re-run kupgrade"))
            }
            let previous = verification.kernels.filter { $0.zfsUsable && !$0.bootsNext }.map(\.kernel).last
            if let previous {
                line("  2. Keep booting the previous kernel: zfs set org.zfsbootmenu:kernel=vmlinuz-\(previous) \(be)")
            } else if moduleCritical {
                line("  2. Rebuild by hand: dkms autoinstall -k \(newest)")
            } else if newKey {
                line("  2. Before rebooting, check that the key is queued for enrollment: mokutil --list-new")
            } else {
                line("  2. Re-sign by hand (Docs/MODULES.md) once the key exists, then check: modinfo -F signer MODULE")
            }
            line("  3. Roll back: \(rollback)")
            return
        }
        if let signal = report.interrupted {
            say("INTERRUPTED (\(signal)) — stopped at a safe point; autoremove and retention were skipped")
            if report.transaction.isEmpty {
                line("  the package manager did not run; nothing was upgraded")
            } else if let last = report.transaction.last {
                line("  \(last.commandText): \(last.failed ? (last.error ?? "failed") : "completed")")
            }
        } else if report.transactionFailed {
            say("FAILED — the package transaction did not complete")
            if let failed = report.transaction.last(where: \.failed) {
                line("  \(failed.commandText): \(failed.error ?? "failed")")
            }
        } else {
            say("DONE")
        }
        if report.interrupted != nil && (report.transaction.isEmpty || report.transactionFailed) {
            line("  upgraded: 0 packages (interrupted; see \(options.logPath))")
        } else if report.transactionFailed {
            line("  upgraded: 0 packages (transaction failed; see \(options.logPath))")
        } else {
            var extra: [String] = []
            if plan.count(.install) > 0 { extra.append("\(plan.count(.install)) new") }
            if plan.count(.remove) > 0 { extra.append("\(plan.count(.remove)) removed") }
            let changed = plan.items.count - plan.count(.install) - plan.count(.remove)
            line("  upgraded: \(changed) package\(changed == 1 ? "" : "s")" + (extra.isEmpty ? "" : " (\(extra.joined(separator: ", ")))"))
        }
        if let packages = report.packages, !packages.isEmpty {
            for l in packages.lines(limit: 40) { line("  " + l) }
        }
        for k in plan.newKernels where !report.transactionFailed { line("  new kernel: \(k) (reboot required)") }
        let otherReasons = reboot.reasonsBeyondNewKernels
        if !otherReasons.isEmpty { line("  reboot required: " + otherReasons.map(\.description).joined(separator: "; ")) }
        for hold in plan.holds {
            line("  held back: \(hold.name) \(hold.installedVersion ?? "") (repository has \(hold.availableVersion ?? "?")): \(hold.reason)")
        }
        let label = verification.kernels.contains { $0.zfs.contains { $0.delivery == .dkms } } ? "ZFS DKMS" : "ZFS modules"
        if report.interrupted != nil && report.transaction.isEmpty {
            line("  \(label): not verified (the package manager did not run)")
        } else if verification.kernels.isEmpty {
            line("  \(label): not verified (no installed kernel found)")
        } else if verification.zfsOKForAllKernels {
            line("  \(label): OK for all kernels")
        } else {
            for k in verification.kernels where !k.zfsUsable {
                line("  \(label): missing or unusable for \(k.kernel)\(k.bootsNext ? " (boots next)" : "")")
            }
        }
        if signing.enforcing {
            var resigned: [String: Int] = [:]
            var signed = 0
            var failed = 0
            for m in signing.modules {
                switch m.outcome {
                case .resigned: resigned[m.kernel, default: 0] += 1
                case .alreadySigned: signed += 1
                case .failed: failed += 1
                case .wouldResign: break
                }
            }
            func modules(_ n: Int) -> String { "\(n) module\(n == 1 ? "" : "s")" }
            var text = resigned.isEmpty
                ? "\(modules(signed)) already signed"
                : "re-signed " + resigned.keys.sorted().map { "\(modules(resigned[$0] ?? 0)) for kernel \($0)" }.joined(separator: ", ")
                    + " with the DKMS MOK key" + (signing.initramfsCommands.isEmpty ? "" : "; initramfs rebuilt")
            // Never "all fine" while some could not be signed (a kernel that does not boot next).
            if failed > 0 { text += "; \(modules(failed)) could not be re-signed (see above)" }
            line("  Secure Boot: enforcing; " + text)
            for p in signing.problems {
                switch p {
                case .newKeyNotEnrolled, .keyNotGenerated: line("  warning: \(p)")
                case .missingKey, .missingSignFile: break
                }
            }
        }
        for f in verification.findings where f.severity == .warning {
            line("  warning: \(f.message)" + (f.buildLog.map { " (build log: \($0))" } ?? ""))
        }
        for w in report.warnings { line("  warning: \(w)") }
        line("  boot env: \(checkpoint) (rollback available)")
        line("To roll back:")
        line("  \(rollback)")
    }

    mutating func retention(be: String, pkgdb: String?, paired: [String], current: String) {
        var result = UpgradeReport.Retention(keep: options.keep, destroyed: [], spared: [], error: nil)
        defer {
            report.retention = result
            noteInterruption("during retention")
        }
        let rows: [Checkpoints.Row]
        do {
            let answer = try context.ask(.retentionRows(of: be)) { (c: Command) throws(CommandError) -> CommandResult in
                try exec(c, stream: false)
            }
            logOpenZFSNotes()
            guard answer.result.status.isSuccess else {
                result.error = "zfs list failed: \(answer.result.status)"
                return
            }
            rows = try answer.value()
        } catch {
            result.error = "\(error)"
            say("retention skipped: \(error)")
            return
        }
        let (destroy, spared) = Checkpoints.retention(rows, owner: .kupgrade, keep: options.keep, current: current)
        result.spared = spared
        for name in spared { say("retention: keeping \(be)@\(name) (it has clones)") }
        // The twins: the package-database dataset's and the paired datasets' snapshots of the
        // same name (one listing each; a paired dataset's only when something is destroyed).
        let probes = SystemProbes(context: context)
        let twins = (pkgdb.map { [($0, probes.snapshotNames(of: $0))] } ?? [])
            + (destroy.isEmpty ? [] : paired.map { ($0, probes.snapshotNames(of: $0)) })
        for name in destroy {
            if let signal = interruption {
                report.interrupted = signal
                say("INTERRUPTED (\(signal)) during retention: no more checkpoints destroyed")
                break
            }
            // The checkpoint is the BE and its children, so its destruction is recursive too:
            // `zfs destroy -r BE@NAME` takes the same-named snapshots of every child, all or
            // nothing (zfs checks each for dependent clones before destroying any).
            let target = "\(be)@\(name)"
            let failure: String?
            do {
                let r = try exec(Command(["zfs", "destroy", "-r", target]), stream: false)
                failure = r.status.isSuccess ? nil : "\(r.status)" + (r.stderr.isEmpty ? "" : ": \(ZFSFailure(stderr: r.stderr))")
            } catch {
                failure = "\(error)"
            }
            if let failure {
                // The package-database twin is kept with it, so the checkpoint stays whole.
                result.error = "could not destroy \(target) with its child snapshots: \(failure)"
                say("retention: could not destroy \(target) with its child snapshots: \(failure)")
                continue
            }
            result.destroyed.append(target)
            say("retention: destroyed \(target) with its children's snapshots of that name (keeping the newest \(options.keep))")
            for (dataset, snapshots) in twins where snapshots.contains(name) {
                let twin = "\(dataset)@\(name)"
                if let r = try? exec(Command(["zfs", "destroy", twin]), stream: false), r.status.isSuccess {
                    result.destroyed.append(twin)
                    say("retention: destroyed \(twin) (keeping the newest \(options.keep))")
                } else {
                    result.error = "could not destroy \(twin)"
                    say("retention: could not destroy \(twin)")
                }
            }
        }
    }
}
