import Foundation
import Directory
import FlowEngine

/// How a page looks: the organization's branding (or the nearest ancestor's), checked so that
/// nothing from configuration reaches CSS or HTML attributes unvalidated.
public struct PageBranding: Sendable, Hashable {
    /// The organization whose branding applies, when one does.
    public var organization: OrgID?
    /// The name shown in the page header.
    public var displayName: String
    /// An absolute http(s) logo URL.
    public var logoURL: String?
    /// The primary colour as lowercase `#rrggbb`.
    public var primaryColor: String?
    /// Page-text overrides, by text key.
    public var texts: [String: String]

    /// Gatehouse's own look, before any organization is known.
    public static let standard = PageBranding(organization: nil, displayName: "Gatehouse", logoURL: nil, primaryColor: nil, texts: [:])

    /// The URL of the organization's stylesheet (its colour), when it sets one.
    var stylesheet: String? {
        guard let organization, primaryColor != nil else { return nil }
        return "/branding/\(organization.rawValue.addingPercentEncodingForPath)/style.css"
    }

    /// The branding for pages shown to users of `organization`: its own, else the nearest ancestor's
    /// that has one, else ``standard``.
    public static func resolve(_ organization: OrgID?, in directory: Directory) -> PageBranding {
        guard let organization else { return .standard }
        for id in directory.tree.path(of: organization).reversed() {
            guard let node = directory.organization(id), let branding = node.branding else { continue }
            return PageBranding(
                organization: id, displayName: branding.displayName ?? node.name, logoURL: branding.logoURL.flatMap(validLogoURL),
                primaryColor: branding.primaryColor.flatMap(validColor), texts: branding.texts)
        }
        return .standard
    }

    /// `#rgb` or `#rrggbb` as lowercase `#rrggbb`; nil for anything else.
    public static func validColor(_ text: String) -> String? {
        guard text.hasPrefix("#") else { return nil }
        let hex = text.dropFirst().lowercased()
        guard hex.allSatisfy({ $0.isHexDigit && $0.isASCII }) else { return nil }
        switch hex.count {
        case 6: return "#" + hex
        case 3: return "#" + hex.map { "\($0)\($0)" }.joined()
        default: return nil
        }
    }

    /// An absolute http(s) URL without spaces, quotes or angle brackets; nil otherwise.
    static func validLogoURL(_ text: String) -> String? {
        let lower = text.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), text.utf8.count <= 2048,
            text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && !"\"'<>\\`".unicodeScalars.contains($0) })
        else { return nil }
        return text
    }

    /// The stylesheet that applies ``primaryColor``, with a text colour that keeps WCAG contrast.
    var css: String {
        guard let primaryColor else { return "" }
        return ":root { --gh-primary: \(primaryColor); --gh-on-primary: \(Self.textColor(on: primaryColor)); }\n"
    }

    /// Black or white, whichever contrasts more with `color` (WCAG 2.1 relative luminance).
    static func textColor(on color: String) -> String {
        let hex = Array(color.dropFirst())
        func channel(_ index: Int) -> Double {
            let value = Double(Int(String(hex[index..<index + 2]), radix: 16) ?? 0) / 255
            return value <= 0.03928 ? value / 12.92 : Foundation.pow((value + 0.055) / 1.055, 2.4)
        }
        let luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
        return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? "#000000" : "#ffffff"
    }
}

extension String {
    /// The string with everything but unreserved characters percent-encoded (for a path segment).
    var addingPercentEncodingForPath: String {
        addingPercentEncoding(withAllowedCharacters: .urlUnreservedCharacters) ?? ""
    }
}

extension CharacterSet {
    /// RFC 3986 §2.3 unreserved characters.
    static let urlUnreservedCharacters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
