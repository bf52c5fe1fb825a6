/// The distro families kldload supports. Derived from `ID`, then from `ID_LIKE` in order.
public enum DistroFamily: String, Sendable, Hashable, Codable, CaseIterable {
    /// Debian, Ubuntu, Linux Mint, Pop!_OS and other derivatives: apt/dpkg.
    case debian
    /// Fedora, RHEL and its rebuilds (CentOS, Rocky, AlmaLinux, Oracle Linux): dnf/rpm.
    case rhel
    /// Arch Linux, Manjaro, EndeavourOS: pacman.
    case arch
    case unknown

    /// The family of one os-release `ID` value (lower case), `nil` when the ID is not known.
    public static func of(id: String) -> DistroFamily? {
        switch id.lowercased() {
        case "debian", "ubuntu", "linuxmint", "pop", "elementary", "zorin", "kali", "raspbian",
             "devuan", "pureos", "neon", "mx", "deepin", "parrot", "tails":
            return .debian
        case "fedora", "rhel", "centos", "rocky", "almalinux", "ol", "oracle", "scientific",
             "circle", "eurolinux", "navylinux", "nobara", "amzn", "cloudlinux", "virtuozzo":
            return .rhel
        case "arch", "archarm", "manjaro", "manjaro-arm", "endeavouros", "garuda", "artix", "cachyos", "arcolinux":
            return .arch
        default:
            return nil
        }
    }
}

/// `/etc/os-release` (os-release(5)). Unknown keys are kept in `fields`.
public struct OSRelease: Sendable, Hashable, Codable {
    /// Every assignment in file order semantics (a later assignment of the same key wins).
    public var fields: [String: String]

    public init(fields: [String: String]) { self.fields = fields }

    public subscript(key: String) -> String? { fields[key] }

    /// `ID`, lower case; os-release(5) says it defaults to `linux`.
    public var id: String { fields["ID"] ?? "linux" }
    /// `ID_LIKE`, a space-separated list, closest relative first.
    public var idLike: [String] { (fields["ID_LIKE"] ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
    public var versionID: String? { fields["VERSION_ID"] }
    public var versionCodename: String? { fields["VERSION_CODENAME"] }
    /// `NAME`, defaulting to `Linux` as os-release(5) says.
    public var name: String { fields["NAME"] ?? "Linux" }
    /// `PRETTY_NAME`, defaulting to `Linux` as os-release(5) says.
    public var prettyName: String { fields["PRETTY_NAME"] ?? "Linux" }
    public var version: String? { fields["VERSION"] }

    /// The family from `ID`, then from each `ID_LIKE` entry in order.
    public var family: DistroFamily {
        if let f = DistroFamily.of(id: id) { return f }
        for like in idLike {
            if let f = DistroFamily.of(id: like) { return f }
        }
        return .unknown
    }

    public var packageManager: PackageManager? { PackageManager(family: family) }
}
