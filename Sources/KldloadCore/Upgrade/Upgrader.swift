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

/// One run's state (`Upgrader.run`). The out-of-place steps are in UpgradeNewBE.swift.
struct Session {
    /// Ends a run early; the report is already filled.
    struct Stop: Error {}

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
        if let stop = stopIfInterrupted("before any change", then: "nothing was changed") { throw stop }
    }

    /// When an interrupt arrived: ends the run as interrupted (exit 130), says
    /// `INTERRUPTED (SIGNAL) what` and the `then` lines, and returns the `Stop` to throw.
    /// nil when there was no interrupt.
    mutating func stopIfInterrupted(_ what: String, then outcome: String...) -> Stop? {
        guard let signal = interruption else { return nil }
        report.interrupted = signal
        finish(.interrupted)
        say("INTERRUPTED (\(signal)) \(what)")
        for text in outcome { say(text) }
        return Stop()
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
        if let stop = stopIfInterrupted("before any change (\(error.description))", then: "nothing was changed") { return stop }
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
        // 1–4. root and locks, the package manager, the running BE, the pool (Upgrader+Preflight.swift).
        let checked = try preflight()
        let (driver, beManager, beState, running, pool, pkgdb) =
            (checked.driver, checked.beManager, checked.state, checked.running, checked.pool, checked.packageDatabase)
        let be = running.dataset

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

        // 6. checkpoint (Upgrader+Checkpoint.swift).
        let checkpoint = try takeCheckpoint(base, beManager: beManager, be: be, pkgdb: pkgdb)
        let name = checkpoint.name
        let snapshots = checkpoint.snapshots

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

        // 9. kernel modules; 10. Secure Boot (Upgrader+Verify.swift).
        let (verification, signing) = verifyModules(packageManagerRan: packageManagerRan, newKernels: plan.newKernels)
        if packageManagerRan && !report.transactionFailed, let manager = PackageManager(rawValue: report.packageManager ?? "") {
            reboot = RebootRequirement.assess(
                manager: manager, newKernels: plan.newKernels, transactionPackages: plan.items.map(\.name),
                flag: context.files.textIfPresent("/run/reboot-required"),
                flaggedPackages: context.files.textIfPresent("/run/reboot-required.pkgs"))
            report.rebootRequired = reboot.required
            report.rebootReasons = reboot.reasons.map(\.description)
        }

        // Record the outcome on the checkpoint (Upgrader+Checkpoint.swift).
        let status = recordResult(on: "\(be)@\(name)", plan: plan, verification: verification, signing: signing,
                                  packageManagerRan: packageManagerRan, commands: transaction.count)

        // What the transaction changed, read from the checkpoint and the result (kbe diff's code).
        if packageManagerRan {
            let (packages, why) = beManager.transactionPackages(
                state: beState, running: running, checkpoint: name, snapshots: snapshots)
            report.packages = packages
            if packages == nil, let why { log.record("package list not available: \(why)") }
        }

        // 11. summary.
        finish(status)
        printSummary(plan: plan, verification: verification, signing: signing, checkpoint: name, be: be)

        // 12. retention, after a successful, uninterrupted run only. An interrupt that comes
        // after the result was recorded skips only retention; the exit status stays that result.
        noteInterruption("after the result was recorded")
        if report.interrupted != nil {
            say("retention skipped: the run was interrupted")
        } else if status == .success || status == .warnings {
            retention(be: be, current: name)
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
}

