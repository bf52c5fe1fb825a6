import Foundation
import Testing
@testable import KldloadCore

// Helpers shared by the Module*Tests files: a temporary file tree standing in for `/`, progress
// lines, and access to the captured fixtures. Commands are answered by `ReplayRunner.answering`.

/// Collects progress lines.
final class ModuleProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    var sink: ProgressSink { { [self] line in lock.withLock { stored.append(line) } } }
    func contains(_ line: String) -> Bool { lines.contains(line) }
}

/// A temporary directory used as `/` through `RootedFileSystem`. Removed on deinit.
final class ModuleTree: @unchecked Sendable {
    let root: String
    let files: RootedFileSystem

    init() {
        root = NSTemporaryDirectory() + "kldload-modules-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        files = RootedFileSystem(root: root)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func file(_ path: String, _ contents: String = "") {
        try! files.write(Data(contents.utf8), to: path)
    }

    func bytes(_ path: String, _ contents: [UInt8]) {
        try! files.write(Data(contents), to: path)
    }

    func symlink(_ path: String, to target: String) {
        try! files.createDirectory((path as NSString).deletingLastPathComponent)
        try! FileManager.default.createSymbolicLink(atPath: files.hostPath(path), withDestinationPath: target)
    }

    /// An installed kernel: image in /boot and the module directory.
    func kernel(_ release: String, imageInModulesDir: Bool = false) {
        if imageInModulesDir { file("/lib/modules/\(release)/vmlinuz", "image") }
        else { file("/boot/vmlinuz-\(release)", "image") }
        file("/lib/modules/\(release)/modules.dep")
    }

    func text(_ path: String) -> String? { files.textIfPresent(path) }

    func context(_ runner: ReplayRunner, now: Date = Date(timeIntervalSince1970: 1_790_000_000)) -> SystemContext {
        SystemContext(runner: runner, files: files, now: { now })
    }
}

/// Captured outputs under Fixtures/ (verbatim, see each folder's PROVENANCE.md).
enum ModuleFixtures {
    static let root: String = Fixtures.root.path

    static func text(_ relative: String) -> String {
        (try? String(contentsOfFile: root + "/" + relative, encoding: .utf8)) ?? "<missing fixture \(relative)>"
    }

    static func status(_ relative: String) -> Int32 {
        Int32(text(relative).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    static let dkms = "dkms/3.0.10-debian12/"
    static let modinfo = "modinfo/kmod30-debian12/"
    static let mokutil = "mokutil/0.6.0-debian12/"

    /// `modinfo -F vermagic` of a module built for 6.1.0-56-amd64 (captured).
    static var vermagic56: String { text(modinfo + "vermagic-dkms-ko.stdout") }
}

@Suite struct ModuleTestSupportTests {
    @Test func fixturesAreReachable() {
        #expect(ModuleFixtures.vermagic56.hasPrefix("6.1.0-56-amd64 "))
        #expect(ModuleFixtures.status(ModuleFixtures.dkms + "autoinstall-with-broken.status") == 11)
    }

    @Test func stubRecordsAndRefusesUnknownCommands() {
        let runner = ReplayRunner.answering { argv in argv == ["true"] ? ReplayRunner.answer(argv) : nil }
        #expect((try? runner.run(Command(["true"])))?.status == .exited(0))
        #expect(throws: CommandError.self) { try runner.run(Command(["false"])) }
        #expect(runner.argvs == [["true"], ["false"]])
    }
}
