/// The package managers kupgrade drives. Chosen from the distro family, never from which binary
/// happens to be installed (a Debian host may have `dnf` installed).
public enum PackageManager: String, Sendable, Hashable, Codable, CaseIterable {
    case apt
    case dnf
    case pacman

    /// The manager a distro family uses, `nil` for a family kldload does not support.
    public init?(family: DistroFamily) {
        switch family {
        case .debian: self = .apt
        case .rhel: self = .dnf
        case .arch: self = .pacman
        case .unknown: return nil
        }
    }

    public var family: DistroFamily {
        switch self {
        case .apt: return .debian
        case .dnf: return .rhel
        case .pacman: return .arch
        }
    }

    /// The binary whose presence confirms the choice.
    public var executable: String {
        switch self {
        case .apt: return "apt-get"
        case .dnf: return "dnf"
        case .pacman: return "pacman"
        }
    }

    /// The low-level package database tool of this family (used to list installed packages).
    public var queryTool: String {
        switch self {
        case .apt: return "dpkg-query"
        case .dnf: return "rpm"
        case .pacman: return "pacman"
        }
    }
}
