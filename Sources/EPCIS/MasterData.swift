import GS1

/// Product and party master data from a document header's vocabularies (`epcisHeader.epcisMasterData.vocabularyList`).
public struct EPCISMasterData: Sendable, Hashable {
    /// Product master data (EPCClass vocabulary) of one GTIN.
    public struct Product: Sendable, Hashable {
        public var name: String?
        public var strength: String?
        public var dosageForm: String?
        public var containerSize: String?
        /// The NDC (`additionalTradeItemIdentification` of type `US_FDA_NDC`, or `cbvmda:NDC`).
        public var ndc: String?
        /// The vocabulary element's id, for error messages.
        public var elementID: String

        public init(name: String? = nil, strength: String? = nil, dosageForm: String? = nil, containerSize: String? = nil,
                    ndc: String? = nil, elementID: String) {
            self.name = name
            self.strength = strength
            self.dosageForm = dosageForm
            self.containerSize = containerSize
            self.ndc = ndc
            self.elementID = elementID
        }
    }

    /// A party or location (Location vocabulary): name and address.
    public struct Party: Sendable, Hashable {
        public var name: String?
        /// The address in one line: street lines, city, state and postal code, country.
        public var address: String?

        /// A party with `name` and `address`.
        public init(name: String? = nil, address: String? = nil) {
            self.name = name
            self.address = address
        }
    }

    /// Products by GTIN-14.
    public var products: [String: Product] = [:]
    /// Parties and locations by GLN-13 (SGLNs with extension 0, PGLNs, Digital Link /414/ and /417/).
    public var parties: [String: Party] = [:]

    /// Reads the master data of `document`'s header; elements whose id is not a GTIN class or GLN are left out.
    public init(_ document: EPCISDocument) {
        guard let list = document.header?["epcisMasterData"]?["vocabularyList"]?.arrayValue else { return }
        for vocabulary in list {
            let type = vocabulary["type"]?.stringValue ?? ""
            for element in vocabulary["vocabularyElementList"]?.arrayValue ?? [] {
                guard let id = element["id"]?.stringValue, let identifier = try? GS1Identifier.parse(id) else { continue }
                var attributes: [String: String] = [:]
                for attribute in element["attributes"]?.arrayValue ?? [] {
                    guard let key = attribute["id"]?.stringValue, let value = attribute["attribute"]?.stringValue else { continue }
                    attributes[Self.attributeName(key)] = value.trimmingWhitespace
                }
                if type.hasSuffix("EPCClass"), case .gtin(let gtin, _, _) = identifier {
                    var product = products[gtin.digits] ?? Product(elementID: id)
                    product.name = product.name ?? attributes["regulatedProductName"] ?? attributes["tradeItemDescription"] ?? attributes["descriptionShort"]
                    product.strength = product.strength ?? attributes["strengthDescription"]
                    product.dosageForm = product.dosageForm ?? attributes["dosageFormType"]
                    product.containerSize = product.containerSize ?? attributes["netContentDescription"]
                    if attributes["additionalTradeItemIdentificationTypeCode"] == "US_FDA_NDC" {
                        product.ndc = product.ndc ?? attributes["additionalTradeItemIdentification"]
                    }
                    product.ndc = product.ndc ?? attributes["NDC"]
                    products[gtin.digits] = product
                } else if type.hasSuffix("Location") || type.hasSuffix("Party") {
                    let gln: String
                    switch identifier {
                    case .gln(let party): gln = party.digits
                    case .sgln(let location) where location.extensionComponent == nil || location.extensionComponent == "0": gln = location.gln.digits
                    default: continue
                    }
                    let street = [attributes["streetAddressOne"], attributes["streetAddressTwo"], attributes["streetAddressThree"]]
                        .compactMap { $0 }.filter { !$0.isEmpty }
                    let region = [attributes["state"], attributes["postalCode"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
                    let parts = street + [attributes["city"], region, attributes["countryCode"]].compactMap { $0 }.filter { !$0.isEmpty }
                    parties[gln] = Party(name: attributes["name"], address: parts.isEmpty ? nil : parts.joined(separator: ", "))
                }
            }
        }
    }

    /// `regulatedProductName` for `urn:epcglobal:cbv:mda#regulatedProductName`, `cbvmda:regulatedProductName`
    /// or `https://ref.gs1.org/cbv/...#regulatedProductName`.
    static func attributeName(_ id: String) -> String {
        if let hash = id.lastIndex(of: "#") { return String(id[id.index(after: hash)...]) }
        return EPCISDocument.localName(id)
    }
}

extension String {
    /// The text without leading and trailing XML white space: space, tab, CR and LF (XML 1.0's `S`, which is also
    /// JSON's white space). Text content often carries indentation; any other character, Unicode spaces such as
    /// U+00A0 included, is data and stays, so an identifier padded with one is refused by its own check rather
    /// than silently cleaned.
    public var trimmingWhitespace: String {
        let utf8 = self.utf8
        guard let first = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = utf8.lastIndex(where: { !isSpace($0) })!
        if first == utf8.startIndex && last == utf8.index(before: utf8.endIndex) { return self }
        return String(self[first...last])
    }
}
