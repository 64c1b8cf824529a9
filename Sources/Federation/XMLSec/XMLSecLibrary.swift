internal import CXMLSec

/// Process-wide set-up of libxml2 and libxmlsec1 (OpenSSL backend), done exactly once.
///
/// Every owner in this folder calls ``ensureInitialized()`` before touching the C libraries. The work
/// runs inside a `static let`, which Swift initialises once and thread-safely (`swift_once`), so
/// concurrent first uses are safe. The outcome is remembered: a failed set-up (an xmlsec library
/// whose ABI does not match the headers, say) fails every later call the same way.
///
/// What the set-up hardens, for every document Gatehouse parses or decrypts:
/// - libxml2's external entity loader refuses every URL, so no DTD, entity or XInclude is ever
///   fetched from the network or the file system, whatever the parse options;
/// - libxmlsec1's own parser options (used when it parses decrypted XML in place) are
///   `XML_PARSE_NONET | XML_PARSE_NODICT`, without its default `XML_PARSE_HUGE`;
/// - libxmlsec1 reports errors through ``XMLSecErrorLog`` instead of printing them.
enum XMLSecLibrary {
    private static let initialization: Result<Void, FederationError> = initialize()

    /// Initialises the libraries on first use.
    /// - Throws: ``FederationError`` `xmlSecurity` when libxmlsec1 or its crypto backend cannot start.
    static func ensureInitialized() throws(FederationError) {
        try initialization.get()
    }

    private static func initialize() -> Result<Void, FederationError> {
        xmlInitParser()
        xmlSetExternalEntityLoader { url, _, _ in
            // Never resolve anything outside the document (XXE defence in depth; parsing also uses NONET).
            _ = url
            return nil
        }
        guard xmlSecInit() >= 0 else {
            return .failure(FederationError(.xmlSecurity, "libxmlsec1: xmlSecInit failed"))
        }
        guard gh_xmlsec_check_version() == 1 else {
            return .failure(FederationError(.xmlSecurity, "libxmlsec1: the loaded library is not ABI-compatible with its headers"))
        }
        guard gh_xmlsec_crypto_app_init() >= 0, gh_xmlsec_crypto_init() >= 0 else {
            return .failure(FederationError(.xmlSecurity, "libxmlsec1: the OpenSSL crypto backend failed to initialise"))
        }
        // After xmlSecInit, which installs libxmlsec1's default (printing) callback.
        XMLSecErrorLog.installCallbacks()
        xmlSecParserSetDefaultOptions(Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NODICT.rawValue))
        return .success(())
    }
}
