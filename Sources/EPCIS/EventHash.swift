import GS1
import LedgerCrypto

/// The CBV 2.0 EPCIS event hash ID (`ni:///sha-256;<hex>?ver=CBV2.0`, CBV 2.0 §8.9), as the
/// reference implementation RalphTro/epcis-event-hash-generator computes it.
///
/// It is computed from an event in the 2.0 JSON shape plus the document's namespaces, so an event
/// read from XML and the same event read from JSON-LD get the same ID. The pre-hash string is
/// `eventType=…`, then the standard fields in the CBV property order (each list sorted), then `ilmd`,
/// then user extensions inside standard fields, then event-level user extensions (sorted, keys as
/// `{namespace}localName`). Values are canonicalised: timestamps to UTC milliseconds, numbers without
/// redundant zeros, CBV URNs and bare CBV values to `https://ref.gs1.org/cbv/…` URIs, `gs1:`/`cbv:`
/// CURIEs expanded, and EPC URIs and Digital Links of SGTIN, SSCC, SGLN, PGLN and (L)GTIN classes to
/// canonical `https://id.gs1.org/…` Digital Links. `eventID`, `recordTime`, `errorDeclaration` and
/// `certificationInfo` are left out.
public enum EPCISEventHash {
    /// The hash ID of `event` (an object with `"type"`), namespaces from its document.
    public static func hashID(_ event: EPCISNode, namespaces: [String: String]) -> String {
        hashID(preHash: preHash(event, namespaces: namespaces))
    }

    /// The hash ID of a pre-hash string: `ni:///sha-256;` + hex(SHA-256(UTF-8)) + `?ver=CBV2.0`.
    public static func hashID(preHash: String) -> String {
        "ni:///sha-256;" + Hex.encode(SHA256.hash(Array(preHash.utf8))) + "?ver=CBV2.0"
    }

    /// The canonical pre-hash string of `event` (what is hashed; useful to compare with other tools).
    public static func preHash(_ event: EPCISNode, namespaces: [String: String]) -> String {
        var builder = PreHashBuilder(namespaces: namespaces)
        return builder.event(event)
    }
}

/// The CBV property order: a field and, for structured fields, the order of its parts.
indirect enum PropertyOrder {
    case value
    /// Each element is `item` + its parts in `order` (epcList → `epc=`; quantityList → `quantityElement…`).
    case list(item: String, order: [(String, PropertyOrder)])
    /// An object's parts in order (readPoint → `id`).
    case object([(String, PropertyOrder)])
    /// A list of `{type, <item>}` pairs, each written `type=…<item>=…`, the pairs sorted.
    case typedList(item: String)
    /// Parts each holding a list of values (persistentDisposition `set`/`unset`).
    case valueLists([String])

    static let quantity: PropertyOrder = .list(item: "quantityElement", order: [("epcClass", .value), ("quantity", .value), ("uom", .value)])
    static let epcs: PropertyOrder = .list(item: "epc", order: [])

    static let event: [(String, PropertyOrder)] = [
        ("eventTime", .value), ("eventTimeZoneOffset", .value),
        ("epcList", epcs), ("parentID", .value), ("inputEPCList", epcs), ("childEPCs", epcs),
        ("quantityList", quantity), ("childQuantityList", quantity), ("inputQuantityList", quantity),
        ("outputEPCList", epcs), ("outputQuantityList", quantity),
        ("action", .value), ("transformationID", .value), ("bizStep", .value), ("disposition", .value),
        ("persistentDisposition", .valueLists(["set", "unset"])),
        ("readPoint", .object([("id", .value)])), ("bizLocation", .object([("id", .value)])),
        ("bizTransactionList", .typedList(item: "bizTransaction")),
        // destinationList before sourceList, as the reference implementation's expected pre-hashes have it.
        ("destinationList", .typedList(item: "destination")), ("sourceList", .typedList(item: "source")),
        ("sensorElementList", .list(item: "sensorElement", order: [
            ("sensorMetadata", .object(["time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
                                        "dataProcessingMethod", "bizRules"].map { ($0, .value) })),
            ("sensorReport", .list(item: "sensorReport", order: ["type", "exception", "deviceID", "deviceMetadata", "rawData",
                                                                 "dataProcessingMethod", "time", "microorganism", "chemicalSubstance",
                                                                 "value", "component", "stringValue", "booleanValue", "hexBinaryValue",
                                                                 "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank",
                                                                 "percValue", "uom", "coordinateReferenceSystem"].map { ($0, .value) })),
        ])),
    ]

    /// Fields never hashed.
    static let excluded: Set<String> = ["type", "eventID", "recordTime", "errorDeclaration", "certificationInfo", "@context"]
}

/// Builds one event's pre-hash string.
struct PreHashBuilder {
    let namespaces: [String: String]

    /// Prefixes for bare CBV values (the JSON binding writes `shipping` for the bizStep
    /// `https://ref.gs1.org/cbv/BizStep-shipping`).
    static let bareVocabulary: [String: String] = [
        "bizStep": "https://ref.gs1.org/cbv/BizStep-", "disposition": "https://ref.gs1.org/cbv/Disp-",
        "set": "https://ref.gs1.org/cbv/Disp-", "unset": "https://ref.gs1.org/cbv/Disp-",
        "bizTransaction.type": "https://ref.gs1.org/cbv/BTT-", "source.type": "https://ref.gs1.org/cbv/SDT-",
        "destination.type": "https://ref.gs1.org/cbv/SDT-", "sensorReport.type": "https://gs1.org/voc/",
    ]

    /// Fields written in the standard part, as `ilmd`, or not at all.
    static let knownFields = Set(PropertyOrder.event.map(\.0)).union(PropertyOrder.excluded).union(["ilmd"])
    /// Standard fields whose values are timestamps (the reference implementation's "name contains time, not offset").
    static let timeFields: Set<String> = ["eventTime", "time", "startTime", "endTime"]

    mutating func event(_ event: EPCISNode) -> String {
        let members = event.members ?? []
        var out = "eventType=" + (event["type"]?.stringValue ?? "")
        var fieldExtensions = ""
        for (name, order) in PropertyOrder.event {
            guard let value = event[name] else { continue }
            out += field(name, value, order, vocabularyKey: name)
            fieldExtensions += extensions(name, value, order)
        }
        if let ilmd = event["ilmd"] { out += generic("ilmd", ilmd) }
        out += fieldExtensions
        out += sortedGeneric(members.filter { !Self.knownFields.contains($0.key) })
        return out
    }

    // MARK: Standard fields

    /// `name` + the field's canonical content, "" when it has none.
    func field(_ name: String, _ value: EPCISNode, _ order: PropertyOrder, vocabularyKey: String) -> String {
        switch order {
        case .value:
            guard let text = scalarText(value), !text.isEmpty else { return "" }
            return name + "=" + canonical(text, field: name, vocabularyKey: vocabularyKey)
        case .list(let item, let parts):
            let entries = (value.arrayValue ?? [value]).map { element -> String in
                parts.isEmpty ? field(item, element, .value, vocabularyKey: item) : item + ordered(element, parts, owner: item)
            }.filter { !$0.isEmpty && $0 != item }.sorted()
            return entries.isEmpty ? "" : (name == "sensorElementList" ? "" : name) + entries.joined()
        case .object(let parts):
            let content = ordered(value, parts, owner: name)
            return content.isEmpty ? "" : name + content
        case .typedList(let item):
            let entries = (value.arrayValue ?? []).map { pair -> String in
                field("type", pair["type"] ?? .null, .value, vocabularyKey: item + ".type")
                    + field(item, pair[item] ?? .null, .value, vocabularyKey: item)
            }.filter { !$0.isEmpty }.sorted()
            return entries.isEmpty ? "" : name + entries.joined()
        case .valueLists(let parts):
            var content = ""
            for part in parts {
                guard let values = value[part] else { continue }
                content += (values.arrayValue ?? [values]).map { field(part, $0, .value, vocabularyKey: part) }.filter { !$0.isEmpty }.sorted().joined()
            }
            return content.isEmpty ? "" : name + content
        }
    }

    /// The parts of `value` named in `parts`, in that order; lists within sorted.
    func ordered(_ value: EPCISNode, _ parts: [(String, PropertyOrder)], owner: String) -> String {
        var out = ""
        for (part, order) in parts {
            guard let child = value[part] else { continue }
            switch order {
            case .value: out += field(part, child, .value, vocabularyKey: owner + "." + part)
            case .list(let item, _) where item == part:
                // sensorReport: repeated objects under one key.
                out += (child.arrayValue ?? [child]).map { field(part, $0, .object(Self.parts(of: order)), vocabularyKey: part) }
                    .filter { !$0.isEmpty }.sorted().joined()
            default: out += field(part, child, order, vocabularyKey: part)
            }
        }
        return out
    }

    static func parts(of order: PropertyOrder) -> [(String, PropertyOrder)] {
        if case .list(_, let parts) = order { return parts }
        return []
    }

    /// User extensions inside a standard field (namespaced members of its objects), written after the
    /// standard fields as `name` + `{ns}local=…`; "" when there are none.
    func extensions(_ name: String, _ value: EPCISNode, _ order: PropertyOrder) -> String {
        let standard: Set<String>
        switch order {
        case .object(let parts): standard = Set(parts.map(\.0))
        case .list(_, let parts) where name == "sensorElementList":
            var out = ""
            for element in value.arrayValue ?? [] {
                var inner = ""
                for (part, partOrder) in parts {
                    guard let child = element[part] else { continue }
                    for item in child.arrayValue ?? [child] {
                        let names = Set(Self.parts(of: partOrder).map(\.0)).union(Self.objectParts(partOrder))
                        let own = sortedGeneric((item.members ?? []).filter { !names.contains($0.key) && isExtensionKey($0.key) })
                        if !own.isEmpty { inner += part + own }
                    }
                }
                inner += sortedGeneric((element.members ?? []).filter { !parts.map(\.0).contains($0.key) && isExtensionKey($0.key) })
                if !inner.isEmpty { out += "sensorElement" + inner }
            }
            return out
        case .list(let item, let parts) where !parts.isEmpty:
            var out = ""
            for element in value.arrayValue ?? [] {
                let own = sortedGeneric((element.members ?? []).filter { !parts.map(\.0).contains($0.key) && isExtensionKey($0.key) })
                if !own.isEmpty { out += item + own }
            }
            return out.isEmpty ? "" : name + out
        default: return ""
        }
        let own = sortedGeneric((value.members ?? []).filter { !standard.contains($0.key) && isExtensionKey($0.key) })
        return own.isEmpty ? "" : name + own
    }

    static func objectParts(_ order: PropertyOrder) -> [String] {
        if case .object(let parts) = order { return parts.map(\.0) }
        return []
    }

    // MARK: Generic content (ilmd, user extensions)

    /// Each member written generically, all sorted and joined.
    func sortedGeneric(_ members: [EPCISNode.Member]) -> String {
        members.flatMap { member in (member.value.arrayValue ?? [member.value]).map { generic(member.key, $0) } }.sorted().joined()
    }

    /// `key=value` for a leaf, `key` + sorted children for an object (`#text` as its value).
    func generic(_ key: String, _ value: EPCISNode) -> String {
        let name = expandedKey(key)
        switch value {
        case .object(let members):
            var out = name
            if let text = members.first(where: { $0.key == "#text" })?.value.stringValue?.trimmingWhitespace, !text.isEmpty {
                out += "=" + canonical(text, field: key, vocabularyKey: nil)
            }
            return out + sortedGeneric(members.filter { $0.key != "#text" })
        case .array(let items):
            return items.map { generic(key, $0) }.sorted().joined()
        default:
            guard let text = scalarText(value), !text.isEmpty else { return name }
            return name + "=" + canonical(text, field: key, vocabularyKey: nil)
        }
    }

    /// `{namespace}local` for a `prefix:local` key whose prefix is declared, the key itself otherwise.
    func expandedKey(_ key: String) -> String {
        guard let colon = key.firstIndex(of: ":") else { return key }
        let prefix = String(key[..<colon])
        let local = key[key.index(after: colon)...]
        guard let uri = namespaces[prefix], !local.hasPrefix("//") else { return key }
        return "{" + uri + "}" + local
    }

    func isExtensionKey(_ key: String) -> Bool { key.utf8.contains(UInt8(ascii: ":")) }

    // MARK: Values

    func scalarText(_ value: EPCISNode) -> String? {
        switch value {
        case .string(let text): text.trimmingWhitespace
        case .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    /// A value in canonical form: timestamps for `*time*` fields, then CURIEs, CBV URNs, bare CBV
    /// values, numbers and GS1 identifiers.
    func canonical(_ text: String, field: String, vocabularyKey: String?) -> String {
        if vocabularyKey != nil, Self.timeFields.contains(field) {
            return EPCISTime.canonical(text) ?? text
        }
        var value = text
        if value.hasPrefix("gs1:") { value = "https://gs1.org/voc/" + value.dropFirst(4) }
        else if value.hasPrefix("cbv:") { value = "https://ref.gs1.org/cbv/" + value.dropFirst(4) }
        else if let key = vocabularyKey, let base = Self.bareVocabulary[key], !value.utf8.contains(UInt8(ascii: ":")) { value = base + value }
        if value.hasPrefix("urn:epcglobal:cbv:") {
            for (urn, web) in Self.cbvURNs where value.hasPrefix(urn) {
                value = web + value.dropFirst(urn.count)
                break
            }
        }
        if let number = CanonicalNumber.format(value) { return number }
        return CanonicalIdentifier.digitalLink(value) ?? value
    }

    static let cbvURNs: [(String, String)] = [
        ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"), ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
        ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"), ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
        ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
    ]
}

/// Numbers in the pre-hash: no sign `+`, no leading or trailing zeros, no exponent (`1E3` → `1000`,
/// `26.0` → `26`, `0.50` → `0.5`). A number whose exponent is 1000 or more in magnitude is kept as written.
enum CanonicalNumber {
    static func format(_ text: String) -> String? {
        guard isNumber(text) else { return nil }
        var bytes = Array(text.utf8)[...]
        var negative = false
        if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") {
            negative = bytes.first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var mantissa: [UInt8] = []
        var pointPosition: Int?
        var exponent = 0
        var index = bytes.startIndex
        while index < bytes.endIndex, bytes[index] != UInt8(ascii: "e"), bytes[index] != UInt8(ascii: "E") {
            if bytes[index] == UInt8(ascii: ".") { pointPosition = mantissa.count } else { mantissa.append(bytes[index]) }
            index += 1
        }
        if index < bytes.endIndex {
            // An exponent of more than a sign and four digits is kept as written: it cannot overflow `Int` and no
            // real quantity needs it (`1e-9223372036854775808` would make `abs` trap).
            let text = bytes[(index + 1)...]
            guard text.count <= 5, let value = Int(String(decoding: text, as: UTF8.self)), value.magnitude < 1000 else { return nil }
            exponent = value
        }
        // value = 0.mantissa × 10^(point + exponent)
        var integerDigits = (pointPosition ?? mantissa.count) + exponent
        while let first = mantissa.first, first == UInt8(ascii: "0") { mantissa.removeFirst(); integerDigits -= 1 }
        while let last = mantissa.last, last == UInt8(ascii: "0") { mantissa.removeLast() }
        if mantissa.isEmpty { return "0" }
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if integerDigits <= 0 {
            out += Array("0.".utf8) + [UInt8](repeating: UInt8(ascii: "0"), count: -integerDigits) + mantissa
        } else if integerDigits >= mantissa.count {
            out += mantissa + [UInt8](repeating: UInt8(ascii: "0"), count: integerDigits - mantissa.count)
        } else {
            out += mantissa[..<integerDigits] + [UInt8(ascii: ".")] + mantissa[integerDigits...]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// EPC URIs and Digital Links in the pre-hash: the canonical `https://id.gs1.org` Digital Link at the
/// finest level (serial over lot), without query string or expiry.
enum CanonicalIdentifier {
    /// Expiry dates are dropped from the canonical form, so the date that places two-digit years does not matter.
    static let referenceDate = try! CalendarDate(year: 2000, month: 1, day: 1)

    static func digitalLink(_ text: String) -> String? {
        guard text.hasPrefix("urn:epc:") || text.hasPrefix("https://") || text.hasPrefix("http://") else { return nil }
        guard let identifier = try? GS1Identifier.parse(text, referenceDate: referenceDate) else { return nil }
        let host = "https://id.gs1.org"
        switch identifier {
        case .sgtin(let sgtin, _, _): return "\(host)/01/\(sgtin.gtin.digits)/21/\(encode(sgtin.serial.value))"
        case .gtin(let gtin, let lot?, _): return "\(host)/01/\(gtin.digits)/10/\(encode(lot.value))"
        case .gtin(let gtin, nil, _): return "\(host)/01/\(gtin.digits)"
        case .sscc(let sscc): return "\(host)/00/\(sscc.digits)"
        case .gln(let gln): return "\(host)/417/\(gln.digits)"
        case .sgln(let sgln):
            guard let ext = sgln.extensionComponent else { return "\(host)/414/\(sgln.gln.digits)" }
            return "\(host)/414/\(sgln.gln.digits)/254/\(encode(ext))"
        }
    }

    /// Percent-encodes what the reference implementation encodes: the characters an EPC URI escapes
    /// (`" % & / < > ?`) and `! ( ) * + , :`.
    static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            if "\"%&/<>?!()*+,:".utf8.contains(byte) || byte < 0x21 || byte >= 0x7F {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            } else {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }
}
