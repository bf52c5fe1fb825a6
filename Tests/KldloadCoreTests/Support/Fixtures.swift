import Foundation

/// Locates the repository's `Fixtures/` directory from this source file's path, so tests work
/// from any working directory.
enum Fixtures {
    static let root: URL = {
        // Tests/KldloadCoreTests/Support/Fixtures.swift → repository root is three levels up.
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
    }()

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: url(relative).path)
    }

    /// The file as text (UTF-8, invalid bytes replaced).
    static func text(_ relative: String) throws -> String {
        String(decoding: try Data(contentsOf: url(relative)), as: UTF8.self)
    }

    static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: url(relative))
    }

    /// Every regular file under `Fixtures/<directory>` (recursively) whose name satisfies `filter`,
    /// as paths relative to `Fixtures/`, sorted. Empty when the directory does not exist yet.
    static func files(under directory: String, where filter: (String) -> Bool = { _ in true }) -> [String] {
        let base = url(directory)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var out: [String] = []
        let rootPath = root.standardizedFileURL.path
        for case let u as URL in e {
            guard (try? u.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let name = u.lastPathComponent
            guard name != "PROVENANCE.md", !name.hasPrefix("."), filter(name) else { continue }
            var p = u.standardizedFileURL.path
            if p.hasPrefix(rootPath + "/") { p.removeFirst(rootPath.count + 1) }
            out.append(p)
        }
        return out.sorted()
    }
}
