import Foundation
import Testing

@testable import KldloadCore

#if canImport(Glibc)
import Glibc
#endif

/// Files written as root never follow a link someone else planted (Docs/DESIGN.md, "Security").
@Suite("files written as root")
struct FileSafetyTests {
    /// A scratch directory with a "precious" file standing in for /etc/shadow.
    final class Scratch {
        let dir: String
        let precious: String
        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("kldload-safety-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir + "/var/log", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: dir + "/etc", withIntermediateDirectories: true)
            precious = dir + "/etc/shadow"
            try "root:*:19000:0:99999:7:::\n".write(toFile: precious, atomically: true, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(atPath: dir) }
        var preciousText: String { (try? String(contentsOfFile: precious, encoding: .utf8)) ?? "" }
    }

    @Test func appendRefusesASymbolicLink() throws {
        let s = try Scratch()
        try FileManager.default.createSymbolicLink(atPath: s.dir + "/var/log/kupgrade.log", withDestinationPath: s.precious)
        let fs = RootedFileSystem(root: s.dir)
        #expect(throws: FileSystemError.unsafe(path: "/var/log/kupgrade.log", reason: "is a symbolic link")) {
            try fs.append(Data("owned\n".utf8), to: "/var/log/kupgrade.log")
        }
        #expect(s.preciousText == "root:*:19000:0:99999:7:::\n")
    }

    @Test func appendRefusesAHardLinkAndAFIFO() throws {
        let s = try Scratch()
        #expect(link(s.precious, s.dir + "/var/log/kupgrade.log") == 0)
        let fs = RootedFileSystem(root: s.dir)
        #expect(throws: FileSystemError.unsafe(path: "/var/log/kupgrade.log", reason: "has 2 hard links")) {
            try fs.append(Data("owned\n".utf8), to: "/var/log/kupgrade.log")
        }
        #expect(s.preciousText == "root:*:19000:0:99999:7:::\n")
        #expect(mkfifo(s.dir + "/var/log/fifo.log", 0o600) == 0)
        // Without O_NONBLOCK this open would hang for ever (no reader).
        #expect(throws: FileSystemError.self) { try fs.append(Data("x".utf8), to: "/var/log/fifo.log") }
    }

    @Test func appendCreatesAPrivateRegularFile() throws {
        let s = try Scratch()
        let fs = RootedFileSystem(root: s.dir)
        try fs.append(Data("one\n".utf8), to: "/var/log/new/kupgrade.log")
        try fs.append(Data("two\n".utf8), to: "/var/log/new/kupgrade.log")
        #expect(try fs.text(of: "/var/log/new/kupgrade.log") == "one\ntwo\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: s.dir + "/var/log/new/kupgrade.log")
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o777 } == 0o640)
    }

    /// The in-memory overlay models the refusal, so replays and tests see what the host does.
    @Test func overlayRefusesALinkOfTheTreeBelow() throws {
        let s = try Scratch()
        try FileManager.default.createSymbolicLink(atPath: s.dir + "/var/log/kupgrade.log", withDestinationPath: "/etc/shadow")
        let fs = OverlayFileSystem(lower: RootedFileSystem(root: s.dir))
        #expect(throws: FileSystemError.unsafe(path: "/var/log/kupgrade.log", reason: "is a symbolic link")) {
            try fs.append(Data("x\n".utf8), to: "/var/log/kupgrade.log")
        }
        #expect(fs.writtenFiles.isEmpty)
    }

    /// A file written into the overlay makes its parents directories, as on the host after
    /// `mkdir -p` and a write: an in-memory efivarfs shows /sys/firmware/efi as a directory.
    @Test func overlayShowsParentsOfWrittenFilesAsDirectories() throws {
        let fs = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent-overlay-parents"))
        #expect(!fs.isDirectory("/sys/firmware/efi"))
        try fs.write(Data([7, 0, 0, 0, 2, 0]), to: "/sys/firmware/efi/efivars/BootCurrent-8be4df61-93ca-11d2-aa0d-00e098032b8c")
        #expect(fs.isDirectory("/sys/firmware/efi"))
        #expect(fs.isDirectory("/sys/firmware/efi/efivars/"))
        #expect(fs.exists("/sys/firmware"))
        #expect(!fs.isDirectory("/sys/firmware/efi/efivars/BootCurrent-8be4df61-93ca-11d2-aa0d-00e098032b8c"))
        #expect(!fs.isDirectory("/sys/firm"))
        #expect(try fs.list("/sys/firmware/efi") == ["efivars"])
    }

    /// A whole kupgrade run with its log planted as a link: nothing is written through it, the
    /// run completes, and the report says why the log is missing.
    @Test func kupgradeLogPlantedAsALink() throws {
        let rig = try KupgradeRig()
        try FileManager.default.createSymbolicLink(atPath: rig.dir.appendingPathComponent("var/log/kupgrade.log").path,
                                                   withDestinationPath: rig.dir.appendingPathComponent("etc/os-release").path)
        let before = try String(contentsOf: rig.dir.appendingPathComponent("etc/os-release"), encoding: .utf8)
        rig.options.dryRun = true
        rig.healthyPool()
        rig.aptPlan()
        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(report.warnings.contains { $0.contains("could not write the log: /var/log/kupgrade.log: is a symbolic link; refusing to write through it") })
        #expect(try String(contentsOf: rig.dir.appendingPathComponent("etc/os-release"), encoding: .utf8) == before)
        #expect(rig.files.writtenFiles["/etc/os-release"] == nil)
    }

    @Test func runLockRefusesALink() throws {
        let s = try Scratch()
        let lock = s.dir + "/run-kupgrade.lock"
        try FileManager.default.createSymbolicLink(atPath: lock, withDestinationPath: s.precious)
        #expect(throws: UpgradeError.self) { _ = try HostLockProbe().acquireRunLock(at: lock) }
        #expect(s.preciousText == "root:*:19000:0:99999:7:::\n")
        // A plain path works and holds our pid.
        let plain = s.dir + "/plain.lock"
        let handle = try HostLockProbe().acquireRunLock(at: plain)
        #expect(try String(contentsOfFile: plain, encoding: .utf8) == "\(getpid())\n")
        _ = handle
    }

    @Test func scenarioRunLockRefusesALinkToo() throws {
        let s = try Scratch()
        try FileManager.default.createDirectory(atPath: s.dir + "/run", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: s.dir + "/run/kupgrade.lock", withDestinationPath: "/etc/shadow")
        let files = OverlayFileSystem(lower: RootedFileSystem(root: s.dir))
        #expect(throws: UpgradeError.self) {
            _ = try ScenarioLockProbe(held: [], files: files).acquireRunLock(at: RunLock.defaultPath)
        }
    }
}
