import Foundation

/// `kupgrade`'s command line: argv → options, context (host or `--replay DIR`), run, print,
/// exit status. The executable only calls `KupgradeCommand.main`.
public enum KupgradeCommand {
    /// The option table (`KupgradeOption`), in `--help` order.
    package static let parser = OptionParser(KupgradeOption.allCases)

    public static var helpText: String {
        """
        usage: kupgrade [--dry-run] [--yes] [--json] [--allow-degraded] [--no-autoremove]
                        [--autoremove] [--keep N] [--log PATH] [--metrics-dir DIR] [--replay DIR]
                        [--new-be [NAME] [--release CODENAME|VERSION] [--trial | --no-trial]]

        Safe OS upgrade on a ZFS root: checks the pool, snapshots the boot environment
        (pre-upgrade-YYYYMMDD-HHMMSS), runs apt/dnf/pacman, verifies the ZFS modules of every
        kernel (rebuilding with DKMS, re-signing under Secure Boot) and prints the rollback command.

        options:
        \(parser.helpText())

        configuration: /etc/kldload/kupgrade.conf, `key = value` lines:
          keep = 10, autoremove = yes, allow_degraded = no, log = /var/log/kupgrade.log,
          arch_autoremove = no, textfile_dir = (none)   (command-line options win)

        exit status:
        \(ExitStatus.helpText)

        See Docs/KUPGRADE.md.
        """
    }

    /// Options from the config file (read through `files`) and then the command line.
    package static func options(arguments: [String], parsed: ParsedOptions<KupgradeOption>, files: any FileSystem) throws(UsageError)
        -> UpgradeOptions
    {
        var options = UpgradeOptions()
        // What ran on the system, for `org.kldload:command`: a replay's `--replay DIR` is not part
        // of it (and would make recordings depend on where the scenario lives), nor is `--json`,
        // which changes only how the report is printed, not what was done; so a run recorded as
        // `kupgrade` replays with `--json` too.
        let replay = KupgradeOption.replay.spec.names, json = KupgradeOption.json.spec.names
        var recorded: [String] = []
        var skipNext = false
        for arg in arguments {
            if skipNext { skipNext = false; continue }
            if replay.contains(arg) { skipNext = true; continue }
            if replay.contains(where: { arg.hasPrefix($0 + "=") }) || json.contains(arg) { continue }
            recorded.append(arg)
        }
        options.commandLine = ["kupgrade"] + recorded
        if let text = files.textIfPresent(UpgradeOptions.configPath) {
            do { try KupgradeConfig.parse(text).apply(to: &options) } catch {
                throw UsageError(error.description)
            }
        }
        if parsed.has(.newBE) {
            options.newBE = true
            if let name = parsed.positionals.first {
                do { try BENames.validate(name, as: "boot environment name (--new-be NAME)") } catch {
                    throw UsageError(error.message)
                }
                options.newBEName = name
            }
        }
        if let release = parsed.value(.release) {
            guard options.newBE else { throw UsageError("--release needs --new-be (a release upgrade is only done in a new boot environment)") }
            guard !release.isEmpty, release.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." }) else {
                throw UsageError("--release takes a codename or version such as trixie or 13, not '\(release)'")
            }
            options.release = release
        }
        options.dryRun = parsed.has(.dryRun)
        options.assumeYes = parsed.has(.yes)
        options.json = parsed.has(.json)
        if parsed.has(.allowDegraded) { options.allowDegraded = true }
        if parsed.has(.noAutoremove) {
            options.autoremove = false
            options.archAutoremove = false
        }
        if parsed.has(.autoremove) {
            if parsed.has(.noAutoremove) { throw UsageError("--autoremove and --no-autoremove contradict each other") }
            options.autoremove = true
            options.archAutoremove = true
        }
        if let keep = try parsed.integer(.keep) {
            guard keep >= 1 else { throw UsageError("--keep needs at least 1 (the newest checkpoint is always kept)") }
            options.keep = keep
        }
        if parsed.has(.trial) || parsed.has(.noTrial) {
            if parsed.has(.trial) && parsed.has(.noTrial) { throw UsageError("--trial and --no-trial contradict each other") }
            guard options.newBE else {
                throw UsageError(
                    "\(parsed.has(.trial) ? "--trial" : "--no-trial") needs --new-be: in place, kupgrade upgrades the running boot environment and the next boot is the same BE, so there is nothing to try; use kupgrade --new-be --trial (kbe activate --trial TARGET arms a trial of another BE)")
            }
            options.trial = parsed.has(.trial) ? .required : .never
        }
        if let dir = parsed.value(.metricsDirectory) {
            guard dir.hasPrefix("/") else { throw UsageError("--metrics-dir needs an absolute path, not '\(dir)'") }
            options.metricsDirectory = dir
        }
        if let log = parsed.value(.log) {
            guard log.hasPrefix("/") else { throw UsageError("--log needs an absolute path, not '\(log)'") }
            options.logPath = log
        }
        return options
    }

    /// Runs kupgrade; returns the exit status. `stdout`/`stderr` receive whole lines; by default
    /// they are the process's `ConsoleStream`s, which survive a closed reader (`kupgrade | head`):
    /// the run goes on, the log gets everything and notes the loss, and the exit status is the
    /// run's own (Docs/KUPGRADE.md, "Output").
    public static func main(
        _ arguments: [String],
        stdout rawStdout: @escaping @Sendable (String) -> Void = { ConsoleStream.standardOutput.writeLine($0) },
        stderr rawStderr: @escaping @Sendable (String) -> Void = { ConsoleStream.standardError.writeLine($0) }
    ) -> Int32 {
        // Human output carries outside text (package-manager lines, names from zfs): control
        // characters are made visible, never sent to the terminal (`TerminalText`). The JSON
        // report is printed through `rawStdout`: JSONEncoder escapes what JSON requires.
        let stdout: @Sendable (String) -> Void = { rawStdout(TerminalText.sanitized($0)) }
        let stderr: @Sendable (String) -> Void = { rawStderr(TerminalText.sanitized($0)) }
        let parsed: ParsedOptions<KupgradeOption>
        do { parsed = try parser.parse(arguments) } catch {
            stderr("kupgrade: error: \(error.message)")
            stderr("try 'kupgrade --help'")
            return ExitStatus.usage.rawValue
        }
        if parsed.has(.help) {
            stdout(helpText)
            return 0
        }
        if parsed.has(.version) {
            stdout("kupgrade \(KldloadVersion.current)")
            return 0
        }
        if let extra = parsed.positionals.dropFirst(parsed.has(.newBE) ? 1 : 0).first {
            stderr("kupgrade: error: unexpected argument '\(extra)'")
            stderr("try 'kupgrade --help'")
            return ExitStatus.usage.rawValue
        }

        let context: SystemContext
        if let dir = parsed.value(.replay) {
            do { context = try SystemContext.replay(scenario: dir) } catch {
                stderr("kupgrade: error: \(error)")
                stderr("a scenario is a directory with commands/NNN/{argv,stdout,stderr,status}, root/ and scenario.conf (Docs/REPLAY.md)")
                return ExitStatus.usage.rawValue
            }
        } else {
            context = SystemContext.host()
        }

        var options: UpgradeOptions
        do { options = try Self.options(arguments: arguments, parsed: parsed, files: context.files) } catch {
            stderr("kupgrade: error: \(error.message)")
            stderr("try 'kupgrade --help'")
            return ExitStatus.usage.rawValue
        }
        options.timeZone = context.timeZone

        let human: @Sendable (String) -> Void = options.json ? stderr : stdout
        let upgrader = Upgrader(
            context: context, options: options, locks: context.locks,
            progress: human,
            output: { _, line in human(line) },
            confirm: { question in
                ConsoleStream.standardError.write(TerminalText.sanitized(question))
                guard let answer = readLine(strippingNewline: true)?.lowercased() else { return false }
                return answer == "y" || answer == "yes"
            })
        // On the host, SIGINT/SIGTERM are caught for the whole run (not only while a child
        // runs): they are forwarded to the package manager and recorded, and the Upgrader stops
        // at its next safe point instead of the process dying between two steps.
        let isHost = parsed.value(.replay) == nil
        let report = isHost ? SignalForwarder.shared.catchingInterrupts { upgrader.run() } : upgrader.run()
        if options.json { rawStdout(report.json()) }
        return report.exitCode
    }
}
