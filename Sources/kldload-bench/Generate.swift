import Foundation
import KldloadCore

/// Format-faithful benchmark inputs built from captured fixtures (Docs/PERFORMANCE.md).
///
/// Every generated line is a real captured line with only its names and numbers varied, so
/// the field layout, separators, widths and value shapes are those of the producing program.
enum Generate {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `zfs list -j --json-int` of kbe's columns with `total` datasets: the captured 2.3.9 BE
    /// listing (bes/zfs-list-j-be, one line of JSON) with its last snapshot object repeated
    /// under new names.
    static func zfsListJSON(fixtures: String, total: Int) throws -> String {
        let path = fixtures + "/zfs-2.3/openzfs-2.3.9-debian13/bes/zfs-list-j-be.stdout"
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "cannot read \(path)") }
        let text = String(decoding: data, as: UTF8.self)
        let marker = "\"rpool/ROOT/test@t1\":"
        guard let r = text.range(of: marker), text.hasSuffix("}}}\n") else {
            throw Failure(description: "bes/zfs-list-j-be.stdout changed: no rpool/ROOT/test@t1 entry")
        }
        let entry = String(text[r.upperBound..<text.index(text.endIndex, offsetBy: -3)])  // {...} of test@t1
        var out = String(text[..<text.index(text.endIndex, offsetBy: -3)])
        out.reserveCapacity(total * (entry.count + 40))
        for n in 0..<max(0, total - 6) {
            let name = "rpool/ROOT/test@t1-\(n)"
            out += ",\"\(name)\":" + entry.replacingOccurrences(of: "rpool/ROOT/test@t1", with: name)
        }
        out += "}}\n"
        return out
    }

    /// `text` (rows of `zfs list -Hp -o <BEListing.columns>`, as `zfsList` makes them) as
    /// OpenZFS 2.3.9's `zfs list -j --json-int` of the same datasets, in the shape of the
    /// capture `bes/zfs-list-j-be.stdout` (`zfs_json` of `zfs_main.c`): one line,
    /// `{"output_version":{...},"datasets":{NAME:{"name","type","pool","createtxg"[,"dataset",
    /// "snapshot_name"],"properties":{PROP:{"value":V,"source":{"type":T,"data":"-"}}}}}}`,
    /// numbers as JSON integers, `-` as the string "-". What `-Hp` does not show is filled in
    /// as the capture has it: createtxg ascending, mountpoint/canmount of filesystems LOCAL, a
    /// set description LOCAL, everything else NONE.
    static func zfsListJSON(fromText text: String) throws -> String {
        let columns = BEListing.columns
        let numeric: Set<String> = ["used", "usedbysnapshots", "referenced", "available", "creation"]
        func quoted(_ s: Substring, into out: inout String) {
            out += "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default:
                    if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
                }
            }
            out += "\""
        }
        var out = "{\"output_version\":{\"command\":\"zfs list\",\"vers_major\":0,\"vers_minor\":1},\"datasets\":{"
        out.reserveCapacity(text.utf8.count * 6)
        var txg = 6
        var first = true
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == columns.count else { throw Failure(description: "not a row of \(columns.count) fields: \(line)") }
            let name = f[0]
            let type = f[1]
            let pool = name.prefix { $0 != "/" && $0 != "@" }
            if !first { out += "," }
            first = false
            quoted(name, into: &out)
            out += ":{\"name\":"
            quoted(name, into: &out)
            out += ",\"type\":\"\(type.uppercased())\",\"pool\":"
            quoted(pool, into: &out)
            out += ",\"createtxg\":\(txg)"
            txg += 1
            if type == "snapshot", let at = name.firstIndex(of: "@") {
                out += ",\"dataset\":"
                quoted(name[..<at], into: &out)
                out += ",\"snapshot_name\":"
                quoted(name[name.index(after: at)...], into: &out)
            }
            out += ",\"properties\":{"
            for k in 1..<columns.count {
                if k > 1 { out += "," }
                out += "\"\(columns[k])\":{\"value\":"
                if numeric.contains(columns[k]), f[k] != "-" { out += f[k] } else { quoted(f[k], into: &out) }
                let local = (type == "filesystem" && (columns[k] == "mountpoint" || columns[k] == "canmount"))
                    || (columns[k] == BEListing.descriptionProperty && f[k] != "-")
                out += ",\"source\":{\"type\":\"\(local ? "LOCAL" : "NONE")\",\"data\":\"-\"}}"
            }
            out += "}}"
        }
        out += "}}\n"
        return out
    }

    static func lines(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "cannot read fixture \(path); run from the repository root or pass --fixtures DIR")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    // MARK: zfs list -Hp (kbe's 13 columns)

    /// The capture `bes/zfs-list-Hp-be.stdout` (`zfs list -Hp -t filesystem,volume,snapshot -r -o
    /// <BEListing.columns> rpool/ROOT`, OpenZFS 2.1.11): 3 filesystems and 3 snapshots.
    /// Returns `total` lines: the 6 captured lines verbatim, and after each of the snapshots
    /// `before-nginx-rewrite` and `t1` copies of that line with the snapshot name suffixed
    /// `-<n>`, `used` and `creation` varied (creation ascending, as `zfs list` sorts by
    /// createtxg). Variants have no clones, so the pool stays consistent for `kbe list`.
    static func zfsList(fixtures: String, total: Int) throws -> String {
        let captured = try lines(fixtures + "/zfs-2.1/openzfs-2.1.11-debian12/bes/zfs-list-Hp-be.stdout")
        guard captured.count == 6, captured.allSatisfy({ $0.split(separator: "\t", omittingEmptySubsequences: false).count == 13 }) else {
            throw Failure(description: "bes/zfs-list-Hp-be.stdout changed: expected 6 lines of 13 tab-separated fields")
        }
        let extra = max(0, total - captured.count)
        let forDefault = extra * 2 / 3
        let forTest = extra - forDefault
        var out = ""
        out.reserveCapacity(total * 110)
        for (i, line) in captured.enumerated() {
            out += line
            out += "\n"
            let count = i == 3 ? forDefault : (i == 5 ? forTest : 0)
            if count == 0 { continue }
            var f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let baseCreation = UInt64(f[11]) ?? 1_795_319_618
            let baseName = f[0]
            for n in 1...count {
                f[0] = "\(baseName)-\(n)"
                f[2] = String((UInt64(n) &* 8192) % 4_294_967_296)  // used by this snapshot alone
                f[11] = String(baseCreation + UInt64(n))
                out += f.joined(separator: "\t")
                out += "\n"
            }
        }
        return out
    }

    // MARK: zpool status, one pool with many mirrors

    /// Layout of `print_status_config` (openzfs 2.1 `cmd/zpool/zpool_main.c`):
    /// header `"\t%-*s  %-8s %5s %5s %5s"`, rows `"\t%*s%-*s  %-8s %5s %5s %5s"` where the name
    /// width is `max(strlen(name) + depth)` over the tree (at least 10), depth 0/2/4.
    /// The pool, labels, vdev naming (`mirror-N`, `virtio-tankN`), states and the trailer come
    /// from the capture `multipool/zpool-status.stdout` (pool `tank`: one mirror of two disks);
    /// here it has as many mirrors as make `total` lines.
    static func zpoolStatus(fixtures: String, total: Int) throws -> String {
        let captured = try lines(fixtures + "/zfs-2.1/openzfs-2.1.11-debian12/multipool/zpool-status.stdout")
        guard captured.contains("  pool: tank"), captured.contains("errors: No known data errors") else {
            throw Failure(description: "multipool/zpool-status.stdout changed: expected pool tank")
        }
        let mirrors = max(1, (total - 8) / 3)
        var rows: [(Int, String)] = [(0, "tank")]
        rows.reserveCapacity(mirrors * 3 + 1)
        for m in 0..<mirrors {
            rows.append((2, "mirror-\(m)"))
            rows.append((4, "virtio-tank\(2 * m)"))
            rows.append((4, "virtio-tank\(2 * m + 1)"))
        }
        let width = max(10, rows.map { $0.1.utf8.count + $0.0 }.max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String {
            let n = s.utf8.count
            return n >= w ? s : s + String(repeating: " ", count: w - n)
        }
        func lpad(_ s: String, _ w: Int) -> String {
            let n = s.utf8.count
            return n >= w ? s : String(repeating: " ", count: w - n) + s
        }
        var out = "  pool: tank\n state: ONLINE\nconfig:\n\n"
        out.reserveCapacity(total * (width + 30))
        out += "\t" + pad("NAME", width) + "  " + pad("STATE", 8) + " " + lpad("READ", 5) + " " + lpad("WRITE", 5) + " " + lpad("CKSUM", 5) + "\n"
        let counters = " " + lpad("0", 5) + " " + lpad("0", 5) + " " + lpad("0", 5)
        for (depth, name) in rows {
            out += "\t" + String(repeating: " ", count: depth) + pad(name, width - depth) + "  " + pad("ONLINE", 8) + counters + "\n"
        }
        out += "\nerrors: No known data errors\n"
        return out
    }

    // MARK: dkms status, many kernels x modules

    /// Lines of dkms 3.0.10 (`status-all.stdout`): `name/version, kernel, arch: installed` and
    /// `name/version: added`. Here: modules `kldload-hello<m>` installed on 50 kernels
    /// `6.1.0-<k>-amd64` (k = 10…59), every 10th module also has an `added` version
    /// (`kldload-broken<m>/1.0: added`, as captured); in dkms' order (module, then kernel).
    static func dkmsStatus(fixtures: String, total: Int) throws -> String {
        let captured = try lines(fixtures + "/dkms/3.0.10-debian12/status-all.stdout")
        guard let installed = captured.first(where: { $0.hasSuffix(": installed") }),
              let added = captured.first(where: { $0.hasSuffix(": added") }),
              let slash = installed.firstIndex(of: "/"), let aslash = added.firstIndex(of: "/"),
              let k1 = installed.range(of: ", 6.1.0-"), let k2 = installed.range(of: "-amd64")
        else { throw Failure(description: "dkms status-all.stdout changed: expected installed and added lines") }
        let name = String(installed[..<slash])  // kldload-hello
        let afterName = installed[slash..<k1.upperBound]  // /1.0, 6.1.0-
        let tail = installed[k2.lowerBound...]  // -amd64, x86_64: installed
        let addedName = String(added[..<aslash])  // kldload-broken
        let addedTail = added[aslash...]  // /1.0: added
        let kernels = 50
        var out = ""
        out.reserveCapacity(total * 56)
        var produced = 0
        var m = 0
        while produced < total {
            if m % 10 == 0 {
                out += addedName + String(m) + addedTail + "\n"
                produced += 1
            }
            var k = 0
            while k < kernels && produced < total {
                out += name + String(m) + afterName + String(10 + k) + tail + "\n"
                produced += 1
                k += 1
            }
            m += 1
        }
        return out
    }

    // MARK: package lists

    /// Cycles over the captured lines; from the second round on, the package name gets a
    /// `-b<round>` suffix (before a `:arch` qualifier) so every line is a distinct package.
    static func packages(_ captured: [String], total: Int, nameField: Int) -> String {
        var out = ""
        out.reserveCapacity(total * 48)
        guard !captured.isEmpty else { return out }
        let split = captured.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        for i in 0..<total {
            let round = i / captured.count
            var f = split[i % captured.count]
            if round > 0, nameField < f.count {
                let name = f[nameField]
                if let colon = name.firstIndex(of: ":") {
                    f[nameField] = name[..<colon] + "-b\(round)" + name[colon...]
                } else {
                    f[nameField] = name + "-b\(round)"
                }
            }
            out += f.joined(separator: "\t")
            out += "\n"
        }
        return out
    }

    /// `dpkg-query -W -f '${db:Status-Abbrev}\t${binary:Package}\t${Version}\t${Architecture}\n'`
    /// of a Debian 12 host (dpkg 1.21.23, 978 packages plus an `rc` one).
    static func dpkgQuery(fixtures: String, total: Int) throws -> String {
        packages(try lines(fixtures + "/dpkg/1.21.23-debian12-host/dpkg-query-host-with-rc.stdout"), total: total, nameField: 1)
    }

    /// dpkg's `var/lib/dpkg/status` with `total` package stanzas: the stanzas of the Debian 12
    /// root captured for kbe diff (Fixtures/pkgdb/dpkg-1.21.23-debian12-root/after), repeated with
    /// `-bN` appended to the package name after the first round.
    static func dpkgStatus(fixtures: String, total: Int) throws -> String {
        let text = try String(contentsOfFile: fixtures + "/pkgdb/dpkg-1.21.23-debian12-root/after/var/lib/dpkg/status", encoding: .utf8)
        let stanzas = text.components(separatedBy: "\n\n").filter { $0.hasPrefix("Package: ") }
        guard !stanzas.isEmpty else { return "" }
        var out = ""
        for i in 0..<total {
            let round = i / stanzas.count
            var s = stanzas[i % stanzas.count]
            if round > 0, let end = s.firstIndex(of: "\n") { s.insert(contentsOf: "-b\(round)", at: end) }
            out += s + "\n\n"
        }
        return out
    }

    /// `rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n'` (rpm 4.18.0).
    static func rpmQuery(fixtures: String, total: Int) throws -> String {
        packages(try lines(fixtures + "/rpm/4.18.0-debian12/qa-after-upgrade.stdout"), total: total, nameField: 0)
    }

    // MARK: replay scenarios

    /// Copies `kbe-openzfs-2.1-bes` to `dir` and replaces the recorded `zfs list` stdout by
    /// `zfsList(total: checkpoints + 3)`: the captured pool with `checkpoints` snapshots.
    static func kbeScenario(fixtures: String, checkpoints: Int, into dir: String) throws {
        let fm = FileManager.default
        try? fm.removeItem(atPath: dir)
        try fm.copyItem(atPath: fixtures + "/scenarios/kbe-openzfs-2.1-bes", toPath: dir)
        let argv = try String(contentsOfFile: dir + "/commands/002/argv", encoding: .utf8)
        guard argv.hasPrefix("zfs\nlist\n") else {
            throw Failure(description: "kbe-openzfs-2.1-bes/commands/002 is no longer the zfs list recording")
        }
        let text = try zfsList(fixtures: fixtures, total: checkpoints + 3)
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/commands/002/stdout"))
    }

    /// `kbeScenario` as OpenZFS 2.3 answers it: a recorded `zfs version` of 2.3.9 (so kbe reads
    /// JSON), then the bootfs and BE listing queries as `-j --json-int`, the listing being
    /// `zfsListJSON(fromText:)` of the very rows `kbeScenario` records as text. The bootfs and
    /// `zfs version` answers are the recordings of `kupgrade-debian13-apt` (same pool layout).
    static func kbeScenarioJSON(fixtures: String, checkpoints: Int, into dir: String) throws {
        try kbeScenario(fixtures: fixtures, checkpoints: checkpoints, into: dir)
        let debian13 = fixtures + "/scenarios/kupgrade-debian13-apt/commands/"
        let fm = FileManager.default
        func argv(_ d: String) throws -> String { try String(contentsOfFile: d + "/argv", encoding: .utf8) }
        guard try argv(debian13 + "001") == "zfs\nversion\n",
              try argv(debian13 + "002") == "zpool\nget\n-j\n--json-int\nbootfs\nrpool\n" else {
            throw Failure(description: "kupgrade-debian13-apt/commands/001-002 are no longer zfs version and the JSON bootfs query")
        }
        try fm.createDirectory(atPath: dir + "/commands/000", withIntermediateDirectories: true)
        for f in ["argv", "stdout"] {
            try fm.copyItem(atPath: debian13 + "001/" + f, toPath: dir + "/commands/000/" + f)
            try fm.removeItem(atPath: dir + "/commands/001/" + f)
            try fm.copyItem(atPath: debian13 + "002/" + f, toPath: dir + "/commands/001/" + f)
        }
        let listing = dir + "/commands/002/"
        let json = (SystemQuery<[BERecord]>.bootEnvironmentRecords(root: "rpool/ROOT").json?.command.argv ?? []).joined(separator: "\n") + "\n"
        try Data(json.utf8).write(to: URL(fileURLWithPath: listing + "argv"))
        let text = try String(contentsOfFile: listing + "stdout", encoding: .utf8)
        try Data(try zfsListJSON(fromText: text).utf8).write(to: URL(fileURLWithPath: listing + "stdout"))
    }

    // MARK: what kupgrade reads from the package managers (pacman -Q/-Qu, apt-get -s, dnf)

    /// Blank-separated captured lines, cycled; from the second round on the first word (the
    /// package name) gets a `-b<round>` suffix, so every round names new packages.
    static func renamedFirstWord(_ captured: [String], total: Int) -> String {
        var out = ""
        out.reserveCapacity(total * 48)
        guard !captured.isEmpty else { return out }
        for i in 0..<total {
            let round = i / captured.count
            let line = captured[i % captured.count]
            if round > 0, let space = line.firstIndex(of: " ") {
                out += line[..<space] + "-b\(round)" + line[space...]
            } else {
                out += line
            }
            out += "\n"
        }
        return out
    }

    /// `pacman -Q` (`name version`, pacman 6.0.2, query.c `display`): the capture
    /// `6.0.2-debian12-arch-holdback/Q-before.stdout` (6 packages) cycled, renamed per round.
    static func pacmanQuery(fixtures: String, total: Int) throws -> String {
        let captured = try lines(fixtures + "/pacman/6.0.2-debian12-arch-holdback/Q-before.stdout")
        guard captured.count == 6, captured.allSatisfy({ $0.split(separator: " ").count == 2 }) else {
            throw Failure(description: "pacman Q-before.stdout changed: expected 6 lines `name version`")
        }
        return renamedFirstWord(captured, total: total)
    }

    /// `pacman -Qu` (`name old -> new`, ` [ignored]` for IgnorePkg, pacman 6.0.2): the lines of
    /// `6.0.2-debian12/Qu-pending.stdout` and `Qu-after-ignore-with-IgnorePkg.stdout` (3 + 2)
    /// cycled, renamed per round.
    static func pacmanUpgrades(fixtures: String, total: Int) throws -> String {
        let dir = fixtures + "/pacman/6.0.2-debian12/"
        let captured = try lines(dir + "Qu-pending.stdout") + lines(dir + "Qu-after-ignore-with-IgnorePkg.stdout")
        guard captured.count == 5, captured.allSatisfy({ $0.contains(" -> ") }), captured.contains(where: { $0.hasSuffix(" [ignored]") }) else {
            throw Failure(description: "pacman Qu-pending/Qu-after-ignore-with-IgnorePkg changed: expected 5 `name old -> new` lines")
        }
        return renamedFirstWord(captured, total: total)
    }

    /// `apt-get -s dist-upgrade` (apt 2.6.2, `LC_ALL=C`) with about `total` lines: the capture
    /// `apt-get-s-dist-upgrade-while-half-configured.stdout` (101 upgrades of a real Debian 12
    /// host: progress lines, the `The following packages will be upgraded:` list, the `Stats`
    /// summary, 203 `Inst`/`Conf` lines of `pkgSimulate`) with its `Inst`/`Conf` block repeated,
    /// the package names of round r > 0 suffixed `-b<r>`; the list holds every `Inst` name,
    /// sorted and wrapped as apt's `ShowList` wraps (a new line when the names on it plus the
    /// next reach 76 = ScreenWidth 79 - 3; checked against the capture's own list), and the
    /// summary counts them.
    static func aptSimulation(fixtures: String, total: Int) throws -> String {
        let captured = try lines(fixtures + "/apt/2.6.2-debian12-host-kernel-dkms-failure/apt-get-s-dist-upgrade-while-half-configured.stdout")
        guard let heading = captured.firstIndex(of: "The following packages will be upgraded:"),
              let summary = captured.firstIndex(where: { $0.hasSuffix(" upgraded, 0 newly installed, 0 to remove and 0 not upgraded.") }),
              heading < summary, captured[summary + 1] == "1 not fully installed or removed."
        else { throw Failure(description: "apt-get-s-dist-upgrade-while-half-configured.stdout changed: expected list, summary, Inst/Conf lines") }
        let actions = Array(captured[(summary + 2)...])
        guard actions.count == 203, actions.allSatisfy({ $0.hasPrefix("Inst ") || $0.hasPrefix("Conf ") }) else {
            throw Failure(description: "apt-get-s-dist-upgrade-while-half-configured.stdout changed: expected 203 Inst/Conf lines")
        }
        func wrap(_ names: [String]) -> [String] {
            var out: [String] = []
            var line = ""
            var used = 0
            for n in names {
                if used == 0 || used + n.utf8.count >= 76 {
                    if used > 0 { out.append(line) }
                    line = "  " + n
                    used = n.utf8.count
                } else {
                    line += " " + n
                    used += 1 + n.utf8.count
                }
            }
            if used > 0 { out.append(line) }
            return out
        }
        let capturedList = Array(captured[(heading + 1)..<summary])
        guard wrap(capturedList.flatMap { $0.split(separator: " ").map(String.init) }) == capturedList else {
            throw Failure(description: "apt's ShowList wrapping no longer reproduces the captured list")
        }
        // About 2 action lines and 0.2 list lines per package.
        let actionLines = max(1, (total - 7) * 203 / 223)
        var body = ""
        body.reserveCapacity(actionLines * 90)
        var names: [String] = []
        for i in 0..<actionLines {
            let round = i / actions.count
            var line = actions[i % actions.count]
            if round > 0 {
                let rest = line.dropFirst(5)
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                line = line.prefix(5) + rest[..<end] + "-b\(round)" + rest[end...]
            }
            if line.hasPrefix("Inst ") {
                let rest = line.dropFirst(5)
                names.append(String(rest[..<(rest.firstIndex(of: " ") ?? rest.endIndex)]))
            }
            body += line
            body += "\n"
        }
        names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var out = captured[..<heading].joined(separator: "\n") + "\n" + captured[heading] + "\n"
        out += wrap(names).joined(separator: "\n") + "\n"
        out += "\(names.count) upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n" + captured[summary + 1] + "\n"
        return out + body
    }

    /// `dnf upgrade --assumeno` (dnf 4.14.0, `list_transaction` of dnf/cli/output.py) with about
    /// `total` lines: the capture `dnf/4.14.0-debian12/upgrade-assumeno.stdout` (sections
    /// `Installing:` with a `replacing` line, `Upgrading:`, `Installing dependencies:`), each
    /// section's rows repeated with the names of round r > 0 suffixed `-b<r>` (also the replaced
    /// package's), padded to the captured name column; a name wider than the column ends its
    /// line and the row continues on the next, indented to the next column (`fmtColumns`). The
    /// `Transaction Summary` counts the rows.
    static func dnfTransaction(fixtures: String, total: Int) throws -> String {
        let path = fixtures + "/dnf/4.14.0-debian12/upgrade-assumeno.stdout"
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "cannot read fixture \(path)") }
        var captured = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if captured.last == "" { captured.removeLast() }  // blank lines kept: they end sections
        guard let header = captured.firstIndex(where: { $0.hasPrefix(" Package ") }),
              let archColumn = captured[header].range(of: "Arch").map({ captured[header].distance(from: captured[header].startIndex, to: $0.lowerBound) }),
              let summary = captured.firstIndex(of: "Transaction Summary"),
              captured[summary + 2].hasPrefix("Install "), captured[summary + 3].hasPrefix("Upgrade ")
        else { throw Failure(description: "dnf upgrade-assumeno.stdout changed: expected header, sections, Transaction Summary") }
        var sections: [(heading: String, rows: [String])] = []
        for line in captured[(header + 2)..<summary] where !line.isEmpty {
            if line.hasSuffix(":") { sections.append((line, [])) } else if !sections.isEmpty { sections[sections.count - 1].rows.append(line) }
        }
        guard sections.count == 3, sections.allSatisfy({ !$0.rows.isEmpty }) else {
            throw Failure(description: "dnf upgrade-assumeno.stdout changed: expected 3 sections with rows")
        }
        let perRound = sections.reduce(0) { $0 + $1.rows.count }
        let rounds = max(1, (total - 13) / perRound)
        var out = captured[...(header + 1)].joined(separator: "\n") + "\n"
        out.reserveCapacity(rounds * perRound * 100)
        var install = 0, upgrade = 0
        for s in sections {
            out += s.heading + "\n"
            for r in 0..<rounds {
                let suffix = r == 0 ? "" : "-b\(r)"
                for row in s.rows {
                    if row.hasPrefix("     replacing  ") {
                        let rest = row.dropFirst("     replacing  ".count)
                        guard let dot = rest.lastIndex(of: ".") else { continue }
                        out += "     replacing  " + rest[..<dot] + suffix + rest[dot...] + "\n"
                        continue
                    }
                    let name = row.dropFirst().prefix { $0 != " " }
                    let tail = row.dropFirst(archColumn)
                    let renamed = name + suffix
                    if renamed.utf8.count <= archColumn - 2 {
                        out += " " + renamed + String(repeating: " ", count: archColumn - 1 - renamed.utf8.count) + tail + "\n"
                    } else {
                        out += " " + renamed + "\n" + String(repeating: " ", count: archColumn) + tail + "\n"
                    }
                    if s.heading.hasPrefix("Upgrading") { upgrade += 1 } else { install += 1 }
                }
            }
        }
        let width = max(String(install).count, String(upgrade).count)
        func count(_ n: Int) -> String { String(repeating: " ", count: width - String(n).count) + String(n) }
        out += captured[(summary - 1)...(summary + 1)].joined(separator: "\n") + "\n"
        out += "Install  \(count(install)) Packages\nUpgrade  \(count(upgrade)) Packages\n"
        out += captured[(summary + 4)...].joined(separator: "\n") + "\n"
        return out
    }
}
