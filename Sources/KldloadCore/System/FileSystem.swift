import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Every file kldload reads or writes on the target system (`/etc/os-release`, `/lib/modules`,
/// `/proc/self/mounts`, `/sys/firmware/efi/efivars`, the log, the lock) goes through this, with
/// absolute paths as they are on the target. Tests and replays root it somewhere else.
public protocol FileSystem: Sendable {
    /// The whole file. Throws `FileSystemError.notFound` when it does not exist.
    func contents(of path: String) throws(FileSystemError) -> Data
    func exists(_ path: String) -> Bool
    func isDirectory(_ path: String) -> Bool
    /// Entry names (not paths) of a directory, sorted.
    func list(_ path: String) throws(FileSystemError) -> [String]
    /// Appends (creating the file, mode 0640, and its parent directories as needed). Never
    /// through a symbolic link, and only to a regular file with one link that we own: anything
    /// else throws `FileSystemError.unsafe` (kupgrade's log lives in `/var/log`, which is
    /// group-writable on Ubuntu, and `--log` can point anywhere; Docs/DESIGN.md, "Security").
    func append(_ data: Data, to path: String) throws(FileSystemError)
    /// Replaces the file atomically (write to a temporary file and rename): a symbolic link at
    /// `path` is replaced, never followed.
    func write(_ data: Data, to path: String) throws(FileSystemError)
    func createDirectory(_ path: String) throws(FileSystemError)
    func remove(_ path: String) throws(FileSystemError)
    /// Where `path` points when its last component is a symbolic link (as stored: relative or
    /// absolute), else nil. Default: nil (a file system without links).
    func symbolicLinkDestination(_ path: String) -> String?
}

/// Path text helpers shared by the file systems and the package-database guard.
enum FilePath {
    /// `/var/lib/` → `/var/lib`; `/` stays `/`.
    static func trimmingTrailingSlashes(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }

    /// Absolute, with `.`, `..` and repeated slashes resolved as text (no link is followed):
    /// `/var/lib/../../usr/./lib//rpm` → `/usr/lib/rpm`; `..` above `/` stays at `/`.
    static func resolvingDots(_ path: String) -> String {
        var parts: [Substring] = []
        for c in path.split(separator: "/") {
            if c == "." || c.isEmpty { continue }
            if c == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(c)
        }
        return "/" + parts.joined(separator: "/")
    }
}

extension FileSystem {
    public func symbolicLinkDestination(_ path: String) -> String? { nil }

    public func text(of path: String) throws(FileSystemError) -> String {
        String(decoding: try contents(of: path), as: UTF8.self)
    }

    public func textIfPresent(_ path: String) -> String? {
        guard let data = try? contents(of: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Why a `FileSystem` read or write failed, naming the path.
public enum FileSystemError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(String)
    case ioError(path: String, reason: String)
    /// Refused to write: the path is a symbolic link, not a regular file, has other hard links
    /// or belongs to another user. Writing as root through it could change any file.
    case unsafe(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path): return "\(path): no such file or directory"
        case .ioError(let path, let reason): return "\(path): \(reason)"
        case .unsafe(let path, let reason):
            return "\(path): \(reason); refusing to write through it (remove it, or choose another path)"
        }
    }
}

/// A real directory tree standing in for `/`. `RootedFileSystem(root: "/")` is the host;
/// any other root maps `/etc/os-release` to `<root>/etc/os-release` (a test tree, a rescue
/// system's altroot).
public struct RootedFileSystem: FileSystem {
    public let root: String

    public init(root: String = "/") {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    public func hostPath(_ path: String) -> String {
        if root == "/" { return path }
        return path.hasPrefix("/") ? root + path : root + "/" + path
    }

    public func contents(of path: String) throws(FileSystemError) -> Data {
        let p = hostPath(path)
        guard FileManager.default.fileExists(atPath: p) else { throw .notFound(path) }
        do { return try Data(contentsOf: URL(fileURLWithPath: p)) } catch {
            throw .ioError(path: path, reason: "\(error.localizedDescription)")
        }
    }

    public func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: hostPath(path)) }

    public func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: hostPath(path), isDirectory: &isDir) && isDir.boolValue
    }

    public func symbolicLinkDestination(_ path: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: hostPath(path))
    }

    public func list(_ path: String) throws(FileSystemError) -> [String] {
        do { return try FileManager.default.contentsOfDirectory(atPath: hostPath(path)).sorted() } catch {
            if !exists(path) { throw .notFound(path) }
            throw .ioError(path: path, reason: "\(error.localizedDescription)")
        }
    }

    public func append(_ data: Data, to path: String) throws(FileSystemError) {
        try createDirectory((path as NSString).deletingLastPathComponent)
        let fd = try Self.openForAppend(hostPath(path), shownAs: path)
        defer { close(fd) }
        let bytes = [UInt8](data)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .ioError(path: path, reason: String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    /// `open(2)` for appending with the care a root process needs in a directory others can
    /// write to: `O_NOFOLLOW` (a symbolic link is refused, ELOOP), `O_NONBLOCK` (a FIFO without
    /// reader fails instead of hanging), then `fstat`: a regular file, one link (not a hard
    /// link to /etc/shadow), owned by us. Created with mode 0640.
    static func openForAppend(_ hostPath: String, shownAs path: String) throws(FileSystemError) -> Int32 {
        let fd = open(hostPath, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o640)
        if fd < 0 {
            let e = errno
            if e == ELOOP { throw .unsafe(path: path, reason: "is a symbolic link") }
            if e == ENXIO { throw .unsafe(path: path, reason: "is a FIFO or socket, not a regular file") }
            throw .ioError(path: path, reason: String(cString: strerror(e)))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .ioError(path: path, reason: reason)
        }
        let problem: String? =
            (info.st_mode & S_IFMT) != S_IFREG ? "is not a regular file"
            : info.st_nlink > 1 ? "has \(info.st_nlink) hard links"
            : info.st_uid != geteuid() ? "belongs to uid \(info.st_uid), not to us (uid \(geteuid()))"
            : nil
        if let problem {
            close(fd)
            throw .unsafe(path: path, reason: problem)
        }
        // Blocking writes from here on (regular files ignore O_NONBLOCK; keep it honest anyway).
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    public func write(_ data: Data, to path: String) throws(FileSystemError) {
        try createDirectory((path as NSString).deletingLastPathComponent)
        do { try data.write(to: URL(fileURLWithPath: hostPath(path)), options: .atomic) } catch {
            throw .ioError(path: path, reason: "\(error.localizedDescription)")
        }
    }

    public func createDirectory(_ path: String) throws(FileSystemError) {
        if path.isEmpty || isDirectory(path) { return }
        do { try FileManager.default.createDirectory(atPath: hostPath(path), withIntermediateDirectories: true) } catch {
            throw .ioError(path: path, reason: "\(error.localizedDescription)")
        }
    }

    public func remove(_ path: String) throws(FileSystemError) {
        guard exists(path) else { throw .notFound(path) }
        do { try FileManager.default.removeItem(atPath: hostPath(path)) } catch {
            throw .ioError(path: path, reason: "\(error.localizedDescription)")
        }
    }
}

/// Reads from a real tree (a replay scenario's `root/`), keeps every write in memory so a
/// replay never changes the scenario or the host. Reads see earlier writes.
public final class OverlayFileSystem: FileSystem, Sendable {
    private let lower: any FileSystem
    private let state = Mutex(Written())

    /// What the run wrote, created and removed (normalized paths).
    private struct Written {
        var files: [String: Data] = [:]
        var directories: Set<String> = []
        var removed: Set<String> = []

        /// Whether a written file or created directory lies below `p`.
        func holdsWrittenPath(below p: String) -> Bool {
            let prefix = p == "/" ? "/" : p + "/"
            return files.keys.contains { $0.hasPrefix(prefix) } || directories.contains { $0.hasPrefix(prefix) }
        }
    }

    public init(lower: any FileSystem) { self.lower = lower }

    private static func normalize(_ path: String) -> String { FilePath.trimmingTrailingSlashes(path) }

    public func contents(of path: String) throws(FileSystemError) -> Data {
        let p = Self.normalize(path)
        let (data, gone): (Data?, Bool) = state.withLock { ($0.files[p], $0.removed.contains(p)) }
        if let data { return data }
        if gone { throw .notFound(path) }
        return try lower.contents(of: p)
    }

    public func exists(_ path: String) -> Bool {
        let p = Self.normalize(path)
        let (hit, gone) = state.withLock {
            ($0.files[p] != nil || $0.directories.contains(p) || $0.holdsWrittenPath(below: p), $0.removed.contains(p))
        }
        return hit || (!gone && lower.exists(p))
    }

    /// A directory created here, one of the tree below, or a parent of a file or directory
    /// written here (a write makes its parents exist, as `mkdir -p` then a write would).
    public func isDirectory(_ path: String) -> Bool {
        let p = Self.normalize(path)
        let (hit, gone) = state.withLock {
            ($0.directories.contains(p) || $0.holdsWrittenPath(below: p), $0.removed.contains(p))
        }
        return hit || (!gone && lower.isDirectory(p))
    }

    public func symbolicLinkDestination(_ path: String) -> String? {
        let p = Self.normalize(path)
        let shadowed = state.withLock { $0.files[p] != nil || $0.directories.contains(p) || $0.removed.contains(p) }
        return shadowed ? nil : lower.symbolicLinkDestination(p)
    }

    public func list(_ path: String) throws(FileSystemError) -> [String] {
        let p = Self.normalize(path)
        let prefix = p == "/" ? "/" : p + "/"
        var names = Set((try? lower.list(p)) ?? [])
        let (added, gone) = state.withLock { (Array($0.files.keys) + Array($0.directories), $0.removed) }
        for q in added where q.hasPrefix(prefix) {
            let rest = q.dropFirst(prefix.count)
            if let first = rest.split(separator: "/").first { names.insert(String(first)) }
        }
        names = names.filter { !gone.contains(prefix + $0) }
        if names.isEmpty && !isDirectory(p) { throw .notFound(path) }
        return names.sorted()
    }

    public func append(_ data: Data, to path: String) throws(FileSystemError) {
        let p = Self.normalize(path)
        // As on the host: never append through a symbolic link of the tree below.
        let shadowed = state.withLock { $0.files[p] != nil || $0.removed.contains(p) }
        if !shadowed, lower.symbolicLinkDestination(p) != nil { throw .unsafe(path: path, reason: "is a symbolic link") }
        let existing = (try? contents(of: p)) ?? Data()
        state.withLock {
            $0.files[p] = existing + data
            $0.removed.remove(p)
        }
    }

    public func write(_ data: Data, to path: String) throws(FileSystemError) {
        let p = Self.normalize(path)
        state.withLock {
            $0.files[p] = data
            $0.removed.remove(p)
        }
    }

    public func createDirectory(_ path: String) throws(FileSystemError) {
        let p = Self.normalize(path)
        _ = state.withLock { $0.directories.insert(p) }
    }

    public func remove(_ path: String) throws(FileSystemError) {
        let p = Self.normalize(path)
        guard exists(p) else { throw .notFound(path) }
        state.withLock {
            $0.files[p] = nil
            $0.directories.remove(p)
            $0.removed.insert(p)
        }
    }

    /// What was written during the run (for tests: the log, the lock file).
    public var writtenFiles: [String: Data] { state.withLock { $0.files } }
}
