/// The state `dkms status` reports for a module/version (and kernel/arch).
public enum DKMSState: Sendable, Hashable, Codable, CustomStringConvertible {
    case added
    case built
    case installed
    /// `installed-weak from <kernel>`: a weak-updates symlink to a module built for another kernel.
    case installedWeak(from: String?)
    /// Source directory or its symlink missing; needs manual intervention.
    case broken
    /// Anything else dkms might print; kept verbatim.
    case other(String)

    public init(word: String, from: String? = nil) {
        switch word {
        case "added": self = .added
        case "built": self = .built
        case "installed": self = .installed
        case "installed-weak": self = .installedWeak(from: from)
        case "broken": self = .broken
        default: self = .other(word)
        }
    }

    public var description: String {
        switch self {
        case .added: return "added"
        case .built: return "built"
        case .installed: return "installed"
        case .installedWeak(let from): return from.map { "installed-weak from \($0)" } ?? "installed-weak"
        case .broken: return "broken"
        case .other(let s): return s
        }
    }

    /// The module files are in place for the kernel (installed or weak-installed).
    public var isInstalled: Bool {
        switch self {
        case .installed, .installedWeak: return true
        default: return false
        }
    }
}

/// One line of `dkms status`.
public struct DKMSModule: Sendable, Hashable, Codable {
    public var name: String
    public var version: String
    /// `nil` for `added` and `broken` lines, which name no kernel.
    public var kernel: String?
    public var arch: String?
    public var state: DKMSState
    /// The parenthesised remarks after the state, without parentheses, in order, e.g.
    /// `original_module exists`, `WARNING! Diff between built and installed module!` (dkms ≤ 3.0),
    /// `Original modules exist`, `Differences between built and installed modules` (dkms 3.1+).
    public var notes: [String]

    public init(name: String, version: String, kernel: String? = nil, arch: String? = nil,
                state: DKMSState, notes: [String] = []) {
        self.name = name
        self.version = version
        self.kernel = kernel
        self.arch = arch
        self.state = state
        self.notes = notes
    }

    /// dkms found the installed module file differs from the one it built, or some built modules
    /// are missing from the kernel's module tree: the state says installed but it may not be.
    public var hasInstallMismatch: Bool {
        notes.contains { n in
            let l = n.lowercased()
            return l.contains("diff between built and installed") || l.contains("differences between built and installed")
                || l.contains("missing some built modules") || l.contains("built modules are missing")
        }
    }
}

/// Everything `dkms status` printed: the module lines and every other message (warnings,
/// errors, deprecation notices) in order, verbatim.
public struct DKMSStatus: Sendable, Hashable, Codable {
    public var modules: [DKMSModule]
    public var warnings: [String]

    public init(modules: [DKMSModule] = [], warnings: [String] = []) {
        self.modules = modules
        self.warnings = warnings
    }

    public func modules(named name: String) -> [DKMSModule] { modules.filter { $0.name == name } }

    public func modules(forKernel kernel: String) -> [DKMSModule] { modules.filter { $0.kernel == kernel } }

    /// The state of `name` for `kernel` (any version, any arch), preferring an installed entry;
    /// `nil` when dkms lists no such module for that kernel.
    public func state(of name: String, kernel: String) -> DKMSState? {
        let matches = modules.filter { $0.name == name && $0.kernel == kernel }
        return (matches.first { $0.state.isInstalled } ?? matches.first)?.state
    }
}
