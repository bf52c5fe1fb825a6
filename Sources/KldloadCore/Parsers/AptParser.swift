import Foundation

/// A `Remv`/`Purg` line of an apt simulation.
public struct AptRemoval: Sendable, Hashable, Codable {
    public var name: String
    public var arch: String?
    public var version: String?
    public var purge: Bool

    /// `package`: the benchmark's values floor (`kldload-bench`, `apt-simulation-values`).
    package init(name: String, arch: String?, version: String?, purge: Bool) {
        self.name = name
        self.arch = arch
        self.version = version
        self.purge = purge
    }
}

/// `N upgraded, N newly installed, [N reinstalled, ][N downgraded, ]N to remove and N not upgraded.`
/// plus the optional `N not fully installed or removed.` (apt-private/private-output.cc `Stats`).
public struct AptSummary: Sendable, Hashable, Codable {
    public var upgraded: Int
    public var newlyInstalled: Int
    public var reinstalled: Int
    public var downgraded: Int
    public var toRemove: Int
    public var notUpgraded: Int
    public var notFullyInstalled: Int
}

/// A `The following … :` block and the package names listed under it.
public struct AptPackageList: Sendable, Hashable, Codable {
    public var heading: String
    public var packages: [String]

    /// `package`: the benchmark's values floor (`kldload-bench`, `apt-simulation-values`).
    package init(heading: String, packages: [String]) {
        self.heading = heading
        self.packages = packages
    }
}

/// What `apt-get -s dist-upgrade` says it would do.
public struct AptSimulation: Sendable, Hashable, Codable {
    /// `Inst name [old] (new release [arch])`: an installed package replaced by another version
    /// (normally an upgrade; a downgrade or reinstall prints the same way).
    public var upgrades: [PackageUpgrade] = []
    /// `Inst name (new release [arch])`: a package not installed before.
    public var installs: [PackageUpgrade] = []
    public var removals: [AptRemoval] = []
    /// `Conf name (ver release [arch])`, `currentVersion` is nil.
    public var configures: [PackageUpgrade] = []
    public var summary: AptSummary?
    public var lists: [AptPackageList] = []
    /// Other lines (`NOTE: This is only a simulation!` and its continuation, `W:`/`E:` lines).
    public var messages: [String] = []

    /// The packages listed under `The following packages have been kept back:`.
    public var keptBack: [String] {
        lists.filter { $0.heading.contains("kept back") }.flatMap(\.packages)
    }

    public var isEmpty: Bool { upgrades.isEmpty && installs.isEmpty && removals.isEmpty }

    /// Nothing yet. `package`: the benchmark's values floor (`apt-simulation-values`).
    package init() {}
}

/// Parses `apt-get -s dist-upgrade` (run with `LC_ALL=C`), following apt's `pkgSimulate`
/// (apt-pkg/algorithms.cc: `Inst`/`Conf`/`Remv`/`Purg` with `Describe`) and
/// apt-private/private-output.cc (`ShowList` blocks and the `Stats` summary line).
package enum AptParser {
    public static let source = "apt-get -s"

    static let progressLines: Set<String> = [
        "Reading package lists...", "Building dependency tree...", "Reading state information...",
        "Calculating upgrade...", "Reading package lists... Done", "Building dependency tree... Done",
        "Reading state information... Done", "Calculating upgrade... Done", "Done",
    ]

    /// One byte scan over the lines (`ParserText.forEachLine`): the lines a long simulation is
    /// made of (`Inst`/`Conf`/`Remv`/`Purg`, the indented package lists, blank lines) are read
    /// from their bytes when they are ASCII (`Simulation.byteLine`); every other line, and any
    /// line with a non-ASCII byte, by `Simulation.line` on Characters, which gives the same
    /// result for ASCII lines (Docs/PERFORMANCE.md; `PackageManagerByteScanTests`).
    public static func parseSimulation(_ text: String) throws(ParseError) -> AptSimulation {
        var state = Simulation()
        let (inst, conf) = actionLines(text)
        state.sim.upgrades.reserveCapacity(inst)
        state.sim.configures.reserveCapacity(conf)
        var w: [Range<Int>] = []
        let error = ParserText.forEachLine(text) { l, lineNumber -> ParseError? in
            do throws(ParseError) {
                if ParserText.isASCII(l), try state.byteLine(l, lineNumber, words: &w) { return nil }
                try state.line(Substring(ParserText.string(l)), lineNumber: lineNumber)
                return nil
            } catch { return error }
        }
        if let error { throw error }
        return state.sim
    }

    /// How many lines start with `Inst ` and with `Conf ` (line feeds found with `memchr`), so
    /// the big result arrays are reserved once: grown by doubling, they were copied and their
    /// pages faulted in again at every step (a fifth of the parse at 100,000 lines). `Inst`
    /// lines are upgrades or installs; `upgrades` gets them all (at most their count too many).
    static func actionLines(_ text: String) -> (inst: Int, conf: Int) {
        var text = text
        return text.withUTF8 { buf in
            guard let p = buf.baseAddress else { return (0, 0) }
            var inst = 0, conf = 0, i = 0
            let n = buf.count
            while n - i >= 5 {
                if p[i + 4] == 0x20 {
                    let l = UnsafeBufferPointer(start: p + i, count: 4)
                    if ParserText.equals(l, 0..<4, "Inst") { inst += 1 } else if ParserText.equals(l, 0..<4, "Conf") { conf += 1 }
                }
                guard let q = memchr(p + i, 0x0A, n - i) else { break }
                i = p.distance(to: q.assumingMemoryBound(to: UInt8.self)) + 1
            }
            return (inst, conf)
        }
    }

    /// Every line by Characters: the reference the byte scan is compared with in the tests.
    static func parseSimulationByCharacters(_ text: String) throws(ParseError) -> AptSimulation {
        var state = Simulation()
        for (i, raw) in ParserText.lines(text).enumerated() { try state.line(raw, lineNumber: i + 1) }
        return state.sim
    }

    /// The simulation read so far and the package list being filled.
    struct Simulation {
        var sim = AptSimulation()
        var currentList: Int?
        var releases = ParserText.Interner()

        mutating func line(_ raw: Substring, lineNumber: Int) throws(ParseError) {
            let line = ParserText.trimmed(raw)
            func fail(_ reason: String) -> ParseError {
                ParseError(source: source, line: lineNumber, text: String(raw), reason: reason)
            }
            if line.isEmpty { currentList = nil; return }
            if ParserText.isIndented(raw) {
                if let i = currentList {
                    // Names, possibly `name (old => new)` with APT::Get::Show-Versions.
                    var depth = 0
                    for w in ParserText.words(line) {
                        if depth == 0 && !w.hasPrefix("(") { sim.lists[i].packages.append(String(w)) }
                        depth += w.filter { $0 == "(" }.count - w.filter { $0 == ")" }.count
                        if depth < 0 { depth = 0 }
                    }
                } else {
                    sim.messages.append(String(line))
                }
                return
            }
            currentList = nil
            if progressLines.contains(String(line)) { return }
            if line.hasPrefix("Inst ") || line.hasPrefix("Conf ") || line.hasPrefix("Remv ") || line.hasPrefix("Purg ") {
                let verb = line.prefix(4)
                let rest = line.dropFirst(5)
                guard let action = parseAction(rest) else { throw fail("malformed \(verb) line") }
                let (name, nameArch) = splitArch(action.name)
                switch verb {
                case "Inst":
                    guard let cand = action.candidate else { throw fail("Inst line without `(version …)`") }
                    let up = PackageUpgrade(name: name, arch: cand.arch ?? nameArch, currentVersion: action.current,
                                            newVersion: cand.version, repository: cand.release)
                    if action.current == nil { sim.installs.append(up) } else { sim.upgrades.append(up) }
                case "Conf":
                    guard let cand = action.candidate else {
                        // `Conf name broken` followed by dependency notes.
                        sim.messages.append(String(line))
                        return
                    }
                    sim.configures.append(PackageUpgrade(name: name, arch: cand.arch ?? nameArch, newVersion: cand.version,
                                                         repository: cand.release))
                default:
                    sim.removals.append(AptRemoval(name: name, arch: nameArch, version: action.current, purge: verb == "Purg"))
                }
                return
            }
            if line.hasPrefix("The following") || (line.hasSuffix(":") && !line.contains(": ")) {
                sim.lists.append(AptPackageList(heading: String(line.hasSuffix(":") ? line.dropLast() : line), packages: []))
                currentList = sim.lists.count - 1
                return
            }
            if line.contains(" upgraded, ") && line.contains(" newly installed") {
                guard let s = parseSummary(line) else { throw fail("malformed summary line") }
                var merged = s
                merged.notFullyInstalled = sim.summary?.notFullyInstalled ?? 0
                sim.summary = merged
                return
            }
            if line.hasSuffix(" not fully installed or removed.") {
                let n = line.split(separator: " ").first.flatMap { Int($0) }
                guard let n else { throw fail("malformed `not fully installed` line") }
                if sim.summary == nil {
                    sim.summary = AptSummary(upgraded: 0, newlyInstalled: 0, reinstalled: 0, downgraded: 0,
                                             toRemove: 0, notUpgraded: 0, notFullyInstalled: n)
                } else {
                    sim.summary?.notFullyInstalled = n
                }
                return
            }
            sim.messages.append(String(line))
        }

        /// The byte path, for an ASCII line: true when the line was read, false for the kinds
        /// left to `line` (progress lines, headings, the summary, messages).
        mutating func byteLine(_ l: UnsafeBufferPointer<UInt8>, _ lineNumber: Int, words w: inout [Range<Int>]) throws(ParseError) -> Bool {
            let t = ParserText.trimmed(l, 0..<l.count)
            if t.isEmpty { currentList = nil; return true }
            if ParserText.isIndented(l) {
                if let i = currentList {
                    // Names, possibly `name (old => new)` with APT::Get::Show-Versions.
                    var depth = 0
                    ParserText.words(l, t, into: &w)
                    for r in w {
                        if depth == 0 && l[r.lowerBound] != UInt8(ascii: "(") { sim.lists[i].packages.append(ParserText.string(l, r)) }
                        for k in r { if l[k] == UInt8(ascii: "(") { depth += 1 } else if l[k] == UInt8(ascii: ")") { depth -= 1 } }
                        if depth < 0 { depth = 0 }
                    }
                } else {
                    sim.messages.append(ParserText.string(l, t))
                }
                return true
            }
            guard t.count >= 5, l[4] == 0x20,
                  ParserText.equals(l, 0..<4, "Inst") || ParserText.equals(l, 0..<4, "Conf")
                    || ParserText.equals(l, 0..<4, "Remv") || ParserText.equals(l, 0..<4, "Purg")
            else { return false }
            currentList = nil
            guard let action = parseAction(l, 5..<t.upperBound, releases: &releases) else {
                throw ParseError(source: source, line: lineNumber, text: ParserText.string(l),
                                 reason: "malformed \(ParserText.string(l, 0..<4)) line")
            }
            let (name, nameArch) = splitArch(l, action.name)
            switch l[0] {
            case UInt8(ascii: "I"):
                guard let cand = action.candidate else {
                    throw ParseError(source: source, line: lineNumber, text: ParserText.string(l), reason: "Inst line without `(version …)`")
                }
                // Built in place in its array (a local `up` appended to one of two arrays is copied).
                if action.current == nil {
                    sim.installs.append(PackageUpgrade(name: name, arch: cand.arch ?? nameArch, newVersion: cand.version,
                                                       repository: cand.release))
                } else {
                    sim.upgrades.append(PackageUpgrade(name: name, arch: cand.arch ?? nameArch, currentVersion: action.current,
                                                       newVersion: cand.version, repository: cand.release))
                }
            case UInt8(ascii: "C"):
                guard let cand = action.candidate else {
                    // `Conf name broken` followed by dependency notes.
                    sim.messages.append(ParserText.string(l, t))
                    return true
                }
                sim.configures.append(PackageUpgrade(name: name, arch: cand.arch ?? nameArch, newVersion: cand.version,
                                                     repository: cand.release))
            default:
                sim.removals.append(AptRemoval(name: name, arch: nameArch, version: action.current, purge: l[0] == UInt8(ascii: "P")))
            }
            return true
        }
    }

    struct Candidate { var version: String; var release: String?; var arch: String? }
    struct Action { var name: Substring; var current: String?; var candidate: Candidate? }

    /// `name [cur] (ver release [arch]) …`
    static func parseAction(_ s: Substring) -> Action? {
        var rest = ParserText.trimmed(s)
        let nameEnd = rest.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? rest.endIndex
        let name = rest[..<nameEnd]
        guard !name.isEmpty else { return nil }
        rest = ParserText.trimmed(rest[nameEnd...])
        var action = Action(name: name)
        if rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            let cur = rest[rest.index(after: rest.startIndex)..<close]
            if !cur.isEmpty { action.current = String(cur) }
            rest = ParserText.trimmed(rest[rest.index(after: close)...])
        }
        if rest.first == "(" {
            var depth = 0
            var close: Substring.Index?
            var i = rest.startIndex
            while i < rest.endIndex {
                if rest[i] == "(" { depth += 1 } else if rest[i] == ")" {
                    depth -= 1
                    if depth == 0 { close = i; break }
                }
                i = rest.index(after: i)
            }
            guard let close else { return nil }
            var inner = ParserText.trimmed(rest[rest.index(after: rest.startIndex)..<close])
            let verEnd = inner.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? inner.endIndex
            let version = inner[..<verEnd]
            guard !version.isEmpty else { return nil }
            inner = ParserText.trimmed(inner[verEnd...])
            var arch: String?
            if inner.last == "]", let open = inner.lastIndex(of: "[") {
                let a = inner[inner.index(after: open)..<inner.index(before: inner.endIndex)]
                if !a.isEmpty { arch = String(a) }
                inner = ParserText.trimmed(inner[..<open])
            }
            action.candidate = Candidate(version: String(version), release: inner.isEmpty ? nil : String(inner), arch: arch)
        }
        return action
    }

    static func splitArch(_ name: Substring) -> (String, String?) {
        if let colon = name.lastIndex(of: ":"), colon != name.startIndex, name.index(after: colon) < name.endIndex {
            return (String(name[..<colon]), String(name[name.index(after: colon)...]))
        }
        return (String(name), nil)
    }

    /// `parseAction` on the bytes `range` of an ASCII line (the name is left as a range).
    static func parseAction(_ l: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, releases: inout ParserText.Interner) -> (name: Range<Int>, current: String?, candidate: Candidate?)? {
        var rest = ParserText.trimmed(l, range)
        let nameEnd = ParserText.wordEnd(l, from: rest.lowerBound, in: rest)
        let name = rest.lowerBound..<nameEnd
        guard !name.isEmpty else { return nil }
        rest = ParserText.trimmed(l, nameEnd..<rest.upperBound)
        var current: String?
        if !rest.isEmpty && l[rest.lowerBound] == UInt8(ascii: "[") {
            let close = ParserText.first(l, rest, UInt8(ascii: "]"), UInt8(ascii: "]"))
            guard close < rest.upperBound else { return nil }
            if close > rest.lowerBound + 1 { current = ParserText.string(l, (rest.lowerBound + 1)..<close) }
            rest = ParserText.trimmed(l, (close + 1)..<rest.upperBound)
        }
        var candidate: Candidate?
        if !rest.isEmpty && l[rest.lowerBound] == UInt8(ascii: "(") {
            // The `)` that closes the first `(`: only the parentheses are visited.
            var depth = 0
            var close: Int?
            var i = rest.lowerBound
            while i < rest.upperBound {
                let p = ParserText.first(l, i..<rest.upperBound, UInt8(ascii: "("), UInt8(ascii: ")"))
                guard p < rest.upperBound else { break }
                if l[p] == UInt8(ascii: "(") { depth += 1 } else {
                    depth -= 1
                    if depth == 0 { close = p; break }
                }
                i = p + 1
            }
            guard let close else { return nil }
            var inner = ParserText.trimmed(l, (rest.lowerBound + 1)..<close)
            let verEnd = ParserText.wordEnd(l, from: inner.lowerBound, in: inner)
            let version = inner.lowerBound..<verEnd
            guard !version.isEmpty else { return nil }
            inner = ParserText.trimmed(l, verEnd..<inner.upperBound)
            var arch: String?
            if !inner.isEmpty && l[inner.upperBound - 1] == UInt8(ascii: "]"),
               let open = inner.last(where: { l[$0] == UInt8(ascii: "[") }) {
                if inner.upperBound - 1 > open + 1 { arch = ParserText.string(l, (open + 1)..<(inner.upperBound - 1)) }
                inner = ParserText.trimmed(l, inner.lowerBound..<open)
            }
            candidate = Candidate(version: ParserText.string(l, version), release: inner.isEmpty ? nil : releases.string(l, inner), arch: arch)
        }
        return (name, current, candidate)
    }

    /// `splitArch` of the bytes `name` of an ASCII line.
    static func splitArch(_ l: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) -> (String, String?) {
        if let colon = name.last(where: { l[$0] == UInt8(ascii: ":") }), colon != name.lowerBound, colon + 1 < name.upperBound {
            return (ParserText.string(l, name.lowerBound..<colon), ParserText.string(l, (colon + 1)..<name.upperBound))
        }
        return (ParserText.string(l, name), nil)
    }

    /// `2 upgraded, 1 newly installed, 0 to remove and 1 not upgraded.`
    static func parseSummary(_ line: Substring) -> AptSummary? {
        var s = AptSummary(upgraded: 0, newlyInstalled: 0, reinstalled: 0, downgraded: 0, toRemove: 0, notUpgraded: 0, notFullyInstalled: 0)
        var body = line
        if body.last == "." { body = body.dropLast() }
        var parts: [Substring] = []
        for p in body.split(separator: ",") {
            if let r = p.range(of: " and ") {
                parts.append(p[..<r.lowerBound])
                parts.append(p[r.upperBound...])
            } else {
                parts.append(p)
            }
        }
        var seen = 0
        for p in parts {
            let t = ParserText.trimmed(p)
            guard let sp = t.firstIndex(of: " "), let n = Int(t[..<sp]) else { return nil }
            let label = t[t.index(after: sp)...]
            switch label {
            case "upgraded": s.upgraded = n
            case "newly installed": s.newlyInstalled = n
            case "reinstalled": s.reinstalled = n
            case "downgraded": s.downgraded = n
            case "to remove": s.toRemove = n
            case "not upgraded": s.notUpgraded = n
            default: continue
            }
            seen += 1
        }
        return seen >= 4 ? s : nil
    }
}
