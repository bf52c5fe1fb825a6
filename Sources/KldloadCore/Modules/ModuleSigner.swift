import Foundation

/// Step 10 of kupgrade: under enforcing Secure Boot, every zfs/spl module of every kernel must be
/// signed, or the kernel refuses to load it and the next boot has no root pool.
///
/// ```swift
/// let report = ModuleSigner(context: context, progress: log, dryRun: false).signModules(nextBoot: next)
/// ```
///
/// - Secure Boot state from efivars (`SecureBoot-8be4df61-…` = 1 and `SetupMode-8be4df61-…` = 0
///   is enforcing; a `MokSBStateRT` variable means shim validation is off), else
///   `mokutil --sb-state`. Not enforcing: prints
///   `[kupgrade] Secure Boot: not active, skipping module signing` and does nothing else.
/// - Enforcing: for each module (zfs, spl and, before OpenZFS 2.2, the modules zfs.ko depends
///   on: `signedModuleNames`), `modinfo -F signer FILE` then `modinfo -F sig_id FILE`; a module
///   with neither is unsigned and is re-signed with the DKMS MOK key (`/var/lib/dkms/mok.key` +
///   `/var/lib/dkms/mok.pub`, or `mok_signing_key` / `mok_certificate` / `sign_file` from
///   `/etc/dkms/framework.conf` and `framework.conf.d/*.conf`) and the kernel's `scripts/sign-file`.
///   The work happens on a copy in `/run/kupgrade-sign/` (decompressed with
///   `xz`/`zstd`/`gzip -d -k -f`, signed, recompressed as the kernel's `modules_install` does:
///   `xz --check=crc32 --lzma2=dict=1MiB`, `zstd`, `gzip -n -9`), which then replaces the module
///   atomically; `modinfo -F signer` on the module verifies it, and the original bytes are put
///   back if it does not.
/// - After re-signing a kernel's modules its initramfs is rebuilt (`update-initramfs -u -k KVER`,
///   `dracut -f --kver KVER` or `mkinitcpio -P`, whichever is installed): the initramfs carries
///   its own copy of zfs.ko, and that copy is what imports the root pool.
/// - `weak-updates/` entries are symlinks to another kernel's module and are checked there.
/// - `dryRun`: prints the commands, changes nothing.
package struct ModuleSigner: Sendable {
    public let context: SystemContext
    public let progress: ProgressSink
    public let dryRun: Bool

    /// Every module of an OpenZFS build that must be signed for zfs to load: zfs and spl, and
    /// before OpenZFS 2.2 (Debian 12's 2.1.11, Ubuntu 22.04) the modules zfs.ko depends on
    /// (`modinfo -F depends zfs.ko`: spl, znvpair, zcommon, zunicode, zzstd, icp, zavl, zlua),
    /// which 2.2 merged into zfs.ko. Under Secure Boot the kernel refuses any unsigned one, and
    /// with it zfs. (Found in the e2e VM: re-signing only zfs/spl left seven unsigned.)
    public static let signedModuleNames = ["zfs", "spl", "icp", "zavl", "zcommon", "zlua", "znvpair", "zunicode", "zzstd"]

    public static let defaultKey = "/var/lib/dkms/mok.key"
    public static let defaultCertificate = "/var/lib/dkms/mok.pub"
    static let mokSBStateRT = "/sys/firmware/efi/efivars/MokSBStateRT-605dab50-e046-4300-abb6-3dd810dd8b23"

    public init(context: SystemContext, progress: @escaping ProgressSink, dryRun: Bool = false) {
        self.context = context
        self.progress = progress
        self.dryRun = dryRun
    }

    /// - Parameter nextBoot: the kernel that boots next: an unsigned module left for it is
    ///   critical, for another kernel a warning. `nil` = the newest installed kernel.
    public func signModules(nextBoot: KernelRelease? = nil) -> SigningReport {
        let (state, stateText) = secureBootState()
        guard let state, state.isEnforcing else {
            progress("[kupgrade] Secure Boot: not active, skipping module signing")
            return SigningReport(secureBoot: stateText, enforcing: false)
        }
        progress("[kupgrade] Secure Boot: enforcing (\(state.source.rawValue)), checking ZFS module signatures...")
        var report = SigningReport(secureBoot: stateText, enforcing: true)

        let inventory = KernelScanner(fileSystem: context.files, moduleNames: Self.signedModuleNames).scan()
        let boot = nextBoot ?? inventory.kernels.map(\.release).max()
        let settings = signingSettings()
        var keyChecked = false
        var keyProblem: SigningProblem?
        var tempDirectory: String?
        defer { if let t = tempDirectory, !dryRun { try? context.files.remove(t) } }

        for kernel in inventory.kernels.sorted(by: { $0.release > $1.release }) {
            let kver = kernel.release.string
            let severityIfFailed: ModuleSeverity = kernel.release == boot ? .critical : .warning
            for file in kernel.modules where file.layout != .weakUpdates {
                let name = (file.path as NSString).lastPathComponent
                if let signer = signature(of: file.path) {
                    progress("kernel \(kver) ... \(name) signed (\(signer))")
                    report.modules.append(SignedModule(kernel: kver, path: file.path, outcome: .alreadySigned(signer: signer)))
                    continue
                }
                // Unsigned: find the key (once) and this kernel's sign-file.
                if !keyChecked {
                    keyChecked = true
                    if !settings.key.hasPrefix("pkcs11:") && (!context.files.exists(settings.key) || !context.files.exists(settings.certificate)) {
                        let problem = SigningProblem.missingKey(key: settings.key, certificate: settings.certificate)
                        keyProblem = problem
                        report.problems.append(problem)
                        progress("ERROR: \(problem)")
                    }
                }
                if keyProblem != nil {
                    report.modules.append(SignedModule(kernel: kver, path: file.path, outcome: .failed(reason: "unsigned; no signing key")))
                    progress("kernel \(kver) ... \(name) UNSIGNED (no signing key)")
                    report.severity = max(report.severity, severityIfFailed)
                    continue
                }
                let searched = signFileCandidates(kernel: kver, configured: settings.signFile)
                guard let signFile = searched.first(where: { context.files.exists($0) }) else {
                    let problem = SigningProblem.missingSignFile(kernel: kver, searched: searched)
                    if !report.problems.contains(problem) {
                        report.problems.append(problem)
                        progress("ERROR: \(problem)")
                    }
                    report.modules.append(SignedModule(kernel: kver, path: file.path, outcome: .failed(reason: "unsigned; no sign-file for \(kver)")))
                    report.severity = max(report.severity, severityIfFailed)
                    continue
                }
                let temp = tempDirectory ?? makeTempDirectory()
                tempDirectory = temp
                let result = resign(file: file, kernel: kernel, signFile: signFile, hash: signatureHash(kernel: kver),
                                    key: settings.key, certificate: settings.certificate, temp: temp)
                if case .failed = result.outcome { report.severity = max(report.severity, severityIfFailed) }
                report.modules.append(result)
            }
            // The initramfs carries its own copy of zfs.ko: rebuild it so the next boot loads the signed one.
            let changed = report.modules.contains { m in
                guard m.kernel == kver else { return false }
                switch m.outcome {
                case .resigned, .wouldResign: return true
                case .alreadySigned, .failed: return false
                }
            }
            if changed, let argv = initramfsCommand(kernel: kver, alreadyRun: report.initramfsCommands) {
                report.initramfsCommands.append(argv)
                if dryRun {
                    progress("  " + Command(argv).description)
                } else if let failure = runInitramfs(argv) {
                    progress("ERROR: \(failure): the initramfs of \(kver) still holds the unsigned ZFS modules")
                    report.severity = max(report.severity, severityIfFailed)
                }
            }
        }
        return report
    }

    /// The distribution's initramfs tool for one kernel, by which one is installed. `mkinitcpio -P`
    /// rebuilds every preset, so it runs once.
    func initramfsCommand(kernel: String, alreadyRun: [[String]]) -> [String]? {
        let files = context.files
        if ["/usr/sbin/update-initramfs", "/sbin/update-initramfs"].contains(where: files.exists) {
            return ["update-initramfs", "-u", "-k", kernel]
        }
        if ["/usr/bin/dracut", "/usr/sbin/dracut", "/sbin/dracut"].contains(where: files.exists) {
            return ["dracut", "-f", "--kver", kernel]
        }
        if ["/usr/bin/mkinitcpio", "/usr/sbin/mkinitcpio"].contains(where: files.exists) {
            return alreadyRun.contains(["mkinitcpio", "-P"]) ? nil : ["mkinitcpio", "-P"]
        }
        return nil
    }

    private func runInitramfs(_ argv: [String]) -> String? {
        let progress = self.progress
        do {
            let r = try context.runner.run(Command(argv), options: RunOptions(sink: { _, line in progress(line) }))
            return r.status.isSuccess ? nil : "\(Command(argv)) failed (\(r.status))"
        } catch {
            return "\(error)"
        }
    }

    // MARK: - Secure Boot state

    /// efivars first (no subprocess), `mokutil --sb-state` when the variables are not readable.
    func secureBootState() -> (SecureBootState?, String) {
        let files = context.files
        if files.exists(SecureBootParser.secureBootVariable) {
            do {
                var state = try SecureBootParser.read(from: files)
                if let data = try? files.contents(of: Self.mokSBStateRT), [UInt8](data).count >= 5, [UInt8](data)[4] == 1 {
                    state.shimValidationDisabled = true
                }
                return (state, Self.describe(state))
            } catch {
                // Unreadable variable: fall through to mokutil.
            }
        }
        do {
            let state = try context.ask(.secureBootState).value()
            return (state, Self.describe(state))
        } catch let error as ParseError {
            return (nil, "unknown: \(error.description)")
        } catch {
            if files.isDirectory("/sys/firmware/efi") {
                return (nil, "unknown: efivars unreadable and mokutil unavailable (\(error))")
            }
            let state = SecureBootState(mode: .unsupported, source: .efivars)
            return (state, Self.describe(state))
        }
    }

    static func describe(_ s: SecureBootState) -> String {
        let source = s.source == .efivars ? "efivars" : "mokutil --sb-state"
        switch s.mode {
        case .enabled: return s.shimValidationDisabled ? "enabled, shim validation disabled (\(source))" : "enforcing (\(source))"
        case .disabled: return "disabled (\(source))"
        case .setupMode: return "setup mode (\(source))"
        case .unsupported: return "not supported: no EFI Secure Boot (\(source))"
        }
    }

    // MARK: - Signatures

    /// The signer (or `sig_id` when the signer is empty), nil when the module carries no signature.
    private func signature(of path: String) -> String? {
        for field in ["signer", "sig_id"] {
            if let v = try? context.run(.moduleField(field, of: path)) {
                if !v.isEmpty { return field == "signer" ? v : "sig_id \(v)" }
            }
        }
        return nil
    }

    struct Settings { var key: String; var certificate: String; var signFile: String? }

    /// dkms' own precedence: `/etc/dkms/framework.conf`, then `framework.conf.d/*.conf` (later wins).
    /// Without a configured key, dkms (3.0.10 and 3.2.2, `prepare_mok`) signs on Ubuntu with
    /// shim-signed's pair (`/var/lib/shim-signed/mok/MOK.priv`, `MOK.der`; both set), elsewhere
    /// with `/var/lib/dkms/mok.key` and `mok.pub`.
    func signingSettings() -> Settings {
        var configuredKey: String?
        var configuredCertificate: String?
        var signFile: String?
        var confs = ["/etc/dkms/framework.conf"]
        if let d = try? context.files.list("/etc/dkms/framework.conf.d") {
            confs += d.filter { $0.hasSuffix(".conf") }.map { "/etc/dkms/framework.conf.d/" + $0 }
        }
        for path in confs {
            guard let text = context.files.textIfPresent(path) else { continue }
            for raw in text.split(whereSeparator: { $0 == "\n" }) {
                let line = raw.trimmingCharacters(in: .whitespaces)
                guard !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
                var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                    value = String(value.dropFirst().dropLast())
                }
                guard !value.isEmpty else { continue }
                switch line[..<eq] {
                case "mok_signing_key": configuredKey = value
                case "mok_certificate": configuredCertificate = value
                case "sign_file": signFile = value
                default: break
                }
            }
        }
        if configuredKey == nil, dkmsDistribution().hasPrefix("ubuntu") {
            configuredKey = SigningProblem.ubuntuKey
            configuredCertificate = SigningProblem.ubuntuCertificate
        }
        return Settings(key: configuredKey ?? Self.defaultKey, certificate: configuredCertificate ?? Self.defaultCertificate,
                        signFile: signFile)
    }

    /// dkms' `running_distribution` (`distro_version`): ID when it is `ubuntu`, else ID_LIKE as
    /// written (`ubuntu debian` on Linux Mint), else ID; "" without a readable os-release.
    func dkmsDistribution() -> String {
        for path in ["/etc/os-release", "/usr/lib/os-release"] {
            guard let text = context.files.textIfPresent(path) else { continue }
            guard let release = try? OSReleaseParser.parse(text) else { return "" }
            if release.id == "ubuntu" { return "ubuntu" }
            if let like = release.fields["ID_LIKE"], !like.isEmpty { return like }
            return release.id
        }
        return ""
    }

    /// `/lib/modules/KVER/build/scripts/sign-file` first, then the distributions' header paths.
    func signFileCandidates(kernel: String, configured: String?) -> [String] {
        var list: [String] = []
        if let configured { list.append(configured) }
        list.append("/lib/modules/\(kernel)/build/scripts/sign-file")
        list.append("/usr/src/linux-headers-\(kernel)/scripts/sign-file")      // Debian, Ubuntu
        list.append("/usr/src/kernels/\(kernel)/scripts/sign-file")            // RHEL, Fedora
        list.append("/usr/lib/modules/\(kernel)/build/scripts/sign-file")      // Arch
        // Debian's dkms: /usr/lib/linux-kbuild-${kernelver%.*}/scripts/sign-file (6.1.0-18-amd64 → 6.1).
        if let dot = kernel.lastIndex(of: ".") {
            list.append("/usr/lib/linux-kbuild-\(kernel[..<dot])/scripts/sign-file")
        }
        return list
    }

    /// `CONFIG_MODULE_SIG_HASH` of the kernel (what dkms uses), `sha256` when it cannot be read.
    func signatureHash(kernel: String) -> String {
        for path in ["/boot/config-\(kernel)", "/lib/modules/\(kernel)/build/.config", "/lib/modules/\(kernel)/config"] {
            guard let text = context.files.textIfPresent(path) else { continue }
            for raw in text.split(whereSeparator: { $0 == "\n" }) where raw.hasPrefix("CONFIG_MODULE_SIG_HASH=") {
                let v = raw.dropFirst("CONFIG_MODULE_SIG_HASH=".count).filter { $0 != "\"" }
                if !v.isEmpty, v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) { return String(v) }
            }
        }
        return "sha256"
    }

    /// The work directory for re-signing: always `/run/kupgrade-sign`.
    ///
    /// A fixed name, so a recorded run replays (a name made from the clock or a random suffix
    /// would differ between the recording and the replay), and under `/run`, which only root can
    /// write: a predictable name in world-writable `/var/tmp` would let a local user plant the
    /// directory (or a symlink) and swap the module between the copy and `sign-file`, getting
    /// their own code signed with the MOK key. kupgrade holds `/run/kupgrade.lock` while it
    /// signs, so no other kupgrade uses the directory; one left by a killed run is removed first.
    static let workDirectory = "/run/kupgrade-sign"

    private func makeTempDirectory() -> String {
        let path = Self.workDirectory
        if !dryRun {
            if context.files.exists(path) { try? context.files.remove(path) }
            try? context.files.createDirectory(path)
        }
        return path
    }

    /// The commands that re-sign one module through a temporary copy, in order.
    static func commands(for file: KernelModuleFile, temp: String, signFile: String, hash: String,
                         key: String, certificate: String) -> (copy: String, raw: String, steps: [[String]]) {
        let name = (file.path as NSString).lastPathComponent
        let copy = temp + "/" + name
        let raw = temp + "/" + file.module + ".ko"
        var steps: [[String]] = []
        switch file.compression {
        case .none: break
        case .xz: steps.append(["xz", "-d", "-k", "-f", copy])
        case .zstd: steps.append(["zstd", "-d", "-k", "-f", "-q", copy])
        case .gzip: steps.append(["gzip", "-d", "-k", "-f", copy])
        }
        steps.append([signFile, hash, key, certificate, raw])
        switch file.compression {
        case .none: break
        case .xz: steps.append(["xz", "-z", "-f", "--check=crc32", "--lzma2=dict=1MiB", raw])
        case .zstd: steps.append(["zstd", "-z", "-f", "-q", "--rm", raw])
        case .gzip: steps.append(["gzip", "-n", "-9", "-f", raw])
        }
        return (copy, raw, steps)
    }

    private func resign(file: KernelModuleFile, kernel: Kernel, signFile: String, hash: String, key: String,
                        certificate: String, temp: String) -> SignedModule {
        let kver = kernel.release.string
        let name = (file.path as NSString).lastPathComponent
        let plan = Self.commands(for: file, temp: temp, signFile: signFile, hash: hash, key: key, certificate: certificate)
        let signerQuery = SystemQuery<String>.moduleField("signer", of: file.path)
        let verify = signerQuery.command.argv
        let all = plan.steps + [verify]
        if dryRun {
            progress("kernel \(kver) ... \(name) unsigned: would re-sign with \(key):")
            progress("  copy \(file.path) to \(plan.copy)")
            for argv in plan.steps { progress("  " + Command(argv).description) }
            progress("  replace \(file.path) with \(plan.copy)")
            progress("  " + Command(verify).description)
            return SignedModule(kernel: kver, path: file.path, outcome: .wouldResign, commands: all)
        }
        progress("kernel \(kver) ... \(name) unsigned: re-signing with \(key)")
        func fail(_ reason: String, ran: [[String]]) -> SignedModule {
            progress("ERROR: could not re-sign \(file.path): \(reason)")
            return SignedModule(kernel: kver, path: file.path, outcome: .failed(reason: reason), commands: ran)
        }
        let original: Data
        do {
            original = try context.files.contents(of: file.path)
            try context.files.write(original, to: plan.copy)
        } catch {
            return fail("cannot copy the module to \(plan.copy): \(error)", ran: [])
        }
        var ran: [[String]] = []
        for argv in plan.steps {
            ran.append(argv)
            do {
                let r = try context.runner.run(Command(argv))
                if !r.status.isSuccess {
                    let detail = r.stderr.split(separator: "\n").last.map { ": \($0)" } ?? ""
                    return fail("\(Command(argv)) failed (\(r.status))\(detail)", ran: ran)
                }
            } catch {
                return fail("\(error)", ran: ran)
            }
        }
        do {
            try context.files.write(try context.files.contents(of: plan.copy), to: file.path)
        } catch {
            return fail("cannot replace \(file.path): \(error)", ran: ran)
        }
        ran.append(verify)
        let signer = (try? context.run(signerQuery)) ?? ""
        guard !signer.isEmpty else {
            try? context.files.write(original, to: file.path)
            return fail("after signing, modinfo shows no signer; the original module was put back", ran: ran)
        }
        progress("kernel \(kver) ... \(name) re-signed (\(signer))")
        return SignedModule(kernel: kver, path: file.path, outcome: .resigned(signer: signer), commands: ran)
    }
}
