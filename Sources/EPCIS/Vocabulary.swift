import LedgerFormat

extension EPCISTime {
    /// The instant `ms` written in local time at `offset` (`2023-04-01T02:48:16-05:00`; milliseconds only when not zero).
    public static func local(_ ms: Int64, offset: String) -> String {
        let minutes = Timestamp.offsetMinutes(offset) ?? 0
        var text = Timestamp.iso8601(ms + minutes * 60_000)
        text.removeLast()   // "Z"
        if text.hasSuffix(".000") { text.removeLast(4) }
        return text + (minutes == 0 ? "Z" : offset)
    }
}

/// CBV vocabulary values in any of their spellings: bare (`shipping`, the 2.0 JSON form), URN
/// (`urn:epcglobal:cbv:bizstep:shipping`), Web URI (`https://ref.gs1.org/cbv/BizStep-shipping`) or CURIE
/// (`cbv:BizStep-shipping`).
public enum CBV {
    /// The bare CBV name of a value of `kind` (`bizstep`/`BizStep`, `disp`/`Disp`, `btt`/`BTT`, `sdt`/`SDT`),
    /// or nil when the value is not a CBV value of that kind (a user vocabulary).
    public static func name(_ value: String, urnKind: String, webKind: String) -> String? {
        for prefix in ["urn:epcglobal:cbv:\(urnKind):", "https://ref.gs1.org/cbv/\(webKind)-", "http://ref.gs1.org/cbv/\(webKind)-",
                       "https://gs1.org/voc/\(webKind)-", "cbv:\(webKind)-", "gs1:\(webKind)-"] where value.hasPrefix(prefix) {
            return String(value.dropFirst(prefix.count))
        }
        return value.contains(":") ? nil : value
    }

    /// The business step's bare name (`shipping`), or nil for a non-CBV step.
    public static func bizStep(_ value: String) -> String? { name(value, urnKind: "bizstep", webKind: "BizStep") }
    /// The disposition's bare name (`in_transit`).
    public static func disposition(_ value: String) -> String? { name(value, urnKind: "disp", webKind: "Disp") }
    /// The business transaction type's bare name (`po`).
    public static func bizTransactionType(_ value: String) -> String? { name(value, urnKind: "btt", webKind: "BTT") }
    /// The source/destination type's bare name (`owning_party`).
    public static func sourceDestType(_ value: String) -> String? { name(value, urnKind: "sdt", webKind: "SDT") }
    /// The error reason's bare name (`incorrect_data`).
    public static func errorReason(_ value: String) -> String? { name(value, urnKind: "er", webKind: "ER") }
}

extension EPCISDocument {
    /// The IRI a member key's prefix stands for (`cbvmda:lotNumber` → `urn:epcglobal:cbv:mda#`), from the
    /// document's declarations and the prefixes the EPCIS 2.0 context defines.
    public func namespace(ofKey key: String) -> String? {
        guard let colon = key.firstIndex(of: ":") else { return nil }
        let prefix = String(key[..<colon])
        return namespaces[prefix] ?? Self.standardPrefixes[prefix]
    }

    /// The local name of a member key (`lotNumber` for `cbvmda:lotNumber`).
    public static func localName(_ key: String) -> String {
        guard let colon = key.lastIndex(of: ":") else { return key }
        return String(key[key.index(after: colon)...])
    }

    /// Prefixes the EPCIS 2.0 JSON-LD context defines (so documents may use them undeclared).
    public static let standardPrefixes: [String: String] = [
        "cbvmda": "urn:epcglobal:cbv:mda#", "gs1": "https://gs1.org/voc/", "cbv": "https://ref.gs1.org/cbv/",
        "epcis": "https://ref.gs1.org/epcis/", "xsd": "http://www.w3.org/2001/XMLSchema#",
    ]

    /// Whether `key` is `localName` in the CBV master-data namespace (`urn:epcglobal:cbv:mda`, with or without `#`).
    public func isMasterDataKey(_ key: String, _ localName: String) -> Bool {
        guard Self.localName(key) == localName else { return false }
        guard let namespace = namespace(ofKey: key) else { return false }
        return namespace == "urn:epcglobal:cbv:mda#" || namespace == "urn:epcglobal:cbv:mda"
    }

    /// Whether `key` is `localName` in the GS1 US healthcare namespace (`http://epcis.gs1us.org/hc/ns`).
    public func isGS1USKey(_ key: String, _ localName: String) -> Bool {
        guard Self.localName(key) == localName, let namespace = namespace(ofKey: key) else { return false }
        return namespace.hasPrefix("http://epcis.gs1us.org/hc/ns") || namespace.hasPrefix("https://epcis.gs1us.org/hc/ns")
    }
}
