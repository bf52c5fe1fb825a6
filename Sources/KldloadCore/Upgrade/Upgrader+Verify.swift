import Foundation

/// Steps 9 and 10 of a run: the ZFS modules of every kernel (rebuilt with DKMS where needed)
/// and their Secure Boot signatures (`ModuleStep`).
extension Session {
    /// Skipped when the package manager did not run (interrupted before it: nothing changed the
    /// kernels or modules). `system` is the machine whose kernels are checked (the running one,
    /// or `--new-be`'s clone, rooted at its mountpoint).
    mutating func verifyModules(packageManagerRan: Bool, newKernels: [String], in system: SystemContext? = nil,
                                announceSkip: Bool = true) -> (ModuleVerification, SigningReport)
    {
        let sink: ProgressSink = { [log, progress = upgrader.progress] text in
            progress(text)
            // The log adds its own `[kupgrade]` tag; do not print it twice.
            log.record(text.hasPrefix("[kupgrade] ") ? String(text.dropFirst("[kupgrade] ".count)) : text)
        }
        // Interrupted before the package manager ran: nothing changed the kernels or modules.
        let verification: ModuleVerification
        var signing: SigningReport
        if packageManagerRan {
            (verification, signing) = upgrader.moduleStep.run(system ?? context, sink, newKernels)
            noteDKMSSigningKey(&signing, verification: verification, sink: sink)
            report.modules = verification
            report.signing = signing
        } else {
            if announceSkip { say("skipping module verification: the package manager did not run") }
            (verification, signing) = (ModuleVerification(), SigningReport(secureBoot: "not checked", enforcing: false))
        }
        noteInterruption("during module verification")
        return (verification, signing)
    }
}
