import Foundation

/// Wording kupgrade changed after runs were recorded. A recorded run's `live/` output stays
/// verbatim (it is what the real program printed then); a test that compares a replay with it
/// applies these renames first, so the comparison still covers every other byte.
enum OutputRenames {
    /// (printed when recorded, printed now), each a whole phrase.
    static let kupgrade: [(old: String, new: String)] = [
        // The snapshot kupgrade takes is a checkpoint, as kbe calls it (Docs/DESIGN.md, "Checkpoints live in one place").
        ("[kupgrade] creating boot environment: ", "[kupgrade] taking checkpoint: "),
        ("[kupgrade] snapshot: ", "[kupgrade] checkpoint taken: "),
        ("  boot env: ", "  checkpoint: "),
    ]

    /// `live` as kupgrade prints it now.
    static func kupgradeNow(_ live: String) -> String {
        kupgrade.reduce(live) { $0.replacingOccurrences(of: $1.old, with: $1.new) }
    }
}
