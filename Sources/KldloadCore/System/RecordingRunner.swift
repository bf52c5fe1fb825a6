import Foundation

/// Wraps a runner and writes every command it runs into a scenario directory, in the layout
/// `ReplayRunner` reads (`commands/<n>/argv|stdout|stderr|status`, Docs/REPLAY.md). The
/// wrapped run's result (or error) is returned unchanged; a recording that cannot be written
/// is reported once on stderr and never fails the run.
public final class RecordingRunner: CommandRunner, @unchecked Sendable {
    public let inner: any CommandRunner
    /// The scenario directory being written.
    public let directory: String

    private let lock = NSLock()
    private var next: Int?
    private var warned = false
    private let warn: @Sendable (String) -> Void

    /// - Parameter warn: where problems with the recording go (default: our stderr).
    public init(wrapping inner: any CommandRunner, into directory: String,
                warn: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(("kldload: " + $0 + "\n").utf8)) }) {
        self.inner = inner
        self.directory = directory
        self.warn = warn
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
        return result
    }

    /// Writes `scenario.conf` unless one exists (the lead's scenarios are hand-described).
    public func writeConfiguration(_ values: [(String, String)]) {
        let path = directory + "/scenario.conf"
        guard !FileManager.default.fileExists(atPath: path) else { return }
        let text = values.map { "\($0.0)=\($0.1)\n" }.joined()
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            problem("cannot write \(path): \(error.localizedDescription)")
        }
    }

    private func record(_ command: Command, stdout: String, stderr: String, status: RecordedStatus) {
        guard let argvText = Recording.argvFileText(command.argv) else {
            problem("not recorded (an argument contains a newline, which the argv file cannot hold): \(command)")
            return
        }
        lock.lock()
        defer { lock.unlock() }
        let commands = directory + "/commands"
        do {
            let fm = FileManager.default
            try fm.createDirectory(atPath: commands, withIntermediateDirectories: true)
            if next == nil {
                // Continue after what is there, so several runs can record into one scenario.
                let existing = (try? fm.contentsOfDirectory(atPath: commands)) ?? []
                next = (ReplayRunner.numericOrder(existing).last.flatMap { Int($0) } ?? 0) + 1
            }
            let n = next ?? 1
            next = n + 1
            let dir = commands + "/" + Self.name(n)
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(argvText.utf8).write(to: URL(fileURLWithPath: dir + "/argv"))
            try Data(stdout.utf8).write(to: URL(fileURLWithPath: dir + "/stdout"))
            if !stderr.isEmpty { try Data(stderr.utf8).write(to: URL(fileURLWithPath: dir + "/stderr")) }
            try Data(status.fileText.utf8).write(to: URL(fileURLWithPath: dir + "/status"))
        } catch {
            problemLocked("cannot record into \(commands): \(error.localizedDescription)")
        }
    }

    /// `001` … `999`, then `1000` …: zero-padded to three digits, sorted numerically anyway.
    static func name(_ n: Int) -> String {
        let digits = String(n)
        return digits.count >= 3 ? digits : String(repeating: "0", count: 3 - digits.count) + digits
    }

    private func problem(_ message: String) {
        lock.lock()
        defer { lock.unlock() }
        problemLocked(message)
    }

    private func problemLocked(_ message: String) {
        if warned && !message.hasPrefix("not recorded") { return }
        warned = true
        warn("KLDLOAD_RECORD: " + message)
    }
}

/// Copy-on-read: reads go to `lower` (the host), and every file read successfully is also
/// copied to `<directory>/root/<path>`, so a recording run captures the files it looked at
/// (`/etc/os-release`, `/proc/cmdline`, …) next to the commands. Listings create the directory
/// in the copy (entries are copied only when read). Writes go to `lower` unchanged.
public struct CopyOnReadFileSystem: FileSystem {
    public let lower: any FileSystem
    public let copy: RootedFileSystem

    public init(lower: any FileSystem, scenarioDirectory: String) {
        self.lower = lower
        self.copy = RootedFileSystem(root: scenarioDirectory + "/root")
    }

    public func contents(of path: String) throws(FileSystemError) -> Data {
        let data = try lower.contents(of: path)
        if !copy.exists(path) { try? copy.write(data, to: path) }
        return data
    }

    public func exists(_ path: String) -> Bool { lower.exists(path) }
    public func isDirectory(_ path: String) -> Bool { lower.isDirectory(path) }

    public func list(_ path: String) throws(FileSystemError) -> [String] {
        let names = try lower.list(path)
        try? copy.createDirectory(path)
        return names
    }

    public func append(_ data: Data, to path: String) throws(FileSystemError) { try lower.append(data, to: path) }
    public func write(_ data: Data, to path: String) throws(FileSystemError) { try lower.write(data, to: path) }
    public func createDirectory(_ path: String) throws(FileSystemError) { try lower.createDirectory(path) }
    public func remove(_ path: String) throws(FileSystemError) { try lower.remove(path) }
}
