import Foundation

/// Steps 2 and 5 of a run: the package manager of this distribution, and the plan (refresh,
/// simulate, print, check the free space).
extension Session {
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
