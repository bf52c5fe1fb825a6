import Foundation
import KldloadCore

#if canImport(Glibc)
import Glibc
#endif

// kldload-bench: parser throughput and memory, the awk comparison, and end-to-end costs of
// kbe/kupgrade on replayed scenarios. How to run and what the figures mean: Docs/PERFORMANCE.md.
//
//   kldload-bench [--fixtures DIR] [--runs N] [--sizes 1000,10000,...] [--skip-e2e]
//                 [--static-kbe PATH]
//   kldload-bench --case NAME FILE RUNS      (internal: one measurement, in its own process)
//   kldload-bench --make-kbe-scenario FIXTURES DIR N   (writes the N-checkpoint kbe scenario, e.g. to profile)
//   kldload-bench --make-kbe-scenario-json FIXTURES DIR N   (the same checkpoints as OpenZFS 2.3 JSON)
//   kldload-bench --generate FIXTURES CASE LINES        (prints one generated input)
//   kldload-bench guard [--baseline FILE] [--write-baseline]   (quick regression guard, run by .ci/run)
//   kldload-bench fuzz [--inputs N] [--seed S] [--first I] [--fixtures DIR] [--hang-seconds T]
//   kldload-bench fuzz --seed S --case I [--fixtures DIR]   (writes input I to stdout and runs it)

/// Prints a report line, unbuffered (the report is often piped into `tee`; a reader that goes
/// away must not trap the benchmark).
func say(_ line: String) {
    ConsoleStream.standardOutput.writeLine(line)
}

func fail(_ message: String) -> Never {
    ConsoleStream.standardError.writeLine("kldload-bench: error: \(message)")
    exit(1)
}

let args = Array(CommandLine.arguments.dropFirst())

// MARK: - child mode: one parser case

if args.first == "--make-kbe-scenario" || args.first == "--make-kbe-scenario-json" {
    guard args.count == 4, let n = Int(args[3]), n >= 0 else { fail("usage: \(args[0]) FIXTURES DIR CHECKPOINTS") }
    do {
        if args[0] == "--make-kbe-scenario" {
            try Generate.kbeScenario(fixtures: args[1], checkpoints: n, into: args[2])
        } else {
            try Generate.kbeScenarioJSON(fixtures: args[1], checkpoints: n, into: args[2])
        }
    } catch { fail("\(error)") }
    exit(0)
}

if args.first == "--generate" {
    guard args.count == 4, let n = Int(args[3]), n >= 0 else { fail("usage: --generate FIXTURES CASE LINES") }
    let text: String
    do {
        switch args[2] {
        case "zfs-list", "zfs-list-typed": text = try Generate.zfsList(fixtures: args[1], total: n)
        case "zpool-status": text = try Generate.zpoolStatus(fixtures: args[1], total: n)
        case "dkms-status": text = try Generate.dkmsStatus(fixtures: args[1], total: n)
        case "dpkg-query": text = try Generate.dpkgQuery(fixtures: args[1], total: n)
        case "rpm-query": text = try Generate.rpmQuery(fixtures: args[1], total: n)
        case "dpkg-status-diff": text = try Generate.dpkgStatus(fixtures: args[1], total: n)
        case "zfs-list-json", "zfs-list-json-foundation": text = try Generate.zfsListJSON(fixtures: args[1], total: n)
        case "zfs-list-json-typed": text = try Generate.zfsListJSON(fromText: Generate.zfsList(fixtures: args[1], total: n))
        case "pacman-query": text = try Generate.pacmanQuery(fixtures: args[1], total: n)
        case "pacman-upgrades": text = try Generate.pacmanUpgrades(fixtures: args[1], total: n)
        case "apt-simulation": text = try Generate.aptSimulation(fixtures: args[1], total: n)
        case "dnf-transaction": text = try Generate.dnfTransaction(fixtures: args[1], total: n)
        default: fail("unknown case \(args[2])")
        }
    } catch { fail("\(error)") }
    ConsoleStream.standardOutput.write(text)
    exit(0)
}

if args.first == "guard" {
    let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    exit(GuardMode.main(Array(args.dropFirst()), selfPath: me))
}

if args.first == "fuzz" {
    exit(FuzzMode.main(Array(args.dropFirst())))
}

if args.first == "--case" {
    guard args.count == 4, let runs = Int(args[3]), runs > 0 else { fail("usage: --case NAME FILE RUNS") }
    exit(ParserCases.runChild(name: args[1], file: args[2], runs: runs))
}

// MARK: - options

var fixtures: String? = nil
var runs = 5
var sizes = [1_000, 5_000, 10_000, 100_000, 1_000_000]
var skipE2E = false
var staticKBE: String? = nil
var only: Set<String>? = nil
var rest = args[...]
func value(_ k: String, _ rest: inout ArraySlice<String>) -> String {
    guard let v = rest.popFirst() else { fail("\(k) needs a value") }
    return v
}
while let arg = rest.popFirst() {
    switch arg {
    case "--fixtures": fixtures = value("--fixtures", &rest)
    case "--runs": runs = max(1, Int(value("--runs", &rest)) ?? 5)
    case "--sizes": sizes = value("--sizes", &rest).split(separator: ",").compactMap { Int($0) }
    case "--skip-e2e": skipE2E = true
    case "--static-kbe": staticKBE = value("--static-kbe", &rest)
    case "--only": only = Set(value("--only", &rest).split(separator: ",").map(String.init))
    case "-h", "--help":
        say("""
        usage: kldload-bench [--fixtures DIR] [--runs N] [--sizes 1000,10000,100000,1000000]
                             [--only zfs-list,zfs-list-typed,zfs-list-json-typed,zpool-status,dkms-status,dpkg-query,rpm-query,dpkg-status-diff,pacman-query,pacman-upgrades,apt-simulation,dnf-transaction,e2e]
                             [--skip-e2e] [--static-kbe PATH]
        Run from the repository root after `swift build -c release`. See Docs/PERFORMANCE.md.
        """)
        exit(0)
    default: fail("unknown argument \(arg); try --help")
    }
}

func findFixtures() -> String? {
    var dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    while true {
        let candidate = dir.appendingPathComponent("Fixtures")
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("scenarios").path) { return candidate.path }
        if dir.path == "/" { return nil }
        dir.deleteLastPathComponent()
    }
}
guard let fixtureDir = fixtures ?? findFixtures() else {
    fail("no Fixtures/ directory found above the current directory; run from the repository root or pass --fixtures DIR")
}

let selfPath = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
let binDir = URL(fileURLWithPath: selfPath).deletingLastPathComponent().path
let work = NSTemporaryDirectory() + "/kldload-bench-\(getpid())"
try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: work) }

// MARK: - machine

func shellFree(_ argv: [String]) -> String {
    (try? Measure.run(argv))?.stdout ?? ""
}
let cpuModel = shellFree(["lscpu"]).split(separator: "\n").first { $0.hasPrefix("Model name:") }
    .map { $0.dropFirst("Model name:".count).trimmingCharacters(in: .whitespaces) } ?? "?"
let memTotal = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?.split(separator: "\n").first?
    .split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) } ?? 0
let awkPath = Measure.resolve("awk") ?? "awk"
let awkReal = (try? FileManager.default.destinationOfSymbolicLink(atPath: awkPath)).map { URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: awkPath).deletingLastPathComponent()).resolvingSymlinksInPath().path } ?? awkPath
let awkVersion = shellFree(["awk", "-W", "version"]).split(separator: "\n").first.map(String.init) ?? "?"
let kernel = shellFree(["uname", "-r"]).trimmingCharacters(in: .whitespacesAndNewlines)
let swiftVersion = shellFree(["swift", "--version"]).split(separator: "\n").first.map(String.init) ?? "?"
let dateText = ISO8601DateFormatter().string(from: Date())
func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
}

say("# kldload-bench \(KldloadVersion.current), \(dateText)")
say("")
say("- CPU: \(cpuModel), \(ProcessInfo.processInfo.activeProcessorCount) cores; memory \(memTotal / 1024 / 1024) GiB; kernel \(kernel)")
say("- \(swiftVersion); release build")
say("- awk: \(awkReal) (\(awkVersion))")
say("- fixtures: \(fixtureDir); medians of \(runs) runs (kbe --version: 20)")
say("- load average at start (1/5/15 min): \(loadAverage()) — other work on the machine inflates and scatters the figures")
say("")

// MARK: - parsers

let emptyFile = work + "/empty.txt"
_ = FileManager.default.createFile(atPath: emptyFile, contents: Data())
let baseline = try? Measure.run([selfPath, "--case", "noop", emptyFile, "1"])
let baselineHWM = baseline.flatMap { $0.stdout.split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
say("Peak RSS (VmHWM) of a bench child that parses nothing (baseline): \(baselineHWM.map { Fmt.mb($0) } ?? "?") MB")
say("")

let caseList: [(name: String, title: String, generate: (Int) throws -> String)] = [
    ("zfs-list", "ZFSListParser.parse (zfs list -Hp, kbe's 13 columns; rows are lazy views)", { try Generate.zfsList(fixtures: fixtureDir, total: $0) }),
    ("zfs-list-typed", "BEListing.parse (same file into typed BERecord values, what kbe list does)", { try Generate.zfsList(fixtures: fixtureDir, total: $0) }),
    ("zpool-status", "ZpoolStatusParser.parse (one pool, mirrors of 2 disks; lines = vdev lines + 9)", { try Generate.zpoolStatus(fixtures: fixtureDir, total: $0) }),
    ("dkms-status", "DKMSStatusParser.parse (modules x 50 kernels, slash form, dkms 3.0.10)", { try Generate.dkmsStatus(fixtures: fixtureDir, total: $0) }),
    ("dpkg-query", "DpkgQueryParser.parseEntries (dpkg-query -W -f, dpkg 1.21.23)", { try Generate.dpkgQuery(fixtures: fixtureDir, total: $0) }),
    ("rpm-query", "RPMQueryParser.parse (rpm -qa --qf, rpm 4.18.0)", { try Generate.rpmQuery(fixtures: fixtureDir, total: $0) }),
    ("dpkg-status-diff", "DpkgStatusParser.parse + PackageDiff.compute (var/lib/dpkg/status, dpkg 1.21.23; size = packages, every 3rd upgraded)", { try Generate.dpkgStatus(fixtures: fixtureDir, total: $0) }),
    ("zfs-list-json", "ZFSJSONParser.datasets (zfs list -j --json-int, OpenZFS 2.3.9, kbe's 13 columns; lines = datasets)", { try Generate.zfsListJSON(fixtures: fixtureDir, total: $0) }),
    ("zfs-list-json-typed", "BEListing.parseJSON (the rows of zfs-list-typed as zfs list -j --json-int of OpenZFS 2.3.9; lines = datasets)", { try Generate.zfsListJSON(fromText: Generate.zfsList(fixtures: fixtureDir, total: $0)) }),
    ("zfs-list-json-foundation", "JSONSerialization + the same lookups, same file (unordered)", { try Generate.zfsListJSON(fixtures: fixtureDir, total: $0) }),
    ("pacman-query", "PacmanParser.parseInstalled (pacman -Q, pacman 6.0.2)", { try Generate.pacmanQuery(fixtures: fixtureDir, total: $0) }),
    ("pacman-upgrades", "PacmanParser.parseUpgrades (pacman -Qu, pacman 6.0.2)", { try Generate.pacmanUpgrades(fixtures: fixtureDir, total: $0) }),
    ("apt-simulation", "AptParser.parseSimulation (apt-get -s dist-upgrade, apt 2.6.2; lines about the size)", { try Generate.aptSimulation(fixtures: fixtureDir, total: $0) }),
    ("dnf-transaction", "DnfParser.parseTransaction (dnf upgrade --assumeno, dnf 4.14.0; lines about the size)", { try Generate.dnfTransaction(fixtures: fixtureDir, total: $0) }),
]

/// awk splitting every line into the fields the case's format has: tabs for the `-H`/`--qf`/
/// `-f` outputs, blanks for the column formats (zpool status, dkms status, pacman, apt, dnf, the
/// dpkg status file), commas for JSON (as the first yardstick). The first yardstick,
/// `awk -F'\t'`, leaves a blank-separated line whole, so it does less than a parser must.
func formatSplitAwk(_ name: String) -> (argv: [String], label: String) {
    if name.hasPrefix("zfs-list-json") { return (["awk", "BEGIN{RS=\",\"}{n+=NF} END{print NR, n}"], "awk 'BEGIN{RS=\",\"}{n+=NF}'") }
    switch name {
    case "zfs-list", "zfs-list-typed", "dpkg-query", "rpm-query":
        return (["awk", "-F\\t", "{n+=NF} END{print n}"], "awk -F'\\t' '{n+=NF}'")
    default:
        return (["awk", "{n+=NF} END{print n}"], "awk '{n+=NF}'")
    }
}

struct Row {
    var lines: Int
    var bytes: Int
    var readParse: UInt64
    var parseOnly: UInt64
    var rss: Int
    var awk: UInt64
    var awkRSS: Int
    var readParseCPU: UInt64
    var parseOnlyCPU: UInt64
    var awkCPU: UInt64
}
var summary: [String: [Row]] = [:]

for c in caseList where only == nil || only!.contains(c.name) {
    say("## \(c.name): \(c.title)")
    say("")
    let formatAwk = formatSplitAwk(c.name)
    let hasFloor = ParserCases.floor(c.name) != nil
    say("awk splitting as the format does: `\(formatAwk.label)`" + (hasFloor ? "; values floor: `--case \(c.name)-values` (the result values alone)" : ""))
    say("")
    say("| lines | MB | read+decode+parse ms | parse only ms | lines/s (read+parse) | ns/line | peak RSS MB | awk ms | awk RSS MB | ratio to awk | CPU read+parse ms | CPU parse only ms | awk CPU ms | CPU ratio to awk | format-split awk CPU ms | CPU ratio to it | values floor CPU ms | floor ratio to it |")
    say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    var rows: [Row] = []
    for size in sizes {
        // JSONSerialization's tree of 1,000,000 datasets (1 GB of JSON) takes more than 20 GB.
        if c.name == "zfs-list-json-foundation" && size > 100_000 {
            say("| \(Fmt.count(size)) | skipped: JSONSerialization needs more than 20 GB of memory for this size |")
            continue
        }
        let file = "\(work)/\(c.name)-\(size).txt"
        let text: String
        do { text = try c.generate(size) } catch { fail("\(error)") }
        // A JSON listing is one line: count its datasets (the rows of the text form) instead.
        let lineCount = c.name.hasPrefix("zfs-list-json") ? size : text.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: file)) } catch { fail("cannot write \(file): \(error)") }
        let bytes = text.utf8.count
        let child: Measure.ChildResult
        do { child = try Measure.run([selfPath, "--case", c.name, file, String(runs)]) } catch { fail("\(error)") }
        let fields = child.stdout.split(separator: " ").compactMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard child.exitCode == 0, fields.count == 6 else {
            fail("case \(c.name) \(size) failed (exit \(child.exitCode)): \(child.stderr)\(child.stdout)")
        }
        // JSON is one line: mawk's splitting of one huge record is not linear, so awk splits
        // records at the commas there.
        let awkArgv = c.name.hasPrefix("zfs-list-json") ? ["awk", "BEGIN{RS=\",\"}{n+=NF} END{print NR, n}", file]
            : ["awk", "-F\\t", "{n+=NF} END{print n}", file]
        var awkTimes: [UInt64] = []
        var awkCPU: [UInt64] = []
        for _ in 0..<runs {
            guard let r = try? Measure.run(awkArgv), r.exitCode == 0 else {
                fail("awk failed on \(file)")
            }
            awkTimes.append(r.wallNs)
            awkCPU.append(r.cpuNs)
        }
        let awkRSS = Measure.peakRSS(awkArgv) ?? 0
        // The second yardstick: awk splitting each line into the fields the format has.
        var formatCPU: [UInt64] = []
        if formatAwk.argv == Array(awkArgv.dropLast()) {
            formatCPU = awkCPU
        } else {
            for _ in 0..<runs {
                guard let r = try? Measure.run(formatAwk.argv + [file]), r.exitCode == 0 else { fail("awk failed on \(file)") }
                formatCPU.append(r.cpuNs)
            }
        }
        var floorCPU: UInt64? = nil
        if hasFloor {
            let f: Measure.ChildResult
            do { f = try Measure.run([selfPath, "--case", c.name + "-values", file, String(runs)]) } catch { fail("\(error)") }
            let ff = f.stdout.split(separator: " ").compactMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            guard f.exitCode == 0, ff.count == 6 else { fail("case \(c.name)-values \(size) failed (exit \(f.exitCode)): \(f.stderr)\(f.stdout)") }
            floorCPU = ff[5]
        }
        let row = Row(lines: lineCount, bytes: bytes, readParse: fields[0], parseOnly: fields[1], rss: Int(fields[3]),
                      awk: Measure.median(awkTimes), awkRSS: awkRSS,
                      readParseCPU: fields[4], parseOnlyCPU: fields[5], awkCPU: Measure.median(awkCPU))
        rows.append(row)
        say("| \(Fmt.count(size)) | \(String(format: "%.1f", Double(bytes) / 1e6)) | \(Fmt.ms(row.readParse)) | \(Fmt.ms(row.parseOnly)) | \(Fmt.rate(lineCount, row.readParse)) | \(Fmt.nsPerLine(row.readParse, lineCount)) | \(Fmt.mb(row.rss)) | \(Fmt.ms(row.awk)) | \(Fmt.mb(row.awkRSS)) | \(Fmt.ratio(row.readParse, row.awk)) | \(Fmt.ms(row.readParseCPU)) | \(Fmt.ms(row.parseOnlyCPU)) | \(Fmt.ms(row.awkCPU)) | \(Fmt.ratio(row.readParseCPU, row.awkCPU)) | \(Fmt.ms(Measure.median(formatCPU))) | \(Fmt.ratio(row.readParseCPU, Measure.median(formatCPU))) | \(floorCPU.map(Fmt.ms) ?? "—") | \(floorCPU.map { Fmt.ratio($0, Measure.median(formatCPU)) } ?? "—") |")
        unlink(file)
    }
    if let first = rows.first, let last = rows.last, rows.count > 1 {
        let a = Double(first.readParse) / Double(max(1, first.lines))
        let b = Double(last.readParse) / Double(max(1, last.lines))
        let pa = Double(first.parseOnly) / Double(max(1, first.lines))
        let pb = Double(last.parseOnly) / Double(max(1, last.lines))
        say("")
        say(String(format: "Linearity: ns/line %.0f at %@ → %.0f at %@ (×%.2f); parse only %.0f → %.0f (×%.2f).",
                     a, Fmt.count(first.lines), b, Fmt.count(last.lines), b / a, pa, pb, pb / pa))
        let ca = Double(first.parseOnlyCPU) / Double(max(1, first.lines))
        let cb = Double(last.parseOnlyCPU) / Double(max(1, last.lines))
        say(String(format: "CPU time: parse only %.0f ns/line at %@ → %.0f at %@ (×%.2f).",
                     ca, Fmt.count(first.lines), cb, Fmt.count(last.lines), cb / ca))
    }
    summary[c.name] = rows
    say("")
}

// MARK: - end to end

func timed(_ argv: [String], runs n: Int) -> (median: UInt64, min: UInt64, cpu: UInt64, rss: Int, last: Measure.ChildResult)? {
    var times: [UInt64] = []
    var cpu: [UInt64] = []
    var last: Measure.ChildResult? = nil
    for _ in 0..<n {
        guard let r = try? Measure.run(argv) else { return nil }
        times.append(r.wallNs)
        cpu.append(r.cpuNs)
        last = r
    }
    guard let last else { return nil }
    return (Measure.median(times), times.min() ?? 0, Measure.median(cpu), Measure.peakRSS(argv) ?? 0, last)
}

if !skipE2E && (only == nil || only!.contains("e2e")) {
    say("## End to end (release binaries in \(binDir), run as child processes; wall from spawn to reap)")
    say("")
    let kbe = binDir + "/kbe"
    let kupgrade = binDir + "/kupgrade"
    guard FileManager.default.isExecutableFile(atPath: kbe), FileManager.default.isExecutableFile(atPath: kupgrade) else {
        fail("\(kbe) or \(kupgrade) missing: build them first with `swift build -c release`")
    }
    say("| command | runs | median ms | min ms | median CPU ms | peak RSS MB | exit | subprocesses (replay count) |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|")
    func row(_ label: String, _ argv: [String], runs n: Int, count: String) {
        guard let r = timed(argv, runs: n) else { say("| \(label) | - | failed to run | | | | | |"); return }
        say("| \(label) | \(n) | \(Fmt.ms(r.median)) | \(Fmt.ms(r.min)) | \(Fmt.ms(r.cpu)) | \(Fmt.mb(r.rss)) | \(r.last.exitCode) | \(count) |")
        if r.last.exitCode != 0 {
            say("")
            say("    stderr: \(r.last.stderr.split(separator: "\n").prefix(3).joined(separator: " / "))")
            say("")
        }
    }
    row("`kbe --version`", [kbe, "--version"], runs: 20, count: "0")
    if let s = staticKBE {
        row("`kbe --version` (--static-swift-stdlib)", [s, "--version"], runs: 20, count: "0")
    }

    let scenario = work + "/kbe-100k"
    let checkpoints = 100_000
    do { try Generate.kbeScenario(fixtures: fixtureDir, checkpoints: checkpoints, into: scenario) } catch { fail("\(error)") }
    let listCount = InProcess.kbeCount(scenario: scenario, arguments: ["list"])
    let listSCount = InProcess.kbeCount(scenario: scenario, arguments: ["list", "-s"])
    row("`kbe --replay <100k> list`", [kbe, "--replay", scenario, "list"], runs: runs, count: listCount.text)
    row("`kbe --replay <100k> list -s`", [kbe, "--replay", scenario, "list", "-s"], runs: runs, count: listSCount.text)
    row("`kbe --replay <100k> --json list`", [kbe, "--replay", scenario, "--json", "list"], runs: runs, count: listCount.text)
    row("`kbe --replay <100k> --json list -s`", [kbe, "--replay", scenario, "--json", "list", "-s"], runs: runs, count: listSCount.text)
    // The same checkpoints as OpenZFS 2.3 answers them (zfs version 2.3.9, so kbe reads JSON).
    let scenarioJSON = work + "/kbe-100k-json"
    do { try Generate.kbeScenarioJSON(fixtures: fixtureDir, checkpoints: checkpoints, into: scenarioJSON) } catch { fail("\(error)") }
    let listCountJSON = InProcess.kbeCount(scenario: scenarioJSON, arguments: ["list"])
    let listSCountJSON = InProcess.kbeCount(scenario: scenarioJSON, arguments: ["list", "-s"])
    row("`kbe --replay <100k, 2.3 JSON> list`", [kbe, "--replay", scenarioJSON, "list"], runs: runs, count: listCountJSON.text)
    row("`kbe --replay <100k, 2.3 JSON> list -s`", [kbe, "--replay", scenarioJSON, "list", "-s"], runs: runs, count: listSCountJSON.text)
    row("`kbe --replay <100k, 2.3 JSON> --json list -s`", [kbe, "--replay", scenarioJSON, "--json", "list", "-s"], runs: runs, count: listSCountJSON.text)
    // One line of ~100 MB: mawk's field splitting of one huge record is quadratic (minutes),
    // so awk splits records at the commas instead (linear).
    row("`awk 'BEGIN{RS=\",\"}{n+=NF} END{print NR, n}'` on the same `zfs list -j` bytes", ["awk", "BEGIN{RS=\",\"}{n+=NF} END{print NR, n}", scenarioJSON + "/commands/002/stdout"], runs: runs, count: "-")
    // The same bytes through awk, interleaved with kbe list (the issue's "5 times awk").
    let listBytes = scenario + "/commands/002/stdout"
    var kbeTimes: [UInt64] = [], awkTimes: [UInt64] = [], kbeCPU: [UInt64] = [], awkCPU: [UInt64] = []
    for _ in 0..<runs {
        if let r = try? Measure.run([kbe, "--replay", scenario, "list"]) { kbeTimes.append(r.wallNs); kbeCPU.append(r.cpuNs) }
        if let r = try? Measure.run(["awk", "-F\\t", "{n+=NF} END{print n}", listBytes]) { awkTimes.append(r.wallNs); awkCPU.append(r.cpuNs) }
    }
    row("`awk -F'\\t' '{n+=NF} END{print n}'` on the same `zfs list` bytes", ["awk", "-F\\t", "{n+=NF} END{print n}", listBytes], runs: runs, count: "-")
    let listRatio = Fmt.ratio(Measure.median(kbeTimes), Measure.median(awkTimes))

    let noop = fixtureDir + "/scenarios/kupgrade-nothing-to-upgrade"
    if FileManager.default.fileExists(atPath: noop + "/commands") {
        let k = InProcess.kupgradeCount(scenario: noop, arguments: ["--dry-run", "--replay", noop])
        row("`kupgrade --dry-run --replay kupgrade-nothing-to-upgrade`", [kupgrade, "--dry-run", "--replay", noop], runs: runs, count: k.text)
    } else {
        say("| `kupgrade --dry-run` | skipped: Fixtures/scenarios/kupgrade-nothing-to-upgrade does not exist in this checkout | | | | | |")
    }
    say("")
    say("`kbe list` / awk over the same bytes, interleaved, medians of \(runs): \(Fmt.ms(Measure.median(kbeTimes))) ms / \(Fmt.ms(Measure.median(awkTimes))) ms = **\(listRatio)×** wall; CPU time \(Fmt.ms(Measure.median(kbeCPU))) ms / \(Fmt.ms(Measure.median(awkCPU))) ms = **\(Fmt.ratio(Measure.median(kbeCPU), Measure.median(awkCPU)))×**")
    say("")
    say("In process (library called directly on the same scenarios, ReplayRunner.invocations counted):")
    say("")
    say("- `kbe list`: \(listCount.detail)")
    say("- `kbe list -s`: \(listSCount.detail)")
    say("- `kbe list` (2.3 JSON): \(listCountJSON.detail)")
    say("- `kbe list -s` (2.3 JSON): \(listSCountJSON.detail)")
    if FileManager.default.fileExists(atPath: noop + "/commands") {
        let k = InProcess.kupgradeCount(scenario: noop, arguments: ["--dry-run", "--replay", noop])
        say("- `kupgrade --dry-run` (no-op): \(k.detail)")
    }
    say("")
}

say("Load average at the end (1/5/15 min): \(loadAverage())")
