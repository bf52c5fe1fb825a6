import Foundation

/// Reads what `dkms autoinstall -k KERNEL` printed (stdout and stderr together) into per-module
/// outcomes. Pure and linear; unknown lines are ignored, so it never fails.
///
/// The sentences, from dell/dkms' `dkms` script (`report_build_problem`, `prepare_build`,
/// `autoinstall`):
/// - build failure, every version:
///   `Error! Bad return status for module build on kernel: KVER (ARCH)` followed by
///   `Consult /var/lib/dkms/<module>/<version>/build/make.log for more information.`
/// - BUILD_EXCLUSIVE, dkms 2.x/3.0 (`die 77`, printed as `Error!`):
///   `Error! The /var/lib/dkms/<m>/<v>/<kver>/<arch>/dkms.conf for module <m> includes a
///   BUILD_EXCLUSIVE directive which does not match this kernel/arch[/config].`; dkms 3.1+
///   (`Warning:`), wrapped over three lines: `Warning: The /var/lib/dkms/<m>/<v>/<kver>/<arch>/dkms.conf`
///   / `for module <m>/<v> includes a BUILD_EXCLUSIVE directive` / `which does not match …`.
///   Very old dkms says `The dkms.conf for this module includes a BUILD_EXCLUSIVE directive` and
///   names no module.
/// - dkms 3.1+ summary lines: `Autoinstall on KVER succeeded for module(s) a b.`,
///   `Autoinstall on KVER was skipped for module(s) c.`,
///   `Autoinstall on KVER failed for module(s) d(10) e(7).` (the exit code in parentheses).
/// - `<m>/<v> autoinstall failed due to missing dependencies: …`.
/// - headers missing, every version (`prepare_kernel`): `Error! Your kernel headers for kernel
///   KVER cannot be found at …` followed by `Please install the linux-headers-KVER package …`. It
///   names no module: every module autoinstall would have built for KVER failed for this reason.
package enum DKMSAutoinstallOutput {
    public struct Parsed: Sendable, Hashable {
        /// Outcomes per module name, in the order first seen.
        public var outcomes: [DKMSBuildOutcome]
        /// dkms printed a BUILD_EXCLUSIVE message without naming the module (very old dkms).
        public var anonymousBuildExclusive: Bool
        /// dkms found no kernel headers for the kernel: its message (without `Error! `), with the
        /// package it advises on the next line. Names no module.
        public var headersMissing: String? = nil
    }

    public static func parse(_ output: String, kernel: String) -> Parsed {
        var order: [String] = []
        var byName: [String: DKMSBuildOutcome] = [:]
        var anonymous = false

        func record(_ module: String, version: String?, result: DKMSBuildOutcome.Result, log: String?, detail: String?) {
            guard !module.isEmpty else { return }
            if var existing = byName[module] {
                // A failure or skip reported in detail is never downgraded by a later summary line.
                if existing.result == .installed || (existing.result == .skipped && result == .failed) { existing.result = result }
                existing.version = existing.version ?? version
                existing.buildLog = existing.buildLog ?? log
                existing.detail = existing.detail ?? detail
                byName[module] = existing
            } else {
                order.append(module)
                byName[module] = DKMSBuildOutcome(module: module, version: version, kernel: kernel, result: result,
                                                  buildLog: log, detail: detail)
            }
        }

        let lines = output.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" })
        var lastBuildError: String?
        var headersMissing: String?
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }

            if headersMissing == nil, line.contains("kernel headers for kernel"), line.contains("cannot be found") {
                let message = line.hasPrefix("Error! ") ? String(line.dropFirst("Error! ".count)) : line
                let advice = nextLines(lines, after: index, count: 1)
                headersMissing = advice.hasPrefix("Please install") ? message + " " + advice : message
                continue
            }

            if line.contains("Bad return status for module build") {
                lastBuildError = line.hasPrefix("Error! ") ? String(line.dropFirst("Error! ".count)) : line
                continue
            }
            if line.hasPrefix("Consult "), let (m, v) = dkmsTreeModule(in: line), line.contains("/build/make.log") || line.contains("/make.log") {
                let log = firstPath(in: line) ?? "/var/lib/dkms/\(m)/\(v)/build/make.log"
                record(m, version: v, result: .failed, log: log, detail: lastBuildError ?? "build failed")
                lastBuildError = nil
                continue
            }
            if line.contains("BUILD_EXCLUSIVE") || (line.contains("dkms.conf") && nextLines(lines, after: index, count: 2).contains("BUILD_EXCLUSIVE")) {
                let window = ([line] + [nextLines(lines, after: index, count: 2)]).joined(separator: " ")
                if let (m, v) = dkmsTreeModule(in: window) {
                    record(m, version: v, result: .skipped, log: nil,
                           detail: "dkms.conf BUILD_EXCLUSIVE does not include kernel \(kernel)")
                } else if let m = moduleAfterForModule(in: window) {
                    let parts = m.split(separator: "/", maxSplits: 1)
                    record(String(parts[0]), version: parts.count > 1 ? String(parts[1]) : nil, result: .skipped, log: nil,
                           detail: "dkms.conf BUILD_EXCLUSIVE does not include kernel \(kernel)")
                } else if line.contains("BUILD_EXCLUSIVE") {
                    anonymous = true
                }
                continue
            }
            if line.hasPrefix("Autoinstall on "), let range = line.range(of: " for module(s) ") {
                let head = line[..<range.lowerBound]
                var names = String(line[range.upperBound...])
                if names.hasSuffix(".") { names.removeLast() }
                let result: DKMSBuildOutcome.Result
                if head.hasSuffix(" succeeded") { result = .installed }
                else if head.hasSuffix(" was skipped") { result = .skipped }
                else if head.hasSuffix(" failed") { result = .failed }
                else { continue }
                for word in names.split(separator: " ") {
                    var name = String(word)
                    var code: String?
                    if name.hasSuffix(")"), let open = name.lastIndex(of: "(") {
                        code = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
                        name = String(name[..<open])
                    }
                    let detail: String? = switch result {
                    case .failed: "dkms autoinstall failed" + (code.map { " (exit status \($0))" } ?? "")
                    case .skipped: "dkms skipped it for kernel \(kernel) (BUILD_EXCLUSIVE)"
                    case .installed: nil
                    }
                    record(name, version: nil, result: result, log: nil, detail: detail)
                }
                continue
            }
            if let r = line.range(of: " autoinstall failed due to missing dependencies:") {
                let mv = line[..<r.lowerBound].split(separator: "/", maxSplits: 1)
                if let m = mv.first {
                    record(String(m), version: mv.count > 1 ? String(mv[1]) : nil, result: .failed, log: nil,
                           detail: "missing build dependencies:" + line[r.upperBound...])
                }
            }
        }
        return Parsed(outcomes: order.compactMap { byName[$0] }, anonymousBuildExclusive: anonymous,
                      headersMissing: headersMissing)
    }

    private static func nextLines(_ lines: [Substring], after index: Int, count: Int) -> String {
        guard index + 1 < lines.count else { return "" }
        let end = min(lines.count, index + 1 + count)
        return lines[(index + 1)..<end].map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    /// `/var/lib/dkms/<module>/<version>/…` anywhere in the text.
    static func dkmsTreeModule(in text: String) -> (String, String)? {
        guard let r = text.range(of: "/var/lib/dkms/") else { return nil }
        let rest = text[r.upperBound...].prefix { !$0.isWhitespace }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    private static func firstPath(in text: String) -> String? {
        guard let r = text.range(of: "/var/lib/dkms/") else { return nil }
        return String(text[r.lowerBound...].prefix { !$0.isWhitespace })
    }

    /// The word after `for module ` (dkms 3.0: `<m>`, 3.1+: `<m>/<v>`).
    private static func moduleAfterForModule(in text: String) -> String? {
        guard let r = text.range(of: "for module ") else { return nil }
        let word = text[r.upperBound...].prefix { !$0.isWhitespace }
        return word.isEmpty ? nil : String(word)
    }
}

/// `BUILD_EXCLUSIVE_*` directives of a module's `dkms.conf` (read from
/// `/var/lib/dkms/<module>/<version>/source/dkms.conf`), so a module that declares a kernel
/// unsupported is skipped before anything is built.
///
/// dkms sources dkms.conf as bash; this reads the plain `NAME=value` / `NAME="value"` /
/// `NAME='value'` assignments, which is how every packaged dkms.conf writes them. The kernel and
/// arch values are bash `=~` regular expressions (POSIX ERE), `…_KERNEL_MIN`/`…_MAX` are versions.
/// `BUILD_EXCLUSIVE_CONFIG` needs the kernel's .config and is left to dkms itself.
public struct DKMSBuildExclusive: Sendable, Hashable {
    public var kernel: String?
    public var arch: String?
    public var kernelMin: String?
    public var kernelMax: String?

    public init(kernel: String? = nil, arch: String? = nil, kernelMin: String? = nil, kernelMax: String? = nil) {
        self.kernel = kernel
        self.arch = arch
        self.kernelMin = kernelMin
        self.kernelMax = kernelMax
    }

    public static func parse(dkmsConf text: String) -> DKMSBuildExclusive {
        var result = DKMSBuildExclusive()
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("BUILD_EXCLUSIVE_"), let eq = line.firstIndex(of: "=") else { continue }
            let name = String(line[..<eq])
            let value = unquote(line[line.index(after: eq)...])
            switch name {
            case "BUILD_EXCLUSIVE_KERNEL": result.kernel = value
            case "BUILD_EXCLUSIVE_ARCH": result.arch = value
            case "BUILD_EXCLUSIVE_KERNEL_MIN": result.kernelMin = value
            case "BUILD_EXCLUSIVE_KERNEL_MAX": result.kernelMax = value
            default: break
            }
        }
        return result
    }

    /// Why the module excludes `kernel` (on `arch`), or nil when it may be built. A regular
    /// expression that does not compile excludes nothing (dkms would decide).
    public func exclusionReason(kernel release: String, arch machine: String?) -> String? {
        if let pattern = kernel, !pattern.isEmpty, let matched = Self.matches(pattern, release), !matched {
            return "BUILD_EXCLUSIVE_KERNEL=\"\(pattern)\" does not match \(release)"
        }
        if let pattern = arch, !pattern.isEmpty, let machine, let matched = Self.matches(pattern, machine), !matched {
            return "BUILD_EXCLUSIVE_ARCH=\"\(pattern)\" does not match \(machine)"
        }
        if let min = kernelMin, !min.isEmpty, KernelRelease(release) < KernelRelease(min) {
            return "BUILD_EXCLUSIVE_KERNEL_MIN=\"\(min)\" is newer than \(release)"
        }
        if let max = kernelMax, !max.isEmpty, KernelRelease(max) < KernelRelease(Self.versionPart(of: release)) {
            return "BUILD_EXCLUSIVE_KERNEL_MAX=\"\(max)\" is older than \(release)"
        }
        return nil
    }

    /// `6.1.0-18-amd64` → `6.1.0` (dkms compares MAX against the numeric version).
    static func versionPart(of release: String) -> String {
        String(release.prefix { $0.isNumber || $0 == "." })
    }

    static func matches(_ pattern: String, _ text: String) -> Bool? {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return nil }
        return re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    private static func unquote(_ s: Substring) -> String {
        var v = s.trimmingCharacters(in: .whitespaces)
        if let hash = v.range(of: " #"), !(v.hasPrefix("\"") || v.hasPrefix("'")) { v = String(v[..<hash.lowerBound]) }
        if v.count >= 2, let f = v.first, f == "\"" || f == "'" {
            if let close = v.dropFirst().firstIndex(of: f) { return String(v[v.index(after: v.startIndex)..<close]) }
            return String(v.dropFirst())
        }
        return v
    }
}
