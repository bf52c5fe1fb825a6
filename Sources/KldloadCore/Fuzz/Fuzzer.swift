import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Deterministic pseudo-random numbers (SplitMix64): the same seed gives the same inputs, so
/// every fuzz failure reproduces.
package struct FuzzRNG: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The fuzzer shared by the test suite (a short run) and `kldload-bench fuzz` (a million
/// inputs, Docs/PERFORMANCE.md "Fuzzing"): mutates real captures and feeds each input to every
/// parser and to the renderers fed from parsed values. A target may return or throw a
/// `ParseError`; a trap is a crash of the process, a slow input is reported as a hang.
package enum Fuzzer {
    /// One parser (plus what consumes its values), as a closure over the input text.
    public struct Target: Sendable {
        public var name: String
        public var run: @Sendable (String) throws(ParseError) -> Void
    }

    public static let targets: [Target] = [
        Target(name: "zfs list (kbe listing → table, JSON)") { t throws(ParseError) in
            let records = try BEListing.parse(t)
            let mounts = (try? MountTable.parse(t)) ?? MountTable(entries: [])
            for root in Set(records.prefix(4).map { String($0.datasetName.split(separator: "/").prefix(2).joined(separator: "/")) }) {
                let envs = BootEnvironmentInventory.build(
                    records: records, beRoot: root, runningBE: records.first.map { String($0.datasetName) },
                    bootfs: records.last.map { String($0.datasetName) }, mounts: mounts)
                let utc = TimeZone(identifier: "UTC") ?? .current
                for (scripted, exact) in [(false, false), (true, true)] {
                    _ = BEListRenderer.render(envs, scripted: scripted, exact: exact, checkpoints: true, timeZone: utc)
                }
                var report = KBEReport(command: "list", dryRun: false)
                report.bootEnvironments = envs.map { KBEReport.info($0, withCheckpoints: true) }
                _ = report.json()
            }
        },
        Target(name: "zfs list (datasets, snapshots)") { t throws(ParseError) in
            let columns = ["name", "creation", "used", "available", "referenced", "mountpoint", "mounted"]
            for r in try ZFSListParser.parse(t, columns: columns) { _ = (r.used, r.available, r.creation, r.parent, r.pool, r.type) }
            _ = try? ZFSListParser.parseSnapshots(t, columns: columns)
        },
        Target(name: "auto-checkpoint and retention listings") { t throws(ParseError) in
            _ = try? Checkpoints.parse(t, columns: Checkpoints.hookColumns)
            _ = try Checkpoints.parse(t, columns: Checkpoints.retentionColumns)
        },
        Target(name: "zfs get / zpool get") { t throws(ParseError) in
            _ = try? ZFSGetParser.parseDatasets(t)
            _ = try? BEListing.parseBootfs(t, pool: "rpool")
            _ = try ZpoolGetParser.parse(t)
        },
        Target(name: "zfs/zpool -j (JSON of OpenZFS 2.3+)") { t throws(ParseError) in
            _ = try? BEListing.parseJSON(t)
            _ = try? Checkpoints.rows(ZFSJSONParser.snapshots(t, columns: Checkpoints.hookColumns), source: "zfs list -j")
            _ = try? ZFSJSONParser.properties(t)
            for p in try ZFSJSONParser.zpoolStatus(t).pools { _ = (p.isHealthy, p.isResilvering, p.scan?.sentence, p.allVDevs.count) }
        },
        Target(name: "zfs list -j (one-pass reader: kbe listing, snapshot columns)") { t throws(ParseError) in
            _ = try? ZFSJSONParser.snapshots(t, columns: Checkpoints.retentionColumns)
            _ = try BEListing.parseJSON(t)
        },
        Target(name: "zpool list") { t throws(ParseError) in _ = try ZpoolListParser.parse(t) },
        Target(name: "zpool status") { t throws(ParseError) in
            for p in try ZpoolStatusParser.parse(t).pools { _ = (p.isHealthy, p.isResilvering, p.scan, p.allVDevs.count) }
        },
        Target(name: "mount table") { t throws(ParseError) in _ = try MountTable.parse(t) },
        Target(name: "dkms status") { t throws(ParseError) in _ = try DKMSStatusParser.parse(t, stderr: t) },
        Target(name: "dkms autoinstall") { t throws(ParseError) in _ = DKMSAutoinstallOutput.parse(t, kernel: "6.1.0-18-amd64") },
        Target(name: "dkms signing key lines") { t throws(ParseError) in _ = DKMSSigningOutput.scan(t) },
        Target(name: "rpm -qa") { t throws(ParseError) in _ = try RPMQueryParser.parse(t) },
        Target(name: "dpkg-query") { t throws(ParseError) in _ = try DpkgQueryParser.parseEntries(t) },
        Target(name: "package databases → diff (dpkg status, pacman desc)") { t throws(ParseError) in
            let dpkg = DpkgStatusParser.parse(Data(t.utf8))
            _ = PackageDiff.compute(old: dpkg, new: Array(dpkg.reversed().prefix(dpkg.count / 2)), database: .dpkg).lines(limit: 20)
            let pac = PacmanLocalParser.parseDesc(t).map { [$0] } ?? []
            _ = PackageDiff.compute(old: pac, new: [], database: .pacman)
            for kind in PackageDatabaseKind.allCases { _ = kind.compare(String(t.prefix(200)), String(t.suffix(200))) }
        },
        Target(name: "zfs diff -FH") { t throws(ParseError) in _ = BEDiff.grouped(try ZFSDiffParser.parse(t)) },
        Target(name: "pacman") { t throws(ParseError) in
            _ = try? PacmanParser.parseInstalled(t)
            _ = try? PacmanParser.parseUpgrades(t)
            for i in try PacmanParser.parseInfo(t) { _ = i.dependsOn; _ = i.requiredVersion(of: "linux") }
        },
        Target(name: "dnf (check-update, transaction → plan)") { t throws(ParseError) in
            _ = try? DnfParser.parseCheckUpdate(t)
            let tx = try DnfParser.parseTransaction(t)
            _ = DnfDriver.plan(from: tx, stdout: t)
        },
        Target(name: "apt simulation → plan") { t throws(ParseError) in
            let sim = try AptParser.parseSimulation(t)
            _ = AptDriver.plan(from: sim, stdout: t)
        },
        Target(name: "apt size lines") { t throws(ParseError) in _ = AptDriver.plan(from: AptSimulation(), stdout: t) },
        Target(name: "os-release") { t throws(ParseError) in let r = try OSReleaseParser.parse(t); _ = r.family; _ = r.idLike },
        Target(name: "mokutil / efivars") { t throws(ParseError) in
            _ = try? SecureBootParser.parseEFIVariables(secureBoot: Data(t.utf8.prefix(64)), setupMode: Data(t.utf8.suffix(8)))
            _ = try SecureBootParser.parseMokutil(stdout: t, stderr: t)
        },
        Target(name: "modinfo") { t throws(ParseError) in
            _ = ModinfoParser.parseField(t)
            _ = try? ModinfoParser.parseVermagic(t)
            let m = try ModinfoParser.parse(t)
            _ = (m.isSigned, m.vermagic)
        },
        Target(name: "kernel release") { t throws(ParseError) in
            _ = t.split(separator: "\n").prefix(50).map { KernelRelease(String($0)) }.sorted()
        },
        Target(name: "names and numbers") { t throws(ParseError) in
            _ = try? ZFSName.validateDataset(String(t.prefix(300)))
            _ = NiceNumber.parse(t.prefix(30))
            _ = humanSize(UInt64(t.utf8.count) &* 0x9E37_79B9_7F4A_7C15)
        },
    ]

    /// Every text file under `directory` (recursively), each cut to `maxBytes`, in path order.
    public static func corpus(directory: URL, maxBytes: Int = 2 * 1024) -> [String] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        var paths: [String] = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            paths.append(url.path)
        }
        var out: [String] = []
        for path in paths.sorted() {
            guard let h = FileHandle(forReadingAtPath: path) else { continue }
            defer { try? h.close() }
            guard let data = try? h.read(upToCount: maxBytes), !data.isEmpty else { continue }
            // Binary captures (efivars) are kept: invalid UTF-8 is an input like any other.
            out.append(String(decoding: data, as: UTF8.self))
        }
        return out
    }

    static let numbers = [
        "0", "-1", "-0", "+1", "18446744073709551615", "18446744073709551616", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "99999999999999999999999999", "1e308", "NaN", "0x10", "1.5",
        "٣", "4294967296",
    ]
    static let pieces = [
        "\t", "\n", "\r\n", "\r", " ", ":", ": ", ",", "/", "@", "(", ")", "[", "]", "=", "\"", "'", "\\", "#", "-",
        "->", "=>", "\u{0}", "\u{1B}[", "\u{1B}]", "\u{1B}(B", "é", "🙂", "\u{301}", "\u{200D}", "Inst ", "Conf ",
        "Remv ", "Need to get ", " of archives.", "After this operation, ", "B ", " upgraded, ", " newly installed",
        "SecureBoot enabled", "installed", "(none)", "scan: ", "config:", "errors: ", "pool: ", "state: ",
    ]
    static let invalidUTF8: [[UInt8]] = [[0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF]]

    /// Mutates `text` once; `rng` decides how.
    public static func mutate(_ text: String, _ rng: inout FuzzRNG) -> String {
        var bytes = Array(text.utf8)
        func at() -> Int { bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &rng) }
        func lineRanges() -> [Range<Int>] {
            var out: [Range<Int>] = []
            var start = 0
            for (i, b) in bytes.enumerated() where b == 0x0A { out.append(start..<(i + 1)); start = i + 1 }
            if start < bytes.count { out.append(start..<bytes.count) }
            return out
        }
        switch Int.random(in: 0..<13, using: &rng) {
        case 0:  // truncate anywhere, also inside a multi-byte character
            bytes.removeSubrange(at()...)
        case 1:  // duplicate a line, up to many times
            let lines = lineRanges()
            guard let r = lines.randomElement(using: &rng) else { break }
            let times = Bool.random(using: &rng) ? 1 : Int.random(in: 2...200, using: &rng)
            let line = Array(bytes[r])
            bytes.insert(contentsOf: Array([[UInt8]](repeating: line, count: times).joined()), at: r.upperBound)
        case 2:  // swap separators: TAB, space, newline into one another
            let seps: [UInt8] = [0x09, 0x20, 0x0A]
            let from = seps.randomElement(using: &rng)!, to = seps.randomElement(using: &rng)!
            let all = Bool.random(using: &rng)
            for i in bytes.indices where bytes[i] == from && (all || Int.random(in: 0..<8, using: &rng) == 0) { bytes[i] = to }
        case 3:  // a number replaced by a huge, negative or odd one
            let digitRuns = bytes.indices.filter { (0x30...0x39).contains(bytes[$0]) && ($0 == 0 || !(0x30...0x39).contains(bytes[$0 - 1])) }
            guard let start = digitRuns.randomElement(using: &rng) else { break }
            var end = start
            while end < bytes.count && (0x30...0x39).contains(bytes[end]) { end += 1 }
            bytes.replaceSubrange(start..<end, with: Array(numbers.randomElement(using: &rng)!.utf8))
        case 4:  // CRLF line ends
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + bytes.count / 16)
            for b in bytes { if b == 0x0A { out.append(0x0D) }; out.append(b) }
            bytes = out
        case 5:  // invalid UTF-8
            for _ in 0..<Int.random(in: 1...4, using: &rng) { bytes.insert(contentsOf: invalidUTF8.randomElement(using: &rng)!, at: at()) }
        case 6:  // a very long line or run
            let unit = Array((pieces + ["a", "0", "  ", "\t\t"]).randomElement(using: &rng)!.utf8)
            let count = Int.random(in: 1_000...8_000, using: &rng) / max(unit.count, 1)
            bytes.insert(contentsOf: Array([[UInt8]](repeating: unit, count: count).joined()), at: at())
        case 7:  // shuffle lines
            var lines = lineRanges().map { Array(bytes[$0]) }
            lines.shuffle(using: &rng)
            bytes = Array(lines.joined())
        case 8:  // splice pieces in
            for _ in 0..<Int.random(in: 1...8, using: &rng) { bytes.insert(contentsOf: Array(pieces.randomElement(using: &rng)!.utf8), at: at()) }
        case 9:  // delete a range
            let a = at(), b = at()
            bytes.removeSubrange(min(a, b)..<max(a, b))
        case 10:  // flip bytes
            for _ in 0..<Int.random(in: 1...8, using: &rng) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
        case 11:  // drop a field: cut between two TABs
            guard let tab = bytes.indices.filter({ bytes[$0] == 0x09 }).randomElement(using: &rng) else { break }
            bytes.remove(at: tab)
        default:  // random bytes
            bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The largest input generated, in bytes.
    public static let maxInputBytes = 32 * 1024

    /// Input number `index` of the run with `seed`: a capture mutated one to three times.
    /// Depends only on (seed, index, corpus), so one input can be regenerated alone.
    public static func input(_ index: Int, seed: UInt64, corpus: [String]) -> String {
        var rng = FuzzRNG(seed: seed &* 0x2545_F491_4F6C_DD1D ^ UInt64(truncatingIfNeeded: index))
        guard !corpus.isEmpty else { return mutate("", &rng) }
        var text = corpus[Int.random(in: 0..<corpus.count, using: &rng)]
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            text = mutate(text, &rng)
            // Bounded so a million inputs run in minutes; linearity is tested separately.
            if text.utf8.count > maxInputBytes { text = String(decoding: text.utf8.prefix(maxInputBytes), as: UTF8.self) }
        }
        return text
    }

    public struct Summary: Sendable {
        public var inputs = 0
        public var executions = 0
        /// Target calls that returned a value / threw a ParseError.
        public var accepted = 0
        public var rejected = 0
        /// Inputs whose targets together used more CPU time than the hang threshold. CPU time of
        /// the fuzzing thread, not wall time: on a busy machine a wall clock also counts the time
        /// the thread waited for a core (seen: inputs that take 1–62 ms replayed alone were
        /// over 1 s of wall time at a load average of 4 on 2 cores). The parsers are pure and
        /// never block, so a real hang is CPU time.
        public var hangs: [Int] = []
        /// Inputs over the threshold in wall time only (the machine was busy): reported, not hangs.
        public var wallStalls: [Int] = []
        public var slowestSeconds = 0.0
        public var slowestInput = -1
        public var seconds = 0.0
    }

    /// Runs inputs `first..<first+count` through every target. `batch` is called before each
    /// batch of `batchSize` inputs (with its first index) so a crash can be traced to its batch;
    /// `--case` in kldload-bench replays one input.
    public static func run(
        corpus: [String], seed: UInt64, first: Int = 0, count: Int, hangSeconds: Double = 1,
        batchSize: Int = 10_000, batch: (Int) -> Void = { _ in }
    ) -> Summary {
        var s = Summary()
        let start = DispatchTime.now().uptimeNanoseconds
        for i in first..<(first + count) {
            if (i - first) % batchSize == 0 { batch(i) }
            let text = input(i, seed: seed, corpus: corpus)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let c0 = threadCPUSeconds()
            for target in targets {
                do { try target.run(text); s.accepted += 1 } catch { s.rejected += 1 }
                s.executions += 1
            }
            let dt = threadCPUSeconds() - c0
            let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if dt > hangSeconds { s.hangs.append(i) } else if wall > hangSeconds { s.wallStalls.append(i) }
            if dt > s.slowestSeconds { s.slowestSeconds = dt; s.slowestInput = i }
            s.inputs += 1
        }
        s.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return s
    }

    /// CPU time used by the calling thread (`CLOCK_THREAD_CPUTIME_ID`), in seconds.
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0 else { return 0 }
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
