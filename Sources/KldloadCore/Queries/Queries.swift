import Foundation

// Every question kldload asks the system, one constructor each: the argv is written here and
// nowhere else, with the parser that reads its answer (Docs/DESIGN.md, "Queries as values").
// Commands that change the system (zfs snapshot/clone/destroy, zpool set, mount) are not
// queries: kbe builds them as `BEPlan` steps, kupgrade runs them through its logged `exec`.

// MARK: - Pools

extension SystemQuery where Value == ZpoolStatusReport {
    /// `zpool status [-x] [POOL]`: every pool, or one. With `onlyUnhealthy` (`-x`) a healthy
    /// pool prints only `pool 'rpool' is healthy`, so the report has no entry for it; an
    /// unhealthy or resilvering pool prints its whole status.
    public static func poolStatus(_ pool: String? = nil, onlyUnhealthy: Bool = false) -> Self {
        Self(Command(["zpool", "status"] + (onlyUnhealthy ? ["-x"] : []) + (pool.map { [$0] } ?? [])),
             parse: { (t: String) throws(ParseError) -> ZpoolStatusReport in try ZpoolStatusParser.parse(t) })
    }
}

extension SystemQuery where Value == [ZFSProperty] {
    /// `zpool get -Hp NAME,… POOL` (scripted, exact numbers).
    public static func poolProperties(_ names: [String], pool: String) -> Self {
        Self(Command(["zpool", "get", "-Hp", names.joined(separator: ","), pool]),
             parse: { (t: String) throws(ParseError) -> [ZFSProperty] in try ZpoolGetParser.parse(t) })
    }

    /// `zfs get -Hp -s local all DATASET`: the properties set on the dataset itself.
    public static func localProperties(of dataset: String) -> Self {
        Self(Command(["zfs", "get", "-Hp", "-s", "local", "all", dataset]),
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
    /// The one `zfs list` of kbe: `zfs list -Hp -t TYPES (-r | -d DEPTH) -o <BEListing.columns> ROOT`.
    public static func bootEnvironmentRecords(
        root: String, depth: Int? = nil, types: String = "filesystem,volume,snapshot"
    ) -> Self {
        var argv = ["zfs", "list", "-Hp", "-t", types]
        if let depth { argv += ["-d", String(depth)] } else { argv.append("-r") }
        argv += ["-o", BEListing.columns.joined(separator: ","), root]
        return Self(Command(argv), parse: { (t: String) throws(ParseError) -> [BERecord] in try BEListing.parse(t) })
    }
}

extension SystemQuery {
    /// `zfs list -Hp -t snapshot -d 1 -s creation -o COLUMNS DATASET`: the snapshots of one
    /// dataset, oldest first, read by `parse` (which knows the columns).
    static func snapshots(
        of dataset: String, columns: [String], parse: @escaping @Sendable (String) throws(ParseError) -> Value
    ) -> Self {
        Self(Command(["zfs", "list", "-Hp", "-t", "snapshot", "-d", "1", "-s", "creation",
                      "-o", columns.joined(separator: ","), dataset]), parse: parse)
    }
}

extension SystemQuery where Value == [Retention.Row] {
    /// The checkpoints kupgrade's retention chooses from (`Retention.columns`).
    public static func retentionRows(of bootEnvironment: String) -> Self {
        snapshots(of: bootEnvironment, columns: Retention.columns,
                  parse: { (t: String) throws(ParseError) -> [Retention.Row] in try Retention.parse(t) })
    }
}

extension SystemQuery where Value == [AutoCheckpoint.Row] {
    /// The checkpoints `kbe auto-checkpoint` rate-limits and prunes (`AutoCheckpoint.columns`).
    public static func autoCheckpointRows(of bootEnvironment: String) -> Self {
        snapshots(of: bootEnvironment, columns: AutoCheckpoint.columns,
                  parse: { (t: String) throws(ParseError) -> [AutoCheckpoint.Row] in try AutoCheckpoint.parse(t) })
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

extension SystemQuery where Value == [FileChange] {
    /// `zfs diff -FH SNAPSHOT LATER`: what changed between a snapshot and a later snapshot of
    /// the same dataset, the dataset itself or a clone of it.
    public static func fileChanges(from snapshot: String, to later: String) -> Self {
        Self(Command(["zfs", "diff", "-FH", snapshot, later]),
             parse: { (t: String) throws(ParseError) -> [FileChange] in try ZFSDiffParser.parse(t) })
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
