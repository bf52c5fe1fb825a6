/// How bad a module finding is. Ordered: `ok < warning < critical`.
///
/// - `critical`: ZFS (`zfs` or `spl`) is missing, unreadable or built for another kernel for the
///   kernel that **boots next**, or an unsigned ZFS module for that kernel could not be re-signed
///   under enforcing Secure Boot. The machine would come up without its root pool: `DO NOT REBOOT`.
/// - `warning`: the same for another installed kernel (the next boot still works), or a DKMS
///   module that is not ZFS (nvidia, virtualbox, …) failed to build.
/// - `ok`: everything else, including modules that declare a kernel unsupported
///   (`BUILD_EXCLUSIVE_*`), which are *skipped*, not failed.
public enum ModuleSeverity: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    case ok
    case warning
    case critical

    private var rank: Int {
        switch self {
        case .ok: return 0
        case .warning: return 1
        case .critical: return 2
        }
    }

    public static func < (a: ModuleSeverity, b: ModuleSeverity) -> Bool { a.rank < b.rank }
}

/// How a ZFS module file reached the kernel's module tree, judged from where it lives.
public enum ModuleDelivery: String, Sendable, Hashable, Codable {
    /// Built by DKMS (`zfs-dkms`): `updates/dkms/` (Debian, Ubuntu), or `extra/` when `dkms status`
    /// lists the module as installed for this kernel (Fedora, RHEL with zfs-dkms).
    case dkms
    /// A kmod package built for exactly this kernel (`kmod-zfs` for its original kernel, under `extra/`).
    case kmod
    /// RHEL kABI tracking: `weak-updates/` symlink (made by `weak-modules`) to a `kmod-zfs` module
    /// built for an older kernel of the same kABI. Its vermagic names the build kernel; that is expected.
    case kmodWeakUpdates = "kmod-weak-updates"
    /// A distribution package built for one exact kernel (Arch `zfs-linux`, `zfs-linux-lts`).
    case prebuilt
    /// Shipped inside the kernel package itself (Ubuntu `kernel/zfs/`).
    case builtIn = "built-in"
}

/// What was found for one of `zfs`/`spl` in one kernel.
public enum ModuleFileState: Sendable, Hashable, Codable {
    /// The file exists and its vermagic names this kernel.
    case ok
    /// A `weak-updates/` file whose vermagic names `buildKernel`, the kernel it was built for.
    case okWeakUpdates(buildKernel: String)
    /// No file for the module in any layout.
    case missing
    /// The file exists but was built for another kernel (`modinfo -F vermagic`, first word).
    case vermagicMismatch(found: String)
    /// The file exists but `modinfo` could not read it.
    case unreadable(reason: String)

    public var isUsable: Bool {
        switch self {
        case .ok, .okWeakUpdates: return true
        case .missing, .vermagicMismatch, .unreadable: return false
        }
    }
}

/// The check of one ZFS module (`zfs` or `spl`) for one kernel.
public struct ZFSModuleCheck: Sendable, Hashable, Codable {
    /// `zfs` or `spl`.
    public var module: String
    /// The file `modprobe` would load (depmod search order: `updates`, `extra`, built-in,
    /// `weak-updates`), `nil` when missing.
    public var path: String?
    public var delivery: ModuleDelivery?
    /// The first word of `modinfo -F vermagic`, when it could be read.
    public var vermagicRelease: String?
    public var state: ModuleFileState
    /// True when this run built it (`dkms autoinstall -k`), false when it was already there.
    public var rebuilt: Bool

    public init(module: String, path: String? = nil, delivery: ModuleDelivery? = nil, vermagicRelease: String? = nil,
                state: ModuleFileState, rebuilt: Bool = false) {
        self.module = module
        self.path = path
        self.delivery = delivery
        self.vermagicRelease = vermagicRelease
        self.state = state
        self.rebuilt = rebuilt
    }
}

/// What happened to one DKMS module (any module, ZFS or not) during `dkms autoinstall -k KERNEL`.
public struct DKMSBuildOutcome: Sendable, Hashable, Codable {
    public enum Result: String, Sendable, Hashable, Codable {
        /// Built and installed.
        case installed
        /// The module's dkms.conf declares this kernel/arch unsupported (`BUILD_EXCLUSIVE_*`):
        /// not a failure.
        case skipped
        /// The build or install failed.
        case failed
    }

    public var module: String
    public var version: String?
    public var kernel: String
    public var result: Result
    /// `/var/lib/dkms/<module>/<version>/build/make.log` for failed builds, when known.
    public var buildLog: String?
    /// One line saying why (dkms' own message when it printed one).
    public var detail: String?

    public init(module: String, version: String? = nil, kernel: String, result: Result, buildLog: String? = nil, detail: String? = nil) {
        self.module = module
        self.version = version
        self.kernel = kernel
        self.result = result
        self.buildLog = buildLog
        self.detail = detail
    }
}

/// The verdict for one installed kernel.
public struct KernelModuleReport: Sendable, Hashable, Codable {
    /// The kernel release (`6.1.0-18-amd64`, `5.14.0-570.el9.x86_64`).
    public var kernel: String
    /// True for the kernel that boots next (see `NextBootKernel`).
    public var bootsNext: Bool
    /// One entry each for `zfs` and `spl`.
    public var zfs: [ZFSModuleCheck]
    /// True when `dkms autoinstall -k` ran for this kernel.
    public var rebuildAttempted: Bool
    /// Per-module outcome of that rebuild (empty when none ran).
    public var dkms: [DKMSBuildOutcome]
    /// `ok`, `warning` or `critical` for this kernel alone.
    public var severity: ModuleSeverity
    /// What that rebuild's dkms said about its signing key (`DKMSSigningOutput`), if anything.
    public var dkmsSigningKey: DKMSSigningOutput.Event? = nil

    public init(kernel: String, bootsNext: Bool, zfs: [ZFSModuleCheck], rebuildAttempted: Bool = false,
                dkms: [DKMSBuildOutcome] = [], severity: ModuleSeverity = .ok) {
        self.kernel = kernel
        self.bootsNext = bootsNext
        self.zfs = zfs
        self.rebuildAttempted = rebuildAttempted
        self.dkms = dkms
        self.severity = severity
    }

    /// Both `zfs` and `spl` present and built for this kernel.
    public var zfsUsable: Bool { !zfs.isEmpty && zfs.allSatisfy { $0.state.isUsable } }
}

/// One line for the summary: what is wrong (or skipped), how bad, and what to do.
public struct ModuleFinding: Sendable, Hashable, Codable {
    public var severity: ModuleSeverity
    public var kernel: String?
    public var module: String?
    public var message: String
    /// The make.log to read for a failed build.
    public var buildLog: String?

    public init(severity: ModuleSeverity, kernel: String? = nil, module: String? = nil, message: String, buildLog: String? = nil) {
        self.severity = severity
        self.kernel = kernel
        self.module = module
        self.message = message
        self.buildLog = buildLog
    }
}

/// The result of `ModuleVerifier.verify`: one report per installed kernel, the directories under
/// `/lib/modules` that were ignored because they hold no kernel image, and the overall severity.
public struct ModuleVerification: Sendable, Hashable, Codable {
    public var kernels: [KernelModuleReport]
    /// `/lib/modules/<x>` directories without a kernel image (leftovers of removed kernels).
    /// Reported, never checked, never a failure.
    public var ignoredDirectories: [String]
    /// The kernel that boots next, if it could be determined.
    public var nextBootKernel: String?
    /// Every problem and every skip, in the order found.
    public var findings: [ModuleFinding]
    /// Messages `dkms status` printed besides module lines (kept verbatim).
    public var dkmsWarnings: [String]
    /// Whether `dkms` is installed on the target.
    public var dkmsPresent: Bool

    public init(kernels: [KernelModuleReport] = [], ignoredDirectories: [String] = [], nextBootKernel: String? = nil,
                findings: [ModuleFinding] = [], dkmsWarnings: [String] = [], dkmsPresent: Bool = false) {
        self.kernels = kernels
        self.ignoredDirectories = ignoredDirectories
        self.nextBootKernel = nextBootKernel
        self.findings = findings
        self.dkmsWarnings = dkmsWarnings
        self.dkmsPresent = dkmsPresent
    }

    /// The worst of all findings (`ok` when there are none).
    public var severity: ModuleSeverity { findings.map(\.severity).max() ?? .ok }

    /// ZFS is usable for every installed kernel (the seeds' `ZFS DKMS: OK for all kernels`).
    public var zfsOKForAllKernels: Bool { !kernels.isEmpty && kernels.allSatisfy(\.zfsUsable) }

    /// The build logs of every failed DKMS build, without duplicates, in order.
    public var buildLogs: [String] {
        var seen = Set<String>()
        var out: [String] = []
        for f in findings { if let log = f.buildLog, seen.insert(log).inserted { out.append(log) } }
        return out
    }
}
