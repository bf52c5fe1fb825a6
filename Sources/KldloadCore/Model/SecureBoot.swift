/// Secure Boot as the firmware reports it.
public enum SecureBootMode: String, Sendable, Hashable, Codable {
    /// Firmware enforces signatures (SecureBoot=1, SetupMode=0).
    case enabled
    case disabled
    /// No Platform Key enrolled: nothing is enforced, keys can be enrolled.
    case setupMode
    /// Legacy BIOS boot, no EFI variables, or the state cannot be read.
    case unsupported
}

/// Where a `SecureBootState` came from.
public enum SecureBootSource: String, Sendable, Hashable, Codable {
    case efivars
    case mokutil
}

/// Whether Secure Boot enforces module signatures on this machine, and who said so (the
/// `SecureBoot` EFI variable, or `mokutil --sb-state`).
public struct SecureBootState: Sendable, Hashable, Codable {
    public var mode: SecureBootMode
    public var source: SecureBootSource
    /// `mokutil --sb-state` printed `SecureBoot validation is disabled in shim`: shim (and so
    /// the kernel) does not verify signatures although the firmware has Secure Boot on.
    public var shimValidationDisabled: Bool

    public init(mode: SecureBootMode, source: SecureBootSource, shimValidationDisabled: Bool = false) {
        self.mode = mode
        self.source = source
        self.shimValidationDisabled = shimValidationDisabled
    }

    /// Unsigned kernel modules will be refused: Secure Boot on and shim validating.
    public var isEnforcing: Bool { mode == .enabled && !shimValidationDisabled }
}
