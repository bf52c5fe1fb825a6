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
        let valueOptions = Set(KBECommand.globalOptions.filter(\.spec.takesValue).flatMap(\.spec.names))
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
        let parser = OptionParser(KBECommand.globalOptions + (sub?.options ?? []))
        let p = try parser.parse(rest)
        var options = KBEOptions(
            pool: p.value(.pool), beRoot: p.value(.beRoot), dryRun: p.has(.dryRun), assumeYes: p.has(.yes),
            allowSplitPackageDatabase: p.has(.allowSplitPackageDatabase))
        if options.pool?.isEmpty == true { options.pool = nil }
        options.pairedData = try KBECommand.pairedDataChoice(p)
        var inv = KBEInvocation(action: .version, options: options, json: p.has(.json), replay: p.value(.replay))
        if p.has(.help) {
            inv.action = .help(sub?.name)
            return inv
        }
        if p.has(.version) {
            inv.action = .version
            return inv
        }
        guard let sub else {
            if !p.positionals.isEmpty { throw UsageError("unknown command '\(p.positionals[0])'") }
            throw UsageError("missing command")
        }
        // The table row decides what the options and arguments mean.
        inv.action = try sub.action(.init(options: p, arguments: p.positionals, json: inv.json, usage: sub.usage))
        return inv
    }
}

/// The `kbe` program as a library: `main` (argv → exit status, what the executables call),
/// `run` (an invocation against a `SystemContext` → stdout, stderr and status, for embedders
/// and tests), the help texts, and the command table.
///
///     let result = KBECommand.run(try KBEInvocation.parse(["list"]), context: .host())
public enum KBECommand {
    /// The whole `kbe` program: parse argv (without argv[0]), build the `SystemContext`
    /// (`--replay DIR` or the host), run, write stdout/stderr, return the exit status.
    /// The executables (`kbe`, and the multi-call `kldload`) only call this.
    public static func main(_ arguments: [String]) -> Int32 {
        // JSON is printed as encoded (JSON escapes control characters itself); human output
        // has them made visible (`TerminalText`): descriptions and names are outside text.
        var json = KBEOption.json.spec.names.contains(where: arguments.contains)  // until the invocation is parsed
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

    /// One row of kbe's command table: the subcommand's names and help, the options it takes
    /// (besides the global ones), and the function that turns what was parsed into an action.
    package struct Subcommand: Sendable {
        public var name: String
        public var aliases: [String]
        public var usage: String
        public var summary: String
        public var options: [KBEOption]
        public var details: String
        /// Checks the arguments and builds the action; a usage error says what is wrong.
        public var action: @Sendable (Input) throws(UsageError) -> KBEInvocation.Action

        /// What `action` reads: the parsed options (global and the subcommand's), the
        /// positional arguments, and whether `--json` was given.
        package struct Input: Sendable {
            public var options: ParsedOptions<KBEOption>
            public var arguments: [String]
            public var json: Bool
            var usage: String

            /// A usage error (the subcommand's usage line) unless there are `count` arguments.
            public func need(_ count: ClosedRange<Int>) throws(UsageError) {
                if !count.contains(arguments.count) { throw UsageError("usage: \(usage)") }
            }
        }
    }

    /// The options every subcommand takes, in `--help` order.
    package static let globalOptions: [KBEOption] = [.help, .version, .dryRun, .json, .yes, .pool, .beRoot, .replay]

    package static let subcommands: [Subcommand] = [
        Subcommand(
            name: "list", aliases: ["ls"], usage: "kbe list [-s] [-H] [-p] [--json]",
            summary: "list boot environments (-s: with their checkpoints)",
            options: [.snapshots, .scripted, .parsable],
            details: """
                ACTIVE: N = mounted at / now, R = the pool's bootfs (boots next), NR = both.
                SPACE: the BE's used space plus, for a BE cloned from a checkpoint, that checkpoint's
                used space (as bectl counts it). Makes two calls: zpool get bootfs and one zfs list.
                """,
            action: { i throws(UsageError) in
                try i.need(0...0)
                let p = i.options
                if p.has(.scripted) && i.json { throw UsageError("-H and --json cannot be combined") }
                return .list(checkpoints: p.has(.snapshots), scripted: p.has(.scripted), exact: p.has(.parsable))
            }),
        Subcommand(
            name: "create", aliases: [],
            usage: "kbe create NAME [-e BE] [-d TEXT] | kbe create --be NAME [-e SOURCE] [-d TEXT]",
            summary: "take a checkpoint, or (--be) create a boot environment",
            options: [.be, .source, .description],
            details: """
                kbe create NAME snapshots the running BE, its child datasets and a package-database dataset
                outside the BE in one atomic zfs snapshot call, all named NAME.
                kbe create --be NAME clones SOURCE (a BE: snapshotted first as BE@kbe-NAME; or a checkpoint)
                into POOL/ROOT/NAME with canmount=noauto, mountpoint=/ and the source's local
                org.zfsbootmenu:* properties. It does not activate it.
                """,
            action: { i throws(UsageError) in
                try i.need(1...1)
                let p = i.options, name = i.arguments[0]
                if p.has(.be) {
                    return .createEnvironment(name: name, source: p.value(.source), description: p.value(.description))
                }
                return .createCheckpoint(name: name, source: p.value(.source), description: p.value(.description))
            }),
        Subcommand(
            name: "activate", aliases: [],
            usage: "kbe activate [--trial] BE|BE@CHECKPOINT|CHECKPOINT [--allow-split-pkgdb] [--with-data|--without-data] | kbe activate --cancel-trial",
            summary: "choose what boots next (a checkpoint is cloned into a new BE first); --trial: the next boot only",
            options: [.allowSplitPackageDatabase, .trial, .cancelTrial] + pairedDataOptions,
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
                """,
            action: { i throws(UsageError) in
                let p = i.options
                if p.has(.cancelTrial) {
                    if p.has(.trial) { throw UsageError("--trial and --cancel-trial cannot be combined") }
                    if !i.arguments.isEmpty { throw UsageError("--cancel-trial takes no target (it cancels the pending trial)") }
                    return .cancelTrial
                }
                try i.need(1...1)
                return p.has(.trial) ? .activateTrial(i.arguments[0]) : .activate(i.arguments[0])
            }),
        Subcommand(
            name: "confirm", aliases: [], usage: "kbe confirm",
            summary: "keep the running trial: it becomes the default (bootfs)", options: [],
            details: """
                In a trial boot: zpool set bootfs=TRIAL, clear the trial record (org.kldload:trial*) and delete the
                "kldload trial" boot entry. kldload-trial-confirm.service does this by itself after boot-complete.target.
                """,
            action: { i throws(UsageError) in
                try i.need(0...0)
                return .confirm
            }),
        Subcommand(
            name: "trial-check", aliases: [], usage: "kbe trial-check [--health | --timeout]",
            summary: "boot-time trial bookkeeping (run by kldload's systemd units)",
            options: [.health, .timeout],
            details: """
                Without options (kldload-trial-confirm.service, after boot-complete.target): in the trial boot, confirm
                it (as kbe confirm); after a fallback (BootCurrent is not the trial entry), record
                org.kldload:trial-result=failed TARGET on the BE root and clear the trial. No trial: nothing to do.
                """,
            action: { i throws(UsageError) in
                try i.need(0...0)
                let p = i.options
                if p.has(.health) && p.has(.timeout) { throw UsageError("--health and --timeout cannot be combined") }
                return .trialCheck(p.has(.health) ? .health : p.has(.timeout) ? .timeout : .settle)
            }),
        Subcommand(
            name: "rollback", aliases: [], usage: "kbe rollback CHECKPOINT [--yes] [--allow-split-pkgdb] [--with-data|--without-data]",
            summary: "destructively roll a BE back to a checkpoint",
            options: [.allowSplitPackageDatabase] + pairedDataOptions,
            details: """
                Runs zfs rollback -r on the BE, its children and a split package-database dataset: every newer
                checkpoint is destroyed (refused if one of them has clones). Asks for confirmation on a terminal,
                after showing what the rollback undoes (kbe diff);
                needs --yes otherwise. For the running BE, prefer kbe activate CHECKPOINT && reboot.
                """,
            action: { i throws(UsageError) in
                try i.need(1...1)
                return .rollback(i.arguments[0])
            }),
        Subcommand(
            name: "destroy", aliases: ["delete"], usage: "kbe destroy BE|BE@CHECKPOINT|CHECKPOINT [-o] [--yes]",
            summary: "destroy a boot environment or a checkpoint",
            options: [.keepOrigin],
            details: """
                Refuses the BE running now or booting next, and anything other datasets were cloned from.
                A BE's origin checkpoint is destroyed with it when nothing else depends on it (-o keeps it).
                No % ranges. Asks for confirmation on a terminal; needs --yes otherwise.
                """,
            action: { i throws(UsageError) in
                try i.need(1...1)
                return .destroy(i.arguments[0], keepOrigin: i.options.has(.keepOrigin))
            }),
        Subcommand(
            name: "rename", aliases: [], usage: "kbe rename OLD NEW", summary: "rename a boot environment",
            options: [],
            details: """
                Refused for the running BE. When OLD boots next, bootfs is set to NEW in the same plan.
                """,
            action: { i throws(UsageError) in
                try i.need(2...2)
                return .rename(i.arguments[0], i.arguments[1])
            }),
        Subcommand(
            name: "mount", aliases: [], usage: "kbe mount BE [DIR] [-r]",
            summary: "mount a boot environment (default: a new directory under /run/kbe)",
            options: [.readOnly],
            details: "Uses mount -t zfs -o zfsutil for the BE and its child datasets. A checkpoint mounts read-only.",
            action: { i throws(UsageError) in
                try i.need(1...2)
                let args = i.arguments
                return .mount(args[0], directory: args.count > 1 ? args[1] : nil, readOnly: i.options.has(.readOnly))
            }),
        Subcommand(
            name: "umount", aliases: ["unmount"], usage: "kbe umount BE", summary: "unmount a boot environment",
            options: [], details: "Unmounts the BE and its child datasets, deepest first.",
            action: { i throws(UsageError) in
                try i.need(1...1)
                return .umount(i.arguments[0])
            }),
        Subcommand(
            name: "describe", aliases: [], usage: "kbe describe BE|CHECKPOINT TEXT",
            summary: "set (or with \"\" clear) a description", options: [],
            details: "Stored in the user property org.kldload:description.",
            action: { i throws(UsageError) in
                try i.need(2...2)
                return .describe(i.arguments[0], i.arguments[1])
            }),
        Subcommand(
            name: "diff", aliases: [], usage: "kbe diff A [B] [--files] [--json]",
            summary: "what changed from A to B (default: the running BE): packages, kernels, files",
            options: [.files],
            details: """
                A and B are boot environments or checkpoints. Packages (dpkg, rpm, pacman) are read from each side's
                own database in its snapshot (.zfs/snapshot) or mount, never through its package manager: added,
                removed, upgraded, downgraded, in the distribution's version order. Kernels: the kernels each side
                has and whether each has a zfs module. A side that is not mounted is mounted read-only under /run/kbe
                for the read. Nothing is changed.
                """,
            action: { i throws(UsageError) in
                try i.need(1...2)
                let args = i.arguments
                return .diff(args[0], args.count > 1 ? args[1] : nil, files: i.options.has(.files))
            }),
        Subcommand(
            name: "move-pkgdb", aliases: [], usage: "kbe move-pkgdb [--dry-run] [--yes]",
            summary: "move the package database from a shared dataset into the boot environment",
            options: [],
            details: """
                For a layout with /var/lib on its own dataset (rpool/var/lib): takes one checkpoint of the
                running BE and that dataset, copies /var/lib/{dpkg,apt,rpm,dnf,pacman} to /usr/lib/sysimage/
                inside the BE and replaces each by a relative link (as Fedora does for rpm). Application data
                under /var/lib stays on the shared dataset. kbe rollback CHECKPOINT undoes it. Needed by
                kupgrade --new-be.
                """,
            action: { i throws(UsageError) in
                try i.need(0...0)
                return .movePackageDatabase
            }),
        autoCheckpointSubcommand,
    ] + pairSubcommands + [
        Subcommand(
            name: "help", aliases: [], usage: "kbe help [COMMAND]", summary: "show help", options: [], details: "",
            action: { i throws(UsageError) in
                try i.need(0...1)
                guard let topic = i.arguments.first else { return .help(nil) }
                guard let sub = KBECommand.subcommand(named: topic) else {
                    throw UsageError("no help for unknown command '\(topic)'")
                }
                return .help(sub.name)
            }),
    ]

    package static func subcommand(named word: String) -> Subcommand? {
        subcommands.first { $0.name == word || $0.aliases.contains(word) }
    }

    public static var versionText: String { "kbe \(KldloadVersion.current)" }

    public static func helpText(for name: String?) -> String {
        if let name, let sub = subcommand(named: name) {
            var text = "usage: \(sub.usage)\n\n\(sub.summary)\n"
            if !sub.details.isEmpty { text += "\n" + sub.details + "\n" }
            if !sub.options.isEmpty { text += "\noptions:\n" + OptionParser(sub.options).helpText() + "\n" }
            text += "\nglobal options:\n" + OptionParser(globalOptions).helpText() + "\n"
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
            \(OptionParser(globalOptions).helpText())

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
        if arguments.contains(autoCheckpointSubcommand.name), !KBEOption.strict.spec.names.contains(where: arguments.contains) {
            return AutoCheckpoint.usageFailure(error)
        }
        let hint = sub.map { "kbe \($0.name) --help" } ?? "kbe --help"
        return Result(stdout: "", stderr: "kbe: error: \(error.message)\nhint: see \(hint)\n", exitCode: 2)
    }
}
