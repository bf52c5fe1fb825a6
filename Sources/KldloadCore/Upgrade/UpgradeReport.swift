import Foundation

/// The whole run as data: what `--json` prints on stdout (schema in Docs/KUPGRADE.md,
/// `"version": 1`; fields are only ever added). Also what the summary is printed from.
public struct UpgradeReport: Sendable, Hashable, Codable {
    public struct Distro: Sendable, Hashable, Codable {
        public var id: String
        public var idLike: [String]
        public var versionID: String?
        public var prettyName: String
    }

    public struct Pool: Sendable, Hashable, Codable {
        public var name: String
        public var health: String
        public var freeBytes: UInt64?
        public var resilvering: Bool
    }

    public struct Checkpoint: Sendable, Hashable, Codable {
        /// `pre-upgrade-20260325-091530`: what `kbe activate` takes.
        public var name: String
        /// Every snapshot taken in the one atomic `zfs snapshot` (the BE first).
        public var snapshots: [String]
    }

    public struct Step: Sendable, Hashable, Codable {
        public var argv: [String]
        /// `exit 0`, `exit 100`, `signal 9`; nil when it could not start.
        public var status: String?
        public var failed: Bool
        public var error: String?
        /// The command as the summary shows it (Command's own quoting).
        public var commandText: String { Command(argv).description }
    }

    public struct Refusal: Sendable, Hashable, Codable {
        public var reason: String
        public var message: String
        public var hint: String
    }

    public struct Retention: Sendable, Hashable, Codable {
        public var keep: Int
        public var destroyed: [String]
        /// Old kupgrade checkpoints kept although beyond `keep`, with why (clones).
        public var spared: [String]
        public var error: String?
    }

    /// `kupgrade --new-be`: the boot environment that was upgraded instead of the running one.
    public struct NewBootEnvironment: Sendable, Hashable, Codable {
        public var name: String
        public var dataset: String
        /// Where it was mounted during the run (`/run/kbe/NAME`); unmounted at the end.
        public var mountpoint: String?
        /// `in-progress`, `done`, `failed`, `interrupted` (also `org.kldload:new-be` on the BE).
        public var state: String
        /// It boots next: the pool's bootfs, or (`trial`) the next boot only, through BootNext.
        public var activated: Bool
        /// Activated as a trial (Docs/TRIAL.md): bootfs is still the running BE until the new BE
        /// boots healthy and confirms itself.
        public var trial: Bool = false
        /// Why an ordinary activation was used instead of a trial (the default `--new-be`).
        public var trialNotPossible: String?
        /// The armed trial as kbe reported it (target, fallback, boot entry, BootNext).
        public var trialInfo: TrialInfo?
        /// Removed again (nothing to upgrade, or planning failed before any package changed).
        public var destroyed: Bool
        /// Mounts that could not be unmounted (the run says how to unmount them).
        public var stillMounted: [String]
    }

    /// A boot environment an interrupted `kupgrade --new-be` left, found and handled by this run.
    public struct Leftover: Sendable, Hashable, Codable {
        public var dataset: String
        public var unmounted: [String]
        public var action: String
    }

    public var version = 1
    public var tool = "kupgrade \(KldloadVersion.current)"
    /// `success`, `success-with-warnings`, `refused`, `transaction-failed`, `critical-module-failure`,
    /// `interrupted`.
    public var result: String = ExitStatus.success.description
    public var exitCode: Int32 = 0
    public var dryRun = false
    /// Nothing to upgrade: no snapshot was taken.
    public var nothingToDo = false
    public var startedAt: String = ""
    public var distro: Distro?
    public var packageManager: String?
    public var bootEnvironment: String?
    /// The dataset holding the package database when it is not inside the BE (snapshotted with it).
    public var packageDatabaseDataset: String?
    public var pool: Pool?
    public var plan: UpgradePlan?
    public var requiredBytes: UInt64?
    public var checkpoint: Checkpoint?
    /// The transaction's packages: the checkpoint's package database against the result's,
    /// by kbe diff's code (absent when either database could not be read, or nothing ran).
    public var packages: PackageDiff?
    public var transaction: [Step] = []
    public var transactionFailed = false
    public var autoremove: [Step] = []
    public var autoremoveSkipped: String?
    public var modules: ModuleVerification?
    public var signing: SigningReport?
    public var retention: Retention?
    public var refusal: Refusal?
    /// `SIGINT` or `SIGTERM` when the run was interrupted and stopped at a safe point.
    public var interrupted: String?
    public var warnings: [String] = []
    /// `kbe activate pre-upgrade-… && reboot` once a checkpoint exists; `kbe rollback …` when the
    /// package database is on a dataset outside the BE (Docs/DESIGN.md decision 3).
    public var rollbackCommand: String?
    public var rebootRequired = false
    /// Why a reboot is required (`RebootRequirement`): new kernels, `/run/reboot-required`, core packages.
    public var rebootReasons: [String] = []
    public var logPath: String?
    public var newBootEnvironment: NewBootEnvironment?
    /// `--release`: from which release to which, the apt sources files rewritten in the new BE,
    /// and the boot environments a `zpool upgrade` would strand (kupgrade never runs it).
    public struct Release: Sendable, Hashable, Codable {
        public var from: String
        public var to: String
        public var rewrittenSources: [String]
        public var strandedByPoolUpgrade: [String]
    }
    public var release: Release?
    public var leftovers: [Leftover] = []

    public init() {}

    public var exitStatus: ExitStatus { ExitStatus(rawValue: exitCode) ?? .refused }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{\"version\": 1, \"result\": \"internal-error\"}" }
        return String(decoding: data, as: UTF8.self)
    }
}
