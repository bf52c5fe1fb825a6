import Foundation

/// The `expand:` section of `zpool status` (OpenZFS 2.3, raidz expansion), as printed by
/// `print_raidz_expand_status` in `cmd/zpool/zpool_main.c`:
///
/// ```
/// expand: expansion of raidz1-0 in progress since Sat Dec  5 12:40:01 2026
///         120M / 256M copied at 2.01M/s, 46.88% done, 00:01:07 to go
/// expand: expanded raidz1-0 copied 256M in 00:02:10, on Sat Dec  5 12:42:11 2026
/// ```
/// The figures line ends in `, N to go`, `, paused for resilver or clear` or
/// `, (copy is slow, no estimated time)`.
public struct RaidzExpansion: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable { case inProgress, finished, unknown }

    public var state: State
    /// The raidz vdev being expanded (`raidz1-0`).
    public var vdev: String?
    public var copied: NiceNumber?
    public var total: NiceNumber?
    public var percentDone: Double?
    public var timeToGo: String?
    /// The expansion waits for a resilver or `zpool clear` (a device failed during it).
    public var pausedForResilver: Bool = false
    public var duration: String?
    public var startedText: String?
    public var endedText: String?
}

package enum RaidzExpansionParser {
    /// Never fails: unknown wording gives state `.unknown` with whatever was recognized.
    public static func parse(_ section: String) -> RaidzExpansion {
        var r = RaidzExpansion(state: .unknown)
        let lines = section.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first.map({ ZpoolStatusParser.trimWhitespace($0) }) else { return r }
        if first.hasPrefix("expansion of "), let inR = first.range(of: " in progress since ") {
            r.state = .inProgress
            r.vdev = String(first[first.index(first.startIndex, offsetBy: "expansion of ".count)..<inR.lowerBound])
            r.startedText = String(first[inR.upperBound...])
        } else if first.hasPrefix("expanded ") {
            r.state = .finished
            let body = first.dropFirst("expanded ".count)
            if let copiedR = body.range(of: " copied ") {
                r.vdev = String(body[..<copiedR.lowerBound])
                let rest = body[copiedR.upperBound...]
                let amount = rest.prefix { $0 != " " }
                r.copied = NiceNumber.parse(amount)
                if let inR = rest.range(of: " in "), let onR = rest.range(of: ", on ", range: inR.upperBound..<rest.endIndex) {
                    r.duration = String(rest[inR.upperBound..<onR.lowerBound])
                    r.endedText = String(rest[onR.upperBound...])
                }
            }
        }
        for line in lines.dropFirst() {
            for clause in line.components(separatedBy: ", ") {
                let c = ZpoolStatusParser.trimWhitespace(Substring(clause))
                if c.hasSuffix("% done") {
                    r.percentDone = Double(c.dropLast("% done".count).replacingOccurrences(of: ",", with: "."))
                } else if c.hasSuffix(" to go") {
                    r.timeToGo = String(c.dropLast(" to go".count))
                } else if c.hasPrefix("paused for resilver") {
                    r.pausedForResilver = true
                } else if let copiedR = c.range(of: " copied") {
                    // "120M / 256M copied at 2.01M/s"
                    let words = c[..<copiedR.lowerBound].split(separator: " ")
                    if let w = words.first { r.copied = NiceNumber.parse(w) }
                    if words.count == 3, words[1] == "/" { r.total = NiceNumber.parse(words[2]) }
                }
            }
        }
        return r
    }
}

extension PoolStatus {
    /// The raidz expansion `zpool status` reported (OpenZFS 2.3+), if any.
    public var expansion: RaidzExpansion? {
        otherSections["expand"].map(RaidzExpansionParser.parse)
    }
}
