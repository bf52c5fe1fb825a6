import Foundation

/// The multi-call binary that install.sh installs (Docs/INSTALL.md): `kbe` and `kupgrade` are
/// symlinks to one `kldload` file, which dispatches on the name it was started as;
/// `kldload TOOL ARGS…` works too. A pure function of argv, so it is tested without a binary.
public enum MultiCall {
    /// The tools this binary is.
    public enum Tool: String, CaseIterable, Sendable {
        case kbe, kupgrade
    }

    /// What to do with a command line: run a tool with its arguments, or fail with a message
    /// for stderr and an exit status (2, a usage error, as both tools use it).
    public enum Dispatch: Sendable, Equatable {
        case run(Tool, arguments: [String])
        case fail(message: String, exitCode: Int32)
    }

    /// Decides from the full argv (argv[0] included).
    public static func dispatch(_ argv: [String]) -> Dispatch {
        var argv = argv
        guard !argv.isEmpty else {
            // Swift reads argv from /proc/self/cmdline: empty means /proc is not mounted (a chroot).
            return .fail(message: "kldload: error: no command line (is /proc mounted?)", exitCode: 2)
        }
        var name = URL(fileURLWithPath: argv.removeFirst()).lastPathComponent
        if name == "kldload" {
            guard let first = argv.first else {
                return .fail(message: "usage: kldload kbe|kupgrade [arguments]  (or run it as kbe / kupgrade)", exitCode: 2)
            }
            name = first
            argv.removeFirst()
        }
        guard let tool = Tool(rawValue: name) else {
            return .fail(message: "kldload: error: unknown tool '\(name)': this binary is kbe and kupgrade", exitCode: 2)
        }
        return .run(tool, arguments: argv)
    }

    /// Dispatches and runs; returns the exit status. Blocks for the whole run of the tool.
    public static func main(_ argv: [String]) -> Int32 {
        switch dispatch(argv) {
        case .run(.kbe, let arguments): return KBECommand.main(arguments)
        case .run(.kupgrade, let arguments): return KupgradeCommand.main(arguments)
        case .fail(let message, let code):
            ConsoleStream.standardError.writeLine(message)
            return code
        }
    }
}
