/// What `ModuleSigner` found and did. `Codable` for kupgrade's `--json`.
public struct SigningReport: Sendable, Hashable, Codable {
    /// Where the Secure Boot state came from and what it said, e.g. `enforcing (efivars)`,
    /// `disabled (mokutil --sb-state)`, `unknown: no efivars and no mokutil`.
    public var secureBoot: String
    /// True when Secure Boot enforces module signatures: only then is anything checked or signed.
    public var enforcing: Bool
    /// One entry per zfs/spl module file checked (empty when not enforcing).
    public var modules: [SignedModule]
    /// Problems that stop signing as a whole (no key, no sign-file), with what to do.
    public var problems: [SigningProblem]
    /// Initramfs rebuilds run (or, in a dry run, that would run) after re-signing, because the
    /// initramfs holds its own copy of the ZFS modules (`update-initramfs -u -k KVER`,
    /// `dracut -f --kver KVER`, `mkinitcpio -P`).
    public var initramfsCommands: [[String]] = []
    /// Worst outcome: `critical` when a module of the next-boot kernel stays unsigned,
    /// `warning` when one of another kernel does (or a problem stops signing), else `ok`.
    public var severity: ModuleSeverity

    public init(secureBoot: String, enforcing: Bool, modules: [SignedModule] = [], problems: [SigningProblem] = [],
                severity: ModuleSeverity = .ok) {
        self.secureBoot = secureBoot
        self.enforcing = enforcing
        self.modules = modules
        self.problems = problems
        self.severity = severity
    }
}

/// One zfs/spl module file under enforcing Secure Boot.
public struct SignedModule: Sendable, Hashable, Codable {
    public enum Outcome: Sendable, Hashable, Codable {
        /// Already signed (`modinfo -F signer` non-empty or a `sig_id`): left alone.
        case alreadySigned(signer: String)
        /// Was unsigned; re-signed and verified (`signer` is what modinfo reports afterwards).
        case resigned(signer: String)
        /// `--dry-run`: would be re-signed with these commands.
        case wouldResign
        /// Could not be signed; the file is unchanged.
        case failed(reason: String)
    }

    public var kernel: String
    public var path: String
    public var outcome: Outcome
    /// The commands run (or, in a dry run, that would run), in order, as argv arrays.
    public var commands: [[String]]

    public init(kernel: String, path: String, outcome: Outcome, commands: [[String]] = []) {
        self.kernel = kernel
        self.path = path
        self.outcome = outcome
        self.commands = commands
    }
}

/// Why signing could not be done at all, and what the administrator should do.
public enum SigningProblem: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The MOK private key or certificate DKMS signs with does not exist.
    case missingKey(key: String, certificate: String)
    /// No `sign-file` for this kernel (kernel headers not installed).
    case missingSignFile(kernel: String, searched: [String])
    /// dkms made a new key pair during this run (`DKMSSigningOutput`): modules signed with it
    /// do not load under Secure Boot until its certificate is enrolled in the MOK list.
    case newKeyNotEnrolled(key: String, certificate: String)
    /// dkms tried to make its key pair during this run and could not (its own sentence).
    case keyNotGenerated(key: String, message: String)

    /// Ubuntu's dkms signs with shim-signed's MOK pair (`update-secureboot-policy`), not its own.
    static let ubuntuKey = "/var/lib/shim-signed/mok/MOK.priv"
    static let ubuntuCertificate = "/var/lib/shim-signed/mok/MOK.der"

    public var description: String {
        switch self {
        case .missingKey(let key, let certificate) where key == Self.ubuntuKey:
            return "Secure Boot is enforcing but the module signing key is missing (\(key), \(certificate)). "
                + "On Ubuntu dkms signs with this pair and makes it itself: `update-secureboot-policy --new-key`, then "
                + "`update-secureboot-policy --enroll-key` (asks for a one-time password), reboot to confirm the enrollment "
                + "in MokManager, then run kupgrade again. Until then the unsigned ZFS modules will not load under Secure Boot."
        case .missingKey(let key, let certificate):
            return "Secure Boot is enforcing but the module signing key is missing (\(key), \(certificate)). "
                + "dkms 3.0 and later make this pair themselves, with openssl, the first time they sign a module "
                + "(\"Certificate or key are missing, generating self signed certificate for MOK...\"); still missing after "
                + "a DKMS build means that failed (no openssl?) or the modules were not built by DKMS. "
                + "Create it with `dkms generate_mok` (dkms 3.1 and later; dkms 3.0, as in Debian 12, has no such command: "
                + "`openssl req -new -x509 -nodes -days 36500 -subj \"/CN=DKMS module signing key\" -newkey rsa:2048 "
                + "-keyout \(key) -outform DER -out \(certificate)`, the command it runs itself; dkms 3.2 adds "
                + "`-addext extendedKeyUsage=codeSigning`), "
                + "enroll it with `mokutil --import \(certificate)`, "
                + "reboot to confirm the enrollment in MokManager, then run kupgrade again. Until then the unsigned "
                + "ZFS modules will not load under Secure Boot."
        case .missingSignFile(let kernel, let searched):
            return "Secure Boot is enforcing but there is no sign-file for kernel \(kernel) (looked in "
                + searched.joined(separator: ", ")
                + "). Install that kernel's headers (linux-headers-\(kernel), kernel-devel-\(kernel) or linux-headers) and run kupgrade again."
        case .newKeyNotEnrolled(let key, let certificate):
            return "dkms made a new module signing key during this run (\(key), \(certificate)) and signs the modules "
                + "it builds with it. A new key is not in the MOK list, so under Secure Boot the kernel refuses those "
                + "modules (ZFS included) until it is enrolled: run `mokutil --import \(certificate)` (it asks for a "
                + "one-time password), then reboot: MokManager appears before the kernel starts; choose \"Enroll MOK\" "
                + "and confirm with that password. Check before rebooting: `mokutil --list-new` shows the key queued."
        case .keyNotGenerated(let key, let message):
            return "dkms could not make its module signing key \(key): \"\(message)\". It makes the pair with openssl: "
                + "install openssl, then `dkms generate_mok` (dkms 3.1 and later) or rebuild (`dkms autoinstall -k KERNEL`), "
                + "and enroll the certificate with `mokutil --import`."
        }
    }

    /// The first fix the summary offers for this problem.
    var fix: String {
        switch self {
        case .missingKey(let key, let certificate) where key == Self.ubuntuKey:
            return "Make and enroll the signing key (update-secureboot-policy --new-key, then --enroll-key for \(certificate); reboot once to enroll it) and re-run kupgrade"
        case .missingKey(_, let certificate):
            return "Provide the DKMS signing key (dkms generate_mok on dkms 3.1+, the openssl command above on dkms 3.0; mokutil --import \(certificate), then reboot once to enroll it) and re-run kupgrade"
        case .keyNotGenerated:
            return "Install openssl, make the DKMS signing key (dkms generate_mok on dkms 3.1+), mokutil --import its certificate, reboot once to enroll it, and re-run kupgrade"
        case .newKeyNotEnrolled(_, let certificate):
            return "Enroll the new DKMS key before rebooting: mokutil --import \(certificate), then reboot and enroll it in MokManager"
        case .missingSignFile(let kernel, _):
            return "Install the kernel headers of \(kernel) and re-run kupgrade"
        }
    }
}

extension SigningReport {
    /// What dkms did with its key during the run (`DKMSSigningOutput`), under enforcing Secure
    /// Boot only (otherwise no signature is checked and nothing changes). A new key is critical
    /// when a ZFS module of the kernel that boots next carries a DKMS signature: re-signed now by
    /// kupgrade (with dkms' key) or signed by dkms (signer `DKMS module signing key`, the CN
    /// dkms 3.0 and 3.2 give the pair they make); otherwise a warning.
    public mutating func note(_ event: DKMSSigningOutput.Event?, nextBoot: String?) {
        guard enforcing, let event else { return }
        switch event {
        case .generated(let key, let certificate):
            problems.append(.newKeyNotEnrolled(key: key, certificate: certificate))
            let dkmsSigned = modules.contains { m in
                guard m.kernel == nextBoot else { return false }
                switch m.outcome {
                case .resigned, .wouldResign: return true
                case .alreadySigned(let signer): return signer == Self.dkmsSigner
                case .failed: return false
                }
            }
            severity = max(severity, dkmsSigned ? .critical : .warning)
        case .generationFailed(let key, _, let message):
            problems.append(.keyNotGenerated(key: key, message: message))
            severity = max(severity, .warning)
        }
    }

    /// The subject dkms gives the key pair it makes (`-subj "/CN=DKMS module signing key"`), which
    /// `modinfo -F signer` prints for a module signed with it.
    static let dkmsSigner = "DKMS module signing key"
}
