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
    /// Interrupted by SIGINT or SIGTERM and stopped at the next safe point: before any change
    /// (nothing changed), or after the checkpoint (the rest of the transaction, autoremove and
    /// retention skipped; modules verified if the package manager ran; `result=interrupted`
    /// recorded; rollback printed). 128 + SIGINT, as shells report an interrupted command, for
    /// SIGTERM too: one code means "interrupted". `criticalModuleFailure` wins over it.
    case interrupted = 130

    public var description: String {
        switch self {
        case .success: return "success"
        case .warnings: return "success-with-warnings"
        case .usage: return "usage-error"
        case .refused: return "refused"
        case .transactionFailed: return "transaction-failed"
        case .criticalModuleFailure: return "critical-module-failure"
        case .interrupted: return "interrupted"
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
        130  interrupted (SIGINT or SIGTERM): stopped at a safe point; see the rollback line
        """
}

/// kbe's exit codes, next to kupgrade's (`ExitStatus`) on purpose: 0, 2 and 3 mean the same in
/// both (success, usage, refused before any change); 1 and 4 differ because the tools answer
/// different questions (Docs/DESIGN.md, "Exit codes"). kbe follows zfs(8) and bectl(8): 1 is
/// "a command failed", and its one extra outcome is "no such thing" (4). kupgrade's 1 is
/// "succeeded, with warnings" so that `rc in [0, 1]` means "upgraded" to Ansible and systemd
/// (`SuccessExitStatus=1`), and its 4 is the failed package transaction.
public enum KBEExitStatus: Int32, Sendable, Hashable, Codable, CaseIterable {
    /// Done (also `--dry-run` and "nothing to change").
    case success = 0
    /// A zfs/zpool/mount command failed, or its output could not be parsed; the state is reported.
    case commandFailed = 1
    /// Wrong usage or an invalid name.
    case usage = 2
    /// Refused for safety before any change.
    case refused = 3
    /// No such boot environment or checkpoint; BE root or pool not found; not mounted.
    case notFound = 4

    public init(_ kind: KBEError.Kind) {
        switch kind {
        case .commandFailed: self = .commandFailed
        case .usage: self = .usage
        case .refused: self = .refused
        case .notFound: self = .notFound
        }
    }
}
