import Foundation

/// The pool facts kupgrade reads before it changes anything (through the shared zpool
/// parsers), and snapshot names for retention. Boot-environment discovery and checkpoints
/// come from kbe's `BootEnvironmentManager`.
struct SystemProbes {
    let context: SystemContext

    struct PoolFacts {
        var name: String
        var health: PoolState
        var free: UInt64?
        var resilvering: Bool
        var statusLines: [String]
    }

    /// The pool properties kupgrade reads (`zpool get -Hp`, scripted, exact numbers).
    static let poolProperties = ["bootfs", "health", "free", "size", "allocated"]

    /// `zpool get -Hp bootfs,health,free,size,allocated POOL` and `zpool status -x POOL`
    /// ("pool 'rpool' is healthy", or the full status when it is not, including a resilver in
    /// progress; the status/action text is shown on refusal).
    func pool(_ name: String) throws(UpgradeError) -> PoolFacts {
        let answer: QueryAnswer<[ZFSProperty]>
        do { answer = try context.ask(.poolProperties(Self.poolProperties, pool: name)) } catch {
            throw .stepFailed(step: "zpool get", error: error.description)
        }
        let get = answer.result
        guard get.status.isSuccess else {
            throw .stepFailed(step: "zpool get \(name)", error: "\(get.status)" + lastError(get))
        }
        let props: [ZFSProperty]
        do { props = try answer.value() } catch {
            throw .stepFailed(step: "reading zpool get", error: error.description)
        }
        guard let health = ZpoolGetParser.value("health", pool: name, in: props) else {
            throw .stepFailed(step: "zpool get \(name)", error: "no health property for pool \(name) in its output")
        }
        var facts = PoolFacts(name: name, health: PoolState(health),
                              free: ZpoolGetParser.value("free", pool: name, in: props).flatMap { UInt64($0) },
                              resilvering: false, statusLines: [])
        if let p = try? context.run(.poolStatus(name, onlyUnhealthy: true)).pool(named: name) {
            facts.resilvering = p.isResilvering
            if let s = p.status { facts.statusLines.append("status: " + s) }
            if let a = p.action { facts.statusLines.append("action: " + a) }
            if let scan = p.scan { facts.statusLines.append("scan: " + scan.sentence) }
        }
        return facts
    }
}
