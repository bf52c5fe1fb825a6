import Foundation
import Testing
@testable import KldloadCore

/// Outside input that once trapped, hung or was misparsed: each case here failed before its fix.
@Suite struct ParserHardeningTests {
    // MARK: conversions from outside input are total

    @Test func aptSizeLineWithoutAFigureDoesNotTrap() {
        for stdout in ["Need to get of archives.\n", "Need to get  of archives.\n", "After this operation, B used.\n",
                       "After this operation,B \n"] {
            let plan = AptDriver.plan(from: AptSimulation(), stdout: stdout)
            #expect(plan.downloadBytes == nil)
            #expect(plan.installedSizeChange == nil)
        }
        let plan = AptDriver.plan(
            from: AptSimulation(),
            stdout: "Need to get 1024 kB/2048 kB of archives.\nAfter this operation, 3 MB disk space will be freed.\n")
        #expect(plan.downloadBytes == 1_024_000)
        #expect(plan.installedSizeChange == -3_000_000)
    }

    static func listing(creation: String) -> String {
        KBEWorld.row("rpool/ROOT", "filesystem", "2000", "0", "98304", "9000000", "none", "off", "no", "-", "-", "1", "-")
            + KBEWorld.row("rpool/ROOT/default", "filesystem", "1500", "300", "1200", "9000000", "/", "noauto", "yes",
                           "-", "-", creation, "-")
            + KBEWorld.row("rpool/ROOT/default@c", "snapshot", "100", "-", "1000", "-", "-", "-", "-", "-", "-",
                           creation, "-")
    }

    @Test(arguments: ["9223372036854775807", "9223372036854775808", "18446744073709551615", "9223372036854775000",
                      "99999999999999999"])
    func hugeCreationListsInEveryForm(creation: String) {
        let (_, context) = KBEWorld.make(listing: Self.listing(creation: creation))
        for argv in [["list", "-sHp"], ["list", "-s"], ["list", "-s", "--json"]] {
            let r = KBEWorld.run(argv, context)
            #expect(r.exitCode == 0, "\(argv)")
            #expect(r.stdout.contains("default"), "\(argv)")
        }
        // The exact form prints the number the pool gave, not a rounded one.
        let exact = KBEWorld.run(["list", "-sHp"], context)
        let fields = exact.stdout.split(separator: "\n").first?.split(separator: "\t").map(String.init) ?? []
        #expect(fields.count == 6)
        if let n = UInt64(creation), n < 1 << 53 {
            #expect(fields.count == 6 && fields[4] == creation)
        } else {
            #expect(fields.count == 6 && (fields[4] == "-" || fields[4].allSatisfy(\.isASCII) && UInt64(fields[4]) != nil))
        }
    }
}

/// Linear time, checked as a ratio of times for inputs of size n and 8n (linear: about 8×,
/// quadratic: about 64×), with a generous bound and the best of several runs; no absolute times.
/// The thread's CPU time, not wall time: on a loaded machine a wall clock also counts the time
/// spent waiting for a core, which made the ratio fail now and then at load averages above 10.
@Suite(.serialized) struct ParserLinearityTests {
    static func seconds(_ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<5 {
            let start = Fuzzer.threadCPUSeconds()
            body()
            best = min(best, Fuzzer.threadCPUSeconds() - start)
        }
        return best
    }

    /// Time(8n) / time(n) for `make(n)` fed to `parse`.
    static func ratio(_ n: Int, make: (Int) -> String, parse: (String) -> Void) -> Double {
        let small = make(n), large = make(8 * n)
        parse(small)  // warm up
        let a = seconds { parse(small) }, b = seconds { parse(large) }
        return b / max(a, 1e-9)
    }

    static let cases: [(String, @Sendable (Int) -> String, @Sendable (String) -> Void)] = [
        ("trailing tabs", { "x" + String(repeating: "\t", count: $0) }, { _ = ParserText.trimmed($0[...]) }),
        ("trailing spaces in os-release key", { "ID" + String(repeating: " ", count: $0) + "=x\n" },
         { _ = try? OSReleaseParser.parse($0) }),
        ("apt Inst line with trailing tabs", { "Inst a [1] (2 r [amd64])" + String(repeating: "\t", count: $0) + "\n" },
         { _ = try? AptParser.parseSimulation($0) }),
        ("apt Inst line with inner blanks", { "Inst a " + String(repeating: " \t", count: $0) + "[1" + String(repeating: " ", count: $0) + "] (2\n" },
         { _ = try? AptParser.parseSimulation($0) }),
        ("apt list of words", { "The following packages will be upgraded:\n " + String(repeating: "a ((b) ", count: $0) + "\n" },
         { _ = try? AptParser.parseSimulation($0) }),
        ("mokutil trailing blanks", { "SecureBoot enabled" + String(repeating: " \t", count: $0) + "\n" },
         { _ = try? SecureBootParser.parseMokutil(stdout: $0, stderr: "") }),
        ("mokutil unterminated escapes", { String(repeating: "\u{1B}[", count: $0) + "SecureBoot enabled\n" },
         { _ = try? SecureBootParser.parseMokutil(stdout: $0, stderr: "") }),
    ]

    @Test(arguments: 0..<cases.count)
    func parsingIsLinear(caseIndex: Int) {
        let (name, make, parse) = Self.cases[caseIndex]
        let r = Self.ratio(4_000, make: make, parse: parse)
        #expect(r < 40, "\(name): 8× the input took \(r)× the time")
    }
}

/// User property values may hold any byte but NUL (OpenZFS checks only the length), and
/// `zfs list -H` prints them raw.
@Suite struct PropertyValueSeparatorTests {
    static func listing(description: String) -> String {
        KBEWorld.row("rpool/ROOT", "filesystem", "2000", "0", "98304", "9000000", "none", "off", "no", "-", "-", "1", "-")
            + KBEWorld.row("rpool/ROOT/default", "filesystem", "1500", "300", "1200", "9000000", "/", "noauto", "yes",
                           "-", "-", "1763806500", description)
            + KBEWorld.row("rpool/ROOT/other", "filesystem", "1500", "300", "1200", "9000000", "/", "noauto", "no",
                           "-", "-", "1763806500", "-")
    }

    @Test func tabsInTheDescriptionStayInTheDescription() throws {
        let records = try BEListing.parse(Self.listing(description: "before\tthe\t\tupgrade\t"))
        #expect(records.map(\.name) == ["rpool/ROOT", "rpool/ROOT/default", "rpool/ROOT/other"])
        #expect(records[1].description == "before\tthe\t\tupgrade\t")
        let (_, context) = KBEWorld.make(listing: Self.listing(description: "a\tb"))
        let r = KBEWorld.run(["list", "--json"], context)
        #expect(r.exitCode == 0)
        #expect(r.stdout.contains("a\\tb"))
    }

    @Test func aNewlineInTheDescriptionNamesTheDatasetAndTheProperty() {
        let (_, context) = KBEWorld.make(listing: Self.listing(description: "first line\nsecond line"))
        let r = KBEWorld.run(["list"], context)
        #expect(r.exitCode == 1)
        #expect(r.stderr.contains("rpool/ROOT/default"))
        #expect(r.stderr.contains("org.kldload:description"))
        #expect(r.stderr.contains("zfs set org.kldload:description="))
    }

    @Test func kupgradeDoesNotCallAnUnparsableListingAMissingZFSRoot() throws {
        let rig = try KupgradeRig()
        rig.options.dryRun = true
        rig.runner.on(KupgradeRig.listing, stdout: Self.listing(description: "x\ny"))
        rig.healthyPool()
        rig.aptPlan()
        let report = rig.run()
        #expect(report.exitCode == 3)
        #expect(report.refusal?.reason == "step-failed")
        #expect(report.refusal?.message.contains("org.kldload:description") == true)
        #expect(report.refusal.map { !$0.hint.contains("needs a ZFS root") && !$0.message.contains("ZFS root") } == true)

        let tab = try KupgradeRig()
        tab.options.dryRun = true
        tab.runner.on(KupgradeRig.listing, stdout: Self.listing(description: "x\ty"))
        tab.healthyPool()
        tab.aptPlan()
        #expect(tab.run().refusal == nil)
    }
}
