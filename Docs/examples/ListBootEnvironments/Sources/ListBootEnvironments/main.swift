import Foundation
import KldloadCore

// list-boot-environments [--replay SCENARIO_DIR] [POOL]
var arguments = Array(CommandLine.arguments.dropFirst())
let context: SystemContext
do {
    if arguments.first == "--replay", arguments.count >= 2 {
        context = try SystemContext.replay(scenario: arguments[1])
        arguments.removeFirst(2)
    } else {
        context = SystemContext.host()
    }
    // The console survives a closed reader (`| head`); print() would not report it.
    _ = context.console.output.write(try listBootEnvironments(context: context, pool: arguments.first))
} catch {
    _ = ConsoleStream.standardError.writeLine("list-boot-environments: \(error)")
    exit(1)
}
