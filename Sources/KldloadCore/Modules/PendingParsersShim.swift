// TEMPORARY stand-in for `KernelRelease`, which the `parsers` branch owns
// (Sources/KldloadCore/Model/Kernel.swift). Delete this file when that branch is merged here.

/// A kernel release string (`uname -r`) with the ordering kernels are sorted by: runs of digits
/// compare numerically, everything else byte-wise (`6.1.0-18-amd64` < `6.1.0-21-amd64` < `6.10.0-1-amd64`).
public struct KernelRelease: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static func < (a: KernelRelease, b: KernelRelease) -> Bool {
        let x = Array(a.rawValue.utf8), y = Array(b.rawValue.utf8)
        var i = 0, j = 0
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while i < x.count && j < y.count {
            if isDigit(x[i]) && isDigit(y[j]) {
                var ie = i, je = j
                while ie < x.count && isDigit(x[ie]) { ie += 1 }
                while je < y.count && isDigit(y[je]) { je += 1 }
                var a0 = i, b0 = j
                while a0 < ie - 1 && x[a0] == 0x30 { a0 += 1 }
                while b0 < je - 1 && y[b0] == 0x30 { b0 += 1 }
                if ie - a0 != je - b0 { return ie - a0 < je - b0 }
                for k in 0..<(ie - a0) where x[a0 + k] != y[b0 + k] { return x[a0 + k] < y[b0 + k] }
                i = ie; j = je
            } else {
                if x[i] != y[j] { return x[i] < y[j] }
                i += 1; j += 1
            }
        }
        return (x.count - i) < (y.count - j)
    }
}
