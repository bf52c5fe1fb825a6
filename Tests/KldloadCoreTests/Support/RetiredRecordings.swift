import Foundation

@testable import KldloadCore

/// Commands that recorded runs hold but kldload no longer runs. A recorded scenario stays
/// verbatim (what the real program ran then; fixtures are never edited), so the recording stays
/// too; the replay tests expect it unused, and only these (Docs/REPLAY.md, "Retired recordings").
enum RetiredRecordings {
    struct Retired {
        /// The argv of the recording, the dataset (last argument) aside.
        let argvBeforeDataset: [String]
        let why: String
    }

    static let all: [Retired] = [
        Retired(
            argvBeforeDataset: ["zfs", "list", "-H", "-o", "name", "-t", "snapshot", "-d", "1"],
            why: "kupgrade's retention listed the package-database dataset's snapshots and did not use the answer; "
                + "kbe's destroy plan, which retention runs, reads them in its own listing"),
    ]

    static func isRetired(_ argv: [String]) -> Bool {
        all.contains { argv.count == $0.argvBeforeDataset.count + 1 && argv.dropLast().elementsEqual($0.argvBeforeDataset) }
    }
}

extension ReplayRunner {
    /// The recordings a run of today's code uses: all but the retired ones, in order.
    var recordingsInUse: [Recording] { recordings.filter { !RetiredRecordings.isRetired($0.argv) } }

    /// Recordings nothing asked for, the retired ones aside.
    var unusedRecordingsInUse: [Recording] { unusedRecordings.filter { !RetiredRecordings.isRetired($0.argv) } }
}
