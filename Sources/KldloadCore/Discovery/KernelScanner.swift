/// Finds installed kernels and their zfs/spl module files through a `FileSystem`.
///
/// A kernel is a directory `/lib/modules/<release>` (or `/usr/lib/modules/<release>`) with a
/// kernel image: `/boot/vmlinuz-<release>` (Debian, Ubuntu, RHEL), or `vmlinuz` inside the module
/// directory (Fedora, RHEL 9 and Arch ship it there). Directories without an image are leftovers
/// of removed kernels and are reported separately, never as kernels.
package struct KernelScanner: Sendable {
    public var fileSystem: any FileSystem
    /// Module roots, in order; a release found under several (merged /usr) is reported once.
    public var moduleRoots: [String]
    /// The module names to look for.
    public var moduleNames: [String]

    /// Directories (relative to the kernel's module directory) searched recursively for modules.
    public static let searchDirectories = ["updates", "extra", "extramodules", "weak-updates", "kernel/zfs", "kernel/spl"]
    static let maxDepth = 8

    public init(fileSystem: any FileSystem, moduleRoots: [String] = ["/lib/modules", "/usr/lib/modules"],
                moduleNames: [String] = ["zfs", "spl"]) {
        self.fileSystem = fileSystem
        self.moduleRoots = moduleRoots
        self.moduleNames = moduleNames
    }

    public func scan() -> KernelInventory {
        var inventory = KernelInventory()
        var seen = Set<String>()
        for root in moduleRoots {
            guard fileSystem.isDirectory(root), let names = try? fileSystem.list(root) else { continue }
            for name in names where !seen.contains(name) {
                let dir = root + "/" + name
                guard fileSystem.isDirectory(dir), Self.looksLikeRelease(name) else { continue }
                seen.insert(name)
                guard let image = imagePath(release: name, moduleDirectory: dir) else {
                    inventory.leftovers.append(dir)
                    continue
                }
                inventory.kernels.append(Kernel(release: KernelRelease(name), modulesDirectory: dir, image: image,
                                                 modules: moduleFiles(in: dir)))
            }
        }
        inventory.kernels.sort { $0.release < $1.release }
        inventory.leftovers.sort()
        return inventory
    }

    /// Release directory names start with a digit (`6.1.0-18-amd64`); this skips `extramodules-…`
    /// symlinks, `build`, and other entries.
    static func looksLikeRelease(_ name: String) -> Bool {
        guard let f = name.utf8.first else { return false }
        return f >= 0x30 && f <= 0x39
    }

    public func imagePath(release: String, moduleDirectory: String) -> String? {
        let candidates = [
            "/boot/vmlinuz-\(release)",
            moduleDirectory + "/vmlinuz",
            "/lib/modules/\(release)/vmlinuz",
            "/usr/lib/modules/\(release)/vmlinuz",
            "/boot/vmlinux-\(release)",
            "/boot/Image-\(release)",
        ]
        return candidates.first { fileSystem.exists($0) && !fileSystem.isDirectory($0) }
    }

    /// zfs/spl module files under the searched subdirectories of one kernel's module directory.
    public func moduleFiles(in moduleDirectory: String) -> [KernelModuleFile] {
        var found: [KernelModuleFile] = []
        var visited = Set<String>()
        for sub in Self.searchDirectories {
            walk(moduleDirectory + "/" + sub, relative: sub, depth: 0, into: &found, visited: &visited)
        }
        return found.sorted { $0.path < $1.path }
    }

    private func walk(_ dir: String, relative: String, depth: Int, into found: inout [KernelModuleFile], visited: inout Set<String>) {
        guard depth <= Self.maxDepth, !visited.contains(dir), fileSystem.isDirectory(dir),
              let entries = try? fileSystem.list(dir) else { return }
        visited.insert(dir)
        for entry in entries {
            let path = dir + "/" + entry
            let rel = relative + "/" + entry
            if fileSystem.isDirectory(path) {
                walk(path, relative: rel, depth: depth + 1, into: &found, visited: &visited)
            } else if let (module, compression) = Self.classify(fileName: entry), moduleNames.contains(module) {
                found.append(KernelModuleFile(module: module, path: path, compression: compression, layout: Self.layout(of: rel)))
            }
        }
    }

    /// `zfs.ko.xz` → ("zfs", .xz); nil when the name is not a kernel module file.
    public static func classify(fileName: String) -> (String, ModuleCompression)? {
        let table: [(String, ModuleCompression)] = [(".ko", .none), (".ko.xz", .xz), (".ko.zst", .zstd), (".ko.gz", .gzip)]
        for (suffix, compression) in table where fileName.hasSuffix(suffix) {
            let base = String(fileName.dropLast(suffix.count))
            return base.isEmpty ? nil : (base, compression)
        }
        return nil
    }

    public static func layout(of relativePath: String) -> ModuleLayout {
        if relativePath.hasPrefix("updates/dkms/") { return .dkms }
        if relativePath.hasPrefix("updates/") { return .updates }
        if relativePath.hasPrefix("extra/") { return .extra }
        if relativePath.hasPrefix("extramodules/") { return .extramodules }
        if relativePath.hasPrefix("weak-updates/") { return .weakUpdates }
        if relativePath.hasPrefix("kernel/") { return .builtIn }
        return .other
    }
}
