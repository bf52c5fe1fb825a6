import Foundation

/// Locates the repository's `Fixtures/` directory from this source file's path, so tests
/// read captured output without depending on the working directory.
enum FixtureLoader {
    /// `<repo>/Fixtures`, found by walking up from `#filePath` until a `Fixtures` folder exists.
    static func root(filePath: String = #filePath) -> URL {
        var dir = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        for _ in 0..<8 {
            let candidate = dir.appendingPathComponent("Fixtures")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), isDir.boolValue {
                return candidate
            }
            dir.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
    }

    /// Text of `Fixtures/<relativePath>`; nil when the file does not exist.
    static func text(_ relativePath: String) -> String? {
        let url = root().appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Relative paths of every file under `Fixtures/<folder>` (recursively), sorted. Without a
    /// `suffix`, PROVENANCE.md and other Markdown notes are left out. Empty when the folder
    /// does not exist.
    static func files(under folder: String, suffix: String? = nil) -> [String] {
        let base = root().appendingPathComponent(folder)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        var out: [String] = []
        let rootPath = root().standardizedFileURL.path
        for case let url as URL in e {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            if suffix == nil && url.pathExtension == "md" { continue }
            if let suffix, !url.lastPathComponent.hasSuffix(suffix) { continue }
            let p = url.standardizedFileURL.path
            out.append(p.hasPrefix(rootPath + "/") ? String(p.dropFirst(rootPath.count + 1)) : p)
        }
        return out.sorted()
    }
}
