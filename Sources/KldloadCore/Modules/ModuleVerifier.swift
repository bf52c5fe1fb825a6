import Foundation

/// Step 9 of kupgrade: are the ZFS modules there, and built for the right kernel, for every
/// installed kernel? Rebuilds with DKMS where that is how ZFS is delivered, and classifies.
///
/// ```swift
/// let verifier = ModuleVerifier(context: context, progress: log)
/// let result = verifier.verify(nextBoot: NextBootKernel.select(from: releases), rebuild: !dryRun)
/// if result.severity == .critical { /* DO NOT REBOOT */ }
/// ```
///
/// What it does, in order (Docs/MODULES.md has the details):
/// 1. Kernels are the directories under `/lib/modules` with a kernel image (`KernelScanner`); the
///    others are reported as `ignored: /lib/modules/X has no kernel image` and never checked.
/// 2. `dkms status` once, when dkms is installed (`/usr/sbin/dkms`, `/usr/bin/dkms`, `/sbin/dkms`).
/// 3. For each kernel, `zfs` and `spl` are looked up in every layout (`updates/dkms`, `updates`,
///    `extra`, `extra/zfs`, `extramodules`, `kernel/zfs`, `weak-updates`; `.ko`, `.ko.xz`, `.ko.zst`,
///    `.ko.gz`); the file modprobe would load must have a vermagic (`modinfo -F vermagic FILE`,
///    first word) naming that kernel. A `weak-updates/` kABI symlink names its build kernel, which
///    is expected.
/// 4. When ZFS comes from DKMS and is missing or stale for a kernel, or another DKMS module that is
///    installed for some kernel is missing for this one: `dkms autoinstall -k KERNEL`, streamed to
///    `progress`, then the files are checked again.
/// 5. Classify: ZFS unusable for the kernel that boots next = critical; for another kernel =
///    warning; another DKMS module failing = warning; `BUILD_EXCLUSIVE` = skipped (ok).
///
/// Never throws: every failure becomes a finding in the report.
package struct ModuleVerifier: Sendable {
    public let context: SystemContext
    public let progress: ProgressSink

    /// The modules that make ZFS work. (OpenZFS builds both; the check tolerates a missing `spl`
    /// only when `zfs` itself does not depend on it.)
    public static let zfsModules = ["zfs", "spl"]
    static let dkmsPaths = ["/usr/sbin/dkms", "/usr/bin/dkms", "/sbin/dkms", "/bin/dkms", "/usr/local/sbin/dkms"]

    public init(context: SystemContext, progress: @escaping ProgressSink) {
        self.context = context
        self.progress = progress
    }

    /// - Parameters:
    ///   - nextBoot: the kernel that boots next (`NextBootKernel.select`); `nil` = the newest installed kernel.
    ///   - rebuild: run `dkms autoinstall -k` for kernels missing modules (false for `--dry-run`:
    ///     the command is printed instead).
    ///   - newKernels: kernels this upgrade installed; their modules print `OK` rather than
    ///     `OK (pre-existing)`.
    public func verify(nextBoot: KernelRelease?, rebuild: Bool, newKernels: Set<KernelRelease> = []) -> ModuleVerification {
        // The seeds' wording where DKMS is installed; kmod-zfs, zfs-linux and built-in systems have
        // no DKMS to speak of.
        let hasDKMS = Self.dkmsPaths.contains { context.files.exists($0) }
        progress(hasDKMS ? "[kupgrade] verifying ZFS DKMS modules..." : "[kupgrade] verifying ZFS modules...")
        var report = ModuleVerification()
        let inventory = KernelScanner(fileSystem: context.files).scan()
        for dir in inventory.leftovers {
            report.ignoredDirectories.append(dir)
            progress("ignored: \(dir) has no kernel image")
        }
        guard !inventory.kernels.isEmpty else {
            report.findings.append(ModuleFinding(severity: .critical,
                message: "no installed kernel found (no /lib/modules/<release> with a kernel image): DO NOT REBOOT until a kernel is installed"))
            progress("ERROR: no installed kernel found under /lib/modules")
            return report
        }
        let releases = inventory.kernels.map(\.release)
        guard let newest = releases.max() else { return report }
        let bootRelease = nextBoot.flatMap { r in releases.contains(r) ? r : nil } ?? newest
        if let nextBoot, !releases.contains(nextBoot) {
            report.findings.append(ModuleFinding(severity: .critical, kernel: nextBoot.string,
                message: "the kernel that boots next, \(nextBoot), is not installed (no image or no /lib/modules/\(nextBoot)): DO NOT REBOOT"))
            progress("ERROR: kernel \(nextBoot) boots next but is not installed")
        }
        report.nextBootKernel = (nextBoot ?? bootRelease).string

        // dkms status, once.
        report.dkmsPresent = hasDKMS
        var dkms = DKMSStatus()
        if report.dkmsPresent {
            do {
                let answer = try context.ask(.dkmsStatus)
                let result = answer.result
                dkms = (try? answer.value()) ?? DKMSStatus(warnings: [result.stdout])
                report.dkmsWarnings = dkms.warnings
                if !result.status.isSuccess {
                    report.findings.append(ModuleFinding(severity: .warning,
                        message: "`dkms status` failed (\(result.status)); DKMS state unknown"))
                }
            } catch {
                report.findings.append(ModuleFinding(severity: .warning, message: "could not run `dkms status`: \(error)"))
            }
        }
        let zfsFromDKMS = !dkms.modules(named: "zfs").isEmpty
        let arch = dkms.modules.compactMap(\.arch).first

        // Newest first, as the seeds print them.
        for kernel in inventory.kernels.sorted(by: { $0.release > $1.release }) {
            let k = check(kernel: kernel, bootsNext: kernel.release == bootRelease, dkms: dkms, zfsFromDKMS: zfsFromDKMS,
                          arch: arch, rebuild: rebuild, isNew: newKernels.contains(kernel.release), findings: &report.findings)
            report.kernels.append(k)
        }
        return report
    }

    // MARK: - One kernel

    private func check(kernel: Kernel, bootsNext: Bool, dkms: DKMSStatus, zfsFromDKMS: Bool, arch: String?,
                       rebuild: Bool, isNew: Bool, findings: inout [ModuleFinding]) -> KernelModuleReport {
        let kver = kernel.release.string
        var report = KernelModuleReport(kernel: kver, bootsNext: bootsNext, zfs: checkZFS(kernel, dkms: dkms))

        // Other DKMS modules that are installed for some kernel but not for this one.
        var otherMissing: [DKMSModule] = []
        var skipped: [DKMSBuildOutcome] = []
        var unbuilt: [DKMSModule] = []
        for name in orderedNames(dkms.modules) where !Self.zfsModules.contains(name) {
            let lines = dkms.modules(named: name)
            guard lines.contains(where: { $0.state.isInstalled }) else {
                // Installed for no kernel at all, but registered (`added`), built for this kernel
                // and not installed, or `broken`: typically a package whose postinst build failed
                // inside the transaction (dkms removed the old version first), so the driver it
                // provides is gone. Not rebuilt here (the same build just failed); named as a
                // warning so the summary says which driver will be missing.
                if let found = lines.last(where: { m in
                    switch m.state {
                    case .added, .broken: return true
                    case .built: return m.kernel == kver
                    default: return false
                    }
                }), exclusionReason(module: name, version: found.version, kernel: kver, arch: arch) == nil {
                    unbuilt.append(found)
                }
                continue
            }
            if lines.contains(where: { $0.kernel == kver && $0.state.isInstalled }) { continue }
            guard let latest = lines.max(by: { KernelRelease($0.version) < KernelRelease($1.version) }) else { continue }
            if let reason = exclusionReason(module: name, version: latest.version, kernel: kver, arch: arch) {
                skipped.append(DKMSBuildOutcome(module: name, version: latest.version, kernel: kver, result: .skipped, detail: reason))
            } else {
                otherMissing.append(latest)
            }
        }
        for s in skipped {
            findings.append(ModuleFinding(severity: .ok, kernel: kver, module: s.module,
                message: "\(s.module) skipped for kernel \(kver): \(s.detail ?? "BUILD_EXCLUSIVE")"))
            progress("kernel \(kver) ... \(s.module) skipped (\(s.detail ?? "BUILD_EXCLUSIVE"))")
        }
        report.dkms = skipped

        let zfsBroken = !report.zfsUsable
        let zfsRebuildable = zfsBroken && zfsFromDKMS && !report.zfs.contains { $0.delivery == .builtIn && $0.state.isUsable }
        if zfsRebuildable || !otherMissing.isEmpty {
            let what = zfsRebuildable ? "zfs" : otherMissing.map(\.name).joined(separator: ", ")
            let command = Command(["dkms", "autoinstall", "-k", kver])
            if rebuild {
                progress("kernel \(kver) ... building \(what) DKMS module")
                report.rebuildAttempted = true
                var outcome = runAutoinstall(command, kernel: kver)
                // dkms names no module when it stops before building (no kernel headers): every
                // module it was run for and did not mention failed, for the reason it gave.
                if !outcome.status.isSuccess {
                    let named = Set(outcome.outcomes.map(\.module))
                    for m in otherMissing where !named.contains(m.name) {
                        outcome.outcomes.append(DKMSBuildOutcome(module: m.name, version: m.version, kernel: kver, result: .failed,
                            detail: outcome.headersMissing ?? "not installed after `\(command)` (\(outcome.status))"))
                    }
                }
                if !outcome.status.isSuccess, zfsRebuildable, let headers = outcome.headersMissing,
                   !outcome.outcomes.contains(where: { Self.zfsModules.contains($0.module) }) {
                    outcome.outcomes.append(DKMSBuildOutcome(module: "zfs", kernel: kver, result: .failed, detail: headers))
                }
                if !outcome.status.isSuccess && !outcome.outcomes.contains(where: { $0.result != .installed })
                    && !outcome.anonymousBuildExclusive {
                    outcome.outcomes.append(DKMSBuildOutcome(module: "dkms", kernel: kver, result: .failed,
                        detail: outcome.headersMissing ?? "\(command) failed (\(outcome.status))"))
                }
                report.dkms += outcome.outcomes
                report.dkmsSigningKey = outcome.signingKey
                if zfsRebuildable {
                    let before = report.zfs
                    report.zfs = checkZFS(rescan(kernel), dkms: dkms).map { c in
                        var c = c
                        let old = before.first { $0.module == c.module }
                        c.rebuilt = c.state.isUsable && (old.map { !$0.state.isUsable || $0.path != c.path } ?? true)
                        return c
                    }
                }
            } else {
                progress("kernel \(kver) ... \(what) DKMS module missing; would run: \(command)")
            }
        }

        // ZFS verdict.
        printZFSLine(report, isNew: isNew)
        if !report.zfsUsable {
            let severity: ModuleSeverity = bootsNext ? .critical : .warning
            let zfsFailures = report.dkms.filter { Self.zfsModules.contains($0.module) && $0.result == .failed }
            // dkms stopped before building (no kernel headers): there is no build log to read.
            let headersMissing = zfsFailures.compactMap(\.detail).first { $0.contains("kernel headers for kernel") }
            var logs = zfsFailures.compactMap(\.buildLog)
            if logs.isEmpty && report.rebuildAttempted && headersMissing == nil,
               let version = dkms.modules(named: "zfs").max(by: { KernelRelease($0.version) < KernelRelease($1.version) })?.version {
                logs = ["/var/lib/dkms/zfs/\(version)/build/make.log"]
            }
            let awaitingInitramfs = bootsNext && awaitsInitramfs(kver)  // one look at /boot per kernel
            for c in report.zfs where !c.state.isUsable {
                findings.append(ModuleFinding(severity: severity, kernel: kver, module: c.module,
                    message: zfsMessage(c, kernel: kver, bootsNext: bootsNext, rebuildAttempted: report.rebuildAttempted,
                                        awaitingInitramfs: awaitingInitramfs, headersMissing: headersMissing),
                    buildLog: logs.first))
            }
            if report.rebuildAttempted && zfsRebuildable {
                progress("ERROR: DKMS build failed for kernel \(kver)")
                for log in logs { progress("build log: \(log)") }
            }
        } else if report.rebuildAttempted && zfsRebuildable {
            progress("DKMS: build completed.")
        }

        // Other DKMS modules: warnings, never critical.
        for o in report.dkms where !Self.zfsModules.contains(o.module) && o.result != .installed {
            if o.result == .skipped {
                if !skipped.contains(where: { $0.module == o.module }) {
                    findings.append(ModuleFinding(severity: .ok, kernel: kver, module: o.module,
                        message: "\(o.module) skipped for kernel \(kver): \(o.detail ?? "BUILD_EXCLUSIVE")"))
                    progress("kernel \(kver) ... \(o.module) skipped (\(o.detail ?? "the module does not support this kernel"))")
                }
                continue
            }
            findings.append(ModuleFinding(severity: .warning, kernel: kver, module: o.module,
                message: "DKMS module \(o.module)\(o.version.map { " \($0)" } ?? "") failed to build for kernel \(kver)"
                    + (o.detail.map { ": \($0)" } ?? "") + " (not ZFS: the system boots, that driver will be missing)",
                buildLog: o.buildLog))
            progress("WARNING: DKMS module \(o.module) failed to build for kernel \(kver)")
            if let log = o.buildLog { progress("build log: \(log)") }
        }
        // Those that a rebuild above already reported (failed or skipped) are not named twice.
        for m in unbuilt where !report.dkms.contains(where: { $0.module == m.name }) {
            let log = "/var/lib/dkms/\(m.name)/\(m.version)/build/make.log"
            findings.append(ModuleFinding(severity: .warning, kernel: kver, module: m.name,
                message: "DKMS module \(m.name) \(m.version) is not installed for kernel \(kver) (dkms status: \(m.state))"
                    + " (not ZFS: the system boots, that driver will be missing); after fixing it: dkms autoinstall -k \(kver)",
                buildLog: context.files.exists(log) ? log : nil))
            progress("WARNING: DKMS module \(m.name) \(m.version) is not installed for kernel \(kver) (dkms status: \(m.state))")
        }
        // Other modules still missing without a rebuild (dry run).
        if !report.rebuildAttempted {
            for m in otherMissing {
                findings.append(ModuleFinding(severity: .warning, kernel: kver, module: m.name,
                    message: "DKMS module \(m.name) \(m.version) is not installed for kernel \(kver); run `dkms autoinstall -k \(kver)`"))
            }
        }

        report.severity = ([report.zfsUsable ? .ok : (bootsNext ? .critical : .warning), unbuilt.isEmpty ? .ok : .warning]
            + report.dkms.map { o -> ModuleSeverity in o.result == .failed && !Self.zfsModules.contains(o.module) ? .warning : .ok }).max() ?? .ok
        return report
    }

    /// Debian/Ubuntu (`/boot/initrd.img-<release>`): true when this kernel has no initramfs while
    /// another installed kernel has one — the state dpkg leaves when a DKMS build stops the kernel's
    /// postinst before the initramfs hook. ZFSBootMenu skips a kernel without an initramfs, so the
    /// next boot is briefly the older kernel; the first `update-initramfs` (also run by
    /// `dpkg --configure -a`) makes this kernel boot next. Other layouts: false (not known).
    func awaitsInitramfs(_ kernel: String) -> Bool {
        guard !context.files.exists("/boot/initrd.img-\(kernel)"),
              let names = try? context.files.list("/boot") else { return false }
        return names.contains { $0.hasPrefix("initrd.img-") }
    }

    private func zfsMessage(_ c: ZFSModuleCheck, kernel: String, bootsNext: Bool, rebuildAttempted: Bool,
                            awaitingInitramfs: Bool = false, headersMissing: String? = nil) -> String {
        let what: String
        switch c.state {
        case .missing: what = "ZFS module \(c.module) is missing for kernel \(kernel)"
        case .vermagicMismatch(let found):
            what = "ZFS module \(c.path ?? c.module) was built for kernel \(found), not \(kernel)"
        case .unreadable(let reason): what = "ZFS module \(c.path ?? c.module) cannot be read: \(reason)"
        case .ok, .okWeakUpdates: what = "ZFS module \(c.module) is fine"
        }
        let rebuilt = rebuildAttempted ? " even after `dkms autoinstall -k \(kernel)`" : ""
        let fix: String
        switch c.delivery {
        case .kmod?, .kmodWeakUpdates?: fix = " Install the kmod-zfs built for this kernel (or a kernel kmod-zfs supports)."
        case .prebuilt?: fix = " Install the zfs-linux package built for this kernel, or keep the kernel held back."
        case .builtIn?: fix = " Reinstall this kernel's modules package (linux-modules-\(kernel))."
        case .dkms?, nil:
            if let headersMissing {
                fix = " dkms says: \(headersMissing) Then run `dkms autoinstall -k \(kernel)` again."
            } else {
                fix = rebuildAttempted ? " Read the build log, then run `dkms autoinstall -k \(kernel)` again." : " Run `dkms autoinstall -k \(kernel)`, or install the ZFS module package for this kernel."
            }
        }
        if bootsNext && awaitingInitramfs {
            return what + rebuilt + ". Kernel \(kernel) is the newest kernel; it has no initramfs yet, so ZFSBootMenu skips it for now,"
                + " but the first `update-initramfs` (also run by `dpkg --configure -a` or the next package upgrade) makes it boot next,"
                + " and it could not import the pool: DO NOT REBOOT or finish configuring packages until this is resolved." + fix
        }
        if bootsNext {
            return what + rebuilt + ". Kernel \(kernel) boots next and could not import the pool: DO NOT REBOOT until this is resolved." + fix
        }
        return what + rebuilt + ". That kernel does not boot next, so the next boot is not affected; do not select it in ZFSBootMenu." + fix
    }

    private func printZFSLine(_ report: KernelModuleReport, isNew: Bool) {
        let kver = report.kernel
        guard let zfs = report.zfs.first(where: { $0.module == "zfs" }) else { return }
        let bad = report.zfs.filter { !$0.state.isUsable }
        if bad.isEmpty {
            var note = ""
            if case .okWeakUpdates(let build) = zfs.state { note = " (kABI weak-updates, built for \(build))" }
            else if zfs.delivery == .builtIn { note = " (built-in)" }
            else if !zfs.rebuilt && !isNew && !report.rebuildAttempted { note = " (pre-existing)" }
            // The file as installed (`zfs.ko.xz`, `zfs.ko.zst`), as the seeds print `zfs.ko`.
            let file = zfs.path.map { ($0 as NSString).lastPathComponent } ?? "zfs.ko"
            progress("kernel \(kver) ... \(file) OK\(note)")
            return
        }
        for c in bad {
            switch c.state {
            case .missing: progress("kernel \(kver) ... \(c.module).ko MISSING")
            case .vermagicMismatch(let found): progress("kernel \(kver) ... \(c.module).ko built for \(found) (vermagic mismatch): \(c.path ?? "")")
            case .unreadable(let reason): progress("kernel \(kver) ... \(c.module).ko unreadable: \(reason)")
            case .ok, .okWeakUpdates: break
            }
        }
    }

    // MARK: - Files

    /// depmod's search order: `updates` (DKMS), `extra`, `extramodules`, built-in, `weak-updates`.
    static func loadPriority(_ layout: ModuleLayout) -> Int {
        switch layout {
        case .dkms: return 0
        case .updates: return 1
        case .extra: return 2
        case .extramodules: return 3
        case .builtIn: return 4
        case .weakUpdates: return 5
        case .other: return 6
        }
    }

    private func rescan(_ kernel: Kernel) -> Kernel {
        var k = kernel
        k.modules = KernelScanner(fileSystem: context.files).moduleFiles(in: kernel.modulesDirectory)
        return k
    }

    func checkZFS(_ kernel: Kernel, dkms: DKMSStatus) -> [ZFSModuleCheck] {
        let kver = kernel.release.string
        var checks: [ZFSModuleCheck] = []
        for name in Self.zfsModules {
            let candidates = kernel.modules(named: name).sorted {
                (Self.loadPriority($0.layout), $0.path) < (Self.loadPriority($1.layout), $1.path)
            }
            guard let file = candidates.first else {
                checks.append(ZFSModuleCheck(module: name, state: .missing))
                continue
            }
            let delivery = self.delivery(of: file, kernel: kver, dkms: dkms)
            var check = ZFSModuleCheck(module: name, path: file.path, delivery: delivery, state: .missing)
            if !context.files.exists(file.path) {
                check.state = .unreadable(reason: "dangling symlink (its target was removed)")
                checks.append(check)
                continue
            }
            switch vermagic(of: file.path) {
            case .success(let release):
                check.vermagicRelease = release
                if release == kver {
                    check.state = .ok
                } else if file.layout == .weakUpdates {
                    check.state = .okWeakUpdates(buildKernel: release)
                } else {
                    check.state = .vermagicMismatch(found: release)
                }
            case .failure(let reason):
                check.state = .unreadable(reason: reason)
            }
            checks.append(check)
        }
        // OpenZFS that ships a single module: no spl file at all, and zfs does not depend on it.
        if let spl = checks.firstIndex(where: { $0.module == "spl" }), checks[spl].state == .missing,
           let zfs = checks.first(where: { $0.module == "zfs" }), zfs.state.isUsable, let path = zfs.path,
           let deps = try? context.run(.moduleField("depends", of: path)),
           !deps.split(whereSeparator: { $0 == "," || $0.isWhitespace }).contains("spl") {
            checks.remove(at: spl)
        }
        return checks
    }

    private func delivery(of file: KernelModuleFile, kernel: String, dkms: DKMSStatus) -> ModuleDelivery {
        switch file.layout {
        case .dkms: return .dkms
        case .weakUpdates: return .kmodWeakUpdates
        case .builtIn: return .builtIn
        case .extramodules: return .prebuilt
        case .updates, .extra, .other:
            if dkms.modules(named: file.module).contains(where: { $0.kernel == kernel && $0.state.isInstalled })
                || dkms.modules(named: "zfs").contains(where: { $0.kernel == kernel && $0.state.isInstalled }) {
                return .dkms
            }
            return context.files.isDirectory("/var/lib/pacman/local") ? .prebuilt : .kmod
        }
    }

    private enum VermagicResult { case success(String), failure(String) }

    private func vermagic(of path: String) -> VermagicResult {
        do {
            let answer = try context.ask(.vermagic(of: path))
            let r = answer.result
            guard r.status.isSuccess else {
                let why = r.stderr.split(separator: "\n").last.map(String.init) ?? "\(r.status)"
                return .failure("modinfo failed: \(why)")
            }
            do {
                return .success(try answer.value().release.string)
            } catch {
                return .failure(error.description)
            }
        } catch {
            return .failure("\(error)")
        }
    }

    // MARK: - DKMS

    private func orderedNames(_ modules: [DKMSModule]) -> [String] {
        var seen = Set<String>()
        return modules.map(\.name).filter { seen.insert($0).inserted }
    }

    private func exclusionReason(module: String, version: String, kernel: String, arch: String?) -> String? {
        guard let conf = context.files.textIfPresent("/var/lib/dkms/\(module)/\(version)/source/dkms.conf") else { return nil }
        return DKMSBuildExclusive.parse(dkmsConf: conf).exclusionReason(kernel: kernel, arch: arch)
    }

    /// What one `dkms autoinstall -k` run said: the parsed outcomes, its exit status.
    private struct AutoinstallRun {
        var outcomes: [DKMSBuildOutcome]
        var status: TerminationStatus
        var anonymousBuildExclusive: Bool
        var headersMissing: String?
        var signingKey: DKMSSigningOutput.Event? = nil
    }

    private func runAutoinstall(_ command: Command, kernel: String) -> AutoinstallRun {
        let progress = self.progress
        let result: CommandResult
        do {
            result = try context.runner.run(command, options: RunOptions(sink: { _, line in progress(line) }))
        } catch {
            return AutoinstallRun(outcomes: [DKMSBuildOutcome(module: "zfs", kernel: kernel, result: .failed,
                                                              detail: "could not run \(command): \(error)")],
                                  status: .exited(127), anonymousBuildExclusive: false, headersMissing: nil)
        }
        let text = result.stdout + "\n" + result.stderr
        let parsed = DKMSAutoinstallOutput.parse(text, kernel: kernel)
        return AutoinstallRun(outcomes: parsed.outcomes, status: result.status,
                              anonymousBuildExclusive: parsed.anonymousBuildExclusive, headersMissing: parsed.headersMissing,
                              signingKey: DKMSSigningOutput.scan(text))
    }
}
