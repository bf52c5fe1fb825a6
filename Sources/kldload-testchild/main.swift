// Test child for the runner tests (never shipped). See Tests/KldloadCoreTests/ProcessRunnerTests.swift.
// Everything is written with write(2) directly: no stdio buffering to reason about.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

func put(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    putBytes(fd, &bytes, bytes.count)
}

func putBytes(_ fd: Int32, _ bytes: UnsafeMutablePointer<UInt8>, _ count: Int) {
    var offset = 0
    while offset < count {
        let n = write(fd, bytes + offset, count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            exit(74)
        }
        offset += n
    }
}

func usage() -> Never {
    put(2, """
        usage: kldload-testchild MODE [ARGS]
          flood BYTES        write BYTES to stdout and BYTES to stderr, interleaved in chunks
          exit N             exit with status N
          kill-self SIG      kill ourselves with signal SIG
          echo-env NAME...   print NAME=value (or NAME unset) per name
          lines N [MS]       print "line 1".."line N", sleeping MS (default 20) between lines
          write TEXT         write TEXT to stdout verbatim (no newline added)
          write-err TEXT     write TEXT to stderr verbatim
          args ARG...        print each argument as [ARG] on its own line
          wait-signal        print "ready", wait for SIGINT/SIGTERM, print "got SIGINT"/"got SIGTERM",
                             exit 130/143 (gives up after 20 s with status 99)
          sigmask            print the blocked signals (1-31) as "blocked: 2 15" or "blocked: none"
          cat                copy stdin to stdout
          spawn-holder       start a grandchild (wait-signal) that keeps our stdout/stderr open, print
                             "holder PID" and exit 0 at once (like a daemon started by a postinst)

        """)
    exit(64)
}

let args = CommandLine.arguments
guard args.count >= 2 else { usage() }

func intArg(_ i: Int) -> Int {
    guard i < args.count, let v = Int(args[i]) else { usage() }
    return v
}

switch args[1] {
case "flood":
    let total = intArg(2)
    // 64-byte lines: 63 printable bytes and a newline, so the sink path sees many lines.
    let line = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-".utf8) + [0x0A]
    let chunkSize = 16 * 1024
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    for i in 0..<chunkSize { chunk[i] = line[i % line.count] }
    var left = total
    while left > 0 {
        let n = min(left, chunkSize)
        putBytes(1, &chunk, n)
        putBytes(2, &chunk, n)
        left -= n
    }
    exit(0)

case "exit":
    exit(Int32(truncatingIfNeeded: intArg(2)))

case "kill-self":
    let sig = Int32(truncatingIfNeeded: intArg(2))
    signal(sig, SIG_DFL)
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, sig)
    sigprocmask(SIG_UNBLOCK, &set, nil)
    kill(getpid(), sig)
    sleep(5)
    exit(98)

case "echo-env":
    for name in args.dropFirst(2) {
        if let value = getenv(name) {
            put(1, "\(name)=\(String(cString: value))\n")
        } else {
            put(1, "\(name) unset\n")
        }
    }
    exit(0)

case "lines":
    let count = intArg(2)
    let ms = args.count > 3 ? intArg(3) : 20
    for i in 1...max(count, 1) where count > 0 {
        put(1, "line \(i)\n")
        if i < count { usleep(UInt32(max(ms, 0)) * 1000) }
    }
    exit(0)

case "write":
    guard args.count > 2 else { usage() }
    put(1, args[2])
    exit(0)

case "write-err":
    guard args.count > 2 else { usage() }
    put(2, args[2])
    exit(0)

case "args":
    for a in args.dropFirst(2) { put(1, "[\(a)]\n") }
    exit(0)

case "wait-signal":
    signal(SIGINT) { _ in
        // Async-signal-safe: a static string and write(2), then _exit.
        let msg: StaticString = "got SIGINT\n"
        _ = write(1, msg.utf8Start, msg.utf8CodeUnitCount)
        _exit(130)
    }
    signal(SIGTERM) { _ in
        // Async-signal-safe: a static string and write(2), then _exit.
        let msg: StaticString = "got SIGTERM\n"
        _ = write(1, msg.utf8Start, msg.utf8CodeUnitCount)
        _exit(143)
    }
    put(1, "ready\n")
    // Never outlive a broken test run.
    for _ in 0..<200 { usleep(100_000) }
    put(1, "timed out\n")
    exit(99)

case "sigmask":
    var set = sigset_t()
    sigprocmask(SIG_BLOCK, nil, &set)
    let blocked = (1...31).filter { sigismember(&set, Int32($0)) == 1 }
    put(1, blocked.isEmpty ? "blocked: none\n" : "blocked: " + blocked.map(String.init).joined(separator: " ") + "\n")
    exit(0)

case "cat":
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(0, &buffer, buffer.count)
        if n < 0 {
            if errno == EINTR { continue }
            exit(74)
        }
        if n == 0 { break }
        putBytes(1, &buffer, n)
    }
    exit(0)

case "spawn-holder":
    var pid: pid_t = 0
    let me = CommandLine.arguments[0]
    let childArgs = [me, "wait-signal"]
    var cArgs: [UnsafeMutablePointer<CChar>?] = childArgs.map { strdup($0) } + [nil]
    let rc = posix_spawn(&pid, me, nil, nil, &cArgs, environ)
    guard rc == 0 else {
        put(2, "posix_spawn failed: \(rc)\n")
        exit(71)
    }
    put(1, "holder \(pid)\n")
    exit(0)

default:
    usage()
}
