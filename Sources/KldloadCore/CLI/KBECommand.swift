import Foundation

/// `kbe` argv → a `KBEInvocation` value, help text per subcommand, and running an invocation
/// against a `SystemContext`. The executable only builds the context and prints.
public struct KBEInvocation: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        case help(String?)
        case version
        case list(checkpoints: Bool, scripted: Bool, exact: Bool)
        case createCheckpoint(name: String, source: String?, description: String?)
        case createEnvironment(name: String, source: String?, description: String?)
        case activate(String)
        /// `activate --trial TARGET`: the next boot only (Docs/TRIAL.md).
        case activateTrial(String)
        /// `activate --cancel-trial`.
        case cancelTrial
        /// `confirm`: keep the running trial.
        case confirm
        /// `trial-check [--health|--timeout]`: what the systemd units run at boot.
        case trialCheck(TrialCheckMode)
        case rollback(String)
        case destroy(String, keepOrigin: Bool)
        case rename(String, String)
        case mount(String, directory: String?, readOnly: Bool)
        case umount(String)
        case describe(String, String)
        case diff(String, String?, files: Bool)
        case movePackageDatabase
        case autoCheckpoint(AutoCheckpoint.Options, strict: Bool)
        case pair(String, on: Bool)
    }

    public var action: Action
    public var options: KBEOptions
    public var json: Bool
    public var replay: String?

    public init(action: Action, options: KBEOptions = KBEOptions(), json: Bool = false, replay: String? = nil) {
        self.action = action
        self.options = options
        self.json = json
        self.replay = replay
    }

    public var commandName: String {
        switch action {
        case .help: return "help"
        case .version: return "version"
        case .list: return "list"
        case .createCheckpoint, .createEnvironment: return "create"
        case .activate, .activateTrial, .cancelTrial: return "activate"
        case .confirm: return "confirm"
        case .trialCheck: return "trial-check"
        case .rollback: return "rollback"
        case .destroy: return "destroy"
        case .rename: return "rename"
        case .mount: return "mount"
        case .umount: return "umount"
        case .describe: return "describe"
        case .diff: return "diff"
        case .movePackageDatabase: return "move-pkgdb"
        case .autoCheckpoint: return "auto-checkpoint"
        case .pair(_, let on): return on ? "pair" : "unpair"
        }
    }

    /// Commands that make, destroy or move checkpoints or boot environments (kbe rewrites the
    /// checkpoint metrics after them, `CheckpointMetrics`). auto-checkpoint does it itself.
    public var changesCheckpoints: Bool {
        switch action {
        case .createCheckpoint, .createEnvironment, .activate, .activateTrial, .rollback, .destroy, .rename, .movePackageDatabase:
            return true
        case .help, .version, .list, .mount, .umount, .describe, .diff, .autoCheckpoint, .confirm, .cancelTrial, .trialCheck, .pair:
            return false
        }
    }

    /// Parses `kbe [global options] COMMAND [options] [arguments]` (options may also follow
    /// the command and its arguments).
    public static func parse(_ arguments: [String]) throws(UsageError) -> KBEInvocation {
        // Find the subcommand: the first word that is not an option or a global option's value.
        let valueOptions = Set(KBECommand.globalSpecs.filter { if case .value = $0.kind { return true } else { return false } }
            .flatMap(\.names))
        var subIndex: Int? = nil
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" { break }
            if valueOptions.contains(a) {
                i += 2
                continue
            }
            if !a.hasPrefix("-") || a == "-" {
                subIndex = i
                break
            }
            i += 1
        }
        var rest = arguments
        var sub: KBECommand.Subcommand? = nil
        if let subIndex {
            let word = arguments[subIndex]
            guard let found = KBECommand.subcommand(named: word) else {
                throw UsageError("unknown command '\(word)' (commands: \(KBECommand.subcommands.map(\.name).joined(separator: ", ")))")
            }
            sub = found
            rest.remove(at: subIndex)
        }
        let parser = OptionParser(KBECommand.globalSpecs + (sub?.specs ?? []))
        let p = try parser.parse(rest)
        var options = KBEOptions(
            pool: p.value("pool"), beRoot: p.value("be-root"), dryRun: p.has("dry-run"), assumeYes: p.has("yes"),
            allowSplitPackageDatabase: p.has("allow-split-pkgdb"))
        if options.pool?.isEmpty == true { options.pool = nil }
        options.pairedData = try KBECommand.pairedDataChoice(p)
        var inv = KBEInvocation(action: .version, options: options, json: p.has("json"), replay: p.value("replay"))
        if p.has("help") {
            inv.action = .help(sub?.name)
            return inv
        }
        if p.has("version") {
            inv.action = .version
            return inv
        }
        guard let sub else {
            if !p.positionals.isEmpty { throw UsageError("unknown command '\(p.positionals[0])'") }
            throw UsageError("missing command")
        }
        let args = p.positionals
        func need(_ n: ClosedRange<Int>) throws(UsageError) {
            if !n.contains(args.count) {
                throw UsageError("usage: \(sub.usage)")
            }
        }
        switch sub.name {
        case "help":
            try need(0...1)
            if let topic = args.first, KBECommand.subcommand(named: topic) == nil {
                throw UsageError("no help for unknown command '\(topic)'")
            }
            inv.action = .help(args.first.flatMap { KBECommand.subcommand(named: $0)?.name })
        case "list":
            try need(0...0)
            if p.has("scripted") && inv.json { throw UsageError("-H and --json cannot be combined") }
            inv.action = .list(checkpoints: p.has("snapshots"), scripted: p.has("scripted"), exact: p.has("parsable"))
        case "create":
            try need(1...1)
            if p.has("be") {
                inv.action = .createEnvironment(name: args[0], source: p.value("source"), description: p.value("description"))
            } else {
                inv.action = .createCheckpoint(name: args[0], source: p.value("source"), description: p.value("description"))
            }
        case "activate":
            if p.has("cancel-trial") {
                if p.has("trial") { throw UsageError("--trial and --cancel-trial cannot be combined") }
                if !args.isEmpty { throw UsageError("--cancel-trial takes no target (it cancels the pending trial)") }
                inv.action = .cancelTrial
            } else {
                try need(1...1)
                inv.action = p.has("trial") ? .activateTrial(args[0]) : .activate(args[0])
            }
        case "confirm":
            try need(0...0)
            inv.action = .confirm
        case "trial-check":
            try need(0...0)
            if p.has("health") && p.has("timeout") { throw UsageError("--health and --timeout cannot be combined") }
            inv.action = .trialCheck(p.has("health") ? .health : p.has("timeout") ? .timeout : .settle)
        case "rollback":
            try need(1...1)
            inv.action = .rollback(args[0])
        case "destroy":
            try need(1...1)
            inv.action = .destroy(args[0], keepOrigin: p.has("keep-origin"))
        case "rename":
            try need(2...2)
            inv.action = .rename(args[0], args[1])
        case "mount":
            try need(1...2)
            inv.action = .mount(args[0], directory: args.count > 1 ? args[1] : nil, readOnly: p.has("read-only"))
        case "umount":
            try need(1...1)
            inv.action = .umount(args[0])
        case "describe":
            try need(2...2)
            inv.action = .describe(args[0], args[1])
        case "diff":
            try need(1...2)
            inv.action = .diff(args[0], args.count > 1 ? args[1] : nil, files: p.has("files"))
        case "move-pkgdb":
            try need(0...0)
            inv.action = .movePackageDatabase
        case "auto-checkpoint":
            try need(0...0)
            inv.action = try AutoCheckpoint.parsedAction(p)
        case "pair", "unpair":
            try need(1...1)
            inv.action = .pair(args[0], on: sub.name == "pair")
        default:
            throw UsageError("unknown command '\(sub.name)'")
        }
        return inv
    }
}

public enum KBECommand {
    /// The whole `kbe` program: parse argv (without argv[0]), build the `SystemContext`
    /// (`--replay DIR` or the host), run, write stdout/stderr, return the exit status.
    /// The executables (`kbe`, and the multi-call `kldload`) only call this.
    public static func main(_ arguments: [String]) -> Int32 {
        // JSON is printed as encoded (JSON escapes control characters itself); human output
        // has them made visible (`TerminalText`): descriptions and names are outside text.
        var json = arguments.contains("--json")  // until the invocation is parsed
        func emit(_ result: Result) -> Int32 {
            // ConsoleStream, not FileHandle: `kbe list | head` must not trap. The exit status
            // stays the command's own when a reader went away.
            ConsoleStream.standardOutput.write(json ? result.stdout : TerminalText.sanitized(result.stdout))
            ConsoleStream.standardError.write(TerminalText.sanitized(result.stderr))
            return result.exitCode
        }
        let invocation: KBEInvocation
        do {
            invocation = try KBEInvocation.parse(arguments)
        } catch {
            return emit(usageFailure(error, arguments: arguments))
        }
        json = invocation.json
        let context: SystemContext
        if let scenario = invocation.replay {
            do {
                context = try SystemContext.replay(scenario: scenario)
            } catch {
                return emit(.init(stdout: "", stderr: "kbe: error: \(error)\nhint: --replay needs a scenario directory (Docs/REPLAY.md)\n", exitCode: 2))
            }
        } else {
            context = SystemContext.host()
        }
        let ask: @Sendable (String) -> String? = { prompt in
            ConsoleStream.standardError.write(TerminalText.sanitized(prompt))
            return readLine(strippingNewline: true)
        }
        let progress: ProgressSink = { line in ConsoleStream.standardError.writeLine(TerminalText.sanitized(line)) }
        return emit(run(invocation, context: context, ask: ask, progress: progress))
    }

    package struct Subcommand: Sendable {
        public var name: String
        public var aliases: [String]
        public var usage: String
        public var summary: String
        public var specs: [OptionSpec]
        public var details: String
    }

    package static let globalSpecs: [OptionSpec] = [
        .flag("help", "-h", "--help", help: "show help (kbe COMMAND --help for one command)"),
        .flag("version", "--version", help: "print the version and exit"),
        .flag("dry-run", "-n", "--dry-run", help: "print the exact commands that would run; change nothing"),
        .flag("json", "--json", help: "print the result as a JSON object (\"version\": 1)"),
        .flag("yes", "-y", "--yes", help: "confirm destructive commands without asking (for scripts)"),
        .value("pool", "--pool", metavar: "POOL", help: "the pool (default: the pool of the dataset mounted at /)"),
        .value("be-root", "--be-root", metavar: "DATASET", help: "the BE root (default: the parent of the running BE)"),
        .value("replay", "--replay", metavar: "DIR", help: "answer from a recorded scenario instead of the system"),
    ]

    static let splitFlag = OptionSpec.flag(
        "allow-split-pkgdb", "--allow-split-pkgdb",
        help: "proceed although the package database lives outside the BE (see kbe help)")

    package static let subcommands: [Subcommand] = [
        Subcommand(
            name: "list", aliases: ["ls"], usage: "kbe list [-s] [-H] [-p] [--json]",
            summary: "list boot environments (-s: with their checkpoints)",
            specs: [
                .flag("snapshots", "-s", "--snapshots", help: "list each BE's checkpoints under it"),
                .flag("scripted", "-H", help: "scripted mode: no header, fields separated by one tab"),
                .flag("parsable", "-p", help: "exact numbers: SPACE in bytes, CREATED in seconds since 1970"),
            ],
            details: """
                ACTIVE: N = mounted at / now, R = the pool's bootfs (boots next), NR = both.
                SPACE: the BE's used space plus, for a BE cloned from a checkpoint, that checkpoint's
                used space (as bectl counts it). Makes two calls: zpool get bootfs and one zfs list.
                """),
        Subcommand(
            name: "create", aliases: [],
            usage: "kbe create NAME [-e BE] [-d TEXT] | kbe create --be NAME [-e SOURCE] [-d TEXT]",
            summary: "take a checkpoint, or (--be) create a boot environment",
            specs: [
                .flag("be", "--be", help: "create a boot environment instead of a checkpoint"),
                .value("source", "-e", "--source", metavar: "SOURCE", help: "BE or checkpoint to start from (default: the running BE)"),
                .value("description", "-d", "--description", metavar: "TEXT", help: "store a description"),
            ],
            details: """
                kbe create NAME snapshots the running BE, its child datasets and a package-database dataset
                outside the BE in one atomic zfs snapshot call, all named NAME.
                kbe create --be NAME clones SOURCE (a BE: snapshotted first as BE@kbe-NAME; or a checkpoint)
                into POOL/ROOT/NAME with canmount=noauto, mountpoint=/ and the source's local
                org.zfsbootmenu:* properties. It does not activate it.
                """),
        Subcommand(
            name: "activate", aliases: [],
            usage: "kbe activate [--trial] BE|BE@CHECKPOINT|CHECKPOINT [--allow-split-pkgdb] [--with-data|--without-data] | kbe activate --cancel-trial",
            summary: "choose what boots next (a checkpoint is cloned into a new BE first); --trial: the next boot only",
            specs: [
                splitFlag,
                .flag("trial", "--trial", help: "boot TARGET once (UEFI BootNext); a failed boot falls back to the default"),
                .flag("cancel-trial", "--cancel-trial", help: "cancel the pending trial (BootNext, the trial entry, the record)"),
            ] + pairedDataFlags,
            details: """
                A BE: zpool set bootfs (and canmount=noauto, mountpoint=/ if they are wrong).
                A checkpoint (full name, or the bare name of a checkpoint of the running BE): cloned into a new
                BE named after it, then bootfs points at the clone; the current BE is not changed.
                Refused when the package database lives outside the BE (--allow-split-pkgdb to override).
                On a terminal it shows what changes (kbe diff) and asks; without one it does not ask.
                --trial: bootfs is not changed; a boot entry "kldload trial" (a copy of the running ZFSBootMenu
                entry plus zbm.prefer=POOL/ROOT/TARGET!) becomes BootNext, which the firmware uses once. TARGET's
                org.zfsbootmenu:commandline gains panic=30 (and rd.shell=0 rd.emergency=reboot with dracut).
                A healthy trial (boot-complete.target) is confirmed by kldload-trial-confirm.service; any failure
                falls back to the default on the next boot. Refused: the running BE, a trial already pending,
                no UEFI, efivarfs read-only, an unidentifiable BootCurrent, a bundle entry under Secure Boot.
                """),
        Subcommand(
            name: "confirm", aliases: [], usage: "kbe confirm",
            summary: "keep the running trial: it becomes the default (bootfs)", specs: [],
            details: """
                In a trial boot: zpool set bootfs=TRIAL, clear the trial record (org.kldload:trial*) and delete the
                "kldload trial" boot entry. kldload-trial-confirm.service does this by itself after boot-complete.target.
                """),
        Subcommand(
            name: "trial-check", aliases: [], usage: "kbe trial-check [--health | --timeout]",
            summary: "boot-time trial bookkeeping (run by kldload's systemd units)",
            specs: [
                .flag("health", "--health", help: "check this boot (root is a BE, pool ONLINE, zfs loaded); non-zero if not"),
                .flag("timeout", "--timeout", help: "reboot if this is a trial boot that is still not confirmed"),
            ],
            details: """
                Without options (kldload-trial-confirm.service, after boot-complete.target): in the trial boot, confirm
                it (as kbe confirm); after a fallback (BootCurrent is not the trial entry), record
                org.kldload:trial-result=failed TARGET on the BE root and clear the trial. No trial: nothing to do.
                """),
        Subcommand(
            name: "rollback", aliases: [], usage: "kbe rollback CHECKPOINT [--yes] [--allow-split-pkgdb] [--with-data|--without-data]",
            summary: "destructively roll a BE back to a checkpoint",
            specs: [splitFlag] + pairedDataFlags,
            details: """
                Runs zfs rollback -r on the BE, its children and a split package-database dataset: every newer
                checkpoint is destroyed (refused if one of them has clones). Asks for confirmation on a terminal,
                after showing what the rollback undoes (kbe diff);
                needs --yes otherwise. For the running BE, prefer kbe activate CHECKPOINT && reboot.
                """),
        Subcommand(
            name: "destroy", aliases: ["delete"], usage: "kbe destroy BE|BE@CHECKPOINT|CHECKPOINT [-o] [--yes]",
            summary: "destroy a boot environment or a checkpoint",
            specs: [.flag("keep-origin", "-o", "--keep-origin", help: "keep the BE's origin checkpoint")],
            details: """
                Refuses the BE running now or booting next, and anything other datasets were cloned from.
                A BE's origin checkpoint is destroyed with it when nothing else depends on it (-o keeps it).
                No % ranges. Asks for confirmation on a terminal; needs --yes otherwise.
                """),
        Subcommand(
            name: "rename", aliases: [], usage: "kbe rename OLD NEW", summary: "rename a boot environment",
            specs: [],
            details: """
                Refused for the running BE. When OLD boots next, bootfs is set to NEW in the same plan.
                """),
        Subcommand(
            name: "mount", aliases: [], usage: "kbe mount BE [DIR] [-r]",
            summary: "mount a boot environment (default: a new directory under /run/kbe)",
            specs: [.flag("read-only", "-r", "--read-only", help: "mount read-only")],
            details: "Uses mount -t zfs -o zfsutil for the BE and its child datasets. A checkpoint mounts read-only."),
        Subcommand(
            name: "umount", aliases: ["unmount"], usage: "kbe umount BE", summary: "unmount a boot environment",
            specs: [], details: "Unmounts the BE and its child datasets, deepest first."),
        Subcommand(
            name: "describe", aliases: [], usage: "kbe describe BE|CHECKPOINT TEXT",
            summary: "set (or with \"\" clear) a description", specs: [],
            details: "Stored in the user property org.kldload:description."),
        Subcommand(
            name: "diff", aliases: [], usage: "kbe diff A [B] [--files] [--json]",
            summary: "what changed from A to B (default: the running BE): packages, kernels, files",
            specs: [.flag("files", "--files", help: "also list the changed files (zfs diff; A must be a checkpoint)")],
            details: """
                A and B are boot environments or checkpoints. Packages (dpkg, rpm, pacman) are read from each side's
                own database in its snapshot (.zfs/snapshot) or mount, never through its package manager: added,
                removed, upgraded, downgraded, in the distribution's version order. Kernels: the kernels each side
                has and whether each has a zfs module. A side that is not mounted is mounted read-only under /run/kbe
                for the read. Nothing is changed.
                """),
        Subcommand(
            name: "move-pkgdb", aliases: [], usage: "kbe move-pkgdb [--dry-run] [--yes]",
            summary: "move the package database from a shared dataset into the boot environment",
            specs: [],
            details: """
                For a layout with /var/lib on its own dataset (rpool/var/lib): takes one checkpoint of the
                running BE and that dataset, copies /var/lib/{dpkg,apt,rpm,dnf,pacman} to /usr/lib/sysimage/
                inside the BE and replaces each by a relative link (as Fedora does for rpm). Application data
                under /var/lib stays on the shared dataset. kbe rollback CHECKPOINT undoes it. Needed by
                kupgrade --new-be.
                """),
        AutoCheckpoint.subcommand,
    ] + pairSubcommands + [
        Subcommand(
            name: "help", aliases: [], usage: "kbe help [COMMAND]", summary: "show help", specs: [], details: ""),
    ]

    package static func subcommand(named word: String) -> Subcommand? {
        subcommands.first { $0.name == word || $0.aliases.contains(word) }
    }

    public static var versionText: String { "kbe \(KldloadVersion.current)" }

    public static func helpText(for name: String?) -> String {
        if let name, let sub = subcommand(named: name) {
            var text = "usage: \(sub.usage)\n\n\(sub.summary)\n"
            if !sub.details.isEmpty { text += "\n" + sub.details + "\n" }
            if !sub.specs.isEmpty { text += "\noptions:\n" + OptionParser(sub.specs).helpText() + "\n" }
            text += "\nglobal options:\n" + OptionParser(globalSpecs).helpText() + "\n"
            return text
        }
        let width = subcommands.map(\.name.count).max() ?? 8
        let commands = subcommands.map { sub in
            "  " + sub.name + String(repeating: " ", count: width - sub.name.count + 2) + sub.summary
                + (sub.aliases.isEmpty ? "" : " (alias: \(sub.aliases.joined(separator: ", ")))")
        }.joined(separator: "\n")
        return """
            usage: kbe [options] COMMAND [arguments]

            ZFS boot environments: a boot environment (BE) is a dataset under the BE root (e.g. rpool/ROOT/default)
            with its children; a checkpoint is a snapshot of one (rpool/ROOT/default@NAME).

            commands:
            \(commands)

            options:
            \(OptionParser(globalSpecs).helpText())

            exit status: 0 success; 1 a zfs/zpool/mount command failed (state reported); 2 usage error or
            invalid name; 3 refused for safety; 4 not found.
            Run kbe COMMAND --help for details. Guide: Docs/KBE.md.

            """
    }

    /// What to print and the exit status.
    public struct Result: Sendable, Equatable {
        public var stdout: String
        public var stderr: String
        public var exitCode: Int32

        public init(stdout: String, stderr: String, exitCode: Int32) {
            self.stdout = stdout
            self.stderr = stderr
            self.exitCode = exitCode
        }
    }

    /// Runs an invocation. `ask` reads a confirmation from the terminal (nil: no terminal).
    public static func run(
        _ inv: KBEInvocation, context: SystemContext, ask: (@Sendable (String) -> String?)? = nil,
        progress: ProgressSink? = nil, timeZone: TimeZone = .current
    ) -> Result {
        switch inv.action {
        case .help(let topic): return Result(stdout: helpText(for: topic), stderr: "", exitCode: 0)
        case .version:
            if inv.json {
                var report = KBEReport(command: "version", dryRun: false)
                report.kbeVersion = KldloadVersion.current
                return Result(stdout: report.json() + "\n", stderr: "", exitCode: 0)
            }
            return Result(stdout: versionText + "\n", stderr: "", exitCode: 0)
        default: break
        }
        var result = runCommand(inv, context: context, ask: ask, progress: progress, timeZone: timeZone)
        // A JSON answer of zfs/zpool that had to be read again as text: worth knowing, never fatal.
        let fallbacks = context.openZFS.fallbacks.map { "[kbe] warning: " + $0 + "\n" }.joined()
        result.stderr = fallbacks + result.stderr
        return result
    }

    static func runCommand(
        _ inv: KBEInvocation, context: SystemContext, ask: (@Sendable (String) -> String?)?,
        progress: ProgressSink?, timeZone: TimeZone
    ) -> Result {
        let manager = BootEnvironmentManager(context: context, options: inv.options, ask: ask, progress: progress)
        do {
            var output: KBEOutput
            var table: String? = nil
            switch inv.action {
            case .list(let checkpoints, let scripted, let exact):
                // Only the form that is printed is built: the JSON report or the table.
                let (out, envs) = try manager.list(showCheckpoints: checkpoints, report: inv.json)
                output = out
                if !inv.json {
                    table = BEListRenderer.render(
                        envs, scripted: scripted, exact: exact, checkpoints: checkpoints, timeZone: timeZone)
                }
            case .createCheckpoint(let name, let source, let description):
                output = try manager.createCheckpoint(named: name, of: source, description: description)
            case .createEnvironment(let name, let source, let description):
                output = try manager.createEnvironment(named: name, from: source, description: description)
            case .activate(let target): output = try manager.activate(target)
            case .activateTrial(let target): output = try manager.activateTrial(target)
            case .cancelTrial: output = try manager.cancelTrial()
            case .confirm: output = try manager.confirmTrial()
            case .trialCheck(let mode): output = try manager.trialCheck(mode)
            case .rollback(let target): output = try manager.rollback(target)
            case .destroy(let target, let keepOrigin): output = try manager.destroy(target, keepOrigin: keepOrigin)
            case .rename(let old, let new): output = try manager.rename(old, to: new)
            case .mount(let target, let dir, let ro): output = try manager.mount(target, at: dir, readOnly: ro)
            case .umount(let target): output = try manager.umount(target)
            case .describe(let target, let text): output = try manager.describe(target, as: text)
            case .diff(let a, let b, let files):
                let (out, diff) = try manager.diff(a, b, files: files)
                output = out
                table = diff.lines().map { $0 + "\n" }.joined()
            case .movePackageDatabase: output = try manager.movePackageDatabase()
            case .pair(let dataset, let on): output = try manager.pair(dataset, on: on)
            case .autoCheckpoint(let options, let strict):
                return AutoCheckpoint(manager: manager, options: options, timeZone: timeZone).commandResult(json: inv.json, strict: strict)
            case .help, .version: return Result(stdout: "", stderr: "", exitCode: 0)
            }
            // The node_exporter textfile of the checkpoints, after a command that changed them.
            if inv.changesCheckpoints {
                for warning in CheckpointMetrics.refreshAfterKBE(manager) { output.warn(warning) }
            }
            // The trial's textfile, after a command that armed, settled or dropped one.
            if let pending = TrialMetrics.pendingAfter(inv.action, report: output.report) {
                switch CheckpointMetrics.kbeDirectory(manager) {
                case .failure(let warning): output.warn(warning.description)
                case .success(nil): break
                case .success(let dir?):
                    if let failure = TrialMetrics.write(pending: pending, trial: output.report.trial, directory: dir, files: manager.context.files) {
                        output.warn("[kbe] warning: " + failure)
                    }
                }
            }
            let stderr = output.warnings.map { $0 + "\n" }.joined()
            if inv.json { return Result(stdout: output.report.json() + "\n", stderr: stderr, exitCode: 0) }
            let stdout = (table ?? "") + output.lines.map { $0 + "\n" }.joined()
            return Result(stdout: stdout, stderr: stderr, exitCode: 0)
        } catch {
            var stdout = ""
            if inv.json {
                var report = KBEReport(command: inv.commandName, dryRun: inv.options.dryRun)
                report.error = KBEReport.ErrorInfo(
                    kind: error.kind.rawValue, message: error.message, hint: error.effectiveHint, details: error.details,
                    exitCode: error.exitCode)
                stdout = report.json() + "\n"
            }
            return Result(stdout: stdout, stderr: error.description + "\n", exitCode: error.exitCode)
        }
    }

    /// Usage errors as the executable prints them (exit 2).
    public static func usageFailure(_ error: UsageError, arguments: [String]) -> Result {
        let sub = arguments.first { !$0.hasPrefix("-") }.flatMap(subcommand(named:))
        if arguments.contains(AutoCheckpoint.subcommand.name), !arguments.contains("--strict") {
            return AutoCheckpoint.usageFailure(error)
        }
        let hint = sub.map { "kbe \($0.name) --help" } ?? "kbe --help"
        return Result(stdout: "", stderr: "kbe: error: \(error.message)\nhint: see \(hint)\n", exitCode: 2)
    }
}
