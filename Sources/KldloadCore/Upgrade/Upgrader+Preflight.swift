import Foundation

/// Steps 1–5 of a run: root and locks, the package manager of this distribution, the running
/// boot environment, the pool's health, and the plan (refresh, simulate, print, check the free space).
extension Session {
    /// What steps 1–4 found: the package manager's driver, kbe's view of the boot environments
    /// with the running one, the pool's facts, and a split package-database dataset.
    struct Preflight {
        var driver: any PackageManagerDriver
        var beManager: BootEnvironmentManager
        var state: BootEnvironmentState
        var running: BootEnvironment
        var pool: SystemProbes.PoolFacts
        var packageDatabase: String?
    }

    /// Steps 1–4, before anything changes: root and kupgrade's lock, the distribution's package
    /// manager and its locks, the running boot environment, the pool's health. A refusal or an
    /// interrupt ends the run here.
    mutating func preflight() throws(Stop) -> Preflight {
        // 1. root, our own lock.
        guard context.userID == 0 else { throw refuse(.notRoot(uid: context.userID)) }
        do { runLock = try upgrader.locks.acquireRunLock(at: RunLock.defaultPath) } catch { throw refuse(error) }

        // 2. distro → package manager, confirmed installed; then its locks (step 1's second half).
        let driver = try detectDriver()
        for lock in driver.locks {
            if let holder = upgrader.locks.holder(of: lock) {
                throw refuse(.packageManagerBusy(owner: lock.owner, lockPath: lock.path, holder: holder))
            }
        }
        try stopIfInterruptedBeforeChange()

        // 3. the running boot environment (kbe's discovery: the mount table, then the marker).
        let probes = SystemProbes(context: context)
        let beManager = BootEnvironmentManager(context: context, options: KBEOptions(assumeYes: true))
        let beState: BootEnvironmentState
        do { beState = try beManager.loadState() } catch {
            logOpenZFSNotes()
            // Output that cannot be parsed is not a missing ZFS root: say what it is.
            if error.parseFailure != nil { throw refuse(.stepFailed(step: "listing the boot environments", error: error.message)) }
            throw refuse(.noBootEnvironment(error.message))
        }
        logOpenZFSNotes()
        guard let running = beState.running else {
            throw refuse(.noBootEnvironment("no boot environment under \(beState.layout.beRoot) is mounted at /"))
        }
        let be = running.dataset
        report.bootEnvironment = be
        let pkgdb = beManager.packageDatabase(beState).splitDataset
        report.packageDatabaseDataset = pkgdb
        say("boot environment: \(be)" + (pkgdb.map { " (package database on \($0), checkpointed with it)" } ?? ""))

        // 4. pool health.
        let poolName = beState.layout.pool
        let pool: SystemProbes.PoolFacts
        do { pool = try probes.pool(poolName) } catch { logOpenZFSNotes(); throw refuse(error) }
        logOpenZFSNotes()
        report.pool = .init(name: pool.name, health: pool.health.description, freeBytes: pool.free, resilvering: pool.resilvering)
        say("checking pool health... \(pool.name) \(pool.health)")
        switch pool.health {
        case .online:
            break
        case .degraded where options.allowDegraded:
            warn("pool \(pool.name) is DEGRADED; continuing because of --allow-degraded")
        default:
            for l in pool.statusLines { line("  " + l) }
            throw refuse(.poolUnhealthy(pool: pool.name, state: pool.health.description,
                                        detail: pool.health == .degraded ? "a device is missing or failing" : ""))
        }
        if pool.resilvering {
            warn("pool \(pool.name) is resilvering; the upgrade will be slower and the redundancy is not complete yet")
        }
        try stopIfInterruptedBeforeChange()
        return Preflight(driver: driver, beManager: beManager, state: beState, running: running, pool: pool,
                         packageDatabase: pkgdb)
    }

    mutating func detectDriver() throws(Stop) -> any PackageManagerDriver {
        guard let text = context.files.textIfPresent("/etc/os-release") ?? context.files.textIfPresent("/usr/lib/os-release")
        else { throw refuse(.osReleaseUnreadable("neither /etc/os-release nor /usr/lib/os-release exists")) }
        let release: OSRelease
        do { release = try OSReleaseParser.parse(text) } catch {
            throw refuse(.osReleaseUnreadable(error.description))
        }
        report.distro = .init(id: release.id, idLike: release.idLike, versionID: release.versionID,
                              prettyName: release.prettyName)
        guard let manager = release.packageManager else {
            throw refuse(.unsupportedDistro(id: release.id, idLike: release.idLike))
        }
        let driver = upgrader.driverFor(manager)
        guard driver.binaries.contains(where: { context.files.exists($0) }) else {
            throw refuse(.packageManagerMissing(manager: manager.rawValue, searched: driver.binaries))
        }
        report.packageManager = manager.rawValue
        let detail = [release.versionCodename, release.versionID].compactMap { $0 }.first { !$0.isEmpty }
        let codename = detail.map { " \($0)" } ?? ""
        say("detected: \(manager.rawValue) (\(release.name.split(separator: " ").first.map(String.init) ?? release.id)\(codename))")
        return driver
    }

    /// Step 5 of both kinds of upgrade: refresh and simulate through `runner` (on the running
    /// system, or rooted in the new BE at `place`), print the plan, check the pool's free space.
    /// Returns nil when there is nothing to upgrade (reported, run finished with success).
    mutating func planUpgrade(driver: any PackageManagerDriver, runner: DriverRunner, pool: SystemProbes.PoolFacts,
                              place: String?, nothingToDo: String) throws(Stop) -> UpgradePlan? {
        say("planning\(place.map { " inside \($0)" } ?? ""): refreshing package metadata and simulating the upgrade")
        let plan: UpgradePlan
        do { plan = try driver.plan(runner, options: options) } catch {
            // An interrupted `apt-get update` fails: that is the interrupt, not a refusal.
            try stopIfInterruptedBeforeChange()
            throw refuse(error)
        }
        report.plan = plan
        try stopIfInterruptedBeforeChange()
        printPlan(plan)
        if plan.isEmpty {
            report.nothingToDo = true
            say(nothingToDo)
            finish(.success)
            return nil
        }
        let needed = plan.requiredBytes
        report.requiredBytes = needed
        if let free = pool.free {
            let sizeNote = plan.downloadBytes == nil && plan.installedSizeChange == nil
                ? " (\(driver.manager.rawValue) gave no sizes: minimum margin only)" : ""
            say("space: needs about \(humanSize(needed)), \(pool.name) has \(humanSize(free)) free\(sizeNote)")
            if free < needed { throw refuse(.notEnoughSpace(pool: pool.name, freeBytes: free, neededBytes: needed)) }
        }
        return plan
    }

    func printPlan(_ plan: UpgradePlan) {
        if plan.isEmpty && plan.holds.isEmpty { return }
        let up = plan.count(.upgrade), new = plan.count(.install), rm = plan.count(.remove)
        say("plan: \(up) to upgrade, \(new) new, \(rm) to remove" + (plan.keptBack.isEmpty ? "" : ", \(plan.keptBack.count) kept back"))
        for item in plan.items {
            let versions: String
            switch item.action {
            case .remove: versions = item.currentVersion ?? ""
            case .install: versions = "(new) \(item.newVersion ?? "")"
            default: versions = item.currentVersion.map { "\($0) -> \(item.newVersion ?? "?")" } ?? (item.newVersion ?? "")
            }
            line("  \(item.action.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(item.name) \(versions)")
        }
        for k in plan.keptBack { line("  kept back \(k)") }
        for hold in plan.holds {
            say("holding back \(hold.name) \(hold.installedVersion ?? "") (repository has \(hold.availableVersion ?? "?")): \(hold.reason)")
        }
        for k in plan.newKernels { say("new kernel: \(k)") }
        if !plan.modulePackages.isEmpty { say("kernel-module packages: \(plan.modulePackages.joined(separator: ", "))") }
    }
}
