/// A kernel release string (`uname -r`, the directory name under `/lib/modules`) with a version
/// ordering: runs of digits compare numerically, runs of letters by byte value, separators
/// (`.-_+~:`) only split runs, and a number sorts after letters (as rpmvercmp does), so `6.1.0-18-amd64` < `6.1.0-21-amd64` < `6.10.0-1-amd64`
/// and `5.14.0-427.el9` < `5.14.0-427.13.1.el9`. Numbers of any length compare without overflow.
public struct KernelRelease: Sendable, Hashable, Codable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var string: String

    public init(_ string: String) { self.string = string }
    public init(stringLiteral value: String) { self.string = value }
    public var description: String { string }

    public init(from decoder: any Decoder) throws {
        string = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(string)
    }

    enum Segment { case number(ArraySlice<UInt8>), text(ArraySlice<UInt8>) }

    /// Maximal runs of ASCII digits and of letters (any other byte counts as a letter);
    /// `.`, `-`, `_`, `+`, `~` only separate runs, as in rpmvercmp.
    static func segments(_ s: String) -> [Segment] {
        let b = Array(s.utf8)
        func kind(_ c: UInt8) -> Int {
            if c >= 0x30 && c <= 0x39 { return 0 }
            if c == 0x2E || c == 0x2D || c == 0x5F || c == 0x2B || c == 0x7E || c == 0x3A || c == 0x20 { return 2 }
            return 1
        }
        var out: [Segment] = []
        var i = 0
        while i < b.count {
            let k = kind(b[i])
            if k == 2 { i += 1; continue }
            var j = i
            while j < b.count && kind(b[j]) == k { j += 1 }
            if k == 0 {
                var z = i
                while z < j - 1 && b[z] == 0x30 { z += 1 }  // drop leading zeros
                out.append(.number(b[z..<j]))
            } else {
                out.append(.text(b[i..<j]))
            }
            i = j
        }
        return out
    }

    public static func < (lhs: KernelRelease, rhs: KernelRelease) -> Bool {
        let a = segments(lhs.string), b = segments(rhs.string)
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.number(let p), .number(let q)):
                if p.count != q.count { return p.count < q.count }
                if p != q { return p.lexicographicallyPrecedes(q) }
            case (.text(let p), .text(let q)):
                if p != q { return p.lexicographicallyPrecedes(q) }
            case (.number, .text): return false
            case (.text, .number): return true
            }
        }
        if a.count != b.count { return a.count < b.count }
        return lhs.string < rhs.string
    }
}

/// How a kernel module file is compressed, from its name (`zfs.ko`, `zfs.ko.xz`, `.zst`, `.gz`).
public enum ModuleCompression: String, Sendable, Hashable, Codable {
    case none, xz, zstd, gzip

    /// The file-name suffix after `.ko`.
    public var suffix: String {
        switch self {
        case .none: return ""
        case .xz: return ".xz"
        case .zstd: return ".zst"
        case .gzip: return ".gz"
        }
    }
}

/// How a module got into the kernel's module tree, from its path.
public enum ModuleLayout: String, Sendable, Hashable, Codable {
    /// `updates/dkms/` (DKMS on Debian/Ubuntu/Fedora).
    case dkms
    /// Elsewhere under `updates/`.
    case updates
    /// `extra/`, `extra/zfs/`, `extra/zfs/zfs/` (kmod packages, DKMS on RHEL).
    case extra
    /// `weak-updates/` (RHEL kABI symlinks to a kmod built for another kernel).
    case weakUpdates
    /// `extramodules/` (Arch `zfs-linux`).
    case extramodules
    /// Shipped inside the kernel package, `kernel/zfs/` (Ubuntu).
    case builtIn
    case other
}

/// A `zfs`/`spl` kernel module file found for a kernel.
public struct KernelModuleFile: Sendable, Hashable, Codable {
    /// `zfs`, `spl`.
    public var module: String
    /// Absolute path on the target system.
    public var path: String
    public var compression: ModuleCompression
    public var layout: ModuleLayout

    public init(module: String, path: String, compression: ModuleCompression, layout: ModuleLayout) {
        self.module = module
        self.path = path
        self.compression = compression
        self.layout = layout
    }
}

/// An installed kernel: a module directory that has a kernel image.
public struct Kernel: Sendable, Hashable, Codable {
    public var release: KernelRelease
    /// `/lib/modules/<release>` (or `/usr/lib/modules/<release>`).
    public var modulesDirectory: String
    /// The image that proves the kernel is installed.
    public var image: String
    /// The zfs/spl module files found, in path order.
    public var modules: [KernelModuleFile]

    public init(release: KernelRelease, modulesDirectory: String, image: String, modules: [KernelModuleFile] = []) {
        self.release = release
        self.modulesDirectory = modulesDirectory
        self.image = image
        self.modules = modules
    }

    public func modules(named name: String) -> [KernelModuleFile] { modules.filter { $0.module == name } }
    public func hasModule(_ name: String) -> Bool { modules.contains { $0.module == name } }
}

/// What `KernelScanner` found: kernels (newest last) and module directories without an image
/// (left behind by removed kernels; not kernels, reported so the user can clean up).
public struct KernelInventory: Sendable, Hashable, Codable {
    public var kernels: [Kernel]
    public var leftovers: [String]

    public init(kernels: [Kernel] = [], leftovers: [String] = []) {
        self.kernels = kernels
        self.leftovers = leftovers
    }

    public var newest: Kernel? { kernels.last }
}
