import Foundation

/// `kupgrade --new-be --release CODENAME|VERSION`: what a release upgrade changes in the new
/// BE before its package manager runs, per family (Docs/KUPGRADE.md, "Release upgrades").
public enum ReleaseUpgrade {
    /// What `--release` means on this system, decided before anything is made.
    public enum Plan: Sendable, Hashable {
        /// Debian: the suites of `from` become `to` in the new BE's apt sources, then full-upgrade.
        case debian(from: String, to: String)
        /// Fedora: `dnf --releasever=VERSION distro-sync`.
        case fedora(from: String, to: String)
        /// Rocky/Alma/RHEL: a newer minor release of the same major (`dnf distro-sync`).
        case enterpriseMinor(from: String, to: String)

        public var from: String {
            switch self { case .debian(let f, _), .fedora(let f, _), .enterpriseMinor(let f, _): return f }
        }
        public var to: String {
            switch self { case .debian(_, let t), .fedora(_, let t), .enterpriseMinor(_, let t): return t }
        }
    }

    /// Why a `--release` is refused (before anything is made).
    public static func plan(_ target: String, release: OSRelease) -> Result<Plan, UpgradeError> {
        let family = [release.id] + release.idLike
        if release.id == "ubuntu" || family.contains("ubuntu") {
            return .failure(.releaseUnsupported(
                "Ubuntu's release upgrades are do-release-upgrade's: it runs only on the booted system (it refuses a chroot, restarts services and runs its quirk handlers against the live system), so it cannot run in a clone",
                hint: "kldload does not rewrite Ubuntu's sources itself; take a checkpoint (kbe create before-release) and run do-release-upgrade in place; the way back is kbe activate before-release && reboot"))
        }
        if release.id == "debian" || family.contains("debian") {
            guard let from = release.versionCodename, !from.isEmpty else {
                return .failure(.releaseUnsupported("/etc/os-release has no VERSION_CODENAME", hint: "a Debian release upgrade needs the current codename"))
            }
            guard let to = debianCodename(target) else {
                return .failure(.releaseUnsupported("'\(target)' is not a Debian release kupgrade knows (\(debianCodenames.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))", hint: "give a codename or version, e.g. --release trixie"))
            }
            guard to != from else { return .failure(.releaseUnsupported("this system already runs \(from)", hint: "kupgrade --new-be upgrades within the release")) }
            return .success(.debian(from: from, to: to))
        }
        let current = release.versionID ?? ""
        if release.id == "fedora" {
            guard let n = Int(target), let c = Int(current), n > c else {
                return .failure(.releaseUnsupported("Fedora release '\(target)' is not newer than \(current)", hint: "give the Fedora version to upgrade to, e.g. --release \((Int(current) ?? 40) + 1)"))
            }
            return .success(.fedora(from: current, to: target))
        }
        if family.contains("rhel") || family.contains("centos") {
            let major = { (v: String) in v.split(separator: ".").first.map(String.init) ?? v }
            guard major(target) == major(current) else {
                return .failure(.releaseUnsupported("\(release.id) \(current) to \(target) is a major upgrade: that is Leapp/ELevate's, which converts the running system and cannot run in a clone", hint: "minor releases only: --release \(major(current)).N"))
            }
            guard target.compare(current, options: .numeric) == .orderedDescending else {
                return .failure(.releaseUnsupported("\(release.id) \(target) is not newer than \(current)", hint: "give a newer minor release"))
            }
            return .success(.enterpriseMinor(from: current, to: target))
        }
        return .failure(.releaseUnsupported("\(release.id) has no releases to upgrade to (a rolling distribution)", hint: "run kupgrade --new-be without --release"))
    }

    /// Debian's numbered releases and their codenames (the archive's suite names).
    public static let debianCodenames: [String: String] = [
        "10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie", "14": "forky", "15": "duke",
    ]

    /// The Debian codename for `CODENAME` or `VERSION` (`13`, `13.1`), or nil.
    public static func debianCodename(_ text: String) -> String? {
        let major = String(text.split(separator: ".").first ?? "")
        if let name = debianCodenames[major] { return name }
        let lower = text.lowercased()
        return debianCodenames.values.contains(lower) ? lower : nil
    }

    /// One apt sources file with every suite of `from` (`bookworm`, `bookworm-updates`,
    /// `bookworm-security`, `bookworm-backports`) renamed to `to`, in the one-line format
    /// (`deb [opts] URI SUITE COMPONENTS…`, the suite is the word after the URI) and the deb822
    /// format (`Suites:` fields, continuation lines included). Comments and everything else are
    /// kept byte for byte. Pure and linear; returns the new text and how many suites changed.
    public static func rewriteAptSources(_ text: String, from: String, to: String) -> (text: String, changed: Int) {
        var changed = 0
        func rename(_ word: Substring) -> Substring {
            if word == from[...] { changed += 1; return to[...] }
            if word.hasPrefix(from + "-") || word.hasPrefix(from + "/") {
                changed += 1
                return (to + word.dropFirst(from.count))[...]
            }
            return word
        }
        /// Renames whitespace-separated words from index `first` on (only the suite when `only`).
        func renameWords(_ line: Substring, from start: Int, only: Bool) -> String {
            var out = ""
            var index = 0
            var i = line.startIndex
            while i < line.endIndex {
                if line[i] == " " || line[i] == "\t" {
                    out.append(line[i])
                    i = line.index(after: i)
                    continue
                }
                var j = i
                while j < line.endIndex && line[j] != " " && line[j] != "\t" { j = line.index(after: j) }
                let word = line[i..<j]
                out += (index == start || (!only && index >= start)) ? String(rename(word)) : String(word)
                index += 1
                i = j
            }
            return out
        }
        var lines: [String] = []
        var inSuites = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = raw.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("#") { lines.append(String(raw)); continue }
            // deb822: `Suites: a b` and its indented continuation lines.
            if let colon = raw.firstIndex(of: ":"), !raw.hasPrefix(" "), !raw.hasPrefix("\t") {
                let key = raw[..<colon].lowercased()
                inSuites = key == "suites"
                if inSuites {
                    let value = raw[raw.index(after: colon)...]
                    lines.append(String(raw[...colon]) + renameWords(value, from: 0, only: false))
                    continue
                }
                if key != "deb" && key != "deb-src" && !raw.hasPrefix("deb") { lines.append(String(raw)); continue }
            }
            if inSuites && (raw.hasPrefix(" ") || raw.hasPrefix("\t")) {
                lines.append(renameWords(raw[...], from: 0, only: false))
                continue
            }
            inSuites = false
            // One-line: deb [options] URI SUITE COMPONENTS…
            let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let kind = words.first, kind == "deb" || kind == "deb-src" else { lines.append(String(raw)); continue }
            var suiteIndex = 2
            if words.count > 1, words[1].hasPrefix("[") {
                // Options run to the word that ends with `]`.
                var k = 1
                while k < words.count && !words[k].hasSuffix("]") { k += 1 }
                suiteIndex = k + 2
            }
            let lead = raw[..<trimmed.startIndex]
            lines.append(String(lead) + renameWords(trimmed, from: suiteIndex, only: true))
        }
        return (lines.joined(separator: "\n"), changed)
    }

    /// The apt sources files of a system: `/etc/apt/sources.list` and the `.list` / `.sources`
    /// files in `/etc/apt/sources.list.d`.
    public static func aptSourceFiles(_ files: any FileSystem) -> [String] {
        var paths: [String] = []
        if files.exists("/etc/apt/sources.list") { paths.append("/etc/apt/sources.list") }
        let names = (try? files.list("/etc/apt/sources.list.d")) ?? []
        for name in names.sorted() where name.hasSuffix(".list") || name.hasSuffix(".sources") {
            paths.append("/etc/apt/sources.list.d/" + name)
        }
        return paths
    }
}
