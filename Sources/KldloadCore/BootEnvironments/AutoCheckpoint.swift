import Foundation

/// `kbe auto-checkpoint --origin apt|dnf|pacman`: the checkpoint a package-manager hook takes
/// before every package transaction (Sources/dist/hooks/, Docs/INSTALL.md).
///
/// - Name `auto-<origin>-YYYYMMDD-HHMMSS` (local time; `-2`, `-3` when taken), user property
///   `org.kldload:origin=<origin>-hook`, taken with `BootEnvironmentManager.createCheckpoint`
///   (the BE, its children and a split package database in one atomic `zfs snapshot`).
/// - Rate limit: nothing is taken when the newest checkpoint of this origin, or a kupgrade
///   checkpoint (kupgrade runs the package manager right after taking its own), is younger
///   than `minInterval` minutes.
/// - Retention per origin: the newest `keep` checkpoints of this origin are kept; older ones
///   are destroyed with `BootEnvironmentManager.destroy`, except one with dependent clones.
///   Only checkpoints with **both** the `auto-<origin>-` name and the origin property count:
///   a snapshot a user made is never touched.
/// - `AutoCheckpoint.runAsHook` never fails: a hook must not abort the package transaction.
public struct AutoCheckpoint: Sendable {
    public struct Options: Sendable, Hashable {
        /// `apt`, `dnf`, `pacman` (any lowercase word of letters, digits and `-`).
        public var origin: String
        /// Minutes; 0 disables the rate limit.
        public var minInterval: Int
        /// Checkpoints of this origin kept (at least 1).
        public var keep: Int
        public var quiet: Bool

        public init(origin: String, minInterval: Int = 10, keep: Int = 10, quiet: Bool = false) {
            self.origin = origin
            self.minInterval = minInterval
            self.keep = keep
            self.quiet = quiet
        }

        public var propertyValue: String { Checkpoints.originValue(hook: origin) }
        /// Whose checkpoints retention and the rate limit count (`auto-ORIGIN-…` with the property).
        package var owner: Checkpoints.Owner { .hook(origin: origin) }
    }

    public enum Outcome: Sendable, Hashable {
        /// A checkpoint was taken (or, dry run, would be).
        case created(snapshot: String)
        /// Rate-limited: `newest` is `age` seconds old.
        case skipped(newest: String, age: UInt64)
    }

    public struct Result: Sendable {
        public var outcome: Outcome
        /// Snapshots destroyed by retention (`BE@NAME`).
        public var destroyed: [String]
        /// Old checkpoints kept because a BE was cloned from them.
        public var spared: [String]
        /// Lines for stderr (hooks show them in the package manager's output unless `quiet`).
        public var messages: [String]
        public var warnings: [String]
        /// Every argv run that changes something, in order (dry run: what would run).
        public var plan: [[String]]
    }

    public var manager: BootEnvironmentManager
    public var options: Options
    public var timeZone: TimeZone

    public init(manager: BootEnvironmentManager, options: Options, timeZone: TimeZone = .current) {
        self.manager = manager
        self.options = options
        self.timeZone = timeZone
    }

    // MARK: - Pure parts

    /// The newest checkpoint (ours or kupgrade's) younger than the interval, with its age.
    package static func rateLimit(_ rows: [Checkpoints.Row], options: Options, now: Date) -> (name: String, age: UInt64)? {
        guard options.minInterval > 0 else { return nil }
        let nowSeconds = now.timeIntervalSince1970
        guard nowSeconds.isFinite, nowSeconds >= 0, nowSeconds < 1e15 else { return nil }
        let current = UInt64(nowSeconds)
        let limit = UInt64(min(options.minInterval, 1_000_000)) * 60
        let recent = rows.filter { options.owner.owns($0) || Checkpoints.Owner.kupgrade.owns($0) }.max { ($0.creation, $0.name) < ($1.creation, $1.name) }
        // A checkpoint dated in the future (clock set back) does not block: better one too many.
        guard let recent, recent.creation <= current, current - recent.creation < limit else { return nil }
        return (recent.name, current - recent.creation)
    }

    public static func validateOrigin(_ origin: String) throws(KBEError) {
        let ok = !origin.isEmpty && origin.utf8.count <= 32
            && origin.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            && !origin.hasPrefix("-")
        guard ok else {
            throw KBEError(
                .usage, "invalid --origin '\(origin)': lowercase letters, digits and '-', at most 32 bytes",
                hint: "the hooks pass apt, dnf or pacman")
        }
    }

    // MARK: - Running

    /// Rate limit, checkpoint, retention. Throws what went wrong.
    public func run() throws(KBEError) -> Result {
        try Self.validateOrigin(options.origin)
        let state = try manager.loadState()
        guard let be = state.running else {
            throw KBEError(
                .notFound, "no boot environment is running from \(state.layout.beRoot): nothing to checkpoint",
                hint: "auto-checkpoint only protects a system booted from a ZFS boot environment")
        }
        let rows = try listRows(be.dataset)
        let now = manager.context.now()
        var result = Result(outcome: .created(snapshot: ""), destroyed: [], spared: [], messages: [], warnings: [], plan: [])
        if let recent = Self.rateLimit(rows, options: options, now: now) {
            result.outcome = .skipped(newest: be.dataset + "@" + recent.name, age: recent.age)
            result.messages.append(
                "[kbe] auto-checkpoint: skipped, \(be.dataset)@\(recent.name) is \(Self.describeAge(recent.age)) old (--min-interval \(options.minInterval) minutes)")
            return result
        }
        let name = Checkpoints.name(Checkpoints.Prefix.hook(options.origin), at: now, timeZone: timeZone)
        let created = try manager.createCheckpoint(
            named: name, of: be.name, description: "automatic checkpoint before a package transaction (\(options.origin))",
            properties: [(Checkpoints.originProperty, options.propertyValue)], uniquify: true)
        let target = created.report.target ?? (be.dataset + "@" + name)
        let finalName = target.split(separator: "@", maxSplits: 1).last.map(String.init) ?? name
        result.outcome = .created(snapshot: target)
        result.plan += created.report.plan ?? []
        result.warnings += created.warnings
        result.messages.append(
            manager.options.dryRun
                ? "[kbe] auto-checkpoint: dry run, would take \(target)"
                : "[kbe] auto-checkpoint: \(target) taken before the \(options.origin) transaction")
        // Retention: the clone information comes from kbe's own listing (children included).
        let clones = Dictionary(be.checkpoints.map { ($0.name, !$0.clones.isEmpty) }, uniquingKeysWith: { $0 || $1 })
        let (destroy, spared) = Checkpoints.retention(
            rows, owner: options.owner, keep: options.keep, new: finalName, hasClones: { clones[$0.name] ?? false })
        result.spared = spared.map { be.dataset + "@" + $0 }
        for old in destroy {
            do {
                var destroyer = manager
                destroyer.options.assumeYes = true
                let out = try destroyer.destroy(be.dataset + "@" + old, keepOrigin: false)
                result.plan += out.report.plan ?? []
                result.destroyed += out.report.destroyed ?? [be.dataset + "@" + old]
            } catch {
                // The checkpoint is taken; a retention failure is only a warning.
                result.warnings.append("[kbe] auto-checkpoint: retention could not destroy \(be.dataset)@\(old): \(error.message)")
            }
        }
        if !destroy.isEmpty || !spared.isEmpty {
            let verb = manager.options.dryRun ? "would destroy" : "destroyed"
            let list = result.destroyed.isEmpty ? "nothing" : result.destroyed.joined(separator: ", ")
            result.messages.append(
                "[kbe] auto-checkpoint: retention (keep \(max(options.keep, 1)) per origin) \(verb) \(list)"
                    + (spared.isEmpty ? "" : "; kept because of clones: \(result.spared.joined(separator: ", "))"))
        }
        result.warnings += CheckpointMetrics.refreshAfterKBE(manager)
        return result
    }

    func listRows(_ dataset: String) throws(KBEError) -> [Checkpoints.Row] {
        try manager.value(.autoCheckpointRows(of: dataset), doing: "listing checkpoints of \(dataset)")
    }

    static func describeAge(_ seconds: UInt64) -> String {
        seconds < 120 ? "\(seconds) s" : "\(seconds / 60) min"
    }

    /// Hook mode: whatever happens, exit status 0. Errors become one warning line on stderr
    /// (`kbe: warning: auto-checkpoint failed: …`) so the package transaction goes on.
    public func runAsHook() -> (stderr: String, report: KBEReport) {
        do {
            let r = try run()
            return (Self.stderrText(r, quiet: options.quiet), report(for: r))
        } catch {
            let text = "kbe: warning: auto-checkpoint failed, the \(options.origin) transaction goes on without a checkpoint: \(error.message)\n"
                + "hint: \(error.effectiveHint)\n"
            return (text, report(for: error, exitCode: 0))
        }
    }

    static func stderrText(_ r: Result, quiet: Bool) -> String {
        ((quiet ? [] : r.messages) + r.warnings).map { $0 + "\n" }.joined()
    }

    /// The `--json` object of a run.
    func report(for r: Result) -> KBEReport {
        var report = KBEReport(command: "auto-checkpoint", dryRun: manager.options.dryRun)
        report.messages = r.messages
        report.warnings = r.warnings
        report.destroyed = r.destroyed
        switch r.outcome {
        case .created(let snap):
            report.plan = r.plan
            report.executed = !manager.options.dryRun
            report.target = snap
            report.created = manager.options.dryRun ? [] : [snap]
        case .skipped(let newest, _):
            report.target = newest
        }
        return report
    }

    func report(for error: KBEError, exitCode: Int32) -> KBEReport {
        var report = KBEReport(command: "auto-checkpoint", dryRun: manager.options.dryRun)
        report.error = KBEReport.ErrorInfo(
            kind: error.kind.rawValue, message: error.message, hint: error.effectiveHint, details: error.details,
            exitCode: exitCode)
        return report
    }
}

// MARK: - The kbe subcommand

extension AutoCheckpoint {
    /// A usage error in hook mode: a warning, exit 0 (a broken hook line must not stop apt).
    static func usageFailure(_ error: UsageError) -> KBECommand.Result {
        KBECommand.Result(
            stdout: "",
            stderr: "kbe: warning: auto-checkpoint not run, the package transaction goes on without a checkpoint: \(error.message)\nhint: see kbe auto-checkpoint --help (check the hook's command line)\n",
            exitCode: 0)
    }

    /// What `kbe auto-checkpoint` prints and its exit status.
    func commandResult(json: Bool, strict: Bool) -> KBECommand.Result {
        if strict {
            do {
                let r = try run()
                return .init(stdout: json ? report(for: r).json() + "\n" : "", stderr: Self.stderrText(r, quiet: options.quiet), exitCode: 0)
            } catch {
                let stdout = json ? report(for: error, exitCode: error.exitCode).json() + "\n" : ""
                return .init(stdout: stdout, stderr: error.description + "\n", exitCode: error.exitCode)
            }
        }
        let (stderr, report) = runAsHook()
        return .init(stdout: json ? report.json() + "\n" : "", stderr: stderr, exitCode: 0)
    }
}
