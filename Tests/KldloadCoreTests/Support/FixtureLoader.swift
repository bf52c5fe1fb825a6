import Foundation

/// Listing and text helpers over `Fixtures.root` used by the ZFS golden tests.
enum FixtureLoader {
    /// `<repo>/Fixtures` (one locator for the whole suite: `Fixtures.root`).
    static func root() -> URL { Fixtures.root }

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
