import Foundation
import KldloadCore

#if canImport(Glibc)
import Glibc
#endif

/// `kldload-bench fuzz`: the shared `Fuzzer` over every capture under Fixtures/, for as many
/// inputs as asked (Docs/PERFORMANCE.md, "Fuzzing"). A crash kills the process: the last
/// `batch` line printed names the range to rerun, `--case` replays one input.
enum FuzzMode {
    static func main(_ args: [String]) -> Int32 {
        var inputs = 1_000_000, seed: UInt64 = 1, first = 0, fixtures = "Fixtures", hang = 1.0
        var one: Int?
        var i = 0
        func value() -> String {
            i += 1
            guard i < args.count else { fail("\(args[i - 1]) needs a value") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--inputs": guard let n = Int(value()), n >= 0 else { fail("--inputs needs a count") }; inputs = n
            case "--seed": guard let n = UInt64(value()) else { fail("--seed needs a number") }; seed = n
            case "--first": guard let n = Int(value()), n >= 0 else { fail("--first needs an index") }; first = n
            case "--case": guard let n = Int(value()), n >= 0 else { fail("--case needs an index") }; one = n
            case "--fixtures": fixtures = value()
            case "--hang-seconds": guard let t = Double(value()), t > 0 else { fail("--hang-seconds needs seconds") }; hang = t
            default: fail("unknown fuzz option \(args[i])")
            }
            i += 1
        }
        let corpus = Fuzzer.corpus(directory: URL(fileURLWithPath: fixtures))
        guard !corpus.isEmpty else { fail("no captures under \(fixtures) (run from the package directory or pass --fixtures)") }
        if let one {
            let text = Fuzzer.input(one, seed: seed, corpus: corpus)
            let bytes = Array(text.utf8)
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + done, bytes.count - done) }
                if n <= 0 { break }
                done += n
            }
            for target in Fuzzer.targets {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let outcome = (try? target.run(text)) != nil ? "parsed" : "rejected"
                let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                ConsoleStream.standardError.write(String(format: "%10.3f ms  %@  %@\n", ms, outcome, target.name))
            }
            return 0
        }
        say("fuzz: seed \(seed), inputs \(first)..<\(first + inputs), \(corpus.count) captures from \(fixtures), "
            + "\(Fuzzer.targets.count) targets, hang threshold \(hang) s")
        let s = Fuzzer.run(corpus: corpus, seed: seed, first: first, count: inputs, hangSeconds: hang, batchSize: 50_000) { at in
            let end = min(at + 50_000, first + inputs)
            say("batch: inputs \(at)..<\(end) (rerun: kldload-bench fuzz --seed \(seed) --first \(at) --inputs \(end - at))")
        }
        say("inputs: \(s.inputs)")
        say("target executions: \(s.executions) (\(s.accepted) parsed, \(s.rejected) rejected with a ParseError)")
        say("crashes: 0")
        say("hangs (> \(hang) s of CPU time): \(s.hangs.count)\(s.hangs.isEmpty ? "" : " at inputs " + s.hangs.prefix(20).map(String.init).joined(separator: ","))")
        say("wall-time stalls (> \(hang) s of wall time, not of CPU: the machine was busy): \(s.wallStalls.count)"
            + (s.wallStalls.isEmpty ? "" : " at inputs " + s.wallStalls.prefix(20).map(String.init).joined(separator: ",")))
        say(String(format: "slowest input (CPU time): %d (%.3f s; replay: kldload-bench fuzz --seed %llu --case %d)", s.slowestInput,
                   s.slowestSeconds, seed, s.slowestInput))
        say(String(format: "wall: %.1f s (%.0f inputs/s)", s.seconds, Double(s.inputs) / max(s.seconds, 1e-9)))
        return s.hangs.isEmpty ? 0 : 1
    }
}
