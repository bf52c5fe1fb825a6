import Foundation
@testable import KldloadCore

/// A small pool in the shape `zfs list -Hp` prints it (tab-separated, exact numbers, `-` for
/// none; values follow OpenZFS 2.1 output captured in the VM, see Fixtures/zfs-2.1).
enum KBEWorld {
    static let listArgv = SystemQuery.bootEnvironmentRecords(root: "rpool/ROOT").command.argv
    static let bootfsArgv = ["zpool", "get", "-Hp", "bootfs", "rpool"]
    static let localPropsArgv = ["zfs", "get", "-Hp", "-s", "local", "all", "rpool/ROOT/default"]
    static let pkgListArgv = SystemQuery.bootEnvironmentRecords(root: "rpool/var/lib", depth: 1, types: "snapshot").command.argv
    static let pairedArgv = SystemQuery.pairedDatasets(pool: "rpool").command.argv

    static func row(_ f: String...) -> String { f.joined(separator: "\t") + "\n" }

    static var listing: String {
        row("rpool/ROOT", "filesystem", "2000", "0", "98304", "9000000", "none", "off", "no", "-", "-", "1763806500", "-")
            + row("rpool/ROOT/default", "filesystem", "1500", "300", "1200", "9000000", "/", "noauto", "yes", "-", "-",
                "1763806500", "-")
            + row("rpool/ROOT/default@install", "snapshot", "100", "-", "1000", "-", "-", "-", "-", "-", "-", "1763806600", "-")
            + row("rpool/ROOT/default@pre-upgrade-20261122-101500", "snapshot", "200", "-", "1100", "-", "-", "-", "-", "-",
                "rpool/ROOT/test", "1763806700", "before nginx rewrite")
            + row("rpool/ROOT/default@before-nginx-rewrite", "snapshot", "50", "-", "1150", "-", "-", "-", "-", "-", "-",
                "1763806800", "-")
            + row("rpool/ROOT/test", "filesystem", "400", "10", "1100", "9000000", "/", "noauto", "no",
                "rpool/ROOT/default@pre-upgrade-20261122-101500", "-", "1763806750", "test BE: clone of pre-upgrade")
            + row("rpool/ROOT/test@t1", "snapshot", "10", "-", "1100", "-", "-", "-", "-", "-", "-", "1763806900", "-")
    }

    static let mounts = """
        rpool/ROOT/default / zfs rw,relatime,xattr,noacl 0 0
        proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
        rpool/var/lib /var/lib zfs rw,relatime,xattr,noacl 0 0
        rpool/home /home zfs rw,relatime,xattr,noacl 0 0

        """

    static let pkgSnapshots =
        row("rpool/var/lib@install", "snapshot", "5", "-", "50", "-", "-", "-", "-", "-", "-", "1763806600", "-")
        + row("rpool/var/lib@pre-upgrade-20261122-101500", "snapshot", "6", "-", "51", "-", "-", "-", "-", "-", "-",
            "1763806700", "-")

    /// A runner and context for the standard world. `split` puts /var/lib/dpkg on rpool/var/lib.
    static func make(
        listing: String = listing, bootfs: String = "rpool/ROOT/default", mounts: String = mounts, split: Bool = false,
        interactive: Bool = false, files extra: [String: String] = [:], acceptingMutations: Bool = true,
        paired: String = ""
    ) -> (ReplayRunner, SystemContext) {
        let runner = ReplayRunner.kbe(acceptingMutations: acceptingMutations)
        runner.on(listArgv, stdout: listing)
        runner.on(bootfsArgv, stdout: "rpool\tbootfs\t\(bootfs)\tlocal\n")
        runner.on(
            localPropsArgv,
            stdout: "rpool/ROOT/default\tmountpoint\t/\tlocal\nrpool/ROOT/default\tcanmount\tnoauto\tlocal\n"
                + "rpool/ROOT/default\torg.zfsbootmenu:commandline\tquiet splash\tlocal\n")
        runner.on(pkgListArgv, stdout: pkgSnapshots)
        runner.on(pairedArgv, stdout: paired)  // the answer of the paired-datasets query (none by default)
        let fs = OverlayFileSystem(lower: RootedFileSystem(root: "/nonexistent/kbe-tests-have-no-host-root"))
        try? fs.write(Data(mounts.utf8), to: "/proc/self/mounts")
        if split { try? fs.createDirectory("/var/lib/dpkg") }
        for (path, text) in extra { try? fs.write(Data(text.utf8), to: path) }
        let context = SystemContext(
            runner: runner, files: fs, now: { Date(timeIntervalSince1970: 1_763_807_000) }, isInteractive: interactive)
        return (runner, context)
    }

    static func run(_ argv: [String], _ context: SystemContext, ask: (@Sendable (String) -> String?)? = nil)
        -> KBECommand.Result
    {
        do {
            let inv = try KBEInvocation.parse(argv)
            return KBECommand.run(inv, context: context, ask: ask, timeZone: TimeZone(identifier: "UTC")!)
        } catch {
            return KBECommand.usageFailure(error, arguments: argv)
        }
    }
}
