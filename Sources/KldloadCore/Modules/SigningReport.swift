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

    public var description: String {
        switch self {
        case .missingKey(let key, let certificate):
            return "Secure Boot is enforcing but the module signing key is missing (\(key), \(certificate)). "
                + "Create one with `dkms generate_mok` (dkms 3.1 and later; dkms 3.0, as in Debian 12, has no such command: "
                + "`openssl req -new -x509 -nodes -days 36500 -subj \"/CN=DKMS module signing key\" -newkey rsa:2048 "
                + "-keyout \(key) -outform DER -out \(certificate)`, the command it runs itself), "
                + "enroll it with `mokutil --import \(certificate)`, "
                + "reboot to confirm the enrollment in MokManager, then run kupgrade again. Until then the unsigned "
                + "ZFS modules will not load under Secure Boot."
        case .missingSignFile(let kernel, let searched):
            return "Secure Boot is enforcing but there is no sign-file for kernel \(kernel) (looked in "
                + searched.joined(separator: ", ")
                + "). Install that kernel's headers (linux-headers-\(kernel), kernel-devel-\(kernel) or linux-headers) and run kupgrade again."
        }
    }
}
