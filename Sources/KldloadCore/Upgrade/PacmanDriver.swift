import Foundation

/// Arch: plan against a private copy of the sync databases (what pacman-contrib's
/// `checkupdates` does), so a dry run or a refused run never leaves `/var/lib/pacman/sync`
/// newer than the installed packages (a plain `pacman -Sy` without `-u` is the partial-upgrade
/// hazard). Then `pacman -Syu --noconfirm`, with the **kernel hold-back**: when `zfs-linux`
/// (or `zfs-linux-lts`…) pins `linux=VERSION` and the repositories carry another `linux`,
/// the pinned packages (and their `-headers`) are passed to `--ignore` and reported.
public struct PacmanDriver: PackageManagerDriver {
    public init() {}
    public var manager: PackageManager { .pacman }
    public var binaries: [String] { ["/usr/bin/pacman"] }
    public var locks: [PackageLock] { [PackageLock("/var/lib/pacman/db.lck", .exists, owner: "pacman")] }
    public var environment: [String: String] { [:] }

    /// The private database directory: `local` is a symlink to the real one, `sync` is ours.
    public static let planDBPath = "/var/lib/kupgrade/checkupdates"
    public static let link = Command(["ln", "-sfn", "/var/lib/pacman/local", planDBPath + "/local"])
    public static let refresh = Command(["pacman", "-Sy", "--dbpath", planDBPath, "--logfile", "/dev/null"])
    public static let pending = Command(["pacman", "-Qu", "--dbpath", planDBPath])
    public static let installed = Command(["pacman", "-Q"])
    public static let orphans = Command(["pacman", "-Qdtq"])

    /// pacman's `--sysroot` (it chroots there itself, so `--dbpath` and hooks are the new
    /// BE's); other commands (`ln`) in a chroot.
    public func rooted(_ command: Command, at root: String) -> Command {
        guard command.program == "pacman" else {
            return Command(["chroot", root] + command.argv, environment: command.environment)
        }
        return Command(["pacman", "--sysroot", root] + command.arguments, environment: command.environment)
    }

    static func localInfo(_ names: [String]) -> Command { Command(["pacman", "-Qi"] + names) }
    static func syncInfo(_ names: [String]) -> Command { Command(["pacman", "-Si", "--dbpath", planDBPath] + names) }

    public func plan(_ runner: DriverRunner, options: UpgradeOptions) throws(UpgradeError) -> UpgradePlan {
        func run(_ c: Command, stream: Bool, allowing: Set<Int32> = [0]) throws(UpgradeError) -> CommandResult {
            let r: CommandResult
            do { r = try runner.run(c, stream) } catch { throw .stepFailed(step: c.description, error: error.description) }
            guard case .exited(let code) = r.status, allowing.contains(code) else {
                throw .stepFailed(step: c.description, error: "\(r.status)" + lastError(r))
            }
            return r
        }
        do { try runner.files.createDirectory(Self.planDBPath) } catch {
            throw .stepFailed(step: "creating \(Self.planDBPath)", error: error.description)
        }
        _ = try run(Self.link, stream: false)
        _ = try run(Self.refresh, stream: true)
        // pacman -Qu exits 1 when nothing is pending.
        let pendingResult = try run(Self.pending, stream: false, allowing: [0, 1])
        let upgrades: [PacmanUpgrade]
        do { upgrades = try PacmanParser.parseUpgrades(pendingResult.stdout) } catch {
            throw .stepFailed(step: "reading pacman -Qu", error: error.description)
        }
        if upgrades.isEmpty { return UpgradePlan() }

        let installedResult = try run(Self.installed, stream: false)
        let installed: [Package]
        do { installed = try PacmanParser.parseInstalled(installedResult.stdout) } catch {
            throw .stepFailed(step: "reading pacman -Q", error: error.description)
        }
        let zfsPackages = installed.map(\.name).filter { $0.hasPrefix("zfs-linux") && !$0.hasSuffix("-headers") }
        var local: [PacmanPackageInfo] = []
        var sync: [PacmanPackageInfo] = []
        if !zfsPackages.isEmpty {
            do {
                local = try PacmanParser.parseInfo(try run(Self.localInfo(zfsPackages), stream: false).stdout)
                // -Si exits 1 when a package is not in any repository (AUR builds): keep what it printed.
                sync = try PacmanParser.parseInfo(try run(Self.syncInfo(zfsPackages), stream: false, allowing: [0, 1]).stdout)
            } catch let e as ParseError {
                throw .stepFailed(step: "reading pacman -Qi/-Si", error: e.description)
            } catch let e as UpgradeError {
                throw e
            } catch {
                throw .stepFailed(step: "reading pacman -Qi/-Si", error: "\(error)")
            }
        }
        return Self.plan(upgrades: upgrades, zfsPackages: zfsPackages, local: local, sync: sync)
    }

    /// The decision, as a pure function of what pacman printed.
    public static func plan(upgrades: [PacmanUpgrade], zfsPackages: [String], local: [PacmanPackageInfo],
                            sync: [PacmanPackageInfo]) -> UpgradePlan
    {
        var byName: [String: PackageUpgrade] = [:]
        for u in upgrades where !u.ignored { byName[u.upgrade.name] = u.upgrade }
        var holds: [UpgradePlan.Hold] = []
        var held: Set<String> = []
        for zfs in zfsPackages {
            // After the transaction zfs-linux is the repository's version if it is upgraded too,
            // otherwise the installed one: its exact (`=`) dependencies must still hold.
            let upgrading = byName[zfs] != nil
            let info = (upgrading ? sync : local).first { $0.name == zfs } ?? local.first { $0.name == zfs }
            guard let info else { continue }
            for dep in info.dependsOn where dep.relation == .equal {
                guard let required = dep.version, let update = byName[dep.name], update.newVersion != required,
                    !held.contains(dep.name)
                else { continue }
                held.insert(dep.name)
                holds.append(.init(name: dep.name, installedVersion: update.currentVersion,
                                   availableVersion: update.newVersion,
                                   reason: "\(zfs) \(info.version ?? "") requires \(dep.name)=\(required)"))
                let headers = dep.name + "-headers"
                if let h = byName[headers], !held.contains(headers) {
                    held.insert(headers)
                    holds.append(.init(name: headers, installedVersion: h.currentVersion, availableVersion: h.newVersion,
                                       reason: "kept with \(dep.name) (headers must match the kernel)"))
                }
            }
        }
        var plan = UpgradePlan()
        plan.holds = holds
        for u in upgrades {
            let p = u.upgrade
            if u.ignored {
                plan.keptBack.append(p.name)
                continue
            }
            if held.contains(p.name) { continue }
            plan.items.append(.init(name: p.name, action: .upgrade, currentVersion: p.currentVersion,
                                    newVersion: p.newVersion, arch: p.arch, repository: p.repository))
        }
        plan.classify(manager: "pacman")
        return plan
    }

    public func upgradeCommands(for plan: UpgradePlan) -> [Command] {
        var argv = ["pacman", "-Syu", "--noconfirm"]
        if !plan.holds.isEmpty { argv += ["--ignore", plan.holds.map(\.name).joined(separator: ",")] }
        return [Command(argv)]
    }

    public func autoremove(_ runner: DriverRunner, options: UpgradeOptions) -> (commands: [Command], skipped: String?) {
        guard options.archAutoremove else { return ([], "on Arch only with --autoremove (arch_autoremove = yes)") }
        guard let r = try? runner.run(Self.orphans, false) else { return ([], "pacman -Qdtq could not run") }
        // -Qdtq exits 1 when there are no orphans.
        let names = r.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty && !$0.hasPrefix("-")
        }
        if names.isEmpty { return ([], "no orphaned packages") }
        return ([Command(["pacman", "-Rns", "--noconfirm"] + names)], nil)
    }

    public func pinKernelHint(_ kernel: String) -> String {
        "add IgnorePkg = linux linux-headers to /etc/pacman.conf until archzfs catches up"
    }
}
