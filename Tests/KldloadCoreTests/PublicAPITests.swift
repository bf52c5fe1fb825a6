import Foundation
import Testing

@testable import KldloadCore

/// What an embedder sees of KldloadCore (Docs/DESIGN.md, "What is public"), read from the
/// module this test run built: `swift-symbolgraph-extract -minimum-access-level public`, the
/// tool `swift doc` and DocC use. Counted are declarations written in the source (a symbol with
/// a source location): not the members the compiler synthesises (`==`, `init(from:)`, …).
@Suite struct PublicAPITests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The extractor next to the `swift` on PATH (CI and the README put the toolchain there).
    static let extractor: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/swift-symbolgraph-extract" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    struct Symbol {
        var path: String
        var kind: String
        var documented: Bool
    }

    /// The public symbols declared in the source of the KldloadCore module that this test binary
    /// was built with (its `Modules/` folder sits next to the test bundle).
    static func publicSymbols() throws -> [Symbol] {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let modules = bundle.appendingPathComponent("Modules").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("kldload-symbols-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        #if arch(x86_64)
            let target = "x86_64-unknown-linux-gnu"
        #else
            let target = "aarch64-unknown-linux-gnu"
        #endif
        let result = try ProcessRunner().run(
            Command([
                extractor!, "-module-name", "KldloadCore", "-I", modules, "-target", target,
                "-minimum-access-level", "public", "-skip-synthesized-members", "-output-dir", output.path,
            ]))
        #expect(result.status.isSuccess, "\(result.stderr)")
        let data = try Data(contentsOf: output.appendingPathComponent("KldloadCore.symbols.json"))
        let graph = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let symbols = graph?["symbols"] as? [[String: Any]] ?? []
        return symbols.compactMap { s in
            guard s["location"] != nil else { return nil }  // synthesised (Codable, RawRepresentable)
            let path = (s["pathComponents"] as? [String] ?? []).joined(separator: ".")
            let kind = (s["kind"] as? [String: Any])?["identifier"] as? String ?? ""
            return Symbol(path: path, kind: kind, documented: s["docComment"] != nil)
        }
    }

    /// The figure Docs/DESIGN.md states ("now **N** public declarations").
    static func documentedCount() throws -> Int? {
        let design = try String(contentsOf: repository.appendingPathComponent("Docs/DESIGN.md"), encoding: .utf8)
        guard let range = design.range(of: #"now \*\*[0-9,]+\*\* public declarations"#, options: .regularExpression) else {
            return nil
        }
        return Int(design[range].filter(\.isNumber))
    }

    @Test(.enabled(if: extractor != nil, "needs swift-symbolgraph-extract on PATH"))
    func thePublicAPIDoesNotGrowUnnoticed() throws {
        let symbols = try Self.publicSymbols()
        let stated = try #require(try Self.documentedCount(), "Docs/DESIGN.md states no public declaration count")
        print("KldloadCore: \(symbols.count) public declarations (Docs/DESIGN.md says \(stated))")
        #expect(
            symbols.count <= stated,
            "KldloadCore has \(symbols.count) public declarations, Docs/DESIGN.md allows \(stated): make the new ones package, or decide they are public and update the figure in \"What is public\"")
        // Every public type, protocol and type alias at the top level says what it is.
        let topLevel = symbols.filter { !$0.path.contains(".") }
        #expect(topLevel.count > 50)
        #expect(topLevel.filter { !$0.documented }.map(\.path) == [])
    }

    /// The types added with trial boots, paired datasets and metrics, each reviewed: public
    /// where an embedder meets it in a public signature, `package` otherwise.
    @Test(.enabled(if: extractor != nil, "needs swift-symbolgraph-extract on PATH"))
    func reviewedTypesHaveTheAccessDecided() throws {
        let paths = Set(try Self.publicSymbols().map(\.path))
        let decided: [(String, public: Bool)] = [
            ("TrialRecord", true),  // manager.trialRecord(beRoot:)
            ("TrialInfo", true),  // KBEReport.trial, the upgrade report
            ("TrialCheckMode", true),  // KBEInvocation.Action.trialCheck
            ("PairedData", true), ("PairedData.Choice", true),  // KBEOptions.pairedData
            ("DKMSSigningOutput", true), ("DKMSSigningOutput.Event", true),  // ModuleVerification.dkmsSigningKey
            ("BlockDevice", true),  // SystemQuery.blockDevices
            ("TrialBoot", false), ("TrialMetrics", false), ("CheckpointMetrics", false),
            // Parsers stay inside, as the other parsers (an embedder reads through queries).
            ("TrialRecord.from(properties:)", false), ("PairedData.parse(_:)", false),
            ("PairedData.newestChange(_:)", false), ("DKMSSigningOutput.scan(_:)", false),
            ("DKMSSigningOutput.combine(_:)", false), ("BlockDevice.parseLsblkPairs(_:)", false),
        ]
        for (name, isPublic) in decided {
            #expect(paths.contains(name) == isPublic, "\(name) should be \(isPublic ? "public" : "package")")
        }
    }
}
