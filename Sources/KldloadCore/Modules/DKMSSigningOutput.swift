/// What dkms said about its module signing key (`prepare_mok` in the dkms script), read from any
/// output of a dkms build: the package transaction (a zfs-dkms or kernel postinst runs dkms) or
/// kupgrade's own `dkms autoinstall`. Pure and linear; unknown lines are ignored.
///
/// dkms 3.0 and later print, before a build that signs (same wording in 3.0.10 and 3.2.2,
/// captured in Fixtures/dkms/*/build-hello.stdout):
///
///     Signing key: /var/lib/dkms/mok.key
///     Public certificate (MOK): /var/lib/dkms/mok.pub
///     Certificate or key are missing, generating self signed certificate for MOK...
///
/// and, when the pair could not be made, one of `Key file PATH not found and can't be generated,
/// modules won't be signed`, `Certificate file PATH not found and can't be generated, modules
/// won't be signed` (3.0.10 and 3.2.2; captured in the Debian 12 VM without openssl,
/// Fixtures/scenarios/kupgrade-debian12-dkms-transaction-failed) or (3.2.2) `openssl not found,
/// can't generate key and certificate.`. A pair dkms makes is new, so it is not enrolled in the
/// MOK list: under Secure Boot the kernel refuses every module signed with it until it is.
/// (Ubuntu's dkms makes its pair with `update-secureboot-policy --new-key` and queues the
/// enrollment itself, `--enroll-key`; that path prints another sentence and is not an event here.)
///
/// Public for its `Event`, which kupgrade's report carries: `ModuleVerification.dkmsSigningKey`.
public enum DKMSSigningOutput {
    public enum Event: Sendable, Hashable, Codable {
        /// dkms made a new key pair (and signed the modules it built afterwards with it).
        case generated(key: String, certificate: String)
        /// dkms tried to make the pair and could not; the modules it built are unsigned.
        case generationFailed(key: String, certificate: String, message: String)
    }

    static let generating = "Certificate or key are missing, generating self signed certificate for MOK..."

    /// The event of one output: a successful generation wins over a failed one (a later build in
    /// the same output found the pair made), nil when dkms made no attempt.
    package static func scan(_ output: String) -> Event? {
        var key = "/var/lib/dkms/mok.key"
        var certificate = "/var/lib/dkms/mok.pub"
        var generated: Event?
        var failed: Event?
        var attempt = false
        for raw in output.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Signing key: ") {
                key = String(line.dropFirst("Signing key: ".count))
            } else if line.hasPrefix("Public certificate (MOK): ") {
                certificate = String(line.dropFirst("Public certificate (MOK): ".count))
            } else if line == generating {
                attempt = true
                generated = .generated(key: key, certificate: certificate)
            } else if attempt, line.hasSuffix("can't be generated, modules won't be signed")
                        || line == "openssl not found, can't generate key and certificate." {
                failed = .generationFailed(key: key, certificate: certificate, message: line)
                generated = nil
                attempt = false
            } else if attempt, !line.isEmpty {
                attempt = false  // the attempt's outcome lines come right after it
            }
        }
        return generated ?? failed
    }

    /// The event of a whole run: the first output's unless a later one made the pair.
    package static func combine(_ events: [Event?]) -> Event? {
        let all = events.compactMap { $0 }
        return all.last { if case .generated = $0 { return true } else { return false } } ?? all.first
    }
}
