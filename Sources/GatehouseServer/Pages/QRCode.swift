import CQREncode
import Foundation

/// A QR code symbol (ISO/IEC 18004) made by Debian's libqrencode: the setup link of an authenticator
/// app on the TOTP enrollment page, so a phone can scan it instead of the user typing the key.
///
/// The symbol is copied out of libqrencode's `QRcode` and the C object is freed at once, so nothing
/// of the C library outlives ``init(encoding:)``. This is the only Swift file that imports `CQREncode`.
struct QRCode: Sendable, Hashable {
    /// The QR version, 1…40: how much the symbol holds.
    let version: Int
    /// Modules (cells) per side: 17 + 4 × version.
    let size: Int
    /// Whether each module is dark, row by row from the top left.
    let modules: [Bool]

    /// Light modules around the symbol on every side, as readers need (ISO/IEC 18004 §6.3.8: four).
    static let quietZone = 4

    /// Encodes `text` as 8-bit data with error correction level M (15 % of the symbol can be lost),
    /// in the smallest version that holds it.
    /// - Throws: ``QRCodeError`` when libqrencode refuses the text (too long for version 40, or a NUL).
    init(encoding text: String) throws(QRCodeError) {
        guard !text.utf8.contains(0) else { throw QRCodeError("the text has a NUL character, which a C string cannot carry") }
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else {
            let reason = errno == ERANGE ? "the text is too long for a QR code" : "libqrencode failed (errno \(errno))"
            throw QRCodeError(reason)
        }
        defer { QRcode_free(code) }
        let size = Int(code.pointee.width)
        version = Int(code.pointee.version)
        self.size = size
        // Bit 0 of each byte is the module's colour (1: dark); the other bits describe its role.
        modules = UnsafeBufferPointer(start: code.pointee.data, count: size * size).map { $0 & 1 == 1 }
    }

    /// Whether the module at column `x`, row `y` is dark.
    func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }

    /// One horizontal run of dark modules: what an SVG `<rect>` draws.
    struct Run: Sendable, Hashable {
        /// Column of the first module, quiet zone included.
        let x: Int
        /// Row, quiet zone included.
        let y: Int
        /// Modules in the run.
        let width: Int
    }

    /// The dark modules as horizontal runs in the coordinates of ``svgSize`` (one `<rect>` per run
    /// keeps the page a few times smaller than one per module).
    var runs: [Run] {
        var runs: [Run] = []
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                let start = x
                while x < size, isDark(x: x, y: y) { x += 1 }
                runs.append(Run(x: start + Self.quietZone, y: y + Self.quietZone, width: x - start))
            }
        }
        return runs
    }

    /// The side of the SVG's view box: the symbol and its quiet zone.
    var svgSize: Int { size + 2 * Self.quietZone }
}

/// A text that cannot be drawn as a QR code.
struct QRCodeError: Error, Hashable, CustomStringConvertible {
    /// Why.
    let reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { "QRCodeError: \(reason)" }
}
