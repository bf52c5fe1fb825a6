/// The one place the kldload version string lives (`kbe --version`, `kupgrade --version`,
/// user properties written on checkpoints).
public enum KldloadVersion {
    public static let current = "0.1.0"
}
