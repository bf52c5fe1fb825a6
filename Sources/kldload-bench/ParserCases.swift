import Foundation
import KldloadCore

#if canImport(Glibc)
import Glibc
#endif

/// The child side of one parser measurement (`kldload-bench --case NAME FILE RUNS`), run in
/// its own process so the parent's `wait4` gives this case's peak RSS alone.
///
/// Prints `<median read+decode+parse ns> <median parse-only ns> <rows> <VmHWM KiB>
/// <median read+decode+parse CPU ns> <median parse-only CPU ns>` (wall, then process CPU time).
/// - read+decode+parse: `read(2)` the whole file into a `String` (UTF-8 validated and
///   repaired), parse. Comparable to `awk`, which also reads the file.
/// - parse only: the same `String` decoded once up front, only the parse timed.
enum ParserCases {
    static func parser(_ name: String) -> ((String) throws -> Int)? {
        switch name {
        case "noop": return { $0.utf8.count >= 0 ? 0 : 1 }
        case "zfs-list": return { try ZFSListParser.parse($0, columns: BEListing.columns).count }
        case "zfs-list-typed": return { try BEListing.parse($0).count }
        case "zpool-status":
            return { text in
                let report = try ZpoolStatusParser.parse(text)
                // Through pointers: `v.children[i]` (even of an UnsafeBufferPointer) copies each
                // vdev, retaining and releasing its strings and array, ~8 % of the figure;
                // `pointee.children` reads the one field in place.
                func count(_ v: UnsafePointer<VDev>) -> Int {
                    v.pointee.children.withUnsafeBufferPointer { c in
                        var n = 1
                        if let base = c.baseAddress { for i in 0..<c.count { n += count(base + i) } }
                        return n
                    }
                }
                var n = 0
                for p in report.pools { if let r = p.root { n += withUnsafePointer(to: r) { count($0) } } }
                return n
            }
        case "dkms-status": return { try DKMSStatusParser.parse($0).modules.count }
        case "dpkg-query": return { try DpkgQueryParser.parseEntries($0).count }
        case "rpm-query": return { try RPMQueryParser.parse($0).count }
        case "dpkg-status-diff":
            // What kbe diff does per side and then once: parse the status file, compare it with
            // itself where every third package has a newer version (one dpkg comparison each).
            return { text in
                let old = DpkgStatusParser.parse(Data(text.utf8))
                var new = old
                for i in stride(from: 0, to: new.count, by: 3) {
                    new[i] = Package(name: new[i].name, fullVersion: new[i].fullVersion + "+kbe1", arch: new[i].arch)
                }
                let d = PackageDiff.compute(old: old, new: new, database: .dpkg)
                return d.upgraded.count + d.unchanged
            }
        case "zfs-list-json-typed": return { try BEListing.parseJSON($0).count }
        case "zfs-list-json": return { try ZFSJSONParser.datasets($0, columns: BEListing.columns).count }
        case "zfs-list-json-foundation":
            // The same values through Foundation: JSONSerialization, then the property lookups
            // ZFSJSONParser.datasets does (member order is lost here).
            return { text in
                let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                let datasets = root?["datasets"] as? [String: Any] ?? [:]
                var n = 0
                for (_, d) in datasets {
                    let props = (d as? [String: Any])?["properties"] as? [String: Any]
                    for c in BEListing.columns where c != "name" {
                        let v = (props?[c] as? [String: Any])?["value"]
                        if let v { n &+= String(describing: v).utf8.count > 0 ? 1 : 0 }
                    }
                }
                return datasets.count + (n == -1 ? 1 : 0)
            }
        case "pacman-query": return { try PacmanParser.parseInstalled($0).count }
        case "pacman-upgrades": return { try PacmanParser.parseUpgrades($0).count }
        case "apt-simulation":
            return { text in
                let s = try AptParser.parseSimulation(text)
                return s.upgrades.count + s.installs.count + s.removals.count + s.configures.count
                    + s.lists.reduce(0) { $0 + $1.packages.count }
            }
        case "dnf-transaction":
            return { text in
                let tx = try DnfParser.parseTransaction(text)
                return tx.entries.reduce(0) { $0 + 1 + $1.replacing.count }
            }
        default: return nil
        }
    }

    /// The values floor of a parser case (`<case>-values`): from one untimed parse of the text,
    /// a closure that makes the same result values again from fresh `String`s of each field's
    /// bytes (as a parser makes them from the input) and frees them. What it costs is what the
    /// public values alone cost: no parser that returns them can be faster (Docs/PERFORMANCE.md,
    /// "The values floor").
    static func floor(_ name: String) -> ((String) throws -> () -> Int)? {
        switch name {
        case "rpm-query": return { text in freshPackages(try RPMQueryParser.parse(text)) }
        case "pacman-query": return { text in freshPackages(try PacmanParser.parseInstalled(text)) }
        case "zpool-status":
            return { text in
                let report = try ZpoolStatusParser.parse(text)
                return {
                    var n = 0
                    var roots: [VDev] = []
                    for p in report.pools {
                        if let r = p.root { roots.append(withUnsafePointer(to: r) { fresh($0, count: &n) }) }
                    }
                    return roots.isEmpty ? 0 : n
                }
            }
        case "dkms-status":
            return { text in
                let parsed = try DKMSStatusParser.parse(text).modules
                return {
                    var out: [DKMSModule] = []
                    out.reserveCapacity(parsed.count)
                    for m in parsed {
                        out.append(DKMSModule(name: fresh(m.name), version: fresh(m.version), kernel: fresh(m.kernel),
                                              arch: fresh(m.arch), state: fresh(m.state),
                                              notes: m.notes.isEmpty ? [] : m.notes.map { fresh($0) }))
                    }
                    return out.count
                }
            }
        case "pacman-upgrades":
            return { text in
                let parsed = try PacmanParser.parseUpgrades(text)
                return {
                    var out: [PacmanUpgrade] = []
                    out.reserveCapacity(parsed.count)
                    for u in parsed { out.append(PacmanUpgrade(upgrade: fresh(u.upgrade), ignored: u.ignored)) }
                    return out.count
                }
            }
        case "apt-simulation":
            // Every field fresh, the release of each row too (the parser shares the few
            // distinct long ones, `ParserText.Interner`, so it can go below this on them).
            return { text in
                let parsed = try AptParser.parseSimulation(text)
                return {
                    var s = AptSimulation()
                    s.upgrades.reserveCapacity(parsed.upgrades.count)
                    for u in parsed.upgrades { s.upgrades.append(fresh(u)) }
                    s.installs.reserveCapacity(parsed.installs.count)
                    for u in parsed.installs { s.installs.append(fresh(u)) }
                    s.configures.reserveCapacity(parsed.configures.count)
                    for u in parsed.configures { s.configures.append(fresh(u)) }
                    for r in parsed.removals {
                        s.removals.append(AptRemoval(name: fresh(r.name), arch: fresh(r.arch), version: fresh(r.version), purge: r.purge))
                    }
                    for l in parsed.lists {
                        var packages: [String] = []
                        packages.reserveCapacity(l.packages.count)
                        for n in l.packages { packages.append(fresh(n)) }
                        s.lists.append(AptPackageList(heading: fresh(l.heading), packages: packages))
                    }
                    for m in parsed.messages { s.messages.append(fresh(m)) }
                    s.summary = parsed.summary
                    return s.upgrades.count + s.installs.count + s.removals.count + s.configures.count
                        + s.lists.reduce(0) { $0 + $1.packages.count }
                }
            }
        case "dnf-transaction":
            // Every field fresh, the repository of each row too (the parser shares the few
            // distinct long ones); a section heading is one value shared by its rows, made once.
            return { text in
                let parsed = try DnfParser.parseTransaction(text)
                return {
                    var entries: [DnfTransaction.Entry] = []
                    entries.reserveCapacity(parsed.entries.count)
                    var section = "", previous = ""
                    for e in parsed.entries {
                        if e.section != previous { previous = e.section; section = fresh(e.section) }
                        entries.append(DnfTransaction.Entry(section: section, kind: e.kind, package: fresh(e.package),
                                                            size: fresh(e.size), replacing: e.replacing.map { fresh($0) }))
                    }
                    var summary: [String: Int] = [:]
                    for (k, v) in parsed.summary { summary[fresh(k)] = v }
                    let tx = DnfTransaction(entries: entries, summary: summary, messages: parsed.messages.map { fresh($0) })
                    return tx.entries.reduce(0) { $0 + 1 + $1.replacing.count }
                }
            }
        default: return nil
        }
    }

    /// The floor of a parser returning `[Package]`: every package made again, every field fresh.
    static func freshPackages(_ parsed: [Package]) -> () -> Int {
        return {
            var out: [Package] = []
            out.reserveCapacity(parsed.count)
            for p in parsed {
                out.append(Package(name: fresh(p.name), epoch: fresh(p.epoch), version: fresh(p.version),
                                   release: fresh(p.release), arch: fresh(p.arch), fullVersion: fresh(p.fullVersion)))
            }
            return out.count
        }
    }

    static func fresh(_ u: PackageUpgrade) -> PackageUpgrade {
        PackageUpgrade(name: fresh(u.name), arch: fresh(u.arch), currentVersion: fresh(u.currentVersion),
                       newVersion: fresh(u.newVersion), repository: fresh(u.repository))
    }

    /// The vdev at `v` and its subtree made again from fresh `String`s, read in place through
    /// pointers (copying a `VDev` out of an array retains and releases all it holds, which is no
    /// part of the values' cost); `count` gets the number of vdevs, as the `zpool-status` case
    /// counts.
    static func fresh(_ v: UnsafePointer<VDev>, count: inout Int) -> VDev {
        count += 1
        var children: [VDev] = []
        v.pointee.children.withUnsafeBufferPointer { c in
            guard let base = c.baseAddress else { return }
            children.reserveCapacity(c.count)
            for i in 0..<c.count { children.append(fresh(base + i, count: &count)) }
        }
        return VDev(name: fresh(v.pointee.name), kind: v.pointee.kind, state: v.pointee.state,
                    readErrors: fresh(v.pointee.readErrors), writeErrors: fresh(v.pointee.writeErrors),
                    checksumErrors: fresh(v.pointee.checksumErrors), slowIOs: fresh(v.pointee.slowIOs),
                    annotation: fresh(v.pointee.annotation), children: children)
    }

    static func fresh(_ n: NiceNumber?) -> NiceNumber? {
        n.map { NiceNumber(raw: fresh($0.raw), value: $0.value, isExact: $0.isExact) }
    }

    static func fresh(_ s: DKMSState) -> DKMSState {
        switch s {
        case .installedWeak(let from): return .installedWeak(from: fresh(from))
        case .other(let word): return .other(fresh(word))
        default: return s
        }
    }

    /// A new `String` made from the bytes of `s`, the way a parser makes a field from its input
    /// (`String(decoding:as:)`: validated; allocated when longer than 15 bytes).
    @inline(never)
    static func fresh(_ s: String) -> String {
        var s = s
        return s.withUTF8 { String(decoding: $0, as: UTF8.self) }
    }

    static func fresh(_ s: String?) -> String? { s.map { fresh($0) } }

    /// Peak RSS of this process's address space (`VmHWM` of /proc/self/status), KiB.
    /// Not `ru_maxrss`: after `posix_spawn` (vfork + exec) the kernel starts the child's
    /// `ru_maxrss` at the *parent's* peak, so it would report the bench's own memory.
    static func vmHWMKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) } ?? 0
    }

    /// Reads the whole file with `read(2)` straight into a `String`'s UTF-8 storage, which
    /// validates it (invalid sequences become U+FFFD, as `String(decoding:as:)` does): one
    /// buffer, one pass, no intermediate `Data`.
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        let size = Int(st.st_size)
        var ok = true
        let text = String(unsafeUninitializedCapacity: size) { buf -> Int in
            guard let base = buf.baseAddress else { return 0 }
            var done = 0
            while done < size {
                let n = Glibc.read(fd, base + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { ok = n == 0; break }
                done += n
            }
            return done
        }
        return ok ? text : nil
    }

    static func runChild(name: String, file: String, runs: Int) -> Int32 {
        if name.hasSuffix("-values"), let prepare = floor(String(name.dropLast("-values".count))) {
            return runFloor(name: name, prepare: prepare, file: file, runs: runs)
        }
        guard let parse = parser(name) else {
            ConsoleStream.standardError.writeLine("unknown case \(name)")
            return 2
        }
        var full: [UInt64] = []
        var only: [UInt64] = []
        var fullCPU: [UInt64] = []
        var onlyCPU: [UInt64] = []
        var rows = 0
        do {
            for _ in 0..<runs {
                let t0 = Measure.nowNs(), c0 = Measure.cpuNowNs()
                guard let text = read(file) else {
                    ConsoleStream.standardError.writeLine("cannot read \(file)")
                    return 2
                }
                rows = try parse(text)
                full.append(Measure.nowNs() - t0)
                fullCPU.append(Measure.cpuNowNs() - c0)
            }
            guard let text = read(file) else { return 2 }
            for _ in 0..<runs {
                let t0 = Measure.nowNs(), c0 = Measure.cpuNowNs()
                rows = try parse(text)
                only.append(Measure.nowNs() - t0)
                onlyCPU.append(Measure.cpuNowNs() - c0)
            }
        } catch {
            ConsoleStream.standardError.writeLine("\(name): \(error)")
            return 1
        }
        ConsoleStream.standardOutput.writeLine("\(Measure.median(full)) \(Measure.median(only)) \(rows) \(vmHWMKiB()) \(Measure.median(fullCPU)) \(Measure.median(onlyCPU))")
        return 0
    }

    /// `--case <case>-values`: the same six figures, where both timings are the rebuild alone
    /// (the read and the parse happen once, untimed, before).
    static func runFloor(name: String, prepare: (String) throws -> () -> Int, file: String, runs: Int) -> Int32 {
        guard let text = read(file) else {
            ConsoleStream.standardError.writeLine("cannot read \(file)")
            return 2
        }
        let rebuild: () -> Int
        do { rebuild = try prepare(text) } catch {
            ConsoleStream.standardError.writeLine("\(name): \(error)")
            return 1
        }
        var wall: [UInt64] = []
        var cpu: [UInt64] = []
        var rows = 0
        for _ in 0..<runs {
            let t0 = Measure.nowNs(), c0 = Measure.cpuNowNs()
            rows = rebuild()
            wall.append(Measure.nowNs() - t0)
            cpu.append(Measure.cpuNowNs() - c0)
        }
        let w = Measure.median(wall), c = Measure.median(cpu)
        ConsoleStream.standardOutput.writeLine("\(w) \(w) \(rows) \(vmHWMKiB()) \(c) \(c)")
        return 0
    }
}
