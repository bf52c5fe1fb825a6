import Foundation
import Testing

@testable import KldloadCore

/// One whole kupgrade run replayed from `Fixtures/scenarios/<name>`, as `kupgrade --replay DIR`
/// runs it: `--yes`, the command line recorded as plain `kupgrade`, UTC, the scenario's clock.
/// Shared by every recorded-scenario suite.
struct ScenarioReplay {
    let report: UpgradeReport
    let replay: ReplayRunner
    let lines: Lines
    /// The replay's files: the scenario's `root/` with the run's writes kept in memory.
    let files: any FileSystem
    /// Everything printed, progress and command output, in order.
    var output: String { lines.text }
    /// Every command run, in order.
    var argv: [[String]] { replay.invocations.map(\.argv) }

    static func path(_ name: String) -> String { Fixtures.root.appendingPathComponent("scenarios/\(name)").path }

    static func run(_ name: String, configure: (inout UpgradeOptions) -> Void = { _ in }) throws -> ScenarioReplay {
        try run(path: path(name), configure: configure)
    }

    /// The scenario's `locks_held=` is honoured, as by `kupgrade --replay`.
    /// `prepare` may add files to the replay's in-memory overlay before kupgrade runs.
    static func run(
        path: String, configure: (inout UpgradeOptions) -> Void = { _ in },
        prepare: (SystemContext) throws -> Void = { _ in }
    ) throws -> ScenarioReplay {
        let context = try SystemContext.replay(scenario: path)
        try prepare(context)
        let replay = try #require(context.runner as? ReplayRunner)
        var options = UpgradeOptions()
        options.assumeYes = true
        options.commandLine = ["kupgrade"]  // as `kupgrade --replay DIR` records it
        options.timeZone = TimeZone(identifier: "UTC")!
        // `args=--new-be` in scenario.conf: the arguments the recording was made with.
        if let args = replay.configuration.values["args"]?.split(separator: " ").map(String.init), !args.isEmpty {
            let parsed = try KupgradeCommand.parser.parse(args)
            options = try KupgradeCommand.options(arguments: args, parsed: parsed, files: context.files)
            options.assumeYes = true
            options.timeZone = TimeZone(identifier: "UTC")!
        }
        configure(&options)
        let lines = Lines()
        let report = Upgrader(context: context, options: options,
                              locks: context.locks,
                              progress: lines.add, output: { _, line in lines.add(line) }).run()
        return ScenarioReplay(report: report, replay: replay, lines: lines, files: context.files)
    }
}
