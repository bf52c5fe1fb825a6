import Foundation
import KldloadCore

// Thin: parse argv, build the SystemContext (--replay DIR or the host), run, print, exit.
let arguments = Array(CommandLine.arguments.dropFirst())
func emit(_ result: KBECommand.Result) -> Never {
    FileHandle.standardOutput.write(Data(result.stdout.utf8))
    FileHandle.standardError.write(Data(result.stderr.utf8))
    exit(result.exitCode)
}

let invocation: KBEInvocation
do {
    invocation = try KBEInvocation.parse(arguments)
} catch {
    emit(KBECommand.usageFailure(error, arguments: arguments))
}

let context: SystemContext
if let scenario = invocation.replay {
    do {
        context = try SystemContext.replay(scenario: scenario)
    } catch {
        emit(.init(stdout: "", stderr: "kbe: error: \(error)\nhint: --replay needs a scenario directory (Docs/REPLAY.md)\n", exitCode: 2))
    }
} else {
    context = SystemContext.host()
}

let ask: @Sendable (String) -> String? = { prompt in
    FileHandle.standardError.write(Data(prompt.utf8))
    return readLine(strippingNewline: true)
}
let progress: ProgressSink = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
emit(KBECommand.run(invocation, context: context, ask: ask, progress: progress))
