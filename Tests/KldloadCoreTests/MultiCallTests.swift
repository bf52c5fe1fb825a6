import Testing

@testable import KldloadCore

/// The installed `kldload` binary's dispatch on the name it was started as.
@Suite struct MultiCallTests {
    @Test func dispatchesOnTheNameItWasStartedAs() {
        #expect(MultiCall.dispatch(["/usr/sbin/kbe", "list", "-s"]) == .run(.kbe, arguments: ["list", "-s"]))
        #expect(MultiCall.dispatch(["kupgrade", "--dry-run"]) == .run(.kupgrade, arguments: ["--dry-run"]))
        #expect(MultiCall.dispatch(["./kbe"]) == .run(.kbe, arguments: []))
    }

    @Test func kldloadTakesTheToolAsFirstArgument() {
        #expect(MultiCall.dispatch(["/usr/local/sbin/kldload", "kupgrade", "-n", "--json"]) == .run(.kupgrade, arguments: ["-n", "--json"]))
        #expect(MultiCall.dispatch(["kldload", "kbe"]) == .run(.kbe, arguments: []))
    }

    @Test func failuresAreUsageErrorsThatSayWhatToDo() {
        #expect(MultiCall.dispatch([]) == .fail(message: "kldload: error: no command line (is /proc mounted?)", exitCode: 2))
        #expect(MultiCall.dispatch(["kldload"])
            == .fail(message: "usage: kldload kbe|kupgrade [arguments]  (or run it as kbe / kupgrade)", exitCode: 2))
        #expect(MultiCall.dispatch(["/usr/bin/kzfs", "x"])
            == .fail(message: "kldload: error: unknown tool 'kzfs': this binary is kbe and kupgrade", exitCode: 2))
        // `kldload kldload` does not recurse.
        #expect(MultiCall.dispatch(["kldload", "kldload", "kbe"])
            == .fail(message: "kldload: error: unknown tool 'kldload': this binary is kbe and kupgrade", exitCode: 2))
    }

    @Test func everyToolIsDispatched() {
        for tool in MultiCall.Tool.allCases {
            #expect(MultiCall.dispatch(["kldload", tool.rawValue, "--help"]) == .run(tool, arguments: ["--help"]))
        }
    }
}
