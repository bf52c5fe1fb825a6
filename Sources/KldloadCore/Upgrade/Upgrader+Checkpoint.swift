import Foundation

/// Steps 6 and 12 of a run: the checkpoint (kbe's `createCheckpoint`), the result recorded on it,
/// and retention of kupgrade's checkpoints (`Checkpoints.retention`).
extension Session {
    /// Step 6, the checkpoint: kbe's one atomic `zfs snapshot` of the BE, its children and a split
    /// package-database dataset, with kupgrade's user properties; `-2`, `-3` if the name is taken.
    /// Returns the name it got and its snapshots; sets the report's checkpoint and rollback command.
    mutating func takeCheckpoint(_ base: String, beManager: BootEnvironmentManager, be: String, pkgdb: String?)
        throws(Stop) -> (name: String, snapshots: [String])
    {
        let commandText = options.commandLine.map(Command.quoteForDisplay).joined(separator: " ")
        let safeCommand = String(String.UnicodeScalarView(commandText.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(1000))
        say("taking checkpoint: \(base)")
        let created: KBEOutput
        do {
            created = try beManager.createCheckpoint(
                named: base,
                properties: [(Checkpoints.kupgradeVersionProperty, KldloadVersion.current), (Checkpoints.commandProperty, safeCommand)],
                uniquify: true)
        } catch {
            // zfs snapshot is atomic, but a signal can arrive after it took the snapshot.
            if let stop = stopIfInterrupted(
                "while taking the checkpoint \(be)@\(base)",
                then: "nothing was upgraded; if zfs snapshot had run, the checkpoint may exist (kbe list -s shows it)")
            {
                throw stop
            }
            // kbe's hint for a refusal zfs explained (out of space, a busy dataset) survives.
            throw refuse(.stepFailed(
                step: "zfs snapshot", error: error.message,
                hint: error.hint.map { $0.replacingOccurrences(of: PlanExecutor.retry, with: "run kupgrade again") }))
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
        say("checkpoint taken: \(snapshots.joined(separator: ", ")) (instant)")
        return (name, snapshots)
    }

    /// The run's result, recorded on the checkpoint (`org.kldload:result`, `packages`,
    /// `new-kernel`; a failure to record it is a warning).
    mutating func recordResult(on checkpoint: String, plan: UpgradePlan, verification: ModuleVerification,
                               signing: SigningReport, packageManagerRan: Bool, commands: Int) -> ExitStatus
    {
        let severity = max(verification.severity, signing.severity)
        // ZFS unusable for the next boot wins (it says "do not reboot"); then an interrupt.
        let status: ExitStatus =
            severity == .critical ? .criticalModuleFailure
            : report.interrupted != nil ? .interrupted
            : report.transactionFailed ? .transactionFailed
            : (severity == .warning || !report.warnings.isEmpty || verification.kernels.isEmpty) ? .warnings : .success
        let transactionDone = packageManagerRan && !report.transactionFailed
            && report.transaction.count == commands
        let upgraded = transactionDone ? plan.items.filter { $0.action != .remove }.count : 0
        let setProps = Command([
            "zfs", "set", "org.kldload:result=\(status.description)", "org.kldload:packages=\(upgraded)",
            "org.kldload:new-kernel=\(plan.newKernels.isEmpty ? "none" : plan.newKernels.joined(separator: ","))",
            checkpoint,
        ])
        if let r = try? exec(setProps, stream: false), r.status.isSuccess {} else {
            report.warnings.append("could not record the result on \(checkpoint)")
        }
        return status
    }

    /// Step 12: keep the newest `--keep` of kupgrade's checkpoints; destroy older ones with kbe's plan.
    mutating func retention(be: String, current: String) {
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
        guard !destroy.isEmpty else { return }
        // Each old checkpoint goes with kbe's own plan (`kbe destroy BE@NAME`, which
        // `kbe destroy --dry-run BE@NAME` prints): the BE's and its children's snapshots of that
        // name in one `zfs destroy [-r]` (all or nothing: zfs checks each for dependent clones
        // first), then the package-database dataset's and the paired datasets' snapshots of that
        // name. A failure stops that checkpoint with kbe's report: what was done, what was not,
        // and the hint for the refusal zfs gave.
        let log = self.log
        let destroyer = BootEnvironmentManager(
            context: context, options: KBEOptions(assumeYes: true), progress: { log.record($0) })
        for name in destroy {
            if let signal = interruption {
                report.interrupted = signal
                say("INTERRUPTED (\(signal)) during retention: no more checkpoints destroyed")
                break
            }
            let target = "\(be)@\(name)"
            do {
                let out = try destroyer.destroy(target, keepOrigin: false)
                let gone = out.report.destroyed ?? [target]
                result.destroyed += gone
                say("retention: destroyed \(gone.joined(separator: ", ")) (keeping the newest \(options.keep))")
                for w in out.warnings { say("retention: " + w.replacingOccurrences(of: "[kbe] ", with: "")) }
            } catch {
                result.error = "could not destroy \(target): \(error.message); hint: \(error.effectiveHint)"
                say("retention: could not destroy \(target): \(error.message)")
                for d in error.details { line("  " + d) }
                line("  hint: \(error.effectiveHint)")
                line("  (kupgrade's next successful run tries again; kbe destroy \(target) does it now)")
            }
        }
    }
}
