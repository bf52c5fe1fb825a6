import Foundation
import Synchronization

/// Wraps a runner and writes every command it runs into a scenario directory, in the layout
/// `ReplayRunner` reads (`commands/<n>/argv|env|stdout|stderr|status`, Docs/REPLAY.md). The
/// wrapped run's result (or error) is returned unchanged; a recording that cannot be written
/// is reported once on stderr and never fails the run.
public final class RecordingRunner: CommandRunner, Sendable {
    public let inner: any CommandRunner
    /// The scenario directory being written.
    public let directory: String

    /// Held while a command's files are written, so numbering and files go together.
    private let state = Mutex(State())
    private struct State {
        /// The number of the next command directory, once the existing ones were counted.
        var next: Int?
        /// A problem was reported (later ones are not, except unrecordable commands).
        var warned = false
    }
    private let warn: @Sendable (String) -> Void
    /// Called after every command that ran (the recorder's file system learns of mounts).
    private let observe: @Sendable (Command, CommandResult) -> Void

    /// - Parameters:
    ///   - inner: the runner that really runs the commands.
    ///   - directory: the scenario directory the commands are recorded into (`commands/N/`).
    ///   - warn: where problems with the recording go (default: our stderr).
    ///   - observe: told of every command that ran and its result.
    public init(wrapping inner: any CommandRunner, into directory: String,
                warn: @escaping @Sendable (String) -> Void = { ConsoleStream.standardError.writeLine("kldload: " + $0) },
                observe: @escaping @Sendable (Command, CommandResult) -> Void = { _, _ in }) {
        self.inner = inner
        self.directory = directory
        self.warn = warn
        self.observe = observe
    }

    public func run(_ command: Command, options: RunOptions) throws(CommandError) -> CommandResult {
        let result: CommandResult
        do {
            result = try inner.run(command, options: options)
        } catch {
            if case .notFound = error { record(command, stdout: "", stderr: "", status: .notFound) }
            throw error
        }
        record(command, stdout: result.stdout, stderr: result.stderr, status: .status(result.status))
        observe(command, result)
        return result
    }

    /// Writes `scenario.conf` unless one exists (the lead's scenarios are hand-described).
    public func writeConfiguration(_ values: [(String, String)]) {
        let path = directory + "/scenario.conf"
        guard !FileManager.default.fileExists(atPath: path) else { return }
        let text = values.map { "\($0.0)=\($0.1)\n" }.joined()
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            problem("cannot write \(path): \(error.localizedDescription)")
        }
    }

    private func record(_ command: Command, stdout: String, stderr: String, status: RecordedStatus) {
        guard let argvText = Recording.argvFileText(command.argv) else {
            problem("not recorded (an argument contains a newline, which the argv file cannot hold): \(command)")
            return
        }
        state.withLock { state in
            let commands = directory + "/commands"
            do {
                let fm = FileManager.default
                try fm.createDirectory(atPath: commands, withIntermediateDirectories: true)
                if state.next == nil {
                    // Continue after what is there, so several runs can record into one scenario.
                    let existing = (try? fm.contentsOfDirectory(atPath: commands)) ?? []
                    state.next = (ReplayRunner.numericOrder(existing).last.flatMap { Int($0) } ?? 0) + 1
                }
                let n = state.next ?? 1
                state.next = n + 1
                let dir = commands + "/" + Self.name(n)
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try Data(argvText.utf8).write(to: URL(fileURLWithPath: dir + "/argv"), options: .atomic)
                if let envText = Recording.environmentFileText(command.environmentAdditions) {
                    try Data(envText.utf8).write(to: URL(fileURLWithPath: dir + "/env"), options: .atomic)
                }
                try Data(stdout.utf8).write(to: URL(fileURLWithPath: dir + "/stdout"), options: .atomic)
                if !stderr.isEmpty { try Data(stderr.utf8).write(to: URL(fileURLWithPath: dir + "/stderr"), options: .atomic) }
                try Data(status.fileText.utf8).write(to: URL(fileURLWithPath: dir + "/status"), options: .atomic)
            } catch {
                problem("cannot record into \(commands): \(error.localizedDescription)", state: &state)
            }
        }
    }

    /// `001` … `999`, then `1000` …: zero-padded to three digits, sorted numerically anyway.
    static func name(_ n: Int) -> String {
        let digits = String(n)
        return digits.count >= 3 ? digits : String(repeating: "0", count: 3 - digits.count) + digits
    }

    private func problem(_ message: String) {
        state.withLock { problem(message, state: &$0) }
    }

    private func problem(_ message: String, state: inout State) {
        if state.warned && !message.hasPrefix("not recorded") { return }
        state.warned = true
        warn("KLDLOAD_RECORD: " + message)
    }
}

/// Copy-on-read: reads go to `lower` (the host), and every file read successfully is also
/// copied to `<directory>/root/<path>`, so a recording run captures the files it looked at
/// (`/etc/os-release`, `/proc/cmdline`, …) next to the commands. What the code only *looks
/// for* is recorded too, so the replay takes the same decisions: a listed directory is created
/// in the copy with an empty placeholder for each file entry (a directory for each directory
/// entry); an `exists`/`isDirectory` that finds something creates the same placeholder. A
/// placeholder is replaced by the file's real content when the file is read (the first read
/// wins). Every directory the recorder creates holds an empty `.kldload-directory` marker so
/// that git keeps it even when nothing inside was looked at (the replay hides the marker,
/// `RecordedTreeFileSystem`). Writes go to `lower` unchanged.
///
/// Only the system as it was **before the run changed it** is recorded: once the run writes,
/// appends to, creates or removes a path (the log, the lock, the re-signing work directory
/// `/run/kupgrade-sign` and what `xz`/`sign-file` leave in it, a re-signed module), later reads,
/// existence checks and listings of that path, and of everything under a directory the run
/// created or removed, are not copied. What the recording already holds from before the write
/// stays. The replay sees the run's own writes through its in-memory overlay instead, so it
/// starts from the same state the live run started from.
package struct CopyOnReadFileSystem: FileSystem {
    public let lower: any FileSystem
    public let copy: RootedFileSystem
    private let state = CopyState()

    public init(lower: any FileSystem, scenarioDirectory: String) {
        self.lower = lower
        self.copy = RootedFileSystem(root: scenarioDirectory + "/root")
    }

    public func contents(of path: String) throws(FileSystemError) -> Data {
        let data = try lower.contents(of: path)
        // Copy on the first read in this run, over a placeholder but not over a file an earlier
        // run recorded into the same directory; never what this run wrote itself.
        if !state.isChangedByRun(path), state.markRead(path),
           !copy.exists(path) || (try? copy.contents(of: path))?.isEmpty == true {
            try? copy.write(data, to: path)
        }
        return data
    }

    public func exists(_ path: String) -> Bool {
        let found = lower.exists(path)
        if found, !state.isChangedByRun(path) { placeholder(path, directory: lower.isDirectory(path)) }
        return found
    }

    public func isDirectory(_ path: String) -> Bool {
        let directory = lower.isDirectory(path)
        guard !state.isChangedByRun(path) else { return directory }
        if directory { placeholder(path, directory: true) } else if lower.exists(path) { placeholder(path, directory: false) }
        return directory
    }

    /// The empty file that keeps a recorded directory in git; hidden by the replay.
    public static let directoryMarker = ".kldload-directory"

    public func list(_ path: String) throws(FileSystemError) -> [String] {
        let names = try lower.list(path)
        guard !state.isChangedByRun(path) else { return names }
        makeDirectory(path)
        let base = path.hasSuffix("/") ? path : path + "/"
        for name in names where !state.isChangedByRun(base + name) {
            placeholder(base + name, directory: lower.isDirectory(base + name))
        }
        return names
    }

    public func append(_ data: Data, to path: String) throws(FileSystemError) {
        changing(path, createsParents: true)
        try lower.append(data, to: path)
    }
    public func write(_ data: Data, to path: String) throws(FileSystemError) {
        changing(path, createsParents: true)
        try lower.write(data, to: path)
    }
    public func createDirectory(_ path: String) throws(FileSystemError) {
        // An existing directory is not changed by creating it again.
        if !lower.isDirectory(path) { changing(path, createsParents: true) }
        try lower.createDirectory(path)
    }
    public func remove(_ path: String) throws(FileSystemError) {
        changing(path, createsParents: false)
        try lower.remove(path)
    }

    /// A file system was mounted on `path` (`mount … DIR` succeeded): what is under it now is
    /// that file system as it was before the run, not something the run wrote, so it is
    /// recorded again even when the run created the directory (kupgrade --new-be creates
    /// /run/kbe/NAME, then reads the new BE's kernels there). Later writes under it are the
    /// run's again.
    public func mounted(at path: String) {
        state.unmarkChanged(containing: path)
    }

    /// `mount … DIR`: the argv of a successful mount command names its target last.
    public static func mountTarget(of command: Command, result: CommandResult) -> String? {
        guard command.program == "mount", result.status.isSuccess, let target = command.argv.last,
            target.hasPrefix("/"), command.argv.count >= 3
        else { return nil }
        return target
    }

    /// Marks `path` (and everything under it) as changed by this run, before the change. The
    /// parent directories a write or `createDirectory` will create are the run's too: the
    /// topmost one that does not exist yet is marked.
    private func changing(_ path: String, createsParents: Bool) {
        var top = CopyState.normalize(path)
        if createsParents {
            var parent = (top as NSString).deletingLastPathComponent
            while parent.count > 1, !lower.exists(parent) {
                top = parent
                parent = (parent as NSString).deletingLastPathComponent
            }
        }
        state.markChanged(top)
    }

    /// A link the run looked at is recorded as the same link (relative or absolute as stored).
    public func symbolicLinkDestination(_ path: String) -> String? {
        guard let destination = lower.symbolicLinkDestination(path) else { return nil }
        let host = copy.hostPath(path)
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: host)) == nil {
            try? FileManager.default.createDirectory(atPath: (host as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: host)
            try? FileManager.default.createSymbolicLink(atPath: host, withDestinationPath: destination)
        }
        return destination
    }

    /// Records that `path` exists without copying its content (an empty file or a directory),
    /// unless the copy already has it.
    private func placeholder(_ path: String, directory: Bool) {
        guard !copy.exists(path) else { return }
        if directory { makeDirectory(path) } else { try? copy.write(Data(), to: path) }
    }

    private func makeDirectory(_ path: String) {
        let marker = (path.hasSuffix("/") ? path : path + "/") + Self.directoryMarker
        if !copy.exists(marker) { try? copy.write(Data(), to: marker) }
    }
}

/// A recorded `root/` tree as the replay reads it: `CopyOnReadFileSystem`'s directory markers
/// are not there (not listed, not found); everything else is the tree as recorded.
package struct RecordedTreeFileSystem: FileSystem {
    public let tree: RootedFileSystem

    public init(root: String) { tree = RootedFileSystem(root: root) }

    private static func isMarker(_ path: String) -> Bool {
        path == CopyOnReadFileSystem.directoryMarker || path.hasSuffix("/" + CopyOnReadFileSystem.directoryMarker)
    }

    public func contents(of path: String) throws(FileSystemError) -> Data {
        if Self.isMarker(path) { throw .notFound(path) }
        return try tree.contents(of: path)
    }
    public func exists(_ path: String) -> Bool { !Self.isMarker(path) && tree.exists(path) }
    public func isDirectory(_ path: String) -> Bool { !Self.isMarker(path) && tree.isDirectory(path) }
    public func list(_ path: String) throws(FileSystemError) -> [String] {
        try tree.list(path).filter { $0 != CopyOnReadFileSystem.directoryMarker }
    }
    public func append(_ data: Data, to path: String) throws(FileSystemError) { try tree.append(data, to: path) }
    public func write(_ data: Data, to path: String) throws(FileSystemError) { try tree.write(data, to: path) }
    public func createDirectory(_ path: String) throws(FileSystemError) { try tree.createDirectory(path) }
    public func remove(_ path: String) throws(FileSystemError) { try tree.remove(path) }
    public func symbolicLinkDestination(_ path: String) -> String? {
        Self.isMarker(path) ? nil : tree.symbolicLinkDestination(path)
    }
}

/// Which files a `CopyOnReadFileSystem` has copied with their real content, and which paths
/// the run itself changed (never recorded after that).
private final class CopyState: Sendable {
    private struct Paths {
        var read: Set<String> = []
        var changed: Set<String> = []
    }
    private let paths = Mutex(Paths())

    /// True the first time `path` is read (its content is to be copied).
    func markRead(_ path: String) -> Bool {
        paths.withLock { $0.read.insert(path).inserted }
    }

    /// `path` and everything under it belong to the run from now on.
    func markChanged(_ path: String) {
        let normalized = Self.normalize(path)
        paths.withLock { _ = $0.changed.insert(normalized) }
    }

    /// Forgets the marks on `path` and on its parent directories (a mount covers them there).
    func unmarkChanged(containing path: String) {
        var p = Self.normalize(path)
        paths.withLock { state in
            while true {
                state.changed.remove(p)
                if p == "/" || p.isEmpty { return }
                let parent = (p as NSString).deletingLastPathComponent
                if parent == p { return }
                p = parent
            }
        }
    }

    /// True when the run wrote, created or removed `path` or one of its parent directories.
    func isChangedByRun(_ path: String) -> Bool {
        let changed = paths.withLock { $0.changed }
        if changed.isEmpty { return false }
        var p = Self.normalize(path)
        while true {
            if changed.contains(p) { return true }
            if p == "/" || p.isEmpty { return false }
            let parent = (p as NSString).deletingLastPathComponent
            if parent == p { return false }
            p = parent
        }
    }

    static func normalize(_ path: String) -> String { FilePath.trimmingTrailingSlashes(path) }
}
