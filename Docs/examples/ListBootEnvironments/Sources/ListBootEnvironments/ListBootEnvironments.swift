import Foundation
import KldloadCore

/// The whole example: the pool's health and the boot environments of the machine `context`
/// describes (the host, or a recorded scenario), as text.
///
/// Everything it learns comes through `context`: `SystemContext.run` with a query for the pool,
/// `BootEnvironmentManager.loadState` for the boot environments (the mount table, `bootfs`,
/// one `zfs list`). It changes nothing.
///
/// The main test suite compiles this file too (`Tests/KldloadCoreTests/Examples/`, a symbolic
/// link) and runs it against a recorded scenario, so the example cannot rot.
public func listBootEnvironments(context: SystemContext, pool: String? = nil) throws -> String {
    let manager = BootEnvironmentManager(context: context, options: KBEOptions(pool: pool))
    let state = try manager.loadState()
    var text = ""

    // `zpool status -x POOL`: a one-line message when healthy, the whole status when not.
    let status = try context.run(.poolStatus(state.layout.pool, onlyUnhealthy: true))
    if let unhealthy = status.pool(named: state.layout.pool) {
        text += "pool \(unhealthy.name): \(unhealthy.state)"
        text += unhealthy.status.map { " (\($0.split(separator: "\n").first ?? ""))" } ?? ""
        text += "\n"
    } else {
        text += "pool \(state.layout.pool): healthy\n"
    }

    // One line per boot environment: N = running now, R = boots next (as `kbe list`).
    for be in state.environments {
        let flags = (be.isActiveNow ? "N" : "") + (be.isActiveOnReboot ? "R" : "")
        let checkpoints = be.checkpoints.map(\.name).joined(separator: ", ")
        text += "\(be.name)\t\(flags.isEmpty ? "-" : flags)\t\(be.dataset)"
        text += checkpoints.isEmpty ? "\n" : "\tcheckpoints: \(checkpoints)\n"
    }
    return text
}
