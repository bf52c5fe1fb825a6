/// Why kupgrade stopped. Every case says what happened (`description`) and what to do next
/// (`hint`); `exitStatus` is the documented code it ends with.
public enum UpgradeError: Error, Sendable, Hashable, CustomStringConvertible {
    case notRoot(uid: UInt32)
    case alreadyRunning(lockPath: String, pid: String?)
    case cannotLock(path: String, reason: String)
    case packageManagerBusy(owner: String, lockPath: String, holder: String)
    case osReleaseUnreadable(String)
    case unsupportedDistro(id: String, idLike: [String])
    case packageManagerMissing(manager: String, searched: [String])
    case noBootEnvironment(String)
    case poolUnhealthy(pool: String, state: String, detail: String)
    case notEnoughSpace(pool: String, freeBytes: UInt64, neededBytes: UInt64)
    /// A command kupgrade needs before any change failed (refresh, simulate, zpool, snapshot).
    /// `hint`: what the failing part said to do (kbe's hint for a refusal zfs explained), when it said more
    /// than "fix the cause".
    case stepFailed(step: String, error: String, hint: String? = nil)
    case notConfirmed
    /// `--new-be` on a layout whose package database is on a dataset outside the BE.
    case splitPackageDatabase(dataset: String, be: String)
    /// `--new-be NAME` names a boot environment that exists.
    case newBootEnvironmentExists(dataset: String)
    /// `--release` that kupgrade will not do here (Ubuntu, a rolling or unknown release…).
    case releaseUnsupported(String, hint: String)

    public var exitStatus: ExitStatus { .refused }

    /// A short machine-readable tag for `--json` (`refusal.reason`).
    public var reason: String {
        switch self {
        case .notRoot: return "not-root"
        case .alreadyRunning: return "already-running"
        case .cannotLock: return "cannot-lock"
        case .packageManagerBusy: return "package-manager-busy"
        case .osReleaseUnreadable: return "os-release-unreadable"
        case .unsupportedDistro: return "unsupported-distro"
        case .packageManagerMissing: return "package-manager-missing"
        case .noBootEnvironment: return "no-boot-environment"
        case .poolUnhealthy: return "pool-unhealthy"
        case .notEnoughSpace: return "not-enough-space"
        case .stepFailed: return "step-failed"
        case .notConfirmed: return "not-confirmed"
        case .splitPackageDatabase: return "split-package-database"
        case .newBootEnvironmentExists: return "new-be-exists"
        case .releaseUnsupported: return "release-unsupported"
        }
    }

    public var description: String {
        switch self {
        case .notRoot(let uid):
            return "kupgrade must run as root (running as uid \(uid))"
        case .alreadyRunning(let path, let pid):
            return "another kupgrade is already running (\(path) is locked\(pid.map { " by pid \($0)" } ?? ""))"
        case .cannotLock(let path, let reason):
            return "cannot take the lock \(path): \(reason)"
        case .packageManagerBusy(let owner, let path, let holder):
            return "\(owner) is busy: \(path) is \(holder.hasPrefix("held") ? holder : "locked by \(holder)")"
        case .osReleaseUnreadable(let why):
            return "cannot tell which distribution this is: \(why)"
        case .unsupportedDistro(let id, let idLike):
            let like = idLike.isEmpty ? "" : " (ID_LIKE=\(idLike.joined(separator: " ")))"
            return "unsupported distribution ID=\(id)\(like): kupgrade knows the Debian, RHEL/Fedora and Arch families"
        case .packageManagerMissing(let manager, let searched):
            return "this distribution upgrades with \(manager), but it is not installed (looked in \(searched.joined(separator: ", ")))"
        case .noBootEnvironment(let why):
            return "no boot environment to protect: \(why)"
        case .poolUnhealthy(let pool, let state, let detail):
            return "pool \(pool) is \(state)\(detail.isEmpty ? "" : ": \(detail)")"
        case .notEnoughSpace(let pool, let free, let needed):
            return "not enough free space on \(pool): the upgrade needs about \(humanSize(needed)) (with margin), "
                + "the pool has \(humanSize(free)) free"
        case .stepFailed(let step, let error, _):
            return "\(step) failed: \(error)"
        case .notConfirmed:
            return "upgrade not confirmed; nothing was changed"
        case .splitPackageDatabase(let dataset, let be):
            return "the package database is on \(dataset), outside the boot environment \(be): an upgrade in a new boot environment would write the shared database (all boot environments see it) while the running system's files stay old, so the running system's database would describe packages it does not have"
        case .newBootEnvironmentExists(let dataset):
            return "boot environment \(dataset) already exists"
        case .releaseUnsupported(let why, _):
            return "no release upgrade: \(why)"
        }
    }

    public var hint: String {
        switch self {
        case .notRoot:
            return "run it with sudo: sudo kupgrade"
        case .alreadyRunning:
            return "wait for the other run to finish (see /var/log/kupgrade.log)"
        case .cannotLock:
            return "check that /run is writable"
        case .packageManagerBusy(let owner, _, _):
            return "wait for the running \(owner) (unattended-upgrades, PackageKit, another shell) to finish, then run kupgrade again; do not delete the lock file"
        case .osReleaseUnreadable:
            return "/etc/os-release must name the distribution (ID=, ID_LIKE=)"
        case .unsupportedDistro:
            return "upgrade this system with its own package manager; kupgrade will not guess"
        case .packageManagerMissing:
            return "install the distribution's package manager, or check PATH"
        case .noBootEnvironment:
            return "kupgrade needs a ZFS root (rpool/ROOT/<name> mounted at /); check `kbe list`"
        case .poolUnhealthy(let pool, let state, _):
            if state == "DEGRADED" {
                return "repair the pool first (zpool status -v \(pool)); to upgrade anyway use --allow-degraded"
            }
            return "repair the pool first (zpool status -v \(pool)); kupgrade never upgrades a \(state) pool"
        case .notEnoughSpace(let pool, _, _):
            return "free space on \(pool) (old checkpoints: kbe list -s; apt-get clean / dnf clean all), then run kupgrade again"
        case .stepFailed(_, _, let hint):
            return "nothing was changed; " + (hint ?? "fix the cause shown above and run kupgrade again")
        case .notConfirmed:
            return "run kupgrade --yes to upgrade without asking"
        case .splitPackageDatabase:
            return "move the package database into the boot environment first (kbe move-pkgdb --dry-run shows how; Docs/KBE.md), or upgrade in place with kupgrade (checkpointed together with the shared dataset)"
        case .releaseUnsupported(_, let hint):
            return hint
        case .newBootEnvironmentExists:
            return "choose another name (kupgrade --new-be NAME), or leave NAME out for upgrade-YYYYMMDD-HHMMSS"
        }
    }
}
