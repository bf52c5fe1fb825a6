import Foundation

/// Step 11 of a run: the summary and the way back. `UpgradeSummary.lines` is a pure function of
/// the run's outcome (tested against the output documented in Docs/KUPGRADE.md); the session
/// prints its lines.
extension Session {
    func printSummary(plan: UpgradePlan, verification: ModuleVerification, signing: SigningReport, checkpoint: String, be: String) {
        let lines = UpgradeSummary.lines(
            report: report, plan: plan, verification: verification, signing: signing, reboot: reboot,
            checkpoint: checkpoint, be: be, logPath: options.logPath)
        for l in lines {
            switch l {
            case .tagged(let text): say(text)
            case .plain(let text): line(text)
            }
        }
    }
}

/// The summary kupgrade prints at the end of an in-place run (Docs/KUPGRADE.md, "Output").
enum UpgradeSummary {
    /// One line: `tagged` is printed after `[kupgrade] `, `plain` as it is.
    enum Line: Sendable, Hashable {
        case tagged(String)
        case plain(String)

        var text: String {
            switch self {
            case .tagged(let t): return "[kupgrade] " + t
            case .plain(let t): return t
            }
        }
    }

    /// The summary's lines for the outcome of a run: what was upgraded, what needs a reboot,
    /// the modules and signatures, the warnings, and the way back (`report.rollbackCommand`,
    /// else `kbe activate CHECKPOINT && reboot`).
    static func lines(
        report: UpgradeReport, plan: UpgradePlan, verification: ModuleVerification, signing: SigningReport,
        reboot: RebootRequirement, checkpoint: String, be: String, logPath: String
    ) -> [Line] {
        var out: [Line] = []
        func say(_ text: String) { out.append(.tagged(text)) }
        func line(_ text: String) { out.append(.plain(text)) }
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
            return out
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
            line("  upgraded: 0 packages (interrupted; see \(logPath))")
        } else if report.transactionFailed {
            line("  upgraded: 0 packages (transaction failed; see \(logPath))")
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
        line("  checkpoint: \(checkpoint) (rollback available)")
        line("To roll back:")
        line("  \(rollback)")
        return out
    }
}
