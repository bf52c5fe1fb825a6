/// One installed (or available) package, in the notation of the package manager that reported it.
///
/// `version` is the upstream part only (dpkg "upstream_version", rpm VERSION, pacman pkgver);
/// `release` is the dpkg revision / rpm RELEASE / pacman pkgrel. `fullVersion` puts them back
/// together exactly as the distro writes it: `[epoch:]version[-release]`.
public struct Package: Sendable, Hashable, Codable {
    public var name: String
    /// `nil` when the package has no epoch (rpm prints `(none)`, dpkg and pacman omit it).
    public var epoch: String?
    public var version: String
    public var release: String?
    /// `nil` when the tool did not say (pacman -Q) or said `(none)` (rpm gpg-pubkey).
    public var arch: String?
    public var fullVersion: String

    public init(name: String, epoch: String? = nil, version: String, release: String? = nil, arch: String? = nil) {
        self.name = name
        self.epoch = epoch
        self.version = version
        self.release = release
        self.arch = arch
        self.fullVersion = Package.joinVersion(epoch: epoch, version: version, release: release)
    }

    public static func joinVersion(epoch: String?, version: String, release: String?) -> String {
        var s = ""
        if let epoch, !epoch.isEmpty { s += epoch + ":" }
        s += version
        if let release, !release.isEmpty { s += "-" + release }
        return s
    }

    /// Splits `[epoch:]version[-release]` (dpkg, rpm EVR and pacman all use this shape):
    /// the epoch ends at the first `:`, the release starts after the last `-`.
    public static func splitVersion(_ full: String) -> (epoch: String?, version: String, release: String?) {
        var rest = Substring(full)
        var epoch: String?
        if let colon = rest.firstIndex(of: ":") {
            let e = rest[..<colon]
            if !e.isEmpty && e.allSatisfy({ $0.isASCII && $0.isNumber }) {
                epoch = String(e)
                rest = rest[rest.index(after: colon)...]
            }
        }
        var release: String?
        if let dash = rest.lastIndex(of: "-"), dash != rest.startIndex {
            release = String(rest[rest.index(after: dash)...])
            rest = rest[..<dash]
        }
        return (epoch, String(rest), release)
    }

    /// Builds a package from a full `[epoch:]version[-release]` string.
    public init(name: String, fullVersion: String, arch: String? = nil) {
        let parts = Package.splitVersion(fullVersion)
        self.init(name: name, epoch: parts.epoch, version: parts.version, release: parts.release, arch: arch)
        self.fullVersion = fullVersion
    }
}

/// A package that a transaction will upgrade, install, downgrade or that has an update available.
/// Versions are full version strings in the distro's notation (`1:2.36-9+deb12u7`, `6.11.4-301.fc41`).
public struct PackageUpgrade: Sendable, Hashable, Codable {
    public var name: String
    public var arch: String?
    /// `nil` for a new install (nothing installed before).
    public var currentVersion: String?
    public var newVersion: String
    /// Repository / release the new version comes from, as the tool printed it.
    public var repository: String?

    public init(name: String, arch: String? = nil, currentVersion: String? = nil, newVersion: String, repository: String? = nil) {
        self.name = name
        self.arch = arch
        self.currentVersion = currentVersion
        self.newVersion = newVersion
        self.repository = repository
    }
}
