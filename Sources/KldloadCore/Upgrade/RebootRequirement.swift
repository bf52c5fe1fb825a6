import Foundation

/// Whether the system needs a reboot after an upgrade, and why, from each distribution's own
/// notion of it (Docs/KUPGRADE.md "Reboot required"):
///
/// - **Debian, Ubuntu**: `/run/reboot-required`, which the packages' own maintainer scripts
///   create (`/etc/kernel/postinst.d/…`, libc6, dbus…), with the requesting packages listed in
///   `/run/reboot-required.pkgs`. kupgrade reads the two files; it runs nothing.
/// - **EL, Fedora**: the package names dnf's `needs-restarting -r` treats as needing a reboot
///   (`kernel`, `kernel-rt`, `glibc`, `linux-firmware`, `systemd`, `dbus`, `dbus-broker`,
///   `dbus-daemon`), matched against the transaction kupgrade just ran. Running
///   `needs-restarting -r` itself would add a subprocess that needs dnf-utils and compares install
///   times with the boot time; the transaction already says which of those packages changed.
/// - **Arch**: no distribution mechanism exists. A new kernel, or a changed core package
///   (`glibc`, `systemd`, `systemd-libs`, `linux-firmware`, `dbus`, `dbus-broker`), means reboot.
///
/// On every distribution a new kernel is a reason too. Reasons keep their order, without repeats.
public struct RebootRequirement: Sendable, Hashable {
    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        /// A kernel that is not running yet was installed.
        case newKernel(String)
        /// `/run/reboot-required` exists (Debian, Ubuntu); the packages that asked for it.
        case distributionFlag(packages: [String])
        /// A package whose update needs a reboot to take effect (EL, Fedora, Arch).
        case corePackage(String)

        public var description: String {
            switch self {
            case .newKernel(let k): return "new kernel \(k)"
            case .distributionFlag(let packages):
                return "/run/reboot-required" + (packages.isEmpty ? "" : " (requested by \(packages.joined(separator: ", ")))")
            case .corePackage(let name): return "\(name) was updated"
            }
        }
    }

    public var reasons: [Reason]
    public var required: Bool { !reasons.isEmpty }

    public init(reasons: [Reason] = []) { self.reasons = reasons }

    /// dnf-plugins-core `needs_restarting.py`'s `NEED_REBOOT`.
    public static let dnfRebootPackages: Set<String> = [
        "kernel", "kernel-rt", "glibc", "linux-firmware", "systemd", "dbus", "dbus-broker", "dbus-daemon",
    ]
    /// Arch has no list of its own; the same libraries and services, under Arch's names.
    public static let pacmanRebootPackages: Set<String> = [
        "glibc", "systemd", "systemd-libs", "linux-firmware", "dbus", "dbus-broker",
    ]

    /// Pure: the requirement from what the run installed and what the distribution flagged.
    /// - Parameters:
    ///   - flag: the text of `/run/reboot-required`, nil when the file does not exist.
    ///   - flaggedPackages: the text of `/run/reboot-required.pkgs`, one package a line.
    public static func assess(
        manager: PackageManager, newKernels: [String], transactionPackages: [String],
        flag: String?, flaggedPackages: String?
    ) -> RebootRequirement {
        var reasons: [Reason] = newKernels.map { .newKernel($0) }
        switch manager {
        case .apt:
            if flag != nil {
                var seen = Set<String>()
                let packages = (flaggedPackages ?? "").split(whereSeparator: \.isNewline)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty && seen.insert($0).inserted }
                reasons.append(.distributionFlag(packages: packages))
            }
        case .dnf, .pacman:
            let list = manager == .dnf ? dnfRebootPackages : pacmanRebootPackages
            var seen = Set<String>()
            for name in transactionPackages where list.contains(name) && seen.insert(name).inserted {
                // A new kernel already says it; `kernel` itself adds nothing.
                if name.hasPrefix("kernel") && !newKernels.isEmpty { continue }
                reasons.append(.corePackage(name))
            }
        }
        return RebootRequirement(reasons: reasons)
    }

    /// The reasons a summary prints on top of its `new kernel:` lines.
    public var reasonsBeyondNewKernels: [Reason] {
        reasons.filter { if case .newKernel = $0 { return false } else { return true } }
    }
}
