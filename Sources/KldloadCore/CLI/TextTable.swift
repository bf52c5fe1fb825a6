import Foundation

/// Column output as `zfs list` prints it: a header, columns padded with two spaces, or with
/// `-H` (scripted mode) tab-separated fields and no header.
package struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]]
    /// Columns whose values are right-aligned (sizes, counts).
    public var rightAligned: Set<Int>

    public init(headers: [String], rows: [[String]] = [], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rows = rows
        self.rightAligned = rightAligned
    }

    public func render(scripted: Bool = false) -> String {
        // One output buffer, appended to in place (100,000 rows: Docs/PERFORMANCE.md).
        var out = ""
        if scripted {
            for row in rows {
                for (i, cell) in row.enumerated() {
                    if i > 0 { out.append("\t") }
                    out.append(cell)
                }
                out.append("\n")
            }
            return out
        }
        var widths = headers.map(TextTable.width)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], TextTable.width(cell))
            }
        }
        // The exact size, so the buffer is allocated once: grown by doubling, 100,000 rows
        // peaked at three times the output (the old and the new buffer during the last copy).
        func lineBytes(_ cells: [String]) -> Int {
            var n = 0
            for (i, cell) in cells.enumerated() {
                n += cell.utf8.count
                let isLast = i == cells.count - 1
                if i < widths.count, !isLast || rightAligned.contains(i) { n += max(0, widths[i] - TextTable.width(cell)) }
                if !isLast { n += 2 }
            }
            return n + 1
        }
        var total = lineBytes(headers)
        for row in rows { total += lineBytes(row) }
        out.reserveCapacity(total)
        // Padding runs, shared (a run of up to 15 spaces is stored inline, no allocation).
        var pads: [String] = []
        func pad(_ n: Int) -> String {
            guard n > 0 else { return "" }
            while pads.count <= n { pads.append(String(repeating: " ", count: pads.count)) }
            return pads[n]
        }
        func line(_ cells: [String]) {
            for (i, cell) in cells.enumerated() {
                let w = i < widths.count ? widths[i] : TextTable.width(cell)
                let padding = max(0, w - TextTable.width(cell))
                let isLast = i == cells.count - 1
                if rightAligned.contains(i) {
                    out.append(pad(padding))
                    out.append(cell)
                } else {
                    out.append(cell)
                    if !isLast { out.append(pad(padding)) }
                }
                if !isLast { out.append("  ") }
            }
            out.append("\n")
        }
        line(headers)
        for row in rows { line(row) }
        return out
    }

    /// The width of a cell in Characters; printable ASCII (every byte 0x20–0x7E) is one
    /// Character per byte, so it is counted without grapheme breaking.
    static func width(_ cell: String) -> Int {
        if cell.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return cell.utf8.count }
        return cell.count
    }
}

/// Sizes as `zfs list` prints them without `-p` (libzutil's `zfs_nicenum`): 1024-based,
/// an exact multiple prints as an integer (`96K`), otherwise the most precision that fits in
/// five characters (`4.20G`, `12.5M`, `118M`).
package func humanSize(_ bytes: UInt64) -> String {
    let units: [Character] = ["B", "K", "M", "G", "T", "P", "E"]
    var n = bytes
    var index = 0
    while n >= 1024 && index < units.count - 1 {
        n /= 1024
        index += 1
    }
    let unit = units[index]
    let divisor = UInt64(1) << (10 * UInt64(index))
    if index == 0 || bytes % divisor == 0 { return "\(n)\(unit)" }
    // Fixed-point formatting without Foundation's String(format:) (it dominated `kbe list -s`
    // on 100k checkpoints, Docs/PERFORMANCE.md); rounds half to even like printf's %.Nf.
    let value = Double(bytes) / Double(divisor)
    var text = ""
    for precision in [2, 1, 0] {
        let scale = precision == 2 ? 100.0 : (precision == 1 ? 10.0 : 1.0)
        let scaled = UInt64((value * scale).rounded(.toNearestOrEven))
        let whole = scaled / UInt64(scale)
        if precision == 0 {
            text = "\(whole)"
        } else {
            let fraction = String(scaled % UInt64(scale))
            text = "\(whole)." + String(repeating: "0", count: precision - fraction.count) + fraction
        }
        text.append(unit)
        if text.count <= 5 { break }
    }
    return text
}
