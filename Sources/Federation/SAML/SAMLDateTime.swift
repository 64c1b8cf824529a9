import Foundation

/// SAML time values: `xs:dateTime` in UTC (SAML Core §1.3.3), e.g. `2026-03-02T09:00:00Z` or with
/// fractional seconds `2026-03-02T09:00:00.123Z`.
///
/// A small exact parser instead of `ISO8601DateFormatter` (not `Sendable`, lenient in ways that differ
/// between platforms): the civil-date arithmetic below is Howard Hinnant's `days_from_civil`.
enum SAMLDateTime {
    /// Parses a UTC `xs:dateTime`; nil unless it is `YYYY-MM-DDThh:mm:ss[.fraction]Z` (or `+00:00`).
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84, bytes[13] == 58, bytes[16] == 58,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == 46 {  // "."
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        let zone = String(decoding: bytes[index...], as: UTF8.self)
        guard zone == "Z" || zone == "+00:00" else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + hour * 3_600 + minute * 60 + second) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    /// Formats `date` as `YYYY-MM-DDThh:mm:ssZ` (whole seconds, as IdPs usually write them).
    static func format(_ date: Date) -> String {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        let days = Int((Double(total) / 86_400).rounded(.down))
        let secondsOfDay = total - days * 86_400
        let (year, month, day) = civilFromDays(days)
        // Written as bytes: this runs several times per validated Response (the verdict's details).
        var text: [UInt8] = []
        text.reserveCapacity(20)
        if year < 0 || year > 9999 {
            text += Array((String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)).utf8)
        } else {
            append(year / 100, to: &text)
            append(year % 100, to: &text)
        }
        text.append(UInt8(ascii: "-"))
        append(month, to: &text)
        text.append(UInt8(ascii: "-"))
        append(day, to: &text)
        text.append(UInt8(ascii: "T"))
        append(secondsOfDay / 3_600, to: &text)
        text.append(UInt8(ascii: ":"))
        append(secondsOfDay % 3_600 / 60, to: &text)
        text.append(UInt8(ascii: ":"))
        append(secondsOfDay % 60, to: &text)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends `value` (0...99) as two digits.
    private static func append(_ value: Int, to text: inout [UInt8]) {
        text.append(UInt8(ascii: "0") + UInt8(value / 10))
        text.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
