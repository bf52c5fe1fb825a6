import Foundation
import KldloadCore

#if canImport(Glibc)
import Glibc
#endif

/// `kldload-bench guard`: the quick regression guard run by `.ci/run` after the tests
/// (Docs/PERFORMANCE.md, "Regression guard"). Small inputs, each case's time as a ratio to
/// what `awk -F'\t'` takes for the same number of bytes, measured in the same run (so a
/// slower or busier machine cancels out), compared with the committed baseline ratio for this build configuration. It prints
/// every figure and fails only on a gross regression: a ratio above 3 times the baseline,
/// measured again with more runs before it counts (a burst of load on a shared machine must
/// not fail CI).
///
///   kldload-bench guard [--baseline FILE] [--write-baseline] [--fixtures DIR]
enum GuardMode {
    #if DEBUG
    static let configuration = "debug"
    #else
    static let configuration = "release"
    #endif
    static let factor = 3.0

    struct Case {
        var name: String
        var lines: Int
        /// Writes the input, returns (file for awk, argv to time).
        var prepare: (String, String) throws -> (String, [String])
    }

    static func main(_ args: [String], selfPath: String) -> Int32 {
        var baselinePath = "Tests/bench/guard-baseline.txt"
        var write = false
        var fixtures = "Fixtures"
        var rest = args[...]
        while let a = rest.popFirst() {
            switch a {
            case "--baseline": guard let v = rest.popFirst() else { fail("--baseline needs a file") }; baselinePath = v
            case "--write-baseline": write = true
            case "--fixtures": guard let v = rest.popFirst() else { fail("--fixtures needs a directory") }; fixtures = v
            default: fail("unknown guard option \(a)")
            }
        }
        let work = NSTemporaryDirectory() + "/kldload-bench-guard-\(getpid())"
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let binDir = URL(fileURLWithPath: selfPath).deletingLastPathComponent().path

        func parserCase(_ name: String, _ lines: Int, _ gen: @escaping (Int) throws -> String) -> Case {
            Case(name: name, lines: lines) { work, _ in
                let file = "\(work)/\(name).txt"
                try Data(try gen(lines).utf8).write(to: URL(fileURLWithPath: file))
                return (file, [selfPath, "--case", name, file, "1"])
            }
        }
        let cases: [Case] = [
            parserCase("zfs-list-typed", 20_000) { try Generate.zfsList(fixtures: fixtures, total: $0) },
            parserCase("zpool-status", 20_000) { try Generate.zpoolStatus(fixtures: fixtures, total: $0) },
            parserCase("dkms-status", 20_000) { try Generate.dkmsStatus(fixtures: fixtures, total: $0) },
            parserCase("dpkg-query", 20_000) { try Generate.dpkgQuery(fixtures: fixtures, total: $0) },
            parserCase("rpm-query", 20_000) { try Generate.rpmQuery(fixtures: fixtures, total: $0) },
            Case(name: "kbe-list-s", lines: 10_000) { work, _ in
                let dir = work + "/kbe-10k"
                try Generate.kbeScenario(fixtures: fixtures, checkpoints: 10_000, into: dir)
                return (dir + "/commands/002/stdout", [binDir + "/kbe", "--replay", dir, "list", "-s"])
            },
            // The same, as OpenZFS 2.3 answers (JSON); compared with awk over the text bytes,
            // so its ratio is directly comparable with kbe-list-s.
            Case(name: "kbe-list-s-json", lines: 10_000) { work, _ in
                let dir = work + "/kbe-10k-json"
                try Generate.kbeScenarioJSON(fixtures: fixtures, checkpoints: 10_000, into: dir)
                return (work + "/kbe-10k/commands/002/stdout", [binDir + "/kbe", "--replay", dir, "list", "-s"])
            },
            parserCase("pacman-query", 20_000) { try Generate.pacmanQuery(fixtures: fixtures, total: $0) },
            parserCase("pacman-upgrades", 20_000) { try Generate.pacmanUpgrades(fixtures: fixtures, total: $0) },
            parserCase("apt-simulation", 20_000) { try Generate.aptSimulation(fixtures: fixtures, total: $0) },
            parserCase("dnf-transaction", 20_000) { try Generate.dnfTransaction(fixtures: fixtures, total: $0) },
        ]
        // awk's CPU time per byte, from one 100,000-line file (tens of ms, well above the
        // clock's granularity and awk's start-up); every case is compared with awk's time for
        // its own byte count (awk is linear).
        let calibration = work + "/awk-calibration.txt"
        do { try Data(try Generate.zfsList(fixtures: fixtures, total: 100_000).utf8).write(to: URL(fileURLWithPath: calibration)) }
        catch { fail("calibration input: \(error)") }
        let awkNsPerByte = Double(measureAwk(calibration, runs: 5)) / Double(max(1, fileSize(calibration)))
        let baseline = readBaseline(baselinePath)
        say("kldload-bench guard (\(configuration) build), load average \(loadAverageText()); ratio = case / awk's time for the same bytes (awk \(String(format: "%.2f", awkNsPerByte)) ns/byte over 100,000 zfs list lines), CPU time, min of runs")
        say("")
        say("| case | lines | ms | awk ms | ratio | baseline | limit | verdict |")
        say("|---|---:|---:|---:|---:|---:|---:|---|")
        var failed: [String] = []
        var measured: [(String, Double)] = []
        for c in cases {
            let (file, argv): (String, [String])
            do { (file, argv) = try c.prepare(work, binDir) } catch { fail("\(c.name): \(error)") }
            let key = "\(configuration) \(c.name)"
            let awk = UInt64(awkNsPerByte * Double(fileSize(file)))
            var ours = measure(argv, runs: 5)
            var ratio = Double(ours) / Double(max(1, awk))
            let base = baseline[key]
            let limit = base.map { $0 * factor }
            var verdict = base == nil ? "no baseline" : "ok"
            if let limit, ratio > limit {
                // Again with more runs: only a ratio that stays above the limit is a regression.
                ours = measure(argv, runs: 15)
                ratio = Double(ours) / Double(max(1, awk))
                verdict = ratio > limit ? "REGRESSION" : "ok (on second measurement)"
                if ratio > limit { failed.append(c.name) }
            }
            measured.append((key, ratio))
            say("| \(c.name) | \(c.lines) | \(Fmt.ms(ours)) | \(Fmt.ms(awk)) | \(String(format: "%.2f", ratio)) | \(base.map { String(format: "%.2f", $0) } ?? "-") | \(limit.map { String(format: "%.2f", $0) } ?? "-") | \(verdict) |")
        }
        say("")
        if write {
            var merged = baseline
            for (k, v) in measured { merged[k] = v }
            let text = "# kldload-bench guard baselines: <configuration> <case> <ratio to awk> (Docs/PERFORMANCE.md)\n"
                + merged.keys.sorted().map { "\($0) \(String(format: "%.2f", merged[$0]!))" }.joined(separator: "\n") + "\n"
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: baselinePath)) } catch { fail("cannot write \(baselinePath): \(error)") }
            say("baseline written to \(baselinePath)")
        }
        if !failed.isEmpty {
            ConsoleStream.standardError.writeLine(
                "kldload-bench guard: more than \(Int(factor))x the baseline ratio: \(failed.joined(separator: ", ")); "
                    + "profile it (Docs/PERFORMANCE.md), or if the slowdown is intended, rerun with --write-baseline and commit")
            return 1
        }
        say("guard: passed (limit \(Int(factor))x the baseline ratio)")
        return 0
    }

    /// Minimum CPU time (user + system, from `wait4`) of the whole child: a parser case
    /// (`--case NAME FILE 1`: start, read, parse) or a program (kbe). CPU time, not wall time:
    /// on a shared machine the wall time of the same run varies by more than the 3× margin
    /// while waiting for a core; the CPU time does not.
    static func measure(_ argv: [String], runs: Int) -> UInt64 {
        var ours: [UInt64] = []
        for _ in 0..<runs {
            guard let r = try? Measure.run(argv), r.exitCode == 0 else { fail("\(argv.joined(separator: " ")) failed") }
            ours.append(r.cpuNs)
        }
        return ours.min() ?? 0
    }

    static func measureAwk(_ file: String, runs: Int) -> UInt64 {
        var times: [UInt64] = []
        for _ in 0..<runs {
            guard let a = try? Measure.run(["awk", "-F\\t", "{n+=NF} END{print n}", file]), a.exitCode == 0 else {
                fail("awk failed on \(file)")
            }
            times.append(a.cpuNs)
        }
        return times.min() ?? 0
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    static func readBaseline(_ path: String) -> [String: Double] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ")
            if f.count == 3, let v = Double(f[2]) { out["\(f[0]) \(f[1])"] = v }
        }
        return out
    }

    static func loadAverageText() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
    }
}
