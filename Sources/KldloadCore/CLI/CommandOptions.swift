/// The options of `kbe` and of `kupgrade`, side by side: each option is one case, declared once
/// with its names, whether it takes a value, and its help (`OptionKey`). Lookups go through the
/// case (`p.has(.dryRun)`), so a misspelt option is a compile error; `--help`, the man-page and
/// completion tests (`DistTests`) read the same declarations.
///
/// The options both tools have (`--help`/`-h`, `--version`, `--dry-run`/`-n`, `--yes`/`-y`,
/// `--json`, `--replay DIR`) are spelt the same in both (kupgrade also takes `-V`); their help
/// texts differ where the tools do (kupgrade's `--json` sends the human output to stderr).

/// `kbe`'s options: the global ones (`KBECommand.globalOptions`) and each subcommand's
/// (`KBECommand.Subcommand.options`).
package enum KBEOption: OptionKey {
    // Global.
    case help, version, dryRun, json, yes, pool, beRoot, replay
    // Subcommands.
    case allowSplitPackageDatabase, snapshots, scripted, parsable, be, source, description
    case trial, cancelTrial, withData, withoutData, health, timeout, keepOrigin, readOnly, files
    case origin, minInterval, keep, quiet, strict

    package var spec: OptionSpec {
        switch self {
        case .help: .flag("-h", "--help", help: "show help (kbe COMMAND --help for one command)")
        case .version: .flag("--version", help: "print the version and exit")
        case .dryRun: .flag("-n", "--dry-run", help: "print the exact commands that would run; change nothing")
        case .json: .flag("--json", help: "print the result as a JSON object (\"version\": 1)")
        case .yes: .flag("-y", "--yes", help: "confirm destructive commands without asking (for scripts)")
        case .pool: .value("--pool", metavar: "POOL", help: "the pool (default: the pool of the dataset mounted at /)")
        case .beRoot: .value("--be-root", metavar: "DATASET", help: "the BE root (default: the parent of the running BE)")
        case .replay: .value("--replay", metavar: "DIR", help: "answer from a recorded scenario instead of the system")

        case .allowSplitPackageDatabase:
            .flag("--allow-split-pkgdb", help: "proceed although the package database lives outside the BE (see kbe help)")
        case .snapshots: .flag("-s", "--snapshots", help: "list each BE's checkpoints under it")
        case .scripted: .flag("-H", help: "scripted mode: no header, fields separated by one tab")
        case .parsable: .flag("-p", help: "exact numbers: SPACE in bytes, CREATED in seconds since 1970")
        case .be: .flag("--be", help: "create a boot environment instead of a checkpoint")
        case .source:
            .value("-e", "--source", metavar: "SOURCE", help: "BE or checkpoint to start from (default: the running BE)")
        case .description: .value("-d", "--description", metavar: "TEXT", help: "store a description")
        case .trial:
            .flag("--trial", help: "boot TARGET once (UEFI BootNext); a failed boot falls back to the default")
        case .cancelTrial:
            .flag("--cancel-trial", help: "cancel the pending trial (BootNext, the trial entry, the record)")
        case .withData:
            .flag("--with-data", help: "paired datasets go back to the checkpoint too (rollback) or are cloned beside it (activate)")
        case .withoutData:
            .flag("--without-data", help: "leave the paired datasets as they are (a warning names them)")
        case .health:
            .flag("--health", help: "check this boot (root is a BE, pool ONLINE, zfs loaded); non-zero if not")
        case .timeout: .flag("--timeout", help: "reboot if this is a trial boot that is still not confirmed")
        case .keepOrigin: .flag("-o", "--keep-origin", help: "keep the BE's origin checkpoint")
        case .readOnly: .flag("-r", "--read-only", help: "mount read-only")
        case .files: .flag("--files", help: "also list the changed files (zfs diff; A must be a checkpoint)")

        case .origin:
            .value("--origin", metavar: "NAME", help: "who calls: apt, dnf or pacman (property org.kldload:origin=NAME-hook)")
        case .minInterval:
            .value("--min-interval", metavar: "MINUTES",
                   help: "no checkpoint if this origin's (or kupgrade's) newest is younger (default 10; 0: always)")
        case .keep: .value("--keep", metavar: "N", help: "keep the newest N checkpoints of this origin (default 10)")
        case .quiet: .flag("-q", "--quiet", help: "print nothing but warnings")
        case .strict: .flag("--strict", help: "fail with kbe's exit status instead of always exiting 0")
        }
    }
}

/// `kupgrade`'s options, in the order `kupgrade --help` lists them.
package enum KupgradeOption: OptionKey {
    case dryRun, yes, json, allowDegraded, noAutoremove, autoremove, trial, noTrial, newBE, release, keep, log
    case metricsDirectory, replay, help, version

    package var spec: OptionSpec {
        switch self {
        case .dryRun: .flag("-n", "--dry-run", help: "plan only: refresh, simulate, report; change nothing")
        case .yes: .flag("-y", "--yes", help: "do not ask before upgrading (kupgrade only asks on a terminal)")
        case .json: .flag("--json", help: "print the report as JSON on stdout (human output goes to stderr)")
        case .allowDegraded:
            .flag("--allow-degraded", help: "upgrade even if the pool is DEGRADED (never FAULTED/SUSPENDED/UNAVAIL)")
        case .noAutoremove: .flag("--no-autoremove", help: "do not remove orphaned packages afterwards")
        case .autoremove: .flag("--autoremove", help: "also remove orphans on Arch (pacman -Qdtq, pacman -Rns)")
        case .trial:
            .flag("--trial", help: "with --new-be: boot the new boot environment once, falling back by itself; not activated if the machine cannot (the default tries a trial and falls back to bootfs)")
        case .noTrial:
            .flag("--no-trial", help: "with --new-be: make the new boot environment the default (bootfs) at once, without a trial")
        case .newBE:
            .flag("--new-be", help: "upgrade a clone of the running boot environment (NAME, default upgrade-YYYYMMDD-HHMMSS) and boot it next; the running one does not change")
        case .release:
            .value("--release", metavar: "CODENAME|VERSION", help: "with --new-be: upgrade the new boot environment to this release (Debian codename or version, Fedora version, EL minor)")
        case .keep: .value("--keep", metavar: "N", help: "keep the newest N pre-upgrade checkpoints (default 10)")
        case .log: .value("--log", metavar: "PATH", help: "append the run log here (default /var/log/kupgrade.log)")
        case .metricsDirectory:
            .value("--metrics-dir", metavar: "DIR", help: "write kldload_kupgrade.prom here for node_exporter's textfile collector")
        case .replay: .value("--replay", metavar: "DIR", help: "replay a recorded scenario instead of touching this machine")
        case .help: .flag("-h", "--help", help: "show this help")
        case .version: .flag("-V", "--version", help: "show the version")
        }
    }
}
