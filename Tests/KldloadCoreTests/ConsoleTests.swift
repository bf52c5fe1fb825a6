import Foundation
import Testing

@testable import KldloadCore

#if canImport(Glibc)
import Glibc
#endif

/// A fake `write(2)`: a script of results, then everything accepted; records every call.
final class ScriptedWrite: @unchecked Sendable {
    private let lock = NSLock()
    private var script: [ConsoleWriteResult]
    private(set) var calls = 0
    private(set) var received: [UInt8] = []
    /// The most bytes one call accepts (partial writes).
    let chunk: Int

    init(_ script: [ConsoleWriteResult] = [], chunk: Int = .max) {
        self.script = script
        self.chunk = chunk
    }

    var write: @Sendable (UnsafeRawBufferPointer) -> ConsoleWriteResult {
        { [self] buffer in
            lock.withLock {
                calls += 1
                if !script.isEmpty {
                    let next = script.removeFirst()
                    if case .wrote(let n) = next { received += buffer.prefix(n) }
                    return next
                }
                let n = min(chunk, buffer.count)
                received += buffer.prefix(n)
                return .wrote(n)
            }
        }
    }

    var text: String { lock.withLock { String(decoding: received, as: UTF8.self) } }
}

@Suite("console output")
struct ConsoleTests {
    @Test func partialWritesAreCompleted() {
        let fake = ScriptedWrite(chunk: 3)
        let stream = ConsoleStream(name: "stdout", write: fake.write)
        #expect(stream.writeLine("checking pool health... rpool ONLINE"))
        #expect(fake.text == "checking pool health... rpool ONLINE\n")
        #expect(fake.calls == 13)  // 37 bytes, 3 at a time
        #expect(stream.loss == nil)
    }

    @Test func interruptedWritesAreRetried() {
        let fake = ScriptedWrite([.failed(errno: EINTR), .wrote(2), .failed(errno: EINTR)])
        let stream = ConsoleStream(name: "stdout", write: fake.write)
        #expect(stream.write("hello"))
        #expect(fake.text == "hello")
        #expect(stream.loss == nil)
    }

    @Test func brokenPipeLosesTheStreamOnceAndForAll() {
        let fake = ScriptedWrite([.wrote(4), .failed(errno: EPIPE)])
        let stream = ConsoleStream(name: "stdout", write: fake.write)
        #expect(stream.write("one\n") == true)
        #expect(stream.write("two\n") == false)
        let callsAtLoss = fake.calls
        // Later writes are dropped without another system call.
        for _ in 0..<100 { #expect(stream.write("more\n") == false) }
        #expect(fake.calls == callsAtLoss)
        #expect(stream.loss == ConsoleStream.Loss(stream: "stdout", errno: EPIPE, bytesWritten: 4))
        #expect(stream.loss?.description == "stdout was lost (Broken pipe) after 4 bytes")
    }

    @Test func otherErrorsAndEndlessZeroWritesAlsoLoseTheStream() {
        let full = ConsoleStream(name: "stderr", write: ScriptedWrite([.failed(errno: ENOSPC)]).write)
        #expect(!full.write("x"))
        #expect(full.loss?.errno == ENOSPC)
        let stuck = ConsoleStream(name: "stderr", write: ScriptedWrite(Array(repeating: .wrote(0), count: 50)).write)
        #expect(!stuck.write("x"))
        #expect(stuck.loss?.errno == EIO)
    }

    /// A real pipe whose read end is closed: write(2) gives EPIPE (SIGPIPE is ignored by the
    /// stream), and this test process is still alive to check it.
    @Test func realPipeWithClosedReader() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        let stream = ConsoleStream(fileDescriptor: fds[1], name: "stdout")
        #expect(stream.writeLine("DONE") == false)
        #expect(stream.loss?.errno == EPIPE)
        #expect(Console(output: stream, error: ConsoleStream(name: "stderr") { .wrote($0.count) }).losses.map(\.stream) == ["stdout"])
    }

    /// The upgrade goes on when stdout is lost; the log has every line and says output was
    /// lost; the exit status is the run's own.
    @Test func kupgradeNotesTheLossInTheLogAndKeepsItsExitStatus() throws {
        let rig = try KupgradeRig()
        rig.healthyPool()
        rig.aptPlan()
        rig.aptRunSucceeds(stdout: kupgradeFixture("apt/2.6.1-debian12-chroot/apt-get-dist-upgrade-confold.stdout"), result: "success")
        let stdout = ConsoleStream(name: "stdout", write: ScriptedWrite([.failed(errno: EPIPE)]).write)
        rig.console = Console(output: stdout, error: ConsoleStream(name: "stderr") { .wrote($0.count) })
        stdout.write("[kupgrade] detected: apt\n")  // the first line printed loses the stream
        let report = rig.run()
        #expect(report.exitCode == 0)
        #expect(report.warnings.contains { $0.hasPrefix("output lost: stdout was lost (Broken pipe)") })
        let log = String(decoding: rig.files.writtenFiles["/var/log/kupgrade.log"] ?? Data(), as: UTF8.self)
        #expect(log.contains("[kupgrade] DONE"))
        #expect(log.contains("[kupgrade] WARNING: output lost: stdout was lost (Broken pipe) after 0 bytes; the run continued and this log has every line"))
        #expect(log.hasSuffix("[kupgrade] kupgrade finished: success (exit 0)\n"))
    }
}

/// The real executables, with a reader that has gone away.
@Suite("closed output pipe")
struct ClosedPipeProcessTests {
    struct Outcome {
        var reason: Process.TerminationReason
        var status: Int32
        var stderr: String
    }

    /// Runs a built product with stdout (and optionally stderr) on a pipe whose read end is
    /// closed before the program starts.
    static func run(_ product: String, _ arguments: [String], closeStderr: Bool = false) throws -> Outcome {
        let dir = try #require(TestChild.directory, "built products not found")
        let path = dir + "/" + product
        try #require(ProcessRunner.isExecutableFile(path), "\(product) not built next to the tests")
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        let closed = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = closed
        let errPipe = Pipe()
        process.standardError = closeStderr ? closed : errPipe
        try process.run()
        try closed.close()
        try errPipe.fileHandleForWriting.close()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(reason: process.terminationReason, status: process.terminationStatus,
                       stderr: String(decoding: err, as: UTF8.self))
    }

    /// Runs a built product and returns its stdout.
    static func capture(_ product: String, _ arguments: [String]) throws -> String {
        let dir = try #require(TestChild.directory, "built products not found")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dir + "/" + product)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func kupgradeFinishesItsRunWhenStdoutIsClosed() throws {
        let scenario = Fixtures.url("scenarios/kupgrade-debian12-apt").path
        let outcome = try Self.run("kupgrade", ["--replay", scenario])
        #expect(outcome.reason == .exit)
        #expect(outcome.status == 0)
        #expect(!outcome.stderr.contains("Fatal error"))
    }

    @Test func kupgradeJSONRunStillPrintsTheRollbackOnStderr() throws {
        let scenario = Fixtures.url("scenarios/kupgrade-debian12-apt").path
        let outcome = try Self.run("kupgrade", ["--replay", scenario, "--json"])
        #expect(outcome.reason == .exit)
        #expect(outcome.status == 0)
        #expect(outcome.stderr.contains("To roll back:"))
        #expect(outcome.stderr.contains("[kupgrade] DONE"))
    }

    @Test func kupgradeWithBothStreamsClosed() throws {
        let scenario = Fixtures.url("scenarios/kupgrade-debian12-dkms-transaction-failed").path
        let outcome = try Self.run("kupgrade", ["--replay", scenario], closeStderr: true)
        #expect(outcome.reason == .exit)
        #expect(outcome.status == ExitStatus.transactionFailed.rawValue)
    }

    @Test func kbeListAndTheMultiCallBinary() throws {
        let scenario = Fixtures.url("scenarios/kbe-openzfs-2.1-bes").path
        for (product, args) in [("kbe", ["--replay", scenario, "list"]), ("kldload", ["kbe", "--replay", scenario, "list", "-s"])] {
            let outcome = try Self.run(product, args)
            #expect(outcome.reason == .exit, "\(product)")
            #expect(outcome.status == 0, "\(product)")
            #expect(outcome.stderr.isEmpty, "\(product): \(outcome.stderr)")
        }
    }
}
