/// Punycode encoding (RFC 3492): a Unicode string as a string of basic ASCII code points, the form
/// internationalised domain labels take on the wire after the `xn--` prefix (RFC 5891 §4.4).
///
/// Only encoding is needed: Gatehouse compares domains in their ASCII form, so a Unicode claim and a
/// punycode email domain (or the other way round) meet in the middle.
public enum Punycode {
    // RFC 3492 §5: parameter values for Punycode.
    private static let base: UInt32 = 36
    private static let tMin: UInt32 = 1
    private static let tMax: UInt32 = 26
    private static let skew: UInt32 = 38
    private static let damp: UInt32 = 700
    private static let initialBias: UInt32 = 72
    private static let initialN: UInt32 = 128

    /// Encodes `input` (RFC 3492 §6.3). Basic code points are copied in order (case preserved), then
    /// a `-` delimiter if there were any, then the deltas for the non-basic code points.
    /// - Parameter input: The string to encode; it is encoded scalar by scalar, without normalisation.
    /// - Returns: The encoded string, or nil if the input is so long that the arithmetic would overflow
    ///   (RFC 3492 §6.4); a 63-octet domain label never comes close.
    public static func encode(_ input: String) -> String? {
        let scalars = input.unicodeScalars.map(\.value)
        var output: [UInt8] = scalars.compactMap { $0 < 0x80 ? UInt8($0) : nil }
        let basicCount = UInt32(output.count)
        var handled = basicCount
        if basicCount > 0 { output.append(UInt8(ascii: "-")) }

        var n = initialN
        var delta: UInt32 = 0
        var bias = initialBias
        while handled < UInt32(scalars.count) {
            // The smallest code point not yet handled.
            guard let m = scalars.lazy.filter({ $0 >= n }).min() else { return nil }
            let (product, overflowMultiply) = (m - n).multipliedReportingOverflow(by: handled + 1)
            let (sum, overflowAdd) = delta.addingReportingOverflow(product)
            if overflowMultiply || overflowAdd { return nil }
            delta = sum
            n = m
            for c in scalars {
                if c < n {
                    let (next, overflow) = delta.addingReportingOverflow(1)
                    if overflow { return nil }
                    delta = next
                }
                if c == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta: delta, numPoints: handled + 1, firstTime: handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            guard delta < .max, n < .max else { return nil }
            delta += 1
            n += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// RFC 3492 §6.1: bias adaptation.
    private static func adapt(delta: UInt32, numPoints: UInt32, firstTime: Bool) -> UInt32 {
        var delta = firstTime ? delta / damp : delta / 2
        delta += delta / numPoints
        var k: UInt32 = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (((base - tMin) + 1) * delta) / (delta + skew)
    }

    /// RFC 3492 §5: 0–25 are `a`–`z`, 26–35 are `0`–`9` (lowercase, as IDNA expects).
    private static func digit(_ value: UInt32) -> UInt8 {
        value < 26 ? UInt8(ascii: "a") + UInt8(value) : UInt8(ascii: "0") + UInt8(value - 26)
    }
}
