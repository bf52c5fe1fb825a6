import Testing

@testable import KldloadCore

/// The option tables of kbe (`KBEOption`, `KBECommand.subcommands`) and kupgrade
/// (`KupgradeOption`): every declared option is reachable and shown in `--help`, an unknown
/// option is a usage error (exit 2), and each row of kbe's command table parses to its own command.
@Suite struct OptionTableTests {
    @Test func everyKBEOptionIsTakenByTheGlobalTableOrASubcommand() {
        let used = Set(KBECommand.globalOptions + KBECommand.subcommands.flatMap(\.options))
        for option in KBEOption.allCases { #expect(used.contains(option), "\(option) is declared but no command takes it") }
        // No spelling is declared twice where one parser sees both (OptionParser would stop).
        for sub in KBECommand.subcommands {
            let names = (KBECommand.globalOptions + sub.options).flatMap(\.spec.names)
            #expect(Set(names).count == names.count, "\(sub.name): \(names)")
        }
    }

    @Test func everyKBEOptionIsInItsHelp() {
        let main = KBECommand.helpText(for: nil)
        for option in KBECommand.globalOptions {
            for name in option.spec.names { #expect(main.contains(name), "kbe --help: \(name)") }
            #expect(main.contains(option.spec.help), "kbe --help: \(option)")
        }
        for sub in KBECommand.subcommands {
            let help = KBECommand.helpText(for: sub.name)
            for option in KBECommand.globalOptions + sub.options {
                for name in option.spec.names { #expect(help.contains(name), "kbe \(sub.name) --help: \(name)") }
                #expect(help.contains(option.spec.help), "kbe \(sub.name) --help: \(option)")
            }
        }
    }

    @Test func everyKupgradeOptionIsInTheTableAndTheHelp() {
        #expect(KupgradeCommand.parser.options == KupgradeOption.allCases)
        let help = KupgradeCommand.helpText
        for option in KupgradeOption.allCases {
            for name in option.spec.names { #expect(help.contains(name), "kupgrade --help: \(name)") }
            #expect(help.contains(option.spec.help), "kupgrade --help: \(option)")
        }
    }

    @Test func anUnknownOptionIsAUsageErrorInEveryKBECommand() {
        let (runner, context) = KBEWorld.make()
        for sub in KBECommand.subcommands {
            // auto-checkpoint in hook mode answers 0 (a broken hook line must not stop apt); --strict is kbe's status.
            let argv = [sub.name, "--no-such-option"] + (sub.name == "auto-checkpoint" ? ["--strict"] : [])
            let r = KBEWorld.run(argv, context)
            #expect(r.exitCode == 2, "\(argv)")
            #expect(r.stderr.hasPrefix("kbe: error: unknown option '--no-such-option'\n"), "\(argv): \(r.stderr)")
        }
        #expect(KBEWorld.run(["--no-such-option"], context).exitCode == 2)
        #expect(runner.mutations.isEmpty)
    }

    @Test func anUnknownOptionIsAUsageErrorInKupgrade() {
        let out = Lines()
        #expect(KupgradeCommand.main(["--no-such-option"], stdout: out.add, stderr: out.add) == 2)
        #expect(out.text == "kupgrade: error: unknown option '--no-such-option'\ntry 'kupgrade --help'\n")
        let typo = Lines()
        #expect(KupgradeCommand.main(["--dryrun"], stdout: typo.add, stderr: typo.add) == 2)
        #expect(typo.text.hasPrefix("kupgrade: error: unknown option '--dryrun' (did you mean '--dry-run'?)\n"))
    }

    /// Dispatch comes from the table: each row's handler builds its own command's action.
    @Test func everyRowOfTheCommandTableParsesToItsOwnCommand() throws {
        let samples: [String: [String]] = [
            "list": [], "create": ["x"], "activate": ["x"], "confirm": [], "trial-check": [], "rollback": ["x"],
            "destroy": ["x"], "rename": ["a", "b"], "mount": ["x"], "umount": ["x"], "describe": ["x", "t"],
            "diff": ["a"], "move-pkgdb": [], "auto-checkpoint": ["--origin", "apt"], "pair": ["d"], "unpair": ["d"],
            "help": ["list"],
        ]
        for sub in KBECommand.subcommands {
            guard let arguments = samples[sub.name] else {
                Issue.record("no sample command line for \(sub.name)")
                continue
            }
            for word in [sub.name] + sub.aliases {
                let inv = try KBEInvocation.parse([word] + arguments)
                #expect(inv.commandName == sub.name, "\(word)")
            }
        }
        #expect(try KBEInvocation.parse(["help", "ls"]).action == .help("list"))
    }
}
