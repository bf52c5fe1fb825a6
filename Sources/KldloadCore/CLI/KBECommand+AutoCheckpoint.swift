/// `kbe auto-checkpoint`: the row of kbe's command table that the package-manager hooks call
/// (the checkpoint itself is `AutoCheckpoint`).
extension KBECommand {
    static let autoCheckpointSubcommand = Subcommand(
        name: "auto-checkpoint", aliases: [],
        usage: "kbe auto-checkpoint --origin apt|dnf|pacman [--min-interval MINUTES] [--keep N] [--quiet] [--strict]",
        summary: "checkpoint taken by a package-manager hook (rate-limited, retention per origin)",
        options: [.origin, .minInterval, .keep, .quiet, .strict],
        details: """
            Meant for the apt, dnf and pacman hooks installed with kbe. Takes auto-ORIGIN-YYYYMMDD-HHMMSS of the
            running BE (with its children and a split package database, like kbe create), unless a checkpoint of
            this origin or a kupgrade checkpoint is younger than --min-interval. Then destroys this origin's
            checkpoints beyond the newest --keep (never one with clones, never one without the origin property).
            Exits 0 even when it fails (a warning on stderr), so the package transaction always goes on;
            --strict exits with kbe's status.
            """,
        action: { i throws(UsageError) in
            try i.need(0...0)
            return try autoCheckpointAction(i.options)
        })

    /// The action of `kbe auto-checkpoint …` from its parsed options.
    static func autoCheckpointAction(_ p: ParsedOptions<KBEOption>) throws(UsageError) -> KBEInvocation.Action {
        guard let origin = p.value(.origin) else {
            throw UsageError("auto-checkpoint needs --origin (apt, dnf or pacman)")
        }
        func number(_ key: KBEOption, default value: Int, minimum: Int) throws(UsageError) -> Int {
            guard let text = p.value(key) else { return value }
            guard let n = Int(text), n >= minimum, n <= 1_000_000 else {
                throw UsageError("\(key.spec.displayName) needs a whole number from \(minimum) to 1000000, not '\(text)'")
            }
            return n
        }
        let options = AutoCheckpoint.Options(
            origin: origin, minInterval: try number(.minInterval, default: 10, minimum: 0),
            keep: try number(.keep, default: 10, minimum: 1), quiet: p.has(.quiet))
        return .autoCheckpoint(options, strict: p.has(.strict))
    }
}
