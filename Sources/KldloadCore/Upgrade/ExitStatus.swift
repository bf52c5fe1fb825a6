/// kupgrade's documented exit codes (Docs/KUPGRADE.md, `kupgrade --help`). Cron jobs and
/// Ansible gate on these, so they never change meaning.
public enum ExitStatus: Int32, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Upgraded (or nothing to upgrade, or a dry run that found no obstacle).
    case success = 0
    /// Upgraded, but something deserves a look (a non-ZFS DKMS module failed, a resilver was
    /// running, ZFS is missing for a kernel that does not boot next, retention failed, Arch
    /// packages were held back…).
    case warnings = 1
    /// Wrong command line or an unreadable `/etc/kldload/kupgrade.conf`.
    case usage = 2
    /// Refused before changing anything: not root, lock held, pool health, free space,
    /// unsupported distro, no boot environment.
    case refused = 3
    /// The package transaction failed. The checkpoint exists; the later checks still ran.
    case transactionFailed = 4
    /// ZFS (zfs or spl) is missing or unloadable for the kernel that boots next: do not reboot.
    /// Wins over `transactionFailed` when both happen (it is the more urgent message).
    case criticalModuleFailure = 5

    public var description: String {
        switch self {
        case .success: return "success"
        case .warnings: return "success-with-warnings"
        case .usage: return "usage-error"
        case .refused: return "refused"
        case .transactionFailed: return "transaction-failed"
        case .criticalModuleFailure: return "critical-module-failure"
        }
    }

    /// One line per code, for `--help` and the docs.
    public static let helpText = """
          0  success (also: nothing to upgrade, dry run without obstacles)
          1  success with warnings
          2  usage error (bad option, unreadable /etc/kldload/kupgrade.conf)
          3  refused before any change (not root, lock held, pool health, free space,
             unsupported distro, no boot environment)
          4  package transaction failed (checkpoint taken; modules still verified)
          5  critical module failure: ZFS missing or unloadable for the kernel that boots next
        """
}
