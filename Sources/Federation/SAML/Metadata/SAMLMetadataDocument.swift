import Foundation

/// A metadata document parsed safely, the one `EntityDescriptor` chosen from it, and the signatures
/// that vouch for it (SAML Metadata §2.3, §3).
///
/// Parsing uses the SP's hardened parser (``XMLSecDocument``: size limit, no network, no DOCTYPE at
/// all). Trust is established before anything is read: every `ds:Signature` on the path from the root
/// down to the chosen entity must be an enveloped signature over exactly its parent element by a
/// configured certificate (``EnvelopedSignature``, the same verification as for Responses), and IDs
/// must be unique in the whole document. Everything is then read from inside the chosen entity, which
/// lies inside every element verified, so content outside a signed element (a wrapped copy, a sibling
/// entity) is never read.
struct SAMLMetadataDocument {
    /// The parsed document (it owns every element below).
    let document: XMLSecDocument
    /// The chosen `md:EntityDescriptor`.
    let entity: XMLSecElement
    /// The elements from the root down to ``entity``, both included.
    let path: [XMLSecElement]
    /// The signatures verified on ``path``; empty when the policy has no signing certificate.
    let verifiedSignatures: [SAMLMetadataSignature]

    /// Parses `bytes` and chooses the entity that has a `role` child.
    /// - Parameters:
    ///   - bytes: The metadata document.
    ///   - role: The role descriptor the entity must have (`IDPSSODescriptor`, `SPSSODescriptor`), used
    ///     to choose among several entities when the policy names none.
    ///   - policy: Which entity, which signer, which size.
    /// - Throws: ``FederationError``: `messageTooLarge`/`malformedMessage` from the parser;
    ///   `metadataInvalid` for a document that is not metadata, no or an ambiguous entity, or missing
    ///   signature; the signature codes (`signatureInvalid`, `untrustedKey`, `signatureWrapping`,
    ///   `weakAlgorithm`) for a signature that does not verify.
    init(parsing bytes: some Collection<UInt8>, role: String, policy: SAMLMetadataPolicy) throws(FederationError) {
        let document = try XMLSecDocument(parsing: bytes, maximumSize: policy.maximumSize)
        let root = document.root
        let entity = try Self.chooseEntity(in: root, entityID: policy.entityID, role: role)
        var path: [XMLSecElement] = []
        var current: XMLSecElement? = entity
        while let element = current {
            path.insert(element, at: 0)
            current = element.parent
        }
        try Self.checkUniqueIDs(in: root)
        self.document = document
        self.entity = entity
        self.path = path
        self.verifiedSignatures = try Self.verifySignatures(on: path, policy: policy)
    }

    /// The entityID of ``entity`` (present: ``chooseEntity(in:entityID:role:)`` requires it).
    var entityID: String { entity.attribute("entityID") ?? "" }

    /// The `role` children of ``entity`` that support SAML 2.0 (SAML Metadata §2.4.1).
    /// - Throws: ``FederationError`` `metadataInvalid` when there is none.
    func roleDescriptor(_ role: String) throws(FederationError) -> XMLSecElement {
        let roles = entity.children(role, in: SAML.Namespace.metadata)
        let saml2 = roles.filter { ($0.attribute("protocolSupportEnumeration") ?? "").split(whereSeparator: \.isWhitespace).contains { $0 == SAML.protocolSupport } }
        guard let first = saml2.first else {
            let found = roles.isEmpty ? "no <\(role)>" : "no <\(role)> listing \(SAML.protocolSupport) in protocolSupportEnumeration"
            throw FederationError(.metadataInvalid, "the entity '\(entityID)' has \(found)")
        }
        guard saml2.count == 1 else {
            throw FederationError(.metadataInvalid, "the entity '\(entityID)' has \(saml2.count) SAML 2.0 <\(role)> elements; one is expected")
        }
        return first
    }

    /// The earliest `validUntil` and the shortest `cacheDuration` on the path and on `role`
    /// (SAML Metadata §2.3: a value on an enclosing element bounds everything inside it).
    /// - Throws: ``FederationError`` `metadataInvalid` when one is not a UTC `xs:dateTime` / an `xs:duration`.
    func validity(including role: XMLSecElement?) throws(FederationError) -> (validUntil: Date?, cacheDuration: TimeInterval?) {
        var validUntil: Date?
        var cacheDuration: TimeInterval?
        for element in path + (role.map { [$0] } ?? []) {
            if let text = element.attribute("validUntil") {
                guard let date = SAMLDateTime.parse(text) else {
                    throw FederationError(.metadataInvalid, "\(element.path)/@validUntil '\(text)' is not a UTC xs:dateTime")
                }
                validUntil = min(validUntil ?? date, date)
            }
            if let text = element.attribute("cacheDuration") {
                guard let seconds = SAMLDuration.parse(text) else {
                    throw FederationError(.metadataInvalid, "\(element.path)/@cacheDuration '\(text)' is not a non-negative xs:duration")
                }
                cacheDuration = min(cacheDuration ?? seconds, seconds)
            }
        }
        return (validUntil, cacheDuration)
    }

    /// The X.509 certificates (DER) of the `KeyDescriptor`s of `role` for `use` (`signing` or
    /// `encryption`); a KeyDescriptor without `use` counts for both (SAML Metadata §2.4.1.1).
    /// Duplicates are dropped; order is kept.
    /// - Throws: ``FederationError`` `metadataInvalid` for an unknown `use` or a certificate that is not base64.
    static func certificates(of role: XMLSecElement, use wanted: String) throws(FederationError) -> [[UInt8]] {
        let ds = SAML.Namespace.xmlDSig
        var result: [[UInt8]] = []
        for (index, descriptor) in role.children("KeyDescriptor", in: SAML.Namespace.metadata).enumerated() {
            let use = descriptor.attribute("use")
            guard use == nil || use == "signing" || use == "encryption" else {
                throw FederationError(.metadataInvalid, "KeyDescriptor \(index + 1) of \(role.path) has use '\(use!)'; only signing and encryption exist")
            }
            guard use == nil || use == wanted else { continue }
            let certificates = descriptor.child("KeyInfo", in: ds)?.children("X509Data", in: ds).flatMap { $0.children("X509Certificate", in: ds) } ?? []
            for certificate in certificates {
                guard let der = Data(base64Encoded: String(certificate.text.filter { !$0.isWhitespace })), !der.isEmpty else {
                    throw FederationError(.metadataInvalid, "an X509Certificate in KeyDescriptor \(index + 1) of \(role.path) is not base64")
                }
                if !result.contains(Array(der)) { result.append(Array(der)) }
            }
        }
        return result
    }

    /// The endpoints named `name` of `role`, each with its required `Binding` and `Location`.
    /// - Throws: ``FederationError`` `metadataInvalid` when one lacks either or has a bad `index`.
    static func endpoints(_ name: String, of role: XMLSecElement) throws(FederationError) -> [SAMLMetadataEndpoint] {
        var endpoints: [SAMLMetadataEndpoint] = []
        for element in role.children(name, in: SAML.Namespace.metadata) {
            guard let binding = element.attribute("Binding"), !binding.isEmpty, let location = element.attribute("Location"), !location.isEmpty else {
                throw FederationError(.metadataInvalid, "a <\(name)> of \(role.path) lacks Binding or Location")
            }
            var index: Int?
            if let text = element.attribute("index") {
                guard let value = Int(text), value >= 0, value <= 65_535 else {
                    throw FederationError(.metadataInvalid, "a <\(name)> of \(role.path) has index '\(text)', not an unsigned short")
                }
                index = value
            }
            let isDefault = element.attribute("isDefault").map { $0 == "true" || $0 == "1" }
            endpoints.append(SAMLMetadataEndpoint(binding: binding, location: location, index: index, isDefault: isDefault))
        }
        return endpoints
    }

    /// The trimmed texts of the `NameIDFormat` children of `role`.
    static func nameIDFormats(of role: XMLSecElement) -> [String] {
        role.children("NameIDFormat", in: SAML.Namespace.metadata).map(\.trimmedText).filter { !$0.isEmpty }
    }

    /// Whether the boolean attribute `name` of `element` is `true`/`1`; `false` when absent.
    static func flag(_ name: String, of element: XMLSecElement) throws(FederationError) -> Bool {
        switch element.attribute(name) {
        case nil, "false", "0": return false
        case "true", "1": return true
        case let other?: throw FederationError(.metadataInvalid, "\(element.path)/@\(name) is '\(other)', not a boolean")
        }
    }

    // MARK: Choosing the entity

    /// The root if it is an `EntityDescriptor`; otherwise, inside an `EntitiesDescriptor` (nested ones
    /// included), the entity named `entityID`, or the only one with a `role`.
    private static func chooseEntity(in root: XMLSecElement, entityID: String?, role: String) throws(FederationError) -> XMLSecElement {
        let md = SAML.Namespace.metadata
        if root.is("EntityDescriptor", in: md) {
            let found = try requireEntityID(of: root)
            if let entityID, found != entityID {
                throw FederationError(.metadataInvalid, "the metadata describes '\(found)', not '\(entityID)'")
            }
            return root
        }
        guard root.is("EntitiesDescriptor", in: md) else {
            throw FederationError(
                .metadataInvalid,
                "the root element is <\(root.name)> in \(root.namespaceURI ?? "no namespace"), not an md:EntityDescriptor or md:EntitiesDescriptor"
            )
        }
        var entities: [XMLSecElement] = []
        var groups = [root]
        while let group = groups.popLast() {
            for child in group.children {
                if child.is("EntityDescriptor", in: md) { entities.append(child) }
                if child.is("EntitiesDescriptor", in: md) { groups.append(child) }
            }
        }
        if let entityID {
            var matches: [XMLSecElement] = []
            for entity in entities {
                if try requireEntityID(of: entity) == entityID { matches.append(entity) }
            }
            guard matches.count == 1 else {
                throw FederationError(
                    .metadataInvalid,
                    matches.isEmpty
                        ? "the metadata has no EntityDescriptor with entityID '\(entityID)' (\(entities.count) entities)"
                        : "the entityID '\(entityID)' appears \(matches.count) times in the metadata"
                )
            }
            return matches[0]
        }
        let candidates = entities.filter { !$0.children(role, in: md).isEmpty }
        guard candidates.count == 1 else {
            throw FederationError(
                .metadataInvalid,
                candidates.isEmpty
                    ? "the metadata has no EntityDescriptor with an <\(role)>"
                    : "the metadata has \(candidates.count) entities with an <\(role)>; name the one to use by its entityID"
            )
        }
        _ = try requireEntityID(of: candidates[0])
        return candidates[0]
    }

    private static func requireEntityID(of entity: XMLSecElement) throws(FederationError) -> String {
        guard let entityID = entity.attribute("entityID"), !entityID.isEmpty else {
            throw FederationError(.metadataInvalid, "\(entity.path) has no entityID")
        }
        guard entityID.count <= 1024 else {
            throw FederationError(.metadataInvalid, "\(entity.path) has an entityID of \(entityID.count) characters; at most 1024 are allowed (SAML Core §8.3.6)")
        }
        return entityID
    }

    // MARK: Trust

    /// ID-like attributes must not repeat a value anywhere, so a signature's reference has one target.
    private static func checkUniqueIDs(in root: XMLSecElement) throws(FederationError) {
        var seen: [String: String] = [:]
        for element in [root] + root.descendants {
            for attribute in element.attributes {
                let isID =
                    (attribute.namespaceURI == nil && ["ID", "Id", "id"].contains(attribute.name))
                    || (attribute.namespaceURI == SAML.Namespace.xml && attribute.name == "id")
                guard isID else { continue }
                if let first = seen[attribute.value] {
                    throw FederationError(.signatureWrapping, "the ID '\(attribute.value)' appears on \(first) and on \(element.path)")
                }
                seen[attribute.value] = element.path
            }
        }
    }

    /// Verifies every signature on `path` when the policy has signing keys, and requires at least one.
    private static func verifySignatures(on path: [XMLSecElement], policy: SAMLMetadataPolicy) throws(FederationError) -> [SAMLMetadataSignature] {
        guard let keys = policy.signingKeys else { return [] }
        var verified: [SAMLMetadataSignature] = []
        for element in path {
            guard let signature = try EnvelopedSignature.signature(of: element) else { continue }
            let label = "the metadata signature on \(element.path)"
            let result: EnvelopedSignature.Verified
            do {
                result = try EnvelopedSignature.verify(
                    signature, of: element, idAttribute: "ID", keys: keys.keys, allowed: policy.acceptedSignatureAlgorithms, label: label
                )
            } catch where error.code == .untrustedKey {
                let count = keys.count == 1 ? "the metadata signing certificate" : "any of the \(keys.count) metadata signing certificates"
                throw FederationError(.untrustedKey, "\(label) does not verify with \(count)")
            }
            verified.append(SAMLMetadataSignature(element: element.path, algorithm: result.algorithm, certificateIndex: result.keyIndex))
        }
        guard !verified.isEmpty else {
            throw FederationError(
                .metadataInvalid,
                "the metadata is not signed (no signature on \(path.map(\.path).joined(separator: " or "))), and a metadata signing certificate is configured"
            )
        }
        return verified
    }
}
