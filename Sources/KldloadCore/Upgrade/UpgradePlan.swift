/// What the package manager's simulation says it will do, in one vocabulary for apt, dnf and
/// pacman. Built by a `PackageManagerDriver`, printed by `--dry-run`, put in the report.
public struct UpgradePlan: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable {
        case upgrade, install, remove, downgrade, reinstall
    }

    public struct Item: Sendable, Hashable, Codable {
        public var name: String
        public var action: Action
        public var currentVersion: String?
        public var newVersion: String?
        public var arch: String?
        public var repository: String?

        public init(name: String, action: Action, currentVersion: String? = nil, newVersion: String? = nil,
                    arch: String? = nil, repository: String? = nil)
        {
            self.name = name
            self.action = action
            self.currentVersion = currentVersion
            self.newVersion = newVersion
            self.arch = arch
            self.repository = repository
        }
    }

    /// A package kupgrade deliberately leaves at its installed version (the Arch hold-back).
    public struct Hold: Sendable, Hashable, Codable {
        public var name: String
        public var installedVersion: String?
        public var availableVersion: String?
        public var reason: String

        public init(name: String, installedVersion: String?, availableVersion: String?, reason: String) {
            self.name = name
            self.installedVersion = installedVersion
            self.availableVersion = availableVersion
            self.reason = reason
        }
    }

    public var items: [Item]
    /// Packages kupgrade holds back, with why (they are excluded from `items`).
    public var holds: [Hold]
    /// Packages the package manager itself keeps back (apt's "kept back", dpkg holds).
    public var keptBack: [String]
    /// Kernel releases the transaction installs (`6.1.0-21-amd64`, `5.14.0-570.el9.x86_64`).
    public var newKernels: [String]
    /// Packages that deliver kernel modules (`zfs-dkms`, `kmod-zfs`, `zfs-linux`, `nvidia-dkms`…).
    public var modulePackages: [String]
    /// Bytes to download, when the package manager says.
    public var downloadBytes: UInt64?
    /// Growth of the installed size (may be negative), when the package manager says.
    public var installedSizeChange: Int64?

    public init(items: [Item] = [], holds: [Hold] = [], keptBack: [String] = [], newKernels: [String] = [],
                modulePackages: [String] = [], downloadBytes: UInt64? = nil, installedSizeChange: Int64? = nil)
    {
        self.items = items
        self.holds = holds
        self.keptBack = keptBack
        self.newKernels = newKernels
        self.modulePackages = modulePackages
        self.downloadBytes = downloadBytes
        self.installedSizeChange = installedSizeChange
    }

    public var isEmpty: Bool { items.isEmpty }
    public func count(_ action: Action) -> Int { items.reduce(0) { $0 + ($1.action == action ? 1 : 0) } }

    /// Space the transaction needs on the pool, with kupgrade's margin (Docs/KUPGRADE.md):
    /// download + installed growth (never less than zero), plus 25 %, plus 512 MiB. The
    /// checkpoint keeps every replaced block alive, so replaced files do not free space.
    public var requiredBytes: UInt64 {
        let download = downloadBytes ?? 0
        let growth = UInt64(clamping: max(installedSizeChange ?? 0, 0))
        let base = download.addingReportingOverflow(growth)
        let sum = base.overflow ? UInt64.max : base.partialValue
        let withMargin = sum.addingReportingOverflow(sum / 4)
        let margin = withMargin.overflow ? UInt64.max : withMargin.partialValue
        let total = margin.addingReportingOverflow(UpgradePlan.minimumFreeBytes)
        return total.overflow ? UInt64.max : total.partialValue
    }

    public static let minimumFreeBytes: UInt64 = 512 * 1024 * 1024

    /// Fills `newKernels` and `modulePackages` from the items (see `KernelPackages`).
    public mutating func classify(manager: String) {
        newKernels = []
        modulePackages = []
        for item in items where item.action != .remove {
            if let kernel = KernelPackages.kernelRelease(package: item.name, version: item.newVersion,
                                                         arch: item.arch, manager: manager,
                                                         isNewInstall: item.action == .install),
                !newKernels.contains(kernel)
            {
                newKernels.append(kernel)
            }
            if KernelPackages.deliversModules(item.name) { modulePackages.append(item.name) }
        }
    }
}

/// How each family names its kernel and module packages.
public enum KernelPackages {
    /// The kernel release a package installs, if it is a kernel image package:
    /// Debian/Ubuntu `linux-image-6.1.0-21-amd64` (a new install; the `linux-image-amd64`
    /// metapackage is not a kernel), RHEL/Fedora `kernel-core` (or `kernel` when there is no
    /// `-core`) → `VERSION-RELEASE.ARCH`, Arch `linux` `6.12.3.arch1-1` → `6.12.3-arch1-1`,
    /// `linux-lts` `6.6.63-1` → `6.6.63-1-lts`.
    public static func kernelRelease(package: String, version: String?, arch: String?, manager: String,
                                     isNewInstall: Bool) -> String?
    {
        switch manager {
        case "apt":
            for prefix in ["linux-image-unsigned-", "linux-image-"] where package.hasPrefix(prefix) {
                let release = String(package.dropFirst(prefix.count))
                guard let first = release.first, first.isNumber else { return nil }
                return release
            }
            return nil
        case "dnf":
            guard package == "kernel-core" || package == "kernel", let version else { return nil }
            var v = version
            if let colon = v.firstIndex(of: ":") { v = String(v[v.index(after: colon)...]) }
            guard let arch, !arch.isEmpty, arch != "noarch" else { return v }
            return v + "." + arch
        case "pacman":
            guard let version else { return nil }
            switch package {
            case "linux", "linux-zen", "linux-hardened":
                // pkgver 6.12.3.arch1, pkgrel 1 → uname -r 6.12.3-arch1-1
                let parts = version.split(separator: "-", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { return nil }
                var pkgver = parts[0]
                if let dot = pkgver.lastIndex(of: "."), pkgver[pkgver.index(after: dot)...].contains(where: \.isLetter) {
                    pkgver.replaceSubrange(dot...dot, with: "-")
                }
                let suffix = package == "linux" ? "" : "-" + package.dropFirst("linux-".count)
                return pkgver + "-" + parts[1] + suffix
            case "linux-lts":
                return version + "-lts"
            default:
                return nil
            }
        default:
            return nil
        }
    }

    /// Packages that deliver kernel modules and so matter to step 9.
    public static func deliversModules(_ package: String) -> Bool {
        package.hasSuffix("-dkms") || package.hasPrefix("kmod-") || package == "dkms"
            || package.hasPrefix("zfs-linux")
    }
}
