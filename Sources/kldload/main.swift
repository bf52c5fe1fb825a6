import Foundation
import KldloadCore

// The multi-call binary that install.sh installs (Docs/INSTALL.md): `kbe` and `kupgrade` are
// symlinks to it and it dispatches on the name it was started as; `kldload TOOL ARGS…` works too.
var argv = CommandLine.arguments
if argv.isEmpty {
    // Swift reads argv from /proc/self/cmdline: empty means /proc is not mounted (a chroot).
    ConsoleStream.standardError.writeLine("kldload: error: no command line (is /proc mounted?)")
    exit(2)
}
var tool = URL(fileURLWithPath: argv.removeFirst()).lastPathComponent
if tool == "kldload" {
    guard let first = argv.first else {
        ConsoleStream.standardError.writeLine("usage: kldload kbe|kupgrade [arguments]  (or run it as kbe / kupgrade)")
        exit(2)
    }
    tool = first
    argv.removeFirst()
}
switch tool {
case "kbe": exit(KBECommand.main(argv))
case "kupgrade": exit(KupgradeCommand.main(argv))
default:
    ConsoleStream.standardError.writeLine("kldload: error: unknown tool '\(tool)': this binary is kbe and kupgrade")
    exit(2)
}
