import Foundation

// Every question kldload asks the system, one constructor each: the argv is written here and
// nowhere else, with the parser that reads its answer (Docs/DESIGN.md, "Queries as values").
// The reads DESIGN item 19 lists also have a JSON form (OpenZFS 2.3's `-j --json-int`, the
// flags of the 2.3.9 captures), read by `ZFSJSONParser`; `SystemQuery.ask` picks the form.
// Commands that change the system (zfs snapshot/clone/destroy, zpool set, mount) are not
// queries: kbe builds them as `BEPlan` steps, kupgrade runs them through its logged `exec`.

// MARK: - Pools

extension SystemQuery where Value == ZpoolStatusReport {
    /// `zpool status [-x] [POOL]`: every pool, or one. With `onlyUnhealthy` (`-x`) a healthy
    /// pool prints only `pool 'rpool' is healthy`, so the report has no entry for it; an
    /// unhealthy or resilvering pool prints its whole status. JSON: `zpool status -j
    /// --json-int [POOL]`, every pool's whole status (its `status`/`action` sentences too).
    public static func poolStatus(_ pool: String? = nil, onlyUnhealthy: Bool = false) -> Self {
        let named = pool.map { [$0] } ?? []
        return Self(
            text: Form(Command(["zpool", "status"] + (onlyUnhealthy ? ["-x"] : []) + named),
                       parse: { (t: String) throws(ParseError) -> ZpoolStatusReport in try ZpoolStatusParser.parse(t) }),
            json: Form(Command(["zpool", "status", "-j", "--json-int"] + named),
                       parse: { (t: String) throws(ParseError) -> ZpoolStatusReport in try ZFSJSONParser.zpoolStatus(t) }))
    }
}

extension SystemQuery where Value == [ZFSProperty] {
    /// `zpool get -Hp NAME,… POOL` (scripted, exact numbers); JSON: `zpool get -j --json-int`.
    public static func poolProperties(_ names: [String], pool: String) -> Self {
        let list = names.joined(separator: ",")
        return Self(
            text: Form(Command(["zpool", "get", "-Hp", list, pool]),
                       parse: { (t: String) throws(ParseError) -> [ZFSProperty] in try ZpoolGetParser.parse(t) }),
            json: Form(Command(["zpool", "get", "-j", "--json-int", list, pool]),
                       parse: { (t: String) throws(ParseError) -> [ZFSProperty] in try ZFSJSONParser.properties(t) }))
    }

    /// `zfs get -Hp -s local all DATASET`: the properties set on the dataset itself; JSON:
    /// `zfs get -j --json-int -s local all DATASET`.
    public static func localProperties(of dataset: String) -> Self {
        Self(
            text: Form(Command(["zfs", "get", "-Hp", "-s", "local", "all", dataset]),
                       parse: { (t: String) throws(ParseError) -> [ZFSProperty] in try ZFSGetParser.parse(t) }),
            json: Form(Command(["zfs", "get", "-j", "--json-int", "-s", "local", "all", dataset]),
                       parse: { (t: String) throws(ParseError) -> [ZFSProperty] in try ZFSJSONParser.properties(t) }))
    }

    /// `zfs get -Hp NAME,… DATASET…`: some properties of some datasets, one call (text on
    /// every release).
    public static func properties(_ names: [String], of datasets: [String]) -> Self {
        Self(Command(["zfs", "get", "-Hp", names.joined(separator: ",")] + datasets),
             parse: { (t: String) throws(ParseError) -> [ZFSProperty] in try ZFSGetParser.parse(t) })
    }

    /// `zfs get -Hp -o name,property,value,source PROPERTY DATASET`: one property, with its
    /// source (text on every release).
    public static func property(_ name: String, withSourceOf dataset: String) -> Self {
        Self(Command(["zfs", "get", "-Hp", "-o", "name,property,value,source", name, dataset]),
             parse: { (t: String) throws(ParseError) -> [ZFSProperty] in try ZFSGetParser.parse(t) })
    }
}

extension SystemQuery where Value == String? {
    /// `zpool get -Hp bootfs POOL` → the dataset the boot loader boots, nil when unset (`-`).
    public static func bootfs(pool: String) -> Self {
        SystemQuery<[ZFSProperty]>.poolProperties(["bootfs"], pool: pool).map { props in
            ZpoolGetParser.value("bootfs", pool: pool, in: props)
        }
    }
}

// MARK: - Datasets and snapshots

extension SystemQuery where Value == [BERecord] {
    /// The one `zfs list` of kbe: `zfs list -Hp -t TYPES (-r | -d DEPTH) -o <BEListing.columns> ROOT`;
    /// JSON: `-j --json-int` instead of `-Hp`.
    public static func bootEnvironmentRecords(
        root: String, depth: Int? = nil, types: String = "filesystem,volume,snapshot"
    ) -> Self {
        bootEnvironmentRecords(roots: [root], depth: depth, types: types)
    }

    /// The same listing of several datasets in one call (the paired datasets, depth 1).
    public static func bootEnvironmentRecords(
        roots: [String], depth: Int? = nil, types: String = "filesystem,volume,snapshot"
    ) -> Self {
        func command(_ format: [String]) -> Command {
            var argv = ["zfs", "list"] + format + ["-t", types]
            if let depth { argv += ["-d", String(depth)] } else { argv.append("-r") }
            argv += ["-o", BEListing.columns.joined(separator: ",")] + roots
            return Command(argv)
        }
        return Self(
            text: Form(command(["-Hp"]), parse: { (t: String) throws(ParseError) -> [BERecord] in try BEListing.parse(t) }),
            json: Form(command(["-j", "--json-int"]), parse: { (t: String) throws(ParseError) -> [BERecord] in try BEListing.parseJSON(t) }))
    }
}

/// The one listing of the BE root read straight into boot environments (`records` only when
/// asked for): no array of all rows exists unless a command needs the rows themselves.
package struct BootEnvironmentListing: Sendable {
    package var records: [BERecord]
    package var environments: [BootEnvironment]
    /// The first row naming the BE root itself.
    package var root: BERecord?
}

extension SystemQuery where Value == BootEnvironmentListing {
    /// `bootEnvironmentRecords(root:)`'s command, parsed into `BootEnvironmentInventory` as the
    /// rows arrive (Docs/PERFORMANCE.md, peak memory).
    package static func bootEnvironmentListing(
        root: String, runningBE: String?, bootfs: String?, mounts: MountTable, keepRecords: Bool
    ) -> Self {
        let records = SystemQuery<[BERecord]>.bootEnvironmentRecords(root: root)
        typealias Each = (String, (BERecord) throws(ParseError) -> Void) throws(ParseError) -> Void
        @Sendable func listing(_ text: String, _ each: Each) throws(ParseError) -> BootEnvironmentListing {
            var builder = BootEnvironmentInventory.Builder(beRoot: root, runningBE: runningBE, bootfs: bootfs, mounts: mounts)
            var out = BootEnvironmentListing(records: [], environments: [], root: nil)
            try each(text) { (r: BERecord) throws(ParseError) in
                if out.root == nil && r.name == root { out.root = r }
                builder.add(r)
                if keepRecords { out.records.append(r) }
            }
            if builder.needsOriginPass {
                try each(text) { (r: BERecord) throws(ParseError) in builder.addOriginCandidate(r) }
            }
            out.environments = builder.finish()
            return out
        }
        return Self(
            text: Form(records.text.command, parse: { (t: String) throws(ParseError) -> BootEnvironmentListing in
                try listing(t, BEListing.forEachRecord) }),
            json: records.json.map { j in
                Form(j.command, parse: { (t: String) throws(ParseError) -> BootEnvironmentListing in
                    try listing(t, BEListing.forEachRecordJSON) }) })
    }
}

extension SystemQuery {
    /// `zfs list -Hp -t snapshot -d 1 -s creation -o COLUMNS DATASET` (JSON: `-j --json-int`):
    /// the snapshots of one dataset, oldest first, in the shared `Snapshot` shape
    /// (`ZFSListParser.parseSnapshots`, `ZFSJSONParser.snapshots`), turned into the caller's
    /// values by `rows`.
    static func snapshots(
        of dataset: String, columns: [String], rows: @escaping @Sendable ([Snapshot]) throws(ParseError) -> Value
    ) -> Self {
        func command(_ format: [String]) -> Command {
            Command(["zfs", "list"] + format + ["-t", "snapshot", "-d", "1", "-s", "creation",
                                                "-o", columns.joined(separator: ","), dataset])
        }
        return Self(
            text: Form(command(["-Hp"]), parse: { (t: String) throws(ParseError) -> Value in
                try rows(ZFSListParser.parseSnapshots(t, columns: columns))
            }),
            json: Form(command(["-j", "--json-int"]), parse: { (t: String) throws(ParseError) -> Value in
                try rows(ZFSJSONParser.snapshots(t, columns: columns))
            }))
    }
}

extension SystemQuery where Value == [Checkpoints.Row] {
    /// The checkpoints kupgrade's retention chooses from (`Checkpoints.retentionColumns`).
    package static func retentionRows(of bootEnvironment: String) -> Self {
        snapshots(of: bootEnvironment, columns: Checkpoints.retentionColumns,
                  rows: { (s: [Snapshot]) throws(ParseError) -> [Checkpoints.Row] in
                      try Checkpoints.rows(s, source: "zfs list -Hp (retention)")
                  })
    }

    /// The checkpoints `kbe auto-checkpoint` rate-limits and prunes (`Checkpoints.hookColumns`).
    package static func autoCheckpointRows(of bootEnvironment: String) -> Self {
        snapshots(of: bootEnvironment, columns: Checkpoints.hookColumns,
                  rows: { (s: [Snapshot]) throws(ParseError) -> [Checkpoints.Row] in
                      try Checkpoints.rows(s, source: "zfs list -Hp (auto-checkpoint)")
                  })
    }
}

extension SystemQuery where Value == Set<String> {
    /// `zfs list -H -o name -t snapshot -d 1 DATASET` → the snapshot names (after `@`).
    public static func snapshotNames(of dataset: String) -> Self {
        Self(Command(["zfs", "list", "-H", "-o", "name", "-t", "snapshot", "-d", "1", dataset]),
             parse: { (t: String) throws(ParseError) -> Set<String> in
                 var names: Set<String> = []
                 for line in t.split(separator: "\n") {
                     if let at = line.firstIndex(of: "@") { names.insert(String(line[line.index(after: at)...])) }
                 }
                 return names
             })
    }
}

extension SystemQuery where Value == String {
    /// `zfs get -H -o value PROPERTY DATASET` → the value, surrounding white space removed.
    public static func property(_ name: String, of dataset: String) -> Self {
        Self(Command(["zfs", "get", "-H", "-o", "value", name, dataset]),
             parse: { (t: String) throws(ParseError) -> String in t.trimmingCharacters(in: .whitespacesAndNewlines) })
    }

    /// `modinfo -F FIELD FILE` → the field's text, surrounding white space removed (empty when
    /// the module has no such field).
    public static func moduleField(_ field: String, of path: String) -> Self {
        Self(Command(["modinfo", "-F", field, path]),
             parse: { (t: String) throws(ParseError) -> String in t.trimmingCharacters(in: .whitespacesAndNewlines) })
    }
}

extension SystemQuery where Value == [String] {
    /// `zfs get -Hp -r -s local -t filesystem,volume org.kldload:paired POOL` → the datasets
    /// paired with the boot environments (`PairedData.parse`): locally set marks only (a child
    /// inherits the mark but is not paired itself), no snapshots. Text on every release.
    public static func pairedDatasets(pool: String) -> Self {
        Self(Command(["zfs", "get", "-Hp", "-r", "-s", "local", "-t", "filesystem,volume", PairedData.property, pool]),
             parse: { (t: String) throws(ParseError) -> [String] in try PairedData.parse(t) })
    }
}

extension SystemQuery where Value == Date? {
    /// `zfs diff -H -t SNAPSHOT` → the newest change time since the snapshot
    /// (`PairedData.newestChange`), nil when no file changed.
    public static func newestChange(since snapshot: String) -> Self {
        Self(Command(["zfs", "diff", "-H", "-t", snapshot]),
             parse: { (t: String) throws(ParseError) -> Date? in PairedData.newestChange(t) })
    }
}

extension SystemQuery where Value == [FileChange] {
    /// `zfs diff -FH SNAPSHOT LATER`: what changed between a snapshot and a later snapshot of
    /// the same dataset, the dataset itself or a clone of it.
    public static func fileChanges(from snapshot: String, to later: String) -> Self {
        Self(Command(["zfs", "diff", "-FH", snapshot, later]),
             parse: { (t: String) throws(ParseError) -> [FileChange] in try ZFSDiffParser.parse(t) })
    }
}

// MARK: - Disks

extension SystemQuery where Value == [BlockDevice] {
    /// `lsblk --pairs --paths --output NAME,PKNAME,PARTUUID`: which disk holds which partition.
    public static var blockDevices: Self {
        Self(Command(["lsblk", "--pairs", "--paths", "--output", "NAME,PKNAME,PARTUUID"]),
             parse: { (t: String) throws(ParseError) -> [BlockDevice] in try BlockDevice.parseLsblkPairs(t) })
    }
}

// MARK: - Kernel modules, Secure Boot, package databases

extension SystemQuery where Value == Vermagic {
    /// `modinfo -F vermagic FILE` → the kernel release the module was built for.
    public static func vermagic(of path: String) -> Self {
        Self(Command(["modinfo", "-F", "vermagic", path]),
             parse: { (t: String) throws(ParseError) -> Vermagic in try ModinfoParser.parseVermagic(t) })
    }
}

extension SystemQuery where Value == DKMSStatus {
    /// `dkms status` (its warnings come on stderr).
    public static var dkmsStatus: Self {
        Self(text: Form(command: Command(["dkms", "status"]), parse: { (r: CommandResult) throws(ParseError) -> DKMSStatus in
            try DKMSStatusParser.parse(r.stdout, stderr: r.stderr)
        }))
    }
}

extension SystemQuery where Value == SecureBootState {
    /// `mokutil --sb-state` (read whatever its exit status: "EFI variables are not supported"
    /// comes on stderr with a failure status).
    public static var secureBootState: Self {
        Self(text: Form(command: Command(["mokutil", "--sb-state"]), parse: { (r: CommandResult) throws(ParseError) -> SecureBootState in
            try SecureBootParser.parseMokutil(stdout: r.stdout, stderr: r.stderr)
        }))
    }
}

extension SystemQuery where Value == [Package] {
    /// `rpm --dbpath DIR -qa --qf …`: rpm reads the database in DIR (a snapshot directory, read
    /// only) and nothing else. Ask only when DIR holds a database: given a directory without
    /// one, rpm creates an empty database there (Fixtures/pkgdb/rpm-…/PROVENANCE.md).
    public static func rpmPackages(databaseDirectory dbpath: String) -> Self {
        Self(Command(["rpm", "--dbpath", dbpath, "-qa", "--qf", RPMQueryParser.queryFormat]),
             parse: { (t: String) throws(ParseError) -> [Package] in try RPMQueryParser.parse(t) })
    }
}
