import Foundation

/// Paired datasets (Docs/KBE.md, "Paired datasets"; Docs/DESIGN.md decision 21): a data
/// dataset outside the boot environments (`rpool/srv/postgres`) marked with the user property
/// `org.kldload:paired=on` is snapshotted in every checkpoint's one atomic `zfs snapshot`, under
/// the same name; rollback and activation of a checkpoint take it along only when asked
/// (`--with-data`) and say what stays behind otherwise (`--without-data`).
///
/// Public for its property names and `Choice`: `KBEOptions(pairedData: .withData)`.
public enum PairedData {
    public static let property = "org.kldload:paired"
    /// Set on a clone `kbe activate --with-data` makes: the BE the clone belongs to.
    public static let cloneOfProperty = "org.kldload:paired-for"

    /// What rollback/activation do with the paired datasets.
    public enum Choice: String, Sendable, Hashable, Codable {
        case withData = "with-data"
        case withoutData = "without-data"
    }

    /// Datasets whose mark is `on` in the output of `SystemQuery.pairedDatasets(pool:)`, in zfs order.
    package static func parse(_ text: String) throws(ParseError) -> [String] {
        try ZFSGetParser.parse(text).filter { $0.name == property && $0.rawValue == "on" && $0.source == .local }
            .map(\.target)
    }

    /// The newest change time in `zfs diff -H -t` output (first field `seconds.nanoseconds`);
    /// nil when nothing changed. Lines that do not start with a time are skipped.
    package static func newestChange(_ text: String) -> Date? {
        var newest: Double? = nil
        for line in text.split(separator: "\n") {
            guard let tab = line.firstIndex(of: "\t"), let t = Double(line[..<tab]), t.isFinite else { continue }
            if newest.map({ t > $0 }) ?? true { newest = t }
        }
        return newest.map { Date(timeIntervalSince1970: $0) }
    }
}

extension BootEnvironmentManager {
    // MARK: reading

    /// The paired datasets of the pool (one `zfs get`), without those kbe already snapshots
    /// as part of the BE or as the split package database.
    func pairedDatasets(_ state: BootEnvironmentState, excluding: [String] = []) throws(KBEError) -> [String] {
        let all = try value(.pairedDatasets(pool: state.layout.pool), doing: "reading the paired datasets")
        let root = state.layout.beRoot
        return all.filter { ds in
            ds != root && !ds.hasPrefix(root + "/") && !root.hasPrefix(ds + "/") && !excluding.contains(ds)
        }
    }

    /// The paired datasets' snapshots named like checkpoint `cp` (what `kbe destroy BE@NAME`
    /// removes with it): one `zfs get`, plus one listing only when something is paired.
    func pairedSnapshots(_ state: BootEnvironmentState, checkpoint cp: Checkpoint, excluding: [String]) throws(KBEError) -> [BERecord] {
        let paired = try pairedDatasets(state, excluding: excluding)
        guard !paired.isEmpty else { return [] }
        let records = try fetchRecords(.bootEnvironmentRecords(roots: paired, depth: 1), what: "paired datasets \(paired.joined(separator: ", "))")
        let wanted = Set(paired.map { $0 + "@" + cp.name })
        return records.filter { wanted.contains($0.name) }
    }

    // MARK: kbe pair / kbe unpair

    public func pair(_ dataset: String, on: Bool) throws(KBEError) -> KBEOutput {
        try BENames.validateDataset(dataset, option: "dataset")
        let state = try loadState()
        var out = newReport(on ? "pair" : "unpair", state: state)
        let root = state.layout.beRoot
        let pool = state.layout.pool
        if dataset.split(separator: "/").first.map(String.init) != pool {
            throw KBEError(
                .refused, "\(dataset) is not in pool \(pool): a checkpoint is one atomic zfs snapshot, which cannot span pools",
                hint: "pair a dataset of \(pool)")
        }
        if dataset == root || dataset.hasPrefix(root + "/") {
            throw KBEError(
                .refused, "\(dataset) is part of the boot environments under \(root), which every checkpoint already covers",
                hint: "pair a data dataset outside \(root) (for example \(pool)/srv/postgres)")
        }
        if root.hasPrefix(dataset + "/") {
            throw KBEError(
                .refused, "\(dataset) contains the boot environments (\(root)): rolling it back or cloning it would take them along",
                hint: "pair a data dataset outside \(root)")
        }
        // What `kbe pair` checks: type, mountpoint and the mark.
        let answer = try ask(.properties(["type", "mountpoint", PairedData.property], of: [dataset]), doing: "reading \(dataset)")
        let r = answer.result
        guard r.status.isSuccess else {
            let err = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            if err.contains("does not exist") {
                throw KBEError(.notFound, "dataset \(dataset) does not exist: \(err)", hint: "zfs list -r \(pool) shows the datasets")
            }
            throw KBEError(.commandFailed, "\(r.command) failed (\(r.status)): \(err)")
        }
        let props: [ZFSProperty]
        do { props = try answer.value() } catch { throw KBEError.parse(error) }
        func prop(_ name: String) -> ZFSProperty? { props.first { $0.target == dataset && $0.name == name } }
        let type = prop("type")?.rawValue ?? "-"
        guard type == "filesystem" || type == "volume" else {
            throw KBEError(.usage, "\(dataset) is a \(type), not a filesystem or volume")
        }
        if prop("mountpoint")?.rawValue == "/" {
            throw KBEError(.refused, "\(dataset) has mountpoint /: it is a root file system, not a data dataset",
                           hint: "boot environments live under \(root); pair a data dataset")
        }
        let mark = prop(PairedData.property)
        let isPaired = mark?.source == .local && mark?.rawValue == "on"
        out.report.target = dataset
        if isPaired == on {
            out.report.plan = []
            out.report.executed = !options.dryRun
            var line = "[kbe] \(dataset) is \(on ? "already" : "not") paired; nothing to change"
            if !on, case .inherited(let from)? = mark?.source {
                line += " (it inherits \(PairedData.property) from \(from); pairing is per dataset: kbe unpair \(from))"
            }
            out.say(line)
            return out
        }
        let step: PlanStep = on
            ? .run(["zfs", "set", "\(PairedData.property)=on", dataset], undo: [["zfs", "inherit", PairedData.property, dataset]])
            : .run(["zfs", "inherit", PairedData.property, dataset], undo: [["zfs", "set", "\(PairedData.property)=on", dataset]])
        try carryOut(BEPlan([step]), output: &out)
        if !options.dryRun {
            out.say(
                on
                    ? "[kbe] Paired \(dataset): every checkpoint now snapshots it with the boot environment (kbe rollback/activate take it along with --with-data)"
                    : "[kbe] Unpaired \(dataset): checkpoints no longer snapshot it (its existing snapshots are kept)")
        }
        return out
    }

    // MARK: rollback and activation

    /// What `rollback`/`activate` of checkpoint `cp` do with the paired datasets: the choice
    /// (from `--with-data`/`--without-data`, or asked on a terminal after showing what changed
    /// since the checkpoint), the datasets and their listing (dataset rows and snapshots).
    struct PairedDecision {
        var choice: PairedData.Choice
        var datasets: [String]
        var records: [BERecord]
        /// Paired datasets that lack `@cp` (paired after it was taken).
        var missing: [String]
        /// What changed in them since the checkpoint, for a confirmation on a terminal (empty
        /// when there is none, or when the question that chose already showed it).
        var summary: [String] = []
    }

    /// nil when nothing is paired. `verb` is "rolled back" or "cloned".
    func decidePairedData(
        _ state: BootEnvironmentState, checkpoint cp: Checkpoint, verb: String, excluding: [String], output out: inout KBEOutput
    ) throws(KBEError) -> PairedDecision? {
        let paired = try pairedDatasets(state, excluding: excluding)
        guard !paired.isEmpty else { return nil }
        let records = try fetchRecords(.bootEnvironmentRecords(roots: paired, depth: 1), what: "paired datasets \(paired.joined(separator: ", "))")
        let names = Set(records.lazy.map(\.name))
        let missing = paired.filter { !names.contains($0 + "@" + cp.name) }
        out.report.pairedDatasets = paired
        var choice = options.pairedData
        let onTerminal = context.isInteractive && ask != nil && !options.assumeYes && !options.dryRun
        var summary: [String] = []
        if choice == nil {
            guard onTerminal, let ask else {
                throw KBEError(
                    .usage,
                    "\(paired.joined(separator: ", ")) \(paired.count == 1 ? "is" : "are") paired with the boot environments: say whether \(paired.count == 1 ? "it is" : "they are") \(verb) with \(cp.fullName)",
                    hint: (verb == "cloned"
                        ? "pass --with-data (the new boot environment gets a clone of the data as of @\(cp.name); nothing is destroyed)"
                        : "pass --with-data (the data goes back to @\(cp.name) too; what was written since is lost)")
                        + " or --without-data (the data stays as it is now); kbe never chooses for you")
            }
            var text = pairedSummary(paired, missing: missing, checkpoint: cp)
            text.append("Type 'with-data' to have them \(verb) too, 'without-data' to leave them as they are; anything else aborts: ")
            let answer = ask(text.joined(separator: "\n"))?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let answer, let c = PairedData.Choice(rawValue: answer) else {
                throw KBEError(.refused, "not confirmed (no choice for the paired datasets)")
            }
            choice = c
        } else if onTerminal {
            summary = pairedSummary(paired, missing: missing, checkpoint: cp)
        }
        let decided = choice ?? .withoutData
        if decided == .withData && !missing.isEmpty {
            throw KBEError(
                .refused,
                "--with-data: \(missing.joined(separator: ", ")) \(missing.count == 1 ? "has" : "have") no snapshot @\(cp.name) (paired after the checkpoint was taken), so \(missing.count == 1 ? "it" : "they") cannot be \(verb) with it",
                hint: "pass --without-data to leave the paired data as it is, or kbe unpair DATASET first")
        }
        return PairedDecision(choice: decided, datasets: paired, records: records, missing: missing, summary: summary)
    }

    /// On a terminal: for each paired dataset, how much was written since the checkpoint and
    /// the newest change (`zfs get written@`, `zfs diff -H -t`). What a rollback with data
    /// throws away, and what a BE booted without data will find newer than itself.
    func pairedSummary(_ paired: [String], missing: [String], checkpoint cp: Checkpoint) -> [String] {
        var text = ["Paired datasets (data that travels with the boot environment):"]
        let have = paired.filter { !missing.contains($0) }
        var written: [String: UInt64] = [:]
        // Bytes written since the checkpoint, one call for all datasets that have it.
        if !have.isEmpty, let answer = try? ask(.properties(["written@" + cp.name], of: have), doing: "reading written@"),
            let props = try? answer.value()
        {
            for p in props { if let n = UInt64(p.rawValue) { written[p.target] = n } }
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = context.timeZone
        for ds in paired {
            if missing.contains(ds) {
                text.append("  \(ds): no snapshot @\(cp.name) (paired after the checkpoint)")
                continue
            }
            var line = "  \(ds): " + (written[ds].map { "\(humanSize($0)) written since @\(cp.name)" } ?? "written since @\(cp.name) unknown")
            // zfs diff needs the dataset mounted ("Cannot diff an unmounted snapshot", OpenZFS 2.3.9).
            if let answer = try? ask(.newestChange(since: ds + "@" + cp.name), doing: "zfs diff") {
                let r = answer.result
                if r.status.isSuccess {
                    line += (try? answer.value())?.map { ", newest change \(formatter.string(from: $0))" } ?? ", no file changed"
                } else {
                    let why = r.stderr.split(separator: "\n").first.map { String($0) } ?? "\(r.status)"
                    line += ", newest change unknown (zfs diff: \(why))"
                }
            } else {
                line += ", newest change unknown"
            }
            text.append(line)
        }
        return text
    }

    /// Rolling back a mounted dataset changes its files under whatever has them open.
    static let stopUsersLine = "Stop what uses them first (a database must not run while its files are rolled back)."

    /// The warning `--without-data` prints, naming what is not rolled back or cloned.
    static func withoutDataWarning(_ paired: [String], checkpoint cp: Checkpoint, verb: String) -> String {
        "[kbe] warning: --without-data: \(paired.joined(separator: ", ")) \(paired.count == 1 ? "is" : "are") NOT \(verb): \(paired.count == 1 ? "it keeps" : "they keep") everything written since @\(cp.name), which the software of that checkpoint may not be able to read"
    }

    /// `kbe activate CHECKPOINT --with-data`: one clone per paired dataset beside it,
    /// `DATASET-BENAME`, not mounted automatically (canmount=noauto) and with the original's
    /// mountpoint, tagged with the BE it belongs to. Nothing is destroyed.
    func pairedCloneSteps(_ decision: PairedDecision, checkpoint cp: Checkpoint, newBE: String) throws(KBEError)
        -> (steps: [PlanStep], clones: [(String, String)])
    {
        let byName = Dictionary(decision.records.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let beName = String(newBE.split(separator: "/").last ?? "")
        var steps: [PlanStep] = []
        var clones: [(String, String)] = []
        for ds in decision.datasets {
            let clone = ds + "-" + beName
            try BENames.validate(beName, as: "boot environment name (in the data clone's name)", fullName: clone)
            var argv = ["zfs", "clone", "-o", "canmount=noauto"]
            if let mp = byName[ds]?.mountpoint, mp.hasPrefix("/") { argv += ["-o", "mountpoint=\(mp)"] }
            argv += ["-o", "\(PairedData.cloneOfProperty)=\(newBE)", ds + "@" + cp.name, clone]
            steps.append(.run(argv, undo: [["zfs", "destroy", clone]]))
            clones.append((ds, clone))
        }
        return (steps, clones)
    }
}
