import Foundation

/// Steps 7 and 8 of a run: the package transaction and autoremove, and what dkms said about
/// its signing key in them.
extension Session {
    /// A key dkms made during this run (in the transaction or kupgrade's own rebuild) is not
    /// enrolled yet: under Secure Boot the modules signed with it will not load (`SigningReport.note`).
    func noteDKMSSigningKey(_ signing: inout SigningReport, verification: ModuleVerification, sink: ProgressSink) {
        let event = DKMSSigningOutput.combine(dkmsSigningKeyEvents + verification.kernels.map(\.dkmsSigningKey))
        let known = signing.problems.count
        signing.note(event, nextBoot: verification.nextBootKernel)
        for p in signing.problems.dropFirst(known) { sink("[kupgrade] WARNING: \(p)") }
    }

    /// Step 7: the transaction commands in order, each through `wrap` (out-of-place runs put
    /// them inside the new BE). Stops at the first failure or interrupt; returns whether the
    /// package manager ran. The exit status decides failure; error lines of a command that
    /// exited 0 are warnings.
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
}
