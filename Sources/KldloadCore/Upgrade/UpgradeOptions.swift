import Foundation

/// Everything that decides how one kupgrade run behaves. Built from the defaults, then
/// `/etc/kldload/kupgrade.conf`, then the command line (each later source wins).
public struct UpgradeOptions: Sendable, Hashable {
    /// Plan only: refresh metadata, simulate, report; no snapshot, no transaction.
    public var dryRun = false
    /// Do not ask before upgrading (only ever asked on a terminal).
    public var assumeYes = false
    /// Machine-readable report on stdout, human output on stderr.
    public var json = false
    /// Proceed on a DEGRADED pool (never on FAULTED, SUSPENDED or UNAVAIL).
    public var allowDegraded = false
    /// Run `apt-get autoremove -y` / `dnf autoremove -y` after the upgrade.
    public var autoremove = true
    /// Remove orphans on Arch too (`pacman -Qdtq`, then `pacman -Rns --noconfirm …`).
    public var archAutoremove = false
    /// Pre-upgrade checkpoints kept by retention (the newest N made by kupgrade).
    public var keep = 10
    /// Where the timestamped run log is appended.
    public var logPath = UpgradeOptions.defaultLogPath
    /// node_exporter textfile directory for `kldload_kupgrade.prom` (`UpgradeMetrics`); nil: none.
    public var metricsDirectory: String?
    /// Time zone of the snapshot name and the log timestamps (local time, like `date`).
    public var timeZone: TimeZone = .current
    /// `--new-be`: upgrade a clone of the running BE and boot it next (out of place); the
    /// running BE does not change.
    public var newBE = false
    /// The new BE's name (`--new-be NAME`); nil: `upgrade-YYYYMMDD-HHMMSS` in `timeZone`.
    public var newBEName: String?
    /// `--release CODENAME|VERSION` (with `--new-be` only): a release upgrade in the new BE.
    public var release: String?
    /// The command line as typed, recorded on the checkpoint (`org.kldload:command`).
    public var commandLine: [String] = ["kupgrade"]
    /// How `--new-be` makes the new boot environment boot next (Docs/DESIGN.md decision 20).
    public var trial: TrialChoice = .whenPossible

    /// A trial boot (`BootEnvironmentManager.activateTrial`, Docs/TRIAL.md) or an ordinary
    /// activation, for a run that makes a different boot environment boot next.
    public enum TrialChoice: String, Sendable, Hashable, Codable {
        /// The default: a trial where this machine can do one (UEFI, efivarfs writable), the
        /// ordinary activation (bootfs) otherwise, and the summary says which.
        case whenPossible = "when-possible"
        /// `--trial`: a trial or nothing; the new BE is not activated when a trial cannot be armed.
        case required
        /// `--no-trial`: the ordinary activation.
        case never
    }

    public static let defaultLogPath = "/var/log/kupgrade.log"
    public static let configPath = "/etc/kldload/kupgrade.conf"

    public init() {}
}

/// The values `/etc/kldload/kupgrade.conf` may set. Absent keys leave the default.
public struct KupgradeConfig: Sendable, Hashable {
    public var keep: Int?
    public var autoremove: Bool?
    public var allowDegraded: Bool?
    public var log: String?
    public var archAutoremove: Bool?
    public var textfileDir: String?

    public init() {}

    public static let keys = ["keep", "autoremove", "allow_degraded", "log", "arch_autoremove", "textfile_dir"]

    /// `key = value` lines; `#` starts a comment line; blank lines are ignored; values may be
    /// wrapped in double or single quotes. Booleans: yes/no, true/false, on/off, 1/0.
    /// Unknown keys and malformed lines are errors naming the line (a typo in a safety setting
    /// must not be silently ignored).
    public static func parse(_ text: String, source: String = UpgradeOptions.configPath) throws(ParseError)
        -> KupgradeConfig
    {
        var config = KupgradeConfig()
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw ParseError(source: source, line: number, text: String(rawLine), reason: "expected 'key = value'")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            func bool() throws(ParseError) -> Bool {
                switch value.lowercased() {
                case "yes", "true", "on", "1": return true
                case "no", "false", "off", "0": return false
                default:
                    throw ParseError(source: source, line: number, text: String(rawLine),
                                     reason: "\(key) must be yes or no, not '\(value)'")
                }
            }
            switch key {
            case "keep":
                guard let n = Int(value), n >= 1, n <= 100_000 else {
                    throw ParseError(source: source, line: number, text: String(rawLine),
                                     reason: "keep must be a whole number from 1 to 100000")
                }
                config.keep = n
            case "autoremove": config.autoremove = try bool()
            case "allow_degraded": config.allowDegraded = try bool()
            case "arch_autoremove": config.archAutoremove = try bool()
            case "log":
                guard value.hasPrefix("/") else {
                    throw ParseError(source: source, line: number, text: String(rawLine), reason: "log must be an absolute path")
                }
                config.log = value
            case "textfile_dir":
                guard value.hasPrefix("/") else {
                    throw ParseError(source: source, line: number, text: String(rawLine), reason: "textfile_dir must be an absolute path")
                }
                config.textfileDir = value
            default:
                throw ParseError(source: source, line: number, text: String(rawLine),
                                 reason: "unknown key '\(key)' (known: \(keys.joined(separator: ", ")))")
            }
        }
        return config
    }

    /// Applies the config on top of `options` (command-line values are applied afterwards).
    public func apply(to options: inout UpgradeOptions) {
        if let keep { options.keep = keep }
        if let autoremove { options.autoremove = autoremove }
        if let allowDegraded { options.allowDegraded = allowDegraded }
        if let log { options.logPath = log }
        if let archAutoremove { options.archAutoremove = archAutoremove }
        if let textfileDir { options.metricsDirectory = textfileDir }
    }
}
