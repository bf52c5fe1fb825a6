/// `hypot` and `hypotf` in pure Swift, for the installed `kldload` binary's glibc floor.
///
/// The static Swift runtime calls `hypot` (Foundation's `CGFloat`) and `hypotf` (the `Glibc`
/// overlay). Linked against glibc 2.35 or later, those references bind to the
/// `hypot@GLIBC_2.35`/`hypotf@GLIBC_2.35` versions, and the binary refuses to start on the
/// EL 9 family (glibc 2.34). The `kldload` executable exports these two functions under the C
/// names (`Sources/kldload/GlibcFloor.swift`), so the runtime's references bind inside the
/// binary and no versioned libm symbol is needed (Docs/INSTALL.md, "The glibc floor").
///
/// `hypot` is the algorithm glibc 2.35 itself uses on x86-64 without FMA: scale out of the
/// overflow and underflow ranges, take the square root of the sum of squares, then one
/// correction step from the exact error of that square root (C. F. Borges, "An Improved
/// Algorithm for hypot(a, b)", arXiv:1904.09481, 2019, fused-free variant). The tests compare
/// it with the system's libm bit for bit. Unlike libm it does not set `errno` on overflow
/// (nothing in the runtime reads it).
package enum Hypot {
    /// √(x² + y²) without undue overflow or underflow; ±∞ beats NaN, as C requires.
    public static func hypot(_ x: Double, _ y: Double) -> Double {
        if !x.isFinite || !y.isFinite {
            if (x.isInfinite || y.isInfinite) && !x.isSignalingNaN && !y.isSignalingNaN { return .infinity }
            return x + y
        }
        let x = x.magnitude, y = y.magnitude
        let big = max(x, y), small = min(x, y)
        let scale = 0x1p-600
        if big > 0x1p+511 {                                 // the squares would overflow
            if small <= big * 0x1p-54 { return big + small }
            return kernel(big * scale, small * scale) / scale
        }
        // The correction terms (delta², small·delta) lose bits as subnormals well before the
        // squares do: glibc scales below 2^-459, not 2^-511 (with 2^-511, 274 of 20 million
        // random pairs with the smaller one in 2^-511…2^-508 differed from libm in the last bit).
        if small < 0x1p-459 {                               // the squares or the correction would underflow
            if big >= small / 0x1p-54 { return big + small }
            return kernel(big / scale, small / scale) * scale
        }
        if small <= big * 0x1p-54 { return big + small }    // small does not reach big's last bit
        return kernel(big, small)
    }

    /// `hypotf`: the float sum of squares is exact enough in double, as in glibc.
    public static func hypotf(_ x: Float, _ y: Float) -> Float {
        if !x.isFinite || !y.isFinite {
            if (x.isInfinite || y.isInfinite) && !x.isSignalingNaN && !y.isSignalingNaN { return .infinity }
            return x + y
        }
        let dx = Double(x), dy = Double(y)
        return Float((dx * dx + dy * dy).squareRoot())
    }

    /// big ≥ small > 0, both in a range where the squares neither overflow nor underflow.
    /// `squareRoot()` is the sqrtsd instruction, not a libm call.
    private static func kernel(_ big: Double, _ small: Double) -> Double {
        var h = (big * big + small * small).squareRoot()
        let t1: Double, t2: Double
        if h <= 2 * small {
            let delta = h - small
            t1 = big * (2 * delta - big)
            t2 = (delta - 2 * (big - small)) * delta
        } else {
            let delta = h - big
            t1 = 2 * delta * (big - 2 * small)
            t2 = (4 * delta - small) * small + delta * delta
        }
        h -= (t1 + t2) / (2 * h)
        return h
    }
}
