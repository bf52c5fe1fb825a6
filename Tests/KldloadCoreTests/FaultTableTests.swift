import Foundation
import Testing

@testable import KldloadCore

#if canImport(Glibc)
import Glibc
#endif

/// Every step of a recorded kupgrade run × every fault (Docs/FAULTS.md). Each cell is checked
/// against the rules below, and the whole table must equal the one in Docs/FAULTS.md
/// (`KLDLOAD_WRITE_FAULT_TABLE=1 swift test --filter FaultTable` rewrites it).
@Suite("fault injection")
struct FaultTableTests {
    static let scenario = "kupgrade-debian12-apt"
    static let docPath = Fixtures.root.deletingLastPathComponent().appendingPathComponent("Docs/FAULTS.md")

    /// `table` must equal the text between `<!-- fault-table:MARKER begin -->` and `… end -->` in
    /// Docs/FAULTS.md; with `KLDLOAD_WRITE_FAULT_TABLE=1` it is written there instead.
    static func checkDocumented(_ table: String, marker: String) throws {
        let doc = (try? String(contentsOf: docPath, encoding: .utf8)) ?? ""
        let begin = "<!-- fault-table:\(marker) begin -->\n", end = "<!-- fault-table:\(marker) end -->"
        if ProcessInfo.processInfo.environment["KLDLOAD_WRITE_FAULT_TABLE"] == "1",
           let b = doc.range(of: begin), let e = doc.range(of: end)
        {
            try (doc[..<b.upperBound] + table + doc[e.lowerBound...]).write(to: docPath, atomically: true, encoding: .utf8)
            return
        }
        let documented = doc.range(of: begin).flatMap { b in doc.range(of: end).map { String(doc[b.upperBound..<$0.lowerBound]) } }
        #expect(documented == table, "Docs/FAULTS.md (\(marker)) is out of date; KLDLOAD_WRITE_FAULT_TABLE=1 swift test --filter FaultTableTests rewrites it. Now:\n\(table)")
    }

    static func isRetention(_ argv: [String]) -> Bool {
        argv.starts(with: ["zfs", "list", "-Hp", "-t", "snapshot"]) || argv.starts(with: ["zfs", "destroy"])
    }

    static func cell(_ r: FaultyRun) -> String {
        var parts = ["\(r.report.exitCode)"]
        parts.append(r.recordedResult.map { "result=\($0)" } ?? (r.snapshotTaken ? "no result" : "no checkpoint"))
        let after = r.ranAfterFault
        if r.fault == .sigint || r.fault == .sigterm || r.fault == .fails {
            var skipped: [String] = []
            let base = baseline.ran.dropFirst(r.step ?? 0)
            if base.contains(AptDriver.autoremoveCommand.argv) && !after.contains(AptDriver.autoremoveCommand.argv) { skipped.append("autoremove") }
            if base.contains(where: { $0.first == "dkms" }) && !after.contains(where: { $0.first == "dkms" }) { skipped.append("modules") }
            if base.contains(where: isRetention) && !after.contains(where: isRetention) { skipped.append("retention") }
            if !skipped.isEmpty { parts.append("skips " + skipped.joined(separator: "+")) }
        }
        if r.stdoutLost { parts.append("output lost") }
        if r.report.warnings.contains(where: { $0.hasPrefix("could not write the log") }) { parts.append("log lost") }
        return parts.joined(separator: ", ")
    }

    static let baseline: FaultyRun = try! FaultyRun.run(scenario: scenario, fault: nil, at: nil)

    static func table() throws -> (String, [FaultyRun]) {
        var runs: [FaultyRun] = []
        var rows = ["| # | command | " + Fault.allCases.map(\.rawValue).joined(separator: " | ") + " |",
                    "|---|---|" + Fault.allCases.map { _ in "---" }.joined(separator: "|") + "|"]
        for (i, argv) in baseline.ran.enumerated() {
            var cells: [String] = []
            for fault in Fault.allCases {
                let run = try FaultyRun.run(scenario: scenario, fault: fault, at: i + 1)
                runs.append(run)
                cells.append(cell(run))
            }
            let shown = argv.prefix(argv[0] == "zfs" || argv[0] == "zpool" ? 2 : 3).joined(separator: " ")
            rows.append("| \(i + 1) | `\(shown)` | " + cells.joined(separator: " | ") + " |")
        }
        return (rows.joined(separator: "\n") + "\n", runs)
    }

    @Test func baselineIsTheRecordedRun() {
        #expect(Self.baseline.report.exitCode == 0)
        #expect(Self.baseline.recordedResult == "success")
        #expect(Self.baseline.ran.count == 18)
    }

    @Test func everyStepEveryFault() throws {
        let (table, runs) = try Self.table()
        let base = Self.baseline
        let snapshotStep = try #require(base.ran.firstIndex { $0.starts(with: ["zfs", "snapshot"]) }) + 1
        for r in runs {
            let step = r.step ?? 0
            let label = "\(r.fault?.rawValue ?? "") at \(step) \(base.ran[step - 1].prefix(3).joined(separator: " "))"
            let code = r.report.exitCode
            #expect(ExitStatus(rawValue: code) != nil, "\(label): undocumented exit \(code)")
            // Nothing is ever destroyed that the clean run did not destroy.
            #expect(Set(r.destroyed).isSubset(of: Set(base.destroyed)), "\(label)")
            // Once a checkpoint exists, its result is recorded and the rollback is printed.
            if r.faultHitRecording {
                #expect(r.report.warnings.contains { $0.hasPrefix("could not record the result") }, "\(label)")
            } else if r.snapshotTaken {
                #expect(r.recordedResult != nil, "\(label): no result recorded")
                #expect(r.report.rollbackCommand != nil, "\(label)")
            } else {
                #expect(r.recordedResult == nil, "\(label)")
                #expect(!r.faultHitRecording, "\(label)")
            }
            switch r.fault {
            case .pipeClosed:
                // The run is the clean run: same commands, same exit; the log says output was lost.
                #expect(r.ran == base.ran, "\(label)")
                #expect(code == base.report.exitCode, "\(label)")
                #expect(r.log.contains("WARNING: output lost: stdout was lost (Broken pipe)") == r.stdoutLost, "\(label)")
                #expect(r.log.hasSuffix("kupgrade finished: success (exit 0)\n"), "\(label)")
                #expect(r.log.contains("To roll back:"), "\(label)")
            case .diskFull:
                #expect(r.ran == base.ran, "\(label)")
                #expect(code == base.report.exitCode, "\(label)")
                #expect(r.report.warnings.contains { $0.contains("could not write the log") && $0.contains("No space left on device") }, "\(label)")
                #expect(r.stdout.contains("WARNING: could not write the log"), "\(label)")
                #expect(r.stdout.contains("To roll back:"), "\(label)")
                #expect(!r.log.contains("kupgrade finished"), "\(label)")
            case .sigint, .sigterm:
                let signal = r.fault == .sigint ? "SIGINT" : "SIGTERM"
                #expect(r.report.interrupted == signal || r.recordedResult == "success", "\(label)")
                #expect(r.log.contains("INTERRUPTED (\(signal))"), "\(label)")
                if step <= snapshotStep {
                    #expect(code == 130, "\(label)")
                    #expect(!r.ranAfterFault.contains { $0.starts(with: ["zfs", "snapshot"]) }, "\(label)")
                    #expect(r.log.contains("nothing was changed") || r.log.contains("nothing was upgraded"), "\(label)")
                } else if r.recordedResult == "interrupted" {
                    #expect(code == 130, "\(label)")
                    #expect(!r.ranAfterFault.contains(AptDriver.autoremoveCommand.argv), "\(label)")
                    #expect(!r.ranAfterFault.contains(where: Self.isRetention), "\(label)")
                    #expect(r.stdout.contains("To roll back:"), "\(label)")
                } else {
                    // The result was already recorded when the signal came: the exit status
                    // is that result, and only retention is skipped.
                    #expect(code == base.report.exitCode, "\(label)")
                    #expect(!r.ranAfterFault.contains { $0.starts(with: ["zfs", "destroy"]) }, "\(label)")
                }
            case .fails:
                if step < snapshotStep {
                    #expect(!r.ran.contains { $0.starts(with: ["zfs", "snapshot"]) } || code != 3, "\(label)")
                }
                #expect(r.log.contains("kupgrade finished:"), "\(label)")
            case nil:
                break
            }
        }

        try Self.checkDocumented(table, marker: Self.scenario)
    }
}

/// kbe's destructive commands × every command they run × the faults that apply to kbe (it
/// keeps no log; a closed pipe is tested on the real executable, `ClosedPipeProcessTests`).
/// A signal reaches kbe's child as a kill (kbe forwards it and does not catch it otherwise), so
/// an interrupted step is a failed step: kbe stops, says what was done and how to undo it.
@Suite("kbe fault injection")
struct KBEFaultTableTests {
    static let invocations: [(String, [String], Bool)] = [
        ("destroy BE and its origin", ["destroy", "--yes", "test"], false),
        ("destroy checkpoint + pkgdb twin", ["destroy", "--yes", "rpool/ROOT/default@install"], true),
        ("rollback", ["rollback", "-y", "rpool/ROOT/default@pre-upgrade-20261122-101500"], false),
        ("activate checkpoint", ["activate", "before-nginx-rewrite"], false),
        ("rename", ["rename", "test", "test2"], false),
        ("create --be", ["create", "--be", "next"], false),
    ]
    static let faults: [Fault] = [.fails, .sigint, .sigterm]

    struct Outcome {
        var exitCode: Int32
        var ran: [[String]]
        var stderr: String
    }

    static func run(_ argv: [String], split: Bool, fault: Fault?, at step: Int?) -> Outcome {
        let (stub, base) = KBEWorld.make(split: split)
        var context = base
        let runner = FaultRunner(replay: stub, at: step, fault: fault, state: FaultState())
        context.runner = runner
        let r = KBEWorld.run(argv, context)
        return Outcome(exitCode: r.exitCode, ran: runner.ran, stderr: r.stderr)
    }

    static func isMutation(_ argv: [String]) -> Bool { !ReplayRunner.isRead(argv) }

    static func table() -> String {
        var rows = ["| command | step | " + faults.map(\.rawValue).joined(separator: " | ") + " |",
                    "|---|---|" + faults.map { _ in "---" }.joined(separator: "|") + "|"]
        for (name, argv, split) in invocations {
            let clean = run(argv, split: split, fault: nil, at: nil)
            for (i, command) in clean.ran.enumerated() where isMutation(command) {
                var cells: [String] = []
                for fault in faults {
                    let o = run(argv, split: split, fault: fault, at: i + 1)
                    let after = o.ran.dropFirst(i + 1).filter(isMutation).count
                    var cell = "\(o.exitCode), \(after) changes after"
                    if o.stderr.contains("to undo what was done") { cell += ", undo shown" }
                    cells.append(cell)
                }
                rows.append("| \(name) | `\(command.prefix(4).joined(separator: " "))` | " + cells.joined(separator: " | ") + " |")
            }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    @Test func everyMutationEveryFault() throws {
        for (name, argv, split) in Self.invocations {
            let clean = Self.run(argv, split: split, fault: nil, at: nil)
            #expect(clean.exitCode == 0, "\(name): \(clean.stderr)")
            let mutations = clean.ran.enumerated().filter { Self.isMutation($0.element) }
            #expect(!mutations.isEmpty, "\(name)")
            for (i, command) in mutations {
                for fault in Self.faults {
                    let o = Self.run(argv, split: split, fault: fault, at: i + 1)
                    let label = "\(name): \(fault.rawValue) at \(command.joined(separator: " "))"
                    // A failed or killed step stops kbe: nothing else is changed after it.
                    #expect(o.exitCode != 0, "\(label)")
                    #expect(o.ran.dropFirst(i + 1).filter(Self.isMutation).isEmpty, "\(label)")
                    #expect(o.stderr.contains("kbe: error:"), "\(label)")
                    // When something was already changed, kbe says what and how to undo it.
                    let changedBefore = mutations.contains { $0.offset < i }
                    if changedBefore { #expect(o.stderr.contains("done:"), "\(label): \(o.stderr)") }
                }
            }
        }
        try FaultTableTests.checkDocumented(Self.table(), marker: "kbe")
    }
}
