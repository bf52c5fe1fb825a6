import Foundation

/// How a driver runs commands: through the Upgrader, which logs every line, streams it live
/// when `stream` is true, and announces `[kupgrade] running: …`.
public struct DriverRunner: Sendable {
    public var files: any FileSystem
    public var run: @Sendable (Command, _ stream: Bool) throws(CommandError) -> CommandResult

    public init(files: any FileSystem, run: @escaping @Sendable (Command, Bool) throws(CommandError) -> CommandResult) {
        self.files = files
        self.run = run
    }
}

/// One package manager, as kupgrade drives it: its locks, how it refreshes and simulates
/// (the plan), the transaction's argv, autoremove, and what counts as a failure.
public protocol PackageManagerDriver: Sendable {
    var manager: PackageManager { get }
    /// Absolute paths; the first that exists confirms the manager is installed.
    var binaries: [String] { get }
    var locks: [PackageLock] { get }
    /// Added to the environment of the transaction commands.
    var environment: [String: String] { get }
    /// Refresh metadata and simulate. Changes nothing but metadata caches.
    func plan(_ runner: DriverRunner, options: UpgradeOptions) throws(UpgradeError) -> UpgradePlan
    /// The transaction, in order. A failing command stops the rest of the list.
    func upgradeCommands(for plan: UpgradePlan) -> [Command]
    /// Whether a transaction command failed. The exit status is the truth: apt, dnf and pacman
    /// exit non-zero when the transaction failed, and apt prints `E:` lines for problems it
    /// survives (no /dev/pts for its log, a hook that failed) while exiting 0.
    func failed(_ result: CommandResult) -> Bool
    /// Autoremove commands to run, or nil with the reason it is skipped.
    func autoremove(_ runner: DriverRunner, options: UpgradeOptions) -> (commands: [Command], skipped: String?)
    /// The command a user runs to keep the old kernel (for the DKMS failure block).
    func pinKernelHint(_ kernel: String) -> String
    /// `command` run against the system mounted at `root` instead of `/` (`kupgrade --new-be`):
    /// apt in a chroot, dnf with `--installroot`, pacman with `--sysroot`.
    func rooted(_ command: Command, at root: String) -> Command
}

extension PackageManagerDriver {
    /// `chroot ROOT argv…`: what apt and every helper command need (dpkg's maintainer scripts,
    /// DKMS and the initramfs hooks run in the new BE with it).
    public func rooted(_ command: Command, at root: String) -> Command {
        Command(["chroot", root] + command.argv, environment: command.environment)
    }

    public func failed(_ result: CommandResult) -> Bool { !result.status.isSuccess }

    /// Error lines (`E: `, `error: `, `Error: ` on stderr) of a command that nevertheless
    /// succeeded: kupgrade reports them as warnings, never as a failed transaction.
    public func errorLinesDespiteSuccess(_ result: CommandResult) -> [String] {
        guard result.status.isSuccess else { return [] }
        return result.stderr.split(separator: "\n").filter(isErrorLine).map(String.init)
    }
}

/// The line prefixes apt (`E: `), pacman (`error: `) and dnf (`Error: `) put on their errors.
func isErrorLine(_ line: Substring) -> Bool {
    line.hasPrefix("E: ") || line.hasPrefix("error: ") || line.hasPrefix("Error: ")
}

/// The driver of each package manager: `PackageManagerDrivers.driver(for: .apt)`.
public enum PackageManagerDrivers {
    public static func driver(for manager: PackageManager) -> any PackageManagerDriver {
        switch manager {
        case .apt: return AptDriver()
        case .dnf: return DnfDriver()
        case .pacman: return PacmanDriver()
        }
    }
}

/// Sizes as package managers print them: apt's `SizeToStr` (`2984 B`, `12.3 MB`, 1000-based,
/// written `%sB`) and dnf's `format_number` (`812 k`, `2.2 M`, 1024-based).
enum SizeText {
    static func bytes(_ text: Substring, base: Double) -> UInt64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        var number = ""
        var rest = Substring(t)
        while let c = rest.first, c.isNumber || c == "." || c == "," {
            number.append(c == "," ? "." : c)
            rest = rest.dropFirst()
        }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        let unit = rest.trimmingCharacters(in: .whitespaces).uppercased()
        let exponent: Double
        switch unit.first {
        case nil, "B": exponent = 0
        case "K": exponent = 1
        case "M": exponent = 2
        case "G": exponent = 3
        case "T": exponent = 4
        case "P": exponent = 5
        default: return nil
        }
        let result = value * pow(base, exponent)
        guard result < 1.8e19 else { return UInt64.max }
        return UInt64(result)
    }
}

// MARK: - apt

/// Debian and Ubuntu: `apt-get update`, `apt-get -s dist-upgrade`, then the real
/// non-interactive `dist-upgrade` with `--force-confdef --force-confold`.
public struct AptDriver: PackageManagerDriver {
    public init() {}
    public var manager: PackageManager { .apt }
    public var binaries: [String] { ["/usr/bin/apt-get"] }
    public var locks: [PackageLock] {
        [
            PackageLock("/var/lib/dpkg/lock-frontend", .fcntl, owner: "dpkg/apt"),
            PackageLock("/var/lib/dpkg/lock", .fcntl, owner: "dpkg"),
            PackageLock("/var/lib/apt/lists/lock", .fcntl, owner: "apt-get update"),
        ]
    }
    public var environment: [String: String] {
        ["DEBIAN_FRONTEND": "noninteractive", "APT_LISTCHANGES_FRONTEND": "none"]
    }

    public static let update = Command(["apt-get", "update"])
    public static let simulate = Command(["apt-get", "-s", "dist-upgrade"])
    public static let upgrade = Command([
        "apt-get", "-y", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold",
        "dist-upgrade",
    ])
    public static let autoremoveCommand = Command(["apt-get", "-y", "autoremove"])

    public func plan(_ runner: DriverRunner, options: UpgradeOptions) throws(UpgradeError) -> UpgradePlan {
        let refreshed: CommandResult
        do { refreshed = try runner.run(Self.update, true) } catch {
            throw .stepFailed(step: "apt-get update", error: error.description)
        }
        if failed(refreshed) {
            throw .stepFailed(step: "apt-get update", error: "\(refreshed.status)" + lastError(refreshed))
        }
        let simulated: CommandResult
        do { simulated = try runner.run(Self.simulate, false) } catch {
            throw .stepFailed(step: "apt-get -s dist-upgrade", error: error.description)
        }
        if failed(simulated) {
            throw .stepFailed(step: "apt-get -s dist-upgrade", error: "\(simulated.status)" + lastError(simulated))
        }
        let sim: AptSimulation
        do { sim = try AptParser.parseSimulation(simulated.stdout) } catch {
            throw .stepFailed(step: "reading apt-get -s dist-upgrade", error: error.description)
        }
        return Self.plan(from: sim, stdout: simulated.stdout)
    }

    public static func plan(from sim: AptSimulation, stdout: String) -> UpgradePlan {
        var plan = UpgradePlan()
        for u in sim.upgrades {
            plan.items.append(.init(name: u.name, action: .upgrade, currentVersion: u.currentVersion,
                                    newVersion: u.newVersion, arch: u.arch, repository: u.repository))
        }
        for u in sim.installs {
            plan.items.append(.init(name: u.name, action: .install, currentVersion: nil, newVersion: u.newVersion,
                                    arch: u.arch, repository: u.repository))
        }
        for r in sim.removals {
            plan.items.append(.init(name: r.name, action: .remove, currentVersion: r.version, arch: r.arch))
        }
        plan.keptBack = sim.keptBack
        // apt-get -s normally prints no size lines; a real run (or --assume-no) does.
        for line in stdout.split(separator: "\n") {
            // The figures are looked for after the prefix, so a line such as
            // `Need to get of archives.` (no figure) yields nothing instead of a reversed range.
            if line.hasPrefix("Need to get "), case let rest = line.dropFirst("Need to get ".count),
               let end = rest.range(of: " of archives") {
                var figure = rest[..<end.lowerBound]
                if let slash = figure.firstIndex(of: "/") { figure = figure[..<slash] }
                plan.downloadBytes = SizeText.bytes(figure, base: 1000)
            } else if line.hasPrefix("After this operation, "), case let rest = line.dropFirst("After this operation, ".count),
                      let end = rest.range(of: "B ") {
                let figure = rest[..<end.upperBound]
                if let n = SizeText.bytes(figure.dropLast(), base: 1000) {
                    let signed = Int64(clamping: n)
                    plan.installedSizeChange = line.contains("freed") ? -signed : signed
                }
            }
        }
        plan.classify(manager: "apt")
        return plan
    }

    public func upgradeCommands(for plan: UpgradePlan) -> [Command] { [Self.upgrade] }

    public func autoremove(_ runner: DriverRunner, options: UpgradeOptions) -> (commands: [Command], skipped: String?) {
        options.autoremove ? ([Self.autoremoveCommand], nil) : ([], "autoremove disabled")
    }

    public func pinKernelHint(_ kernel: String) -> String {
        "apt-mark hold linux-image-\(kernel)  (and keep booting the previous kernel)"
    }
}

func lastError(_ result: CommandResult) -> String {
    let lines = (result.stderr + "\n" + result.stdout).split(separator: "\n")
    if let e = lines.last(where: isErrorLine) {
        return ": " + e
    }
    return result.stderr.split(separator: "\n").last.map { ": \($0)" } ?? ""
}

// MARK: - dnf

/// RHEL, Rocky, Alma, CentOS Stream and Fedora: `dnf upgrade --assumeno` (refreshes metadata
/// older than `metadata_expire` itself, prints the transaction and its sizes, exits 1 with
/// "Operation aborted."), then `dnf upgrade -y`. No separate `makecache`: dnf would repeat it.
public struct DnfDriver: PackageManagerDriver {
    /// `--release` (Fedora, EL minor): plan and transaction become `distro-sync` with
    /// `--releasever=` this version; nil: the ordinary upgrade.
    public var releaseVersion: String?
    public init(releaseVersion: String? = nil) { self.releaseVersion = releaseVersion }
    public var manager: PackageManager { .dnf }
    public var binaries: [String] { ["/usr/bin/dnf", "/usr/bin/dnf-3", "/usr/bin/dnf5"] }
    public var locks: [PackageLock] {
        [
            PackageLock("/var/lib/rpm/.rpm.lock", .fcntl, owner: "rpm"),
            PackageLock("/usr/lib/sysimage/rpm/.rpm.lock", .fcntl, owner: "rpm"),
            PackageLock("/var/lib/dnf/rpmdb_lock.pid", .pidFile, owner: "dnf"),
            PackageLock("/var/cache/dnf/metadata_lock.pid", .pidFile, owner: "dnf"),
        ]
    }
    public var environment: [String: String] { [:] }

    public static let simulate = Command(["dnf", "upgrade", "--assumeno"])
    public static let upgrade = Command(["dnf", "upgrade", "-y"])
    public static let autoremoveCommand = Command(["dnf", "autoremove", "-y"])

    /// `dnf --releasever=N distro-sync …` for a release upgrade, else `command`.
    func forRelease(_ command: Command, _ tail: [String]) -> Command {
        guard let v = releaseVersion else { return command }
        return Command(["dnf", "--releasever=\(v)", "distro-sync"] + tail)
    }

    public func plan(_ runner: DriverRunner, options: UpgradeOptions) throws(UpgradeError) -> UpgradePlan {
        let simulated: CommandResult
        do { simulated = try runner.run(forRelease(Self.simulate, ["--assumeno"]), false) } catch {
            throw .stepFailed(step: "dnf upgrade --assumeno", error: error.description)
        }
        // 0 = nothing to do; 1 = a transaction that --assumeno declined ("Operation aborted.").
        guard simulated.status == .exited(0) || simulated.status == .exited(1) else {
            throw .stepFailed(step: "dnf upgrade --assumeno", error: "\(simulated.status)" + lastError(simulated))
        }
        let tx: DnfTransaction
        do { tx = try DnfParser.parseTransaction(simulated.stdout) } catch {
            throw .stepFailed(step: "reading dnf upgrade --assumeno", error: error.description)
        }
        if simulated.status == .exited(1) && tx.isEmpty {
            throw .stepFailed(step: "dnf upgrade --assumeno", error: "exit status 1" + lastError(simulated))
        }
        return Self.plan(from: tx, stdout: simulated.stdout)
    }

    public static func plan(from tx: DnfTransaction, stdout: String) -> UpgradePlan {
        var plan = UpgradePlan()
        for e in tx.entries {
            let action: UpgradePlan.Action
            switch e.kind {
            case .upgrade: action = .upgrade
            case .install: action = .install
            case .remove: action = .remove
            case .downgrade: action = .downgrade
            case .reinstall: action = .reinstall
            }
            let p = e.package
            plan.items.append(.init(name: p.name, action: action, currentVersion: p.currentVersion,
                                    newVersion: action == .remove ? nil : p.newVersion, arch: p.arch,
                                    repository: p.repository))
        }
        for raw in stdout.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Total download size:") {
                plan.downloadBytes = SizeText.bytes(line.dropFirst("Total download size:".count), base: 1024)
            } else if line.hasPrefix("Total size:"), plan.downloadBytes == nil {
                // Printed instead when every package is already local (nothing to download).
                plan.downloadBytes = SizeText.bytes(line.dropFirst("Total size:".count), base: 1024)
            } else if line.hasPrefix("Installed size:") {
                if let n = SizeText.bytes(line.dropFirst("Installed size:".count), base: 1024) {
                    plan.installedSizeChange = Int64(clamping: n)
                }
            } else if line.hasPrefix("Freed space:") {
                if let n = SizeText.bytes(line.dropFirst("Freed space:".count), base: 1024) {
                    plan.installedSizeChange = -Int64(clamping: n)
                }
            }
        }
        plan.classify(manager: "dnf")
        return plan
    }

    public func upgradeCommands(for plan: UpgradePlan) -> [Command] { [forRelease(Self.upgrade, ["-y"])] }

    public func autoremove(_ runner: DriverRunner, options: UpgradeOptions) -> (commands: [Command], skipped: String?) {
        options.autoremove ? ([Self.autoremoveCommand], nil) : ([], "autoremove disabled")
    }

    /// dnf's own `--installroot` (configuration, repositories, cache and scriptlets from the
    /// new BE; rpm runs the scriptlets chrooted there).
    public func rooted(_ command: Command, at root: String) -> Command {
        guard command.program == "dnf" else {
            return Command(["chroot", root] + command.argv, environment: command.environment)
        }
        return Command(["dnf", "--installroot=\(root)"] + command.arguments, environment: command.environment)
    }

    public func pinKernelHint(_ kernel: String) -> String {
        "grubby --set-default /boot/vmlinuz-<previous kernel>, or keep booting the previous kernel from ZFSBootMenu; dnf versionlock add kernel-core"
    }
}
