import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What one `write(2)` call did: wrote some bytes, or failed with an errno.
public enum ConsoleWriteResult: Sendable, Hashable {
    case wrote(Int)
    case failed(errno: Int32)
}

/// One output stream of the process (stdout or stderr), written with `write(2)` and never able
/// to stop a run.
///
/// Foundation's `FileHandle.write(_:)` traps when the reader has gone (`kupgrade | head`, a
/// killed `tee`, `less` quit early): with SIGPIPE ignored the write returns EPIPE and Foundation
/// turns that into a crash. Here a write loops over partial writes and EINTR; the first error
/// (EPIPE, EIO, ENOSPC, EBADF…) marks the stream *lost*: it is remembered (`loss`) and every
/// later write is dropped without another system call. The caller goes on with its work; the
/// upgrade log still has every line, and kupgrade notes the loss there.
///
/// Every executable writes its human output and its JSON through the two shared streams,
/// `ConsoleStream.standardOutput` and `.standardError` (never through `FileHandle` or `print`).
public final class ConsoleStream: Sendable {
    /// Why a stream was given up.
    public struct Loss: Sendable, Hashable, CustomStringConvertible {
        public var stream: String
        public var errno: Int32
        /// Bytes that had been written before the loss.
        public var bytesWritten: Int

        public var description: String {
            "\(stream) was lost (\(String(cString: strerror(errno)))) after \(bytesWritten) bytes"
        }
    }

    /// `stdout` or `stderr` (for messages).
    public let name: String
    /// The file descriptor, or nil for a stream that is not a descriptor (tests).
    public let fileDescriptor: Int32?
    private let rawWrite: @Sendable (UnsafeRawBufferPointer) -> ConsoleWriteResult
    /// Held for a whole `write`, so lines from two threads never interleave.
    private let state = Mutex(State())
    private struct State {
        var lost: Loss?
        /// Bytes written so far.
        var written = 0
    }

    /// A stream over a file descriptor (1 or 2 for the process's own). Ignores SIGPIPE for the
    /// whole process so a closed reader gives EPIPE here instead of killing us.
    public convenience init(fileDescriptor fd: Int32, name: String) {
        SignalForwarder.ignoreSIGPIPE()
        self.init(name: name, fileDescriptor: fd) { buffer in
            let n = Glibc.write(fd, buffer.baseAddress, buffer.count)
            return n < 0 ? .failed(errno: errno) : .wrote(n)
        }
    }

    /// A stream over any `write(2)`-like function (unit tests inject partial writes, EINTR, EPIPE).
    public init(name: String, fileDescriptor: Int32? = nil,
                write: @escaping @Sendable (UnsafeRawBufferPointer) -> ConsoleWriteResult)
    {
        self.name = name
        self.fileDescriptor = fileDescriptor
        self.rawWrite = write
    }

    public static let standardOutput = ConsoleStream(fileDescriptor: 1, name: "stdout")
    public static let standardError = ConsoleStream(fileDescriptor: 2, name: "stderr")

    /// Set once the first write failed; nil while the stream works.
    public var loss: Loss? { state.withLock { $0.lost } }

    /// True when this stream is a terminal (outside text is then sanitized before printing).
    public var isTerminal: Bool { fileDescriptor.map { isatty($0) == 1 } ?? false }

    /// Writes all of `text`. Returns false when the stream is (or just became) lost. Never throws,
    /// never traps. Whole calls are serialized so lines from two threads do not interleave.
    @discardableResult
    public func write(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return state.withLock { $0.lost == nil } }
        return state.withLock { state -> Bool in
            guard state.lost == nil else { return false }
            var offset = 0
            var zeroWrites = 0
            var wouldBlock = 0
            while offset < bytes.count {
                let result = bytes.withUnsafeBytes { all in
                    rawWrite(UnsafeRawBufferPointer(rebasing: all[offset...]))
                }
                switch result {
                case .wrote(let n) where n > 0:
                    offset += n
                    state.written += n
                    zeroWrites = 0
                    wouldBlock = 0
                case .wrote:
                    // write(2) returning 0 for a non-empty buffer: give it a few chances, then
                    // treat the stream as gone rather than spinning.
                    zeroWrites += 1
                    if zeroWrites > 8 { state.lost = Loss(stream: name, errno: EIO, bytesWritten: state.written); return false }
                case .failed(let e) where e == EINTR:
                    continue
                case .failed(let e) where e == EAGAIN || e == EWOULDBLOCK:
                    // A non-blocking descriptor (a terminal someone set O_NONBLOCK on): wait until
                    // it can take more, a bounded number of times.
                    wouldBlock += 1
                    if wouldBlock > 100 { state.lost = Loss(stream: name, errno: e, bytesWritten: state.written); return false }
                    if let fd = fileDescriptor {
                        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                        _ = poll(&p, 1, 100)
                    }
                case .failed(let e):
                    state.lost = Loss(stream: name, errno: e, bytesWritten: state.written)
                    return false
                }
            }
            return true
        }
    }

    /// `text` and a newline.
    @discardableResult
    public func writeLine(_ text: String) -> Bool { write(text + "\n") }
}

/// The process's console: where human output, JSON and questions go. Part of `SystemContext`,
/// so the library can ask afterwards whether output was lost (kupgrade notes it in its log).
public struct Console: Sendable {
    public var output: ConsoleStream
    public var error: ConsoleStream

    public init(output: ConsoleStream, error: ConsoleStream) {
        self.output = output
        self.error = error
    }

    /// The process's own stdout and stderr.
    public static let standard = Console(output: .standardOutput, error: .standardError)

    /// The streams that were lost so far, stdout first.
    public var losses: [ConsoleStream.Loss] { [output.loss, error.loss].compactMap { $0 } }
}
