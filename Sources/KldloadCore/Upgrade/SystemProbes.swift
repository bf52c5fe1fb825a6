import Foundation

/// The pool facts kupgrade reads before it changes anything (through the shared zpool
/// parsers), and snapshot names for retention. Boot-environment discovery and checkpoints
/// come from kbe's `BootEnvironmentManager`.
struct SystemProbes {
    let context: SystemContext

    struct PoolFacts {
        var name: String
        var health: String
        var free: UInt64?
        var resilvering: Bool
        var statusLines: [String]
    }

    /// `zpool get -Hp bootfs,health,free,size,allocated POOL` (scripted, exact numbers) and
    /// `zpool status -x POOL` ("pool 'rpool' is healthy", or the full status when it is not,
    /// including a resilver in progress; the status/action text is shown on refusal).
    /// On OpenZFS 2.3+ `zpool get -j --json-int …` and `zpool status -j --json-int POOL`.
    static func poolGet(_ name: String) -> Command {
        Command(["zpool", "get", "-Hp", "bootfs,health,free,size,allocated", name])
    }

    static func poolGetQuery(_ name: String) -> ZFSQuery<[ZFSProperty]> {
        ZFSQuery(text: poolGet(name), json: Command(["zpool", "get", "-j", "--json-int", "bootfs,health,free,size,allocated", name]),
                 parseText: { (t: String) throws(ParseError) -> [ZFSProperty] in try ZpoolGetParser.parse(t) },
                 parseJSON: { (t: String) throws(ParseError) -> [ZFSProperty] in try ZFSJSONParser.properties(t) })
    }

    static func poolStatusQuery(_ name: String) -> ZFSQuery<ZpoolStatusReport> {
        ZFSQuery(text: Command(["zpool", "status", "-x", name]), json: Command(["zpool", "status", "-j", "--json-int", name]),
                 parseText: { (t: String) throws(ParseError) -> ZpoolStatusReport in try ZpoolStatusParser.parse(t) },
                 parseJSON: { (t: String) throws(ParseError) -> ZpoolStatusReport in try ZFSJSONParser.zpoolStatus(t) })
    }

    func pool(_ name: String) throws(UpgradeError) -> PoolFacts {
        let answer: ZFSAnswer<[ZFSProperty]>
        do { answer = try context.openZFS.read(Self.poolGetQuery(name), runner: context.runner) } catch {
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
        var facts = PoolFacts(name: name, health: PoolState(health).description,
                              free: ZpoolGetParser.value("free", pool: name, in: props).flatMap { UInt64($0) },
                              resilvering: false, statusLines: [])
        if let status = try? context.openZFS.read(Self.poolStatusQuery(name), runner: context.runner), status.result.status.isSuccess,
            let parsed = try? status.value(), let p = parsed.pool(named: name)
        {
            facts.resilvering = p.isResilvering
            if let s = p.status { facts.statusLines.append("status: " + s) }
            if let a = p.action { facts.statusLines.append("action: " + a) }
            if let scan = p.scan { facts.statusLines.append("scan: " + scan.sentence) }
        }
        return facts
    }

    /// Snapshot names of a dataset (one `zfs list` call).
    func snapshotNames(of dataset: String) -> Set<String> {
        guard let r = try? context.runner.run(Command(["zfs", "list", "-H", "-o", "name", "-t", "snapshot", "-d", "1", dataset])),
            r.status.isSuccess
        else { return [] }
        var names: Set<String> = []
        for line in r.stdout.split(separator: "\n") {
            if let at = line.firstIndex(of: "@") { names.insert(String(line[line.index(after: at)...])) }
        }
        return names
    }
}
