import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How a package manager marks that it is running.
public enum PackageLockKind: String, Sendable, Hashable, Codable {
    /// An fcntl (POSIX record) lock on the file: dpkg's `lock-frontend` and `lock`, rpm's
    /// `.rpm.lock`. The file always exists; only a lock on it means "busy".
    case fcntl
    /// A file holding the owner's pid (dnf 4's `ProcessLock`): busy while that process lives.
    case pidFile
    /// The file's existence is the lock (pacman's `db.lck`).
    case exists
}

/// One lock a package manager takes while it runs.
public struct PackageLock: Sendable, Hashable, Codable {
    public var path: String
    public var kind: PackageLockKind
    /// Who takes it, for messages (`dpkg`, `pacman`, `dnf`).
    public var owner: String

    public init(_ path: String, _ kind: PackageLockKind, owner: String) {
        self.path = path
        self.kind = kind
        self.owner = owner
    }
}

/// An exclusive lock kupgrade holds for its whole run (released when the value goes away).
public protocol RunLockHandle: AnyObject, Sendable {
    var path: String { get }
}

/// Lock probing and taking, behind a protocol so tests and replays never touch the host's
/// locks. `HostLockProbe` is the real one; `ScenarioLockProbe` answers from a replay
/// scenario's `locks_held=` key.
public protocol LockProbe: Sendable {
    /// nil when free; otherwise who holds it, e.g. `pid 4242` (or just `held`).
    func holder(of lock: PackageLock) -> String?
    /// Takes kupgrade's own exclusive lock, or throws `UpgradeError.alreadyRunning`.
    func acquireRunLock(at path: String) throws(UpgradeError) -> any RunLockHandle
}

/// kupgrade's own lock, `/run/kupgrade.lock`.
public enum RunLock {
    public static let defaultPath = "/run/kupgrade.lock"
}

/// The real machine: fcntl `F_OFD_GETLK` (falling back to `F_GETLK`) for dpkg/rpm locks,
/// pid liveness for dnf, existence for pacman, `flock(LOCK_EX|LOCK_NB)` for kupgrade's own lock.
public struct HostLockProbe: LockProbe {
    public init() {}

    public func holder(of lock: PackageLock) -> String? {
        switch lock.kind {
        case .exists:
            return FileManager.default.fileExists(atPath: lock.path) ? "held (\(lock.path) exists)" : nil
        case .pidFile:
            guard let data = FileManager.default.contents(atPath: lock.path) else { return nil }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let pid = Int32(text), pid > 0 else { return nil }
            return kill(pid, 0) == 0 || errno == EPERM ? "pid \(pid)" : nil
        case .fcntl:
            return Self.fcntlHolder(lock.path)
        }
    }

    static func fcntlHolder(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var query = flock()
        query.l_type = Int16(F_WRLCK)
        query.l_whence = Int16(SEEK_SET)
        query.l_start = 0
        query.l_len = 0
        query.l_pid = 0
        // F_OFD_GETLK (36 on Linux) also sees locks held by our own process's other
        // descriptions; fall back to F_GETLK on kernels without OFD locks.
        let fOFDGetLock: Int32 = 36
        var rc = fcntl(fd, fOFDGetLock, &query)
        if rc != 0 {
            query.l_type = Int16(F_WRLCK)
            query.l_whence = Int16(SEEK_SET)
            rc = fcntl(fd, F_GETLK, &query)
        }
        guard rc == 0 else { return nil }
        if query.l_type == Int16(F_UNLCK) { return nil }
        return query.l_pid > 0 ? "pid \(query.l_pid)" : "held"
    }

    public func acquireRunLock(at path: String) throws(UpgradeError) -> any RunLockHandle {
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // O_NOFOLLOW and the fstat checks: we truncate the file and write our pid into it, so a
        // symbolic link (or a hard link) planted at the lock path must never be followed.
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let e = errno
            if e == ELOOP { throw UpgradeError.cannotLock(path: path, reason: "it is a symbolic link; remove it (kupgrade creates the lock itself)") }
            throw UpgradeError.cannotLock(path: path, reason: String(cString: strerror(e)))
        }
        var info = stat()
        if fstat(fd, &info) != 0 || (info.st_mode & S_IFMT) != S_IFREG || info.st_nlink > 1 || info.st_uid != geteuid() {
            close(fd)
            throw UpgradeError.cannotLock(path: path, reason: "it is not a regular file of ours with a single link; remove it (kupgrade creates the lock itself)")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            var owner = ""
            if let data = FileManager.default.contents(atPath: path) {
                let pid = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if !pid.isEmpty { owner = pid }
            }
            close(fd)
            if err == EWOULDBLOCK { throw UpgradeError.alreadyRunning(lockPath: path, pid: owner.isEmpty ? nil : owner) }
            throw UpgradeError.cannotLock(path: path, reason: String(cString: strerror(err)))
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        return HostRunLock(path: path, fd: fd)
    }
}

final class HostRunLock: RunLockHandle, Sendable {
    let path: String
    private let fd: Int32
    init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }
    deinit { close(fd) }
}

/// Replays and tests: the scenario says which locks are held (`locks_held=` in
/// `scenario.conf`, comma-separated paths); kupgrade's own lock is "taken" by writing the
/// lock file through the (overlay) FileSystem, and is held if listed in `locks_held`.
public struct ScenarioLockProbe: LockProbe {
    public var held: Set<String>
    public var files: any FileSystem

    public init(held: Set<String>, files: any FileSystem) {
        self.held = held
        self.files = files
    }

    /// The `locks_held` key of a scenario's `scenario.conf` (absent file or key = none held).
    public static func heldLocks(scenarioConf text: String?) -> Set<String> {
        guard let text else { return [] }
        var result: Set<String> = []
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("locks_held"), let eq = trimmed.firstIndex(of: "=") else { continue }
            guard trimmed[..<eq].trimmingCharacters(in: .whitespaces) == "locks_held" else { continue }
            for path in trimmed[trimmed.index(after: eq)...].split(whereSeparator: { $0 == "," || $0 == " " }) {
                result.insert(String(path))
            }
        }
        return result
    }

    public func holder(of lock: PackageLock) -> String? {
        held.contains(lock.path) ? "held (recorded in the scenario)" : nil
    }

    public func acquireRunLock(at path: String) throws(UpgradeError) -> any RunLockHandle {
        if held.contains(path) { throw UpgradeError.alreadyRunning(lockPath: path, pid: nil) }
        // As on the host: a symbolic link at the lock path is refused, not followed.
        if files.symbolicLinkDestination(path) != nil {
            throw UpgradeError.cannotLock(path: path, reason: "it is a symbolic link; remove it (kupgrade creates the lock itself)")
        }
        try? files.write(Data("replay\n".utf8), to: path)
        return ScenarioRunLock(path: path)
    }
}

final class ScenarioRunLock: RunLockHandle {
    let path: String
    init(path: String) { self.path = path }
}
