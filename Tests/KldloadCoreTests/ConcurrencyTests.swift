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

    @Test func recordingRunnerNumbersConcurrentCommandsOnceEach() throws {
        let s = try TempScenario()
        for n in 1...40 { try s.command(String(n), argv: "zfs\nlist\n", stdout: "\(n)\n") }
        let target = try TempScenario()
        let recorder = RecordingRunner(wrapping: try ReplayRunner(scenario: s.path), into: target.path)
        DispatchQueue.concurrentPerform(iterations: 40) { _ in _ = try? recorder.run(Command("zfs", "list")) }
        let commands = target.path + "/commands"
        let names = try FileManager.default.contentsOfDirectory(atPath: commands).sorted()
        // One directory per command, numbered without gaps or repeats, each with its own output.
        #expect(names == (1...40).map { RecordingRunner.name($0) })
        let outputs = try names.map { try String(contentsOfFile: commands + "/" + $0 + "/stdout", encoding: .utf8) }
        #expect(Set(outputs) == Set((1...40).map { "\($0)\n" }))
        #expect(try names.allSatisfy { try String(contentsOfFile: commands + "/" + $0 + "/argv", encoding: .utf8) == "zfs\nlist\n" })
    }

    @Test func upgradeLogKeepsEveryLineWholeUnderConcurrentRecords() throws {
        let files = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent/kupgrade-log-concurrency"))
        let log = UpgradeLog(path: "/var/log/kupgrade.log", files: files,
                             now: { Date(timeIntervalSince1970: 1_774_430_130) }, timeZone: TimeZone(identifier: "UTC")!)
        DispatchQueue.concurrentPerform(iterations: 100) { n in log.record("line \(n)\nsecond of \(n)") }
        let text = String(decoding: try files.contents(of: "/var/log/kupgrade.log"), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 200)
        #expect(Set(lines) == Set((0..<100).flatMap {
            ["2026-03-25T09:15:30Z [kupgrade] line \($0)", "2026-03-25T09:15:30Z [kupgrade] second of \($0)"]
        }))
        #expect(log.writeError == nil)
    }

    @Test func consoleStreamLinesDoNotInterleaveAcrossThreads() {
        let sink = Mutex<[UInt8]>([])
        // At most three bytes per write(2): a line takes many calls, which must not mix.
        let stream = ConsoleStream(name: "stdout") { buffer in
            let n = min(3, buffer.count)
            sink.withLock { $0.append(contentsOf: buffer.prefix(n)) }
            return .wrote(n)
        }
        DispatchQueue.concurrentPerform(iterations: 60) { n in stream.writeLine("message number \(n)") }
        let lines = String(decoding: sink.withLock { $0 }, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.count == 60)
        #expect(Set(lines) == Set((0..<60).map { "message number \($0)" }))
        #expect(stream.loss == nil)
    }

    /// The log's stamp is integer arithmetic now; it writes what `ISO8601DateFormatter` wrote,
    /// byte for byte, in zones with daylight saving, half-hour and historical (seconds) offsets.
    @Test func upgradeLogStampIsTheISO8601FormattersText() {
        let zones = ["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kolkata", "Australia/Lord_Howe",
                     "Pacific/Kiritimati", "America/Los_Angeles", "Europe/Amsterdam"].compactMap(TimeZone.init(identifier:))
            + [TimeZone(secondsFromGMT: 3661)!, TimeZone(secondsFromGMT: -19_800)!]
        #expect(zones.count == 10)
        var dates: [Double] = [0, -0.5, -1, 1_774_430_130, 1_774_430_130.999, -12_212_553_600, -12_212_553_601,
                               -62_135_596_800, 253_402_300_799, 253_402_300_800, -1e13, 1e13]
        // Every 37 hours and a few seconds over a century and a half, crossing DST changes.
        var t = -2_500_000_000.0
        while t < 4_200_000_000 { dates.append(t); t += 133_213.25 }
        var mismatches: [String] = []
        for zone in zones {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            formatter.timeZone = zone
            for t in dates {
                let date = Date(timeIntervalSince1970: t)
                let expected = formatter.string(from: date), got = UpgradeLog.stamp(date, timeZone: zone)
                if got != expected { mismatches.append("\(zone.identifier) \(t): \(got) != \(expected)") }
            }
        }
        let count = mismatches.count
        #expect(count == 0, "\(mismatches.prefix(5))")
    }

    /// Shared state is guarded by `Mutex`; no class in Sources opts out of the compiler's
    /// Sendable checking (Docs/DESIGN.md, "Concurrency and platforms").
    @Test func noUncheckedSendableInSources() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let walker = FileManager.default.enumerator(atPath: sources.path)
        var found: [String] = []
        var swiftFiles = 0
        while let relative = walker?.nextObject() as? String {
            guard relative.hasSuffix(".swift") else { continue }
            swiftFiles += 1
            let text = try String(contentsOfFile: sources.path + "/" + relative, encoding: .utf8)
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains("@unchecked Sendable") && !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                found.append("\(relative):\(i + 1)")
            }
        }
        #expect(swiftFiles > 100)
        let count = found.count
        #expect(count == 0, "\(found)")
    }
}
