import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Timing and child-process helpers: monotonic clock, medians, and `posix_spawn` + `wait4`
/// so every measured program (our own case runner, `awk`, `kbe`, `kupgrade`) reports its own
/// wall time and peak resident set size (`ru_maxrss`).
enum Measure {
    static func nowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// CPU time (user + system) this process has used so far: a span of it is the work done in
    /// the span, which waiting for a core on a busy machine does not inflate.
    static func cpuNowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    static func median(_ values: [UInt64]) -> UInt64 {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        if s.count % 2 == 1 { return s[s.count / 2] }
        return (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    struct ChildResult {
        var wallNs: UInt64
        /// Peak RSS in KiB (Linux `ru_maxrss`).
        var maxRSSKiB: Int
        /// User + system CPU time of the child (`ru_utime + ru_stime`): unlike wall time, not
        /// inflated by other work waiting for the same cores.
        var cpuNs: UInt64 = 0
        /// Exit code, or 128 + signal.
        var exitCode: Int32
        var stdout: String
        var stderr: String
    }

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// Finds `program` in PATH (or uses it as given when it contains a `/`).
    static func resolve(_ program: String) -> String? {
        if program.contains("/") { return program }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Runs argv (no shell) with stdin `/dev/null`, stdout and stderr to temporary files (so a
    /// child writing a lot never blocks), waits with `wait4` and returns wall time from just
    /// before `posix_spawn` to the reap, the child's peak RSS, its status and its output.
    static func run(_ argv: [String], environment: [String: String]? = nil) throws -> ChildResult {
        guard let first = argv.first, let path = resolve(first) else {
            throw SpawnError(description: "program not found in PATH: \(argv.first ?? "")")
        }
        let tmp = NSTemporaryDirectory()
        let outPath = tmp + "/kldload-bench-\(getpid())-out"
        let errPath = tmp + "/kldload-bench-\(getpid())-err"
        defer { unlink(outPath); unlink(errPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var cArgv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let start = nowNs()
        let rc = posix_spawn(&pid, path, &actions, nil, &cArgv, &cEnv)
        guard rc == 0 else {
            throw SpawnError(description: "posix_spawn \(path): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            if errno != EINTR { throw SpawnError(description: "wait4: \(String(cString: strerror(errno)))") }
        }
        let wall = nowNs() - start
        let exitCode: Int32
        if status & 0x7f == 0 {
            exitCode = (status >> 8) & 0xff
        } else {
            exitCode = 128 + (status & 0x7f)
        }
        let out = FileManager.default.contents(atPath: outPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let err = FileManager.default.contents(atPath: errPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let cpu = (UInt64(usage.ru_utime.tv_sec) + UInt64(usage.ru_stime.tv_sec)) * 1_000_000_000
            + (UInt64(usage.ru_utime.tv_usec) + UInt64(usage.ru_stime.tv_usec)) * 1000
        return ChildResult(wallNs: wall, maxRSSKiB: Int(usage.ru_maxrss), cpuNs: cpu, exitCode: exitCode, stdout: out, stderr: err)
    }
}

extension Measure {
    /// The child's own peak RSS in KiB, measured by GNU time (`/usr/bin/time -f %M`), which
    /// forks (fresh accounting, its own small address space) before exec; nil without it.
    static func peakRSS(_ argv: [String]) -> Int? {
        guard access("/usr/bin/time", X_OK) == 0 else { return nil }
        let out = NSTemporaryDirectory() + "/kldload-bench-\(getpid())-time"
        defer { unlink(out) }
        guard let r = try? run(["/usr/bin/time", "-f", "%M", "-o", out] + argv), r.exitCode == 0 || r.exitCode < 128,
              let text = FileManager.default.contents(atPath: out).map({ String(decoding: $0, as: UTF8.self) })
        else { return nil }
        return text.split(separator: "\n").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
}

/// Number formatting for the report.
enum Fmt {
    static func ms(_ ns: UInt64) -> String { String(format: "%.2f", Double(ns) / 1e6) }
    static func mb(_ kib: Int) -> String { String(format: "%.1f", Double(kib) / 1024) }
    static func rate(_ lines: Int, _ ns: UInt64) -> String {
        guard ns > 0 else { return "-" }
        let r = Double(lines) / (Double(ns) / 1e9)
        if r >= 1e6 { return String(format: "%.2fM", r / 1e6) }
        return String(format: "%.0fk", r / 1e3)
    }
    static func nsPerLine(_ ns: UInt64, _ lines: Int) -> String {
        String(format: "%.0f", Double(ns) / Double(max(1, lines)))
    }
    static func ratio(_ a: UInt64, _ b: UInt64) -> String {
        guard b > 0 else { return "-" }
        return String(format: "%.2f", Double(a) / Double(b))
    }
    static func count(_ n: Int) -> String {
        if n >= 1_000_000 && n % 1_000_000 == 0 { return "\(n / 1_000_000)M" }
        if n >= 1000 && n % 1000 == 0 { return "\(n / 1000)k" }
        return String(n)
    }
}
