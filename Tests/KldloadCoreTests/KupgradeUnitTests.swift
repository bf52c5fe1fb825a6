import Foundation
import Testing

@testable import KldloadCore

@Suite("kupgrade units")
struct KupgradeUnitTests {
    @Test func configParsesDocumentedKeys() throws {
        let text = """
            # kldload upgrade settings
            keep = 5
            autoremove = no
            allow_degraded = yes
            log = "/var/log/kldload/upgrade.log"
            arch_autoremove = on
            """
        let config = try KupgradeConfig.parse(text)
        var options = UpgradeOptions()
        config.apply(to: &options)
        #expect(options.keep == 5)
        #expect(options.autoremove == false)
        #expect(options.allowDegraded == true)
        #expect(options.logPath == "/var/log/kldload/upgrade.log")
        #expect(options.archAutoremove == true)
    }

    @Test func configErrorsNameTheLine() {
        #expect(throws: ParseError.self) { try KupgradeConfig.parse("keep = 5\nkepe = 3\n") }
        do {
            _ = try KupgradeConfig.parse("keep = 5\nautoremove = perhaps\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.reason.contains("yes or no"))
        }
        #expect(throws: ParseError.self) { try KupgradeConfig.parse("keep = 0") }
        #expect(throws: ParseError.self) { try KupgradeConfig.parse("keep = 99999999999999999999999") }
        #expect(throws: ParseError.self) { try KupgradeConfig.parse("log = relative.log") }
        #expect(throws: ParseError.self) { try KupgradeConfig.parse("just words") }
    }

    @Test func commandLineWinsOverConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kupgrade-conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("etc/kldload"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "keep = 4\nautoremove = no\n".write(to: dir.appendingPathComponent("etc/kldload/kupgrade.conf"), atomically: true, encoding: .utf8)
        let files = RootedFileSystem(root: dir.path)
        let args = ["--keep", "7", "--dry-run", "--json"]
        let parsed = try KupgradeCommand.parser.parse(args)
        let options = try KupgradeCommand.options(arguments: args, parsed: parsed, files: files)
        #expect(options.keep == 7)
        #expect(options.autoremove == false)
        #expect(options.dryRun && options.json)
        // `--json` changes only the output, so it is not part of the recorded command.
        #expect(options.commandLine == ["kupgrade", "--keep", "7", "--dry-run"])
        let replayArgs = ["--replay", "/some/dir", "--yes", "--replay=/x"]
        let replayed = try KupgradeCommand.options(arguments: replayArgs, parsed: try KupgradeCommand.parser.parse(["--yes"]), files: files)
        #expect(replayed.commandLine == ["kupgrade", "--yes"])
        #expect(throws: UsageError.self) {
            try KupgradeCommand.options(arguments: ["--keep", "0"], parsed: try KupgradeCommand.parser.parse(["--keep", "0"]), files: files)
        }
    }

    @Test func usageErrorsExitTwo() {
        let out = Lines()
        #expect(KupgradeCommand.main(["--frobnicate"], stdout: out.add, stderr: out.add) == 2)
        #expect(out.text.contains("unknown option"))
        #expect(KupgradeCommand.main(["--keep", "x"], stdout: out.add, stderr: out.add) == 2)
        #expect(KupgradeCommand.main(["upgrade"], stdout: out.add, stderr: out.add) == 2)
        let help = Lines()
        #expect(KupgradeCommand.main(["--help"], stdout: help.add, stderr: help.add) == 0)
        #expect(help.text.contains("5  critical module failure"))
        #expect(help.text.contains("--allow-degraded"))
        let version = Lines()
        #expect(KupgradeCommand.main(["--version"], stdout: version.add, stderr: version.add) == 0)
        #expect(version.text == "kupgrade \(KldloadVersion.current)\n")
    }

    @Test func kernelPackageNames() {
        #expect(KernelPackages.kernelRelease(package: "linux-image-6.1.0-21-amd64", version: "6.1.0-21", arch: "amd64", manager: "apt", isNewInstall: true) == "6.1.0-21-amd64")
        #expect(KernelPackages.kernelRelease(package: "linux-image-amd64", version: "6.1.90-1", arch: "amd64", manager: "apt", isNewInstall: false) == nil)
        #expect(KernelPackages.kernelRelease(package: "linux-image-6.8.0-52-generic", version: "6.8.0-52.53", arch: "amd64", manager: "apt", isNewInstall: true) == "6.8.0-52-generic")
        #expect(KernelPackages.kernelRelease(package: "kernel-core", version: "5.14.0-570.el9", arch: "x86_64", manager: "dnf", isNewInstall: true) == "5.14.0-570.el9.x86_64")
        #expect(KernelPackages.kernelRelease(package: "linux", version: "6.12.3.arch1-1", arch: nil, manager: "pacman", isNewInstall: false) == "6.12.3-arch1-1")
        #expect(KernelPackages.kernelRelease(package: "linux-lts", version: "6.6.63-1", arch: nil, manager: "pacman", isNewInstall: false) == "6.6.63-1-lts")
        #expect(KernelPackages.deliversModules("zfs-dkms"))
        #expect(KernelPackages.deliversModules("kmod-zfs"))
        #expect(KernelPackages.deliversModules("zfs-linux-lts"))
        #expect(!KernelPackages.deliversModules("zfsutils-linux"))
    }

    @Test func requiredSpaceHasMarginAndNeverOverflows() {
        var plan = UpgradePlan()
        #expect(plan.requiredBytes == UpgradePlan.minimumFreeBytes)
        plan.downloadBytes = 400 * 1_000_000
        plan.installedSizeChange = 400 * 1_000_000
        #expect(plan.requiredBytes == 1_000_000_000 + UpgradePlan.minimumFreeBytes)
        plan.installedSizeChange = -5_000_000_000
        #expect(plan.requiredBytes == 500_000_000 + UpgradePlan.minimumFreeBytes)
        plan.downloadBytes = UInt64.max
        plan.installedSizeChange = Int64.max
        #expect(plan.requiredBytes == UInt64.max)
    }

    @Test func sizeTextAsAptAndDnfPrintIt() {
        #expect(SizeText.bytes("2984 B", base: 1000) == 2984)
        #expect(SizeText.bytes("12.3 MB", base: 1000) == 12_300_000)
        #expect(SizeText.bytes(" 2.2 M", base: 1024) == 2_306_867)
        #expect(SizeText.bytes("812 k", base: 1024) == 831_488)
        #expect(SizeText.bytes("lots", base: 1024) == nil)
        #expect(SizeText.bytes("9e99 G", base: 1024) == nil)
    }

    @Test func scenarioLocksKey() {
        let held = ScenarioLockProbe.heldLocks(scenarioConf: "now=2026-01-01T00:00:00Z\nlocks_held=/var/lib/dpkg/lock-frontend, /var/lib/dpkg/lock\n")
        #expect(held == ["/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock"])
        #expect(ScenarioLockProbe.heldLocks(scenarioConf: nil).isEmpty)
    }

    @Test func hostFcntlProbeSeesARealLock() throws {
        // Our own temp file, never a system lock: a child-free check that F_OFD_GETLK works.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kupgrade-lock-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let probe = HostLockProbe()
        let lock = PackageLock(path, .fcntl, owner: "test")
        #expect(probe.holder(of: lock) == nil)
        let fd = open(path, O_RDWR)
        #expect(fd >= 0)
        defer { close(fd) }
        var fl = flock()
        fl.l_type = Int16(F_WRLCK)
        fl.l_whence = Int16(SEEK_SET)
        // An OFD lock on another open file description of the same file.
        #expect(fcntl(fd, 37 /* F_OFD_SETLK */, &fl) == 0)
        #expect(probe.holder(of: lock) != nil)
        #expect(probe.holder(of: PackageLock(path + ".absent", .exists, owner: "pacman")) == nil)
    }

    @Test func hostRunLockIsExclusive() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kupgrade-run-\(UUID().uuidString).lock").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let probe = HostLockProbe()
        let first = try probe.acquireRunLock(at: path)
        #expect(first.path == path)
        #expect(throws: UpgradeError.self) { _ = try probe.acquireRunLock(at: path) }
    }
}

/// Collects output lines (thread-safe) for assertions.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var add: @Sendable (String) -> Void { { [self] line in lock.withLock { lines.append(line) } } }
    var all: [String] { lock.withLock { lines } }
    var text: String { all.map { $0 + "\n" }.joined() }
}
