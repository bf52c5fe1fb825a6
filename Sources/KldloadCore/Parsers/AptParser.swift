import Foundation

/// A `Remv`/`Purg` line of an apt simulation.
public struct AptRemoval: Sendable, Hashable, Codable {
    public var name: String
    public var arch: String?
    public var version: String?
    public var purge: Bool
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

    public static func parseSimulation(_ text: String) throws(ParseError) -> AptSimulation {
        var sim = AptSimulation()
        var currentList: Int?
        var lineNumber = 0
        for raw in ParserText.lines(text) {
            lineNumber += 1
            let line = ParserText.trimmed(raw)
            func fail(_ reason: String) -> ParseError {
                ParseError(source: source, line: lineNumber, text: String(raw), reason: reason)
            }
            if line.isEmpty { currentList = nil; continue }
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
                continue
            }
            currentList = nil
            if progressLines.contains(String(line)) { continue }
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
                        continue
                    }
                    sim.configures.append(PackageUpgrade(name: name, arch: cand.arch ?? nameArch, newVersion: cand.version,
                                                         repository: cand.release))
                default:
                    sim.removals.append(AptRemoval(name: name, arch: nameArch, version: action.current, purge: verb == "Purg"))
                }
                continue
            }
            if line.hasPrefix("The following") || (line.hasSuffix(":") && !line.contains(": ")) {
                sim.lists.append(AptPackageList(heading: String(line.hasSuffix(":") ? line.dropLast() : line), packages: []))
                currentList = sim.lists.count - 1
                continue
            }
            if line.contains(" upgraded, ") && line.contains(" newly installed") {
                guard let s = parseSummary(line) else { throw fail("malformed summary line") }
                var merged = s
                merged.notFullyInstalled = sim.summary?.notFullyInstalled ?? 0
                sim.summary = merged
                continue
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
                continue
            }
            sim.messages.append(String(line))
        }
        return sim
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
