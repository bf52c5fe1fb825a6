import Foundation
import KldloadCore

/// Runs kbe/kupgrade through the library on a replay scenario, in this process, to count the
/// subprocesses they start: every command goes through the `ReplayRunner`, whose
/// `invocations` lists each one.
enum InProcess {
    struct Count {
        var invocations: Int
        var exitCode: Int32
        var wallNs: UInt64
        var argvs: [String]

        var text: String { invocations < 0 ? "error" : String(invocations) }
        var detail: String {
            guard invocations >= 0 else { return "could not run: \(argvs.joined())" }
            return "\(invocations) subprocess(es), exit \(exitCode), \(Fmt.ms(wallNs)) ms in process: "
                + argvs.map { "`\($0)`" }.joined(separator: ", ")
        }
    }

    static func summary(_ runner: ReplayRunner) -> [String] {
        runner.invocations.map { c in
            let words = c.argv.prefix(6).joined(separator: " ")
            return c.argv.count > 6 ? words + " …" : words
        }
    }

    static func kbeCount(scenario: String, arguments: [String]) -> Count {
        let t0 = Measure.nowNs()
        do {
            let inv = try KBEInvocation.parse(arguments)
            let context = try SystemContext.replay(scenario: scenario)
            guard let runner = context.runner as? ReplayRunner else { return Count(invocations: -1, exitCode: -1, wallNs: 0, argvs: ["not a replay"]) }
            let result = KBECommand.run(inv, context: context, timeZone: TimeZone(identifier: "UTC") ?? .current)
            return Count(invocations: runner.invocations.count, exitCode: result.exitCode, wallNs: Measure.nowNs() - t0, argvs: summary(runner))
        } catch {
            return Count(invocations: -1, exitCode: -1, wallNs: 0, argvs: ["\(error)"])
        }
    }

    /// The replay path of `KupgradeCommand.main`, with the runner kept so it can be counted.
    static func kupgradeCount(scenario: String, arguments: [String]) -> Count {
        let t0 = Measure.nowNs()
        do {
            let parsed = try KupgradeCommand.parser.parse(arguments)
            let context = try SystemContext.replay(scenario: scenario)
            guard let runner = context.runner as? ReplayRunner else { return Count(invocations: -1, exitCode: -1, wallNs: 0, argvs: ["not a replay"]) }
            var options = try KupgradeCommand.options(arguments: arguments, parsed: parsed, files: context.files)
            let values = runner.configuration.values
            options.timeZone = values["timezone"].flatMap { TimeZone(identifier: $0) } ?? TimeZone(identifier: "UTC") ?? .current
            let locks = ScenarioLockProbe(
                held: ScenarioLockProbe.heldLocks(scenarioConf: values["locks_held"].map { "locks_held=\($0)" }),
                files: context.files)
            let upgrader = Upgrader(context: context, options: options, locks: locks,
                                    progress: { _ in }, output: { _, _ in })
            let report = upgrader.run()
            return Count(invocations: runner.invocations.count, exitCode: report.exitCode, wallNs: Measure.nowNs() - t0, argvs: summary(runner))
        } catch {
            return Count(invocations: -1, exitCode: -1, wallNs: 0, argvs: ["\(error)"])
        }
    }
}
