/// `kbe pair` / `kbe unpair` and the `--with-data` / `--without-data` flags of rollback and
/// activate (Docs/KBE.md, "Paired datasets").
extension KBECommand {
    static let pairedDataOptions: [KBEOption] = [.withData, .withoutData]

    static let pairSubcommands: [Subcommand] = [
        Subcommand(
            name: "pair", aliases: [], usage: "kbe pair DATASET",
            summary: "make a data dataset travel with the boot environments (snapshotted in every checkpoint)",
            options: [],
            details: """
                Sets the user property org.kldload:paired=on on DATASET (a filesystem or volume of the BE's pool,
                outside the BE root, not containing it). Every checkpoint (kbe create, kupgrade, the package-manager
                hooks) then snapshots it in the same atomic zfs snapshot call, under the same name. kbe rollback and
                kbe activate of a checkpoint need --with-data or --without-data (or ask on a terminal).
                """,
            action: { i throws(UsageError) in
                try i.need(1...1)
                return .pair(i.arguments[0], on: true)
            }),
        Subcommand(
            name: "unpair", aliases: [], usage: "kbe unpair DATASET",
            summary: "stop snapshotting a paired dataset with the checkpoints",
            options: [],
            details: "zfs inherit org.kldload:paired DATASET. Its existing snapshots are kept.",
            action: { i throws(UsageError) in
                try i.need(1...1)
                return .pair(i.arguments[0], on: false)
            }),
    ]

    /// `--with-data` / `--without-data` (at most one).
    static func pairedDataChoice(_ p: ParsedOptions<KBEOption>) throws(UsageError) -> PairedData.Choice? {
        switch (p.has(.withData), p.has(.withoutData)) {
        case (true, true): throw UsageError("--with-data and --without-data cannot be combined")
        case (true, false): return .withData
        case (false, true): return .withoutData
        case (false, false): return nil
        }
    }
}
