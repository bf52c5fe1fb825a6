import KldloadCore

// The installed binary's glibc floor (Docs/INSTALL.md, "The glibc floor"). Three C functions
// that the statically linked runtimes call got versions newer than glibc 2.34:
//   hypot, hypotf  Foundation's CGFloat and the Glibc overlay; glibc 2.35 re-versioned them;
//   arc4random     libstdc++'s std::random_device (pulled in by its COW-string instantiations);
//                  new in glibc 2.36.
// Defined here under their C names, these references bind inside this binary, so it starts on
// glibc 2.34 (RHEL, Rocky and Alma 9). SymbolFloorTests fails if a newer version comes back.

@_cdecl("hypot")
public func kldloadHypot(_ x: Double, _ y: Double) -> Double { Hypot.hypot(x, y) }

@_cdecl("hypotf")
public func kldloadHypotf(_ x: Float, _ y: Float) -> Float { Hypot.hypotf(x, y) }

/// Swift's SystemRandomNumberGenerator reads getrandom(2) (GLIBC_2.25), never arc4random.
@_cdecl("arc4random")
public func kldloadArc4random() -> UInt32 {
    var generator = SystemRandomNumberGenerator()
    return generator.next()
}
