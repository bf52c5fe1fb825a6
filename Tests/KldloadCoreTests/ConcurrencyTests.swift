import Foundation
import Synchronization
import Testing

@testable import KldloadCore

/// The `Mutex`-guarded runners stay consistent when several threads use them at once.
@Suite struct ConcurrencyTests {
    @Test func replayRunnerAnswersEachRecordingOnceUnderConcurrentRuns() throws {
        let s = try TempScenario()
        for n in 1...50 { try s.command(String(n), argv: "zfs\nlist\n", stdout: "\(n)\n") }
        let replay = try ReplayRunner(scenario: s.path)
        let answers = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 50) { _ in
            let out = (try? replay.run(Command("zfs", "list")).stdout) ?? "error"
            answers.withLock { $0.append(out) }
        }
        // Every recording answered exactly once: no lost update of the "used" counter.
        #expect(Set(answers.withLock { $0 }) == Set((1...50).map { "\($0)\n" }))
        #expect(replay.invocations.count == 50)
        #expect(replay.unusedRecordings.isEmpty)
    }
}
