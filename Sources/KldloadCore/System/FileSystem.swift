import Foundation

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
    /// Appends (creating the file and its parent directories as needed).
    func append(_ data: Data, to path: String) throws(FileSystemError)
    /// Replaces the file atomically (write to a temporary file and rename).
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

public enum FileSystemError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(String)
    case ioError(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path): return "\(path): no such file or directory"
        case .ioError(let path, let reason): return "\(path): \(reason)"
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
        let p = hostPath(path)
        try createDirectory((path as NSString).deletingLastPathComponent)
        if !FileManager.default.fileExists(atPath: p) {
            guard FileManager.default.createFile(atPath: p, contents: nil, attributes: [.posixPermissions: 0o640]) else {
                throw .ioError(path: path, reason: "cannot create file")
            }
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: p))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        } catch {
            throw .ioError(path: path, reason: "\(error.localizedDescription)")
        }
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
public final class OverlayFileSystem: FileSystem, @unchecked Sendable {
    private let lower: any FileSystem
    private let lock = NSLock()
    private var files: [String: Data] = [:]
    private var directories: Set<String> = []
    private var removed: Set<String> = []

    public init(lower: any FileSystem) { self.lower = lower }

    private static func normalize(_ path: String) -> String { FilePath.trimmingTrailingSlashes(path) }

    public func contents(of path: String) throws(FileSystemError) -> Data {
        let p = Self.normalize(path)
        let (data, gone): (Data?, Bool) = lock.withLock { (files[p], removed.contains(p)) }
        if let data { return data }
        if gone { throw .notFound(path) }
        return try lower.contents(of: p)
    }

    public func exists(_ path: String) -> Bool {
        let p = Self.normalize(path)
        let (hit, gone) = lock.withLock { (files[p] != nil || directories.contains(p), removed.contains(p)) }
        return hit || (!gone && lower.exists(p))
    }

    public func isDirectory(_ path: String) -> Bool {
        let p = Self.normalize(path)
        let (hit, gone) = lock.withLock { (directories.contains(p), removed.contains(p)) }
        return hit || (!gone && lower.isDirectory(p))
    }

    public func symbolicLinkDestination(_ path: String) -> String? {
        let p = Self.normalize(path)
        let shadowed = lock.withLock { files[p] != nil || directories.contains(p) || removed.contains(p) }
        return shadowed ? nil : lower.symbolicLinkDestination(p)
    }

    public func list(_ path: String) throws(FileSystemError) -> [String] {
        let p = Self.normalize(path)
        let prefix = p == "/" ? "/" : p + "/"
        var names = Set((try? lower.list(p)) ?? [])
        let (added, gone) = lock.withLock { (Array(files.keys) + Array(directories), removed) }
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
        let existing = (try? contents(of: p)) ?? Data()
        lock.withLock {
            files[p] = existing + data
            removed.remove(p)
        }
    }

    public func write(_ data: Data, to path: String) throws(FileSystemError) {
        let p = Self.normalize(path)
        lock.withLock {
            files[p] = data
            removed.remove(p)
        }
    }

    public func createDirectory(_ path: String) throws(FileSystemError) {
        let p = Self.normalize(path)
        _ = lock.withLock { directories.insert(p) }
    }

    public func remove(_ path: String) throws(FileSystemError) {
        let p = Self.normalize(path)
        guard exists(p) else { throw .notFound(path) }
        lock.withLock {
            files[p] = nil
            directories.remove(p)
            removed.insert(p)
        }
    }

    /// What was written during the run (for tests: the log, the lock file).
    public var writtenFiles: [String: Data] { lock.withLock { files } }
}
