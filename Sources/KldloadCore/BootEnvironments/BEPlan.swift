/// What a mutating kbe command will do, decided before anything runs: the exact argv of every
/// command, in order. `--dry-run` prints it; otherwise it runs step by step and stops at the
/// first failure with a report of what was done, what was not, and how to finish or undo.
package struct PlanStep: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        case run(Command)
        /// Created through the FileSystem (a mount directory under /run/kbe).
        case createDirectory(String)
    }

    public var action: Action
    /// Commands that reverse this step (shown when a later step fails).
    public var undo: [Command]

    public init(_ action: Action, undo: [Command] = []) {
        self.action = action
        self.undo = undo
    }

    public static func run(_ argv: [String], undo: [[String]] = []) -> PlanStep {
        PlanStep(.run(Command(argv)), undo: undo.map { Command($0) })
    }

    public var display: String {
        switch action {
        case .run(let c): return c.description
        case .createDirectory(let d): return "mkdir -p \(Command.quoteForDisplay(d))"
        }
    }

    /// argv for `--json` (a directory creation shows as the equivalent `mkdir -p`).
    public var argv: [String] {
        switch action {
        case .run(let c): return c.argv
        case .createDirectory(let d): return ["mkdir", "-p", d]
        }
    }
}

package struct BEPlan: Sendable, Hashable {
    public var steps: [PlanStep]
    public init(_ steps: [PlanStep] = []) { self.steps = steps }
    public var isEmpty: Bool { steps.isEmpty }
    public mutating func append(_ step: PlanStep) { steps.append(step) }
}

enum PlanExecutor {
    /// Runs every step; on the first failure throws a `.commandFailed` error whose details
    /// list the steps done, the failed one, the ones not run, and the undo commands.
    static func execute(_ plan: BEPlan, context: SystemContext, progress: ProgressSink?) throws(KBEError) {
        _ = try execute(plan, context: context, progress: progress, steps: plan.steps.indices)
    }

    /// Runs the steps `steps` of `plan` (a failure report counts the earlier steps as done) and
    /// returns each command's result by step index, so a caller can read what a command printed
    /// (efibootmgr's listing after it changed the variables).
    @discardableResult
    static func execute(_ plan: BEPlan, context: SystemContext, progress: ProgressSink?, steps: Range<Int>)
        throws(KBEError) -> [Int: CommandResult]
    {
        var results: [Int: CommandResult] = [:]
        for i in steps {
            let step = plan.steps[i]
            var failure: String? = nil
            var refusal: ZFSFailure? = nil
            switch step.action {
            case .run(let command):
                do {
                    let result = try context.runner.run(command)
                    results[i] = result
                    if !result.status.isSuccess {
                        // The whole message: zfs puts the reason first and dataset names after it.
                        let err = ZFSFailure(stderr: result.stderr)
                        refusal = err
                        failure = "\(result.status)" + (err.lines.isEmpty ? "" : ": \(err)")
                    }
                } catch {
                    failure = "\(error)"
                }
            case .createDirectory(let dir):
                do { try context.files.createDirectory(dir) } catch { failure = "\(error)" }
            }
            if let failure {
                throw failureReport(plan: plan, failedAt: i, reason: failure, zfsHint: refusal?.hint)
            }
            progress?("[kbe] ran: \(step.display)")
        }
        return results
    }

    /// How a failure report whose first step failed ends its hint; a caller that ran kbe's plan
    /// for its own command (kupgrade) puts its own command in its place.
    static let retry = "run the same kbe command again"

    static func failureReport(plan: BEPlan, failedAt i: Int, reason: String, zfsHint: String? = nil) -> KBEError {
        let done = plan.steps[..<i]
        let failed = plan.steps[i]
        let notRun = plan.steps[(i + 1)...]
        var details: [String] = []
        if done.isEmpty {
            details.append("nothing was changed: this was the first step")
        } else {
            details.append("done:")
            details += done.map { "  " + $0.display }
        }
        details.append("failed:")
        details.append("  " + failed.display)
        if !notRun.isEmpty {
            details.append("not run:")
            details += notRun.map { "  " + $0.display }
        }
        let undo = done.reversed().flatMap(\.undo)
        if !done.isEmpty && !undo.isEmpty {
            details.append("to undo what was done:")
            details += undo.map { "  " + $0.description }
        }
        // A refusal zfs explained gets its own hint in place of "fix the cause above".
        let cause = zfsHint.map { $0 + "; then" } ?? "fix the cause above, then"
        let hint: String
        if done.isEmpty {
            hint = zfsHint.map { $0 + "; then " + retry } ?? "fix the cause above and " + retry
        } else {
            hint = "\(cause) run the failed and not-run commands in order to finish"
                + (undo.isEmpty ? "" : ", or the undo commands to go back")
        }
        return KBEError(
            .commandFailed, "step \(i + 1) of \(plan.steps.count) failed: \(failed.display): \(reason)",
            hint: hint, details: details)
    }
}
