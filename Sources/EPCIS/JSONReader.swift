import LedgerFormat

/// Reads EPCIS 2.0 JSON / JSON-LD documents into `EPCISDocument`, strictly and without fetching anything.
///
/// The JSON itself must be RFC 8259 with unique member names (the ledger's rule for every input); numbers
/// are kept exactly as written. `@context` is read only for namespace prefixes (its objects' `prefix: IRI`
/// members); context URLs are never dereferenced. Both `EPCISDocument` and `EPCISQueryDocument` are read.
public enum EPCISJSONReader {
    /// The largest document accepted, in bytes.
    public static let maxBytes = 512 * 1024 * 1024

    /// The most JSON values (objects, arrays, strings, numbers, literals) in one document.
    public static let maxValues = 10_000_000

    /// An upper bound on the number of values in `bytes`, counted without building them: every value is the
    /// root, the first in its array or object, or follows a comma (commas and brackets inside strings aside).
    static func valueBound(_ bytes: [UInt8]) -> Int {
        var count = 1
        var inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "{"): count += 1
            default: break
            }
        }
        return count
    }

    /// Reads `bytes` (UTF-8 JSON) as an EPCIS 2.0 document; `source` names it in errors.
    /// At most `valueLimit` JSON values are read (default `maxValues`).
    public static func read(_ bytes: [UInt8], source: String, valueLimit: Int = maxValues) throws(EPCISError) -> EPCISDocument {
        func fail(_ field: String?, _ code: String, _ reason: String) -> EPCISError {
            EPCISError(document: source, field: field, code: code, reason: reason)
        }
        guard bytes.count <= maxBytes else { throw fail(nil, "too-large", "is larger than \(maxBytes) bytes") }
        // Each value becomes a node in memory: bound them before building any.
        let values = valueBound(bytes)
        guard values <= valueLimit else {
            throw fail(nil, "json-too-many-values", "has more than \(valueLimit) JSON values (\(values) counted)")
        }
        let root: EPCISNode
        do { root = try EPCISNode.parse(bytes) } catch { throw fail(nil, "bad-syntax", "\(error)") }
        guard root.members != nil else { throw fail(nil, "bad-syntax", "must be a JSON object (an EPCISDocument)") }
        guard let context = root["@context"] else {
            throw fail("@context", "bad-context", "is required: an EPCIS 2.0 JSON-LD document names the EPCIS context (it is never fetched)")
        }
        var namespaces: [String: String] = [:]
        try readContext(context, into: &namespaces, field: "@context", fail: fail)
        guard let type = root["type"]?.stringValue else {
            throw fail("type", "bad-document", "is required: \"EPCISDocument\" or \"EPCISQueryDocument\"")
        }
        guard let schemaVersion = root["schemaVersion"] else { throw fail("schemaVersion", "bad-document", "is required (\"2.0\")") }
        guard schemaVersion.stringValue?.hasPrefix("2.") == true else {
            throw fail("schemaVersion", "bad-document", "must be \"2.0\" for an EPCIS 2.0 JSON document, not \(schemaVersion.compactJSON)")
        }
        guard let creationDate = root["creationDate"]?.stringValue else { throw fail("creationDate", "bad-document", "is required (a date-time)") }
        guard EPCISTime.parse(creationDate) != nil else {
            throw fail("creationDate", "bad-document", "\"\(creationDate)\" is not an xsd:dateTime with a time zone")
        }
        guard let body = root["epcisBody"], body.members != nil else { throw fail("epcisBody", "bad-document", "is required (an object)") }
        let listPath: [String]
        switch type {
        case "EPCISDocument": listPath = ["eventList"]
        case "EPCISQueryDocument": listPath = ["queryResults", "resultsBody", "eventList"]
        default: throw fail("type", "bad-document", "\"\(type)\" is not EPCISDocument or EPCISQueryDocument")
        }
        var node = body
        var field = "epcisBody"
        for key in listPath {
            field += "." + key
            guard let next = node[key] else {
                // An EPCISDocument with no eventList carries no events; a query document must have its results.
                if type == "EPCISDocument" { node = .array([]); break }
                throw fail(field, "bad-document", "is required")
            }
            node = next
        }
        guard let list = node.arrayValue else { throw fail(field, "bad-document", "must be an array of events") }
        var events: [EPCISNode] = []
        var eventNamespaces: [[String: String]] = []
        events.reserveCapacity(list.count)
        for (index, event) in list.enumerated() {
            guard case .object(var members) = event else {
                throw EPCISError(document: source, eventIndex: index, field: "\(field)[\(index)]", code: "bad-event", reason: "an event must be a JSON object")
            }
            // Event-level @context: its prefixes apply to this event alone (over the document's).
            var own: [String: String] = [:]
            if let position = members.firstIndex(where: { $0.key == "@context" }) {
                try readContext(members[position].value, into: &own, field: "\(field)[\(index)].@context") { _, code, reason in
                    EPCISError(document: source, eventIndex: index, eventID: event["eventID"]?.stringValue, field: "@context", code: code, reason: reason)
                }
                members.remove(at: position)
            }
            let event = EPCISNode.object(members)
            try checkKeys(event, namespaces: namespaces.merging(own) { _, own in own }, path: nil) { key, reason in
                EPCISError(document: source, eventIndex: index, eventID: event["eventID"]?.stringValue, field: key, code: "bad-key", reason: reason)
            }
            events.append(event)
            eventNamespaces.append(own)
        }
        return EPCISDocument(source: source, syntax: .json20, namespaces: namespaces, eventNamespaces: eventNamespaces,
                             header: root["epcisHeader"], events: events)
    }

    /// Refuses a member key that is not a field name (an NCName) or a user extension key `prefix:NCName` whose
    /// prefix the context declares: such a key could not be hashed by namespace, nor written as an XML element.
    static func checkKeys(_ node: EPCISNode, namespaces: [String: String], path: String?,
                          fail: (String, String) -> EPCISError) throws(EPCISError) {
        switch node {
        case .object(let members):
            for member in members {
                let field = path.map { "\($0).\(member.key)" } ?? member.key
                if let colon = member.key.firstIndex(of: ":") {
                    let prefix = String(member.key[..<colon])
                    guard isQName(member.key), !prefix.lowercased().hasPrefix("xml") else {
                        throw fail(field, "\(member.key) is not a user extension key prefix:NCName")
                    }
                    guard namespaces[prefix] != nil || EPCISDocument.standardPrefixes[prefix] != nil else {
                        throw fail(field, "the prefix \(prefix) of \(member.key) is not declared in the @context")
                    }
                } else if !isNCName(member.key[...]) {
                    throw fail(field, "\(member.key) is not a field name (an NCName) nor a user extension key prefix:NCName")
                }
                try checkKeys(member.value, namespaces: namespaces, path: field, fail: fail)
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                try checkKeys(element, namespaces: namespaces, path: "\(path ?? "")[\(index)]", fail: fail)
            }
        default: return
        }
    }

    /// Collects `prefix → IRI` from a context: a string (a context URL, never fetched), an object, or an array of them.
    static func readContext(_ context: EPCISNode, into namespaces: inout [String: String], field: String,
                            fail: (String?, String, String) -> EPCISError) throws(EPCISError) {
        switch context {
        case .string: return
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if case .array = element { throw fail("\(field)[\(index)]", "bad-context", "a context array may hold strings and objects, not arrays") }
                try readContext(element, into: &namespaces, field: "\(field)[\(index)]", fail: fail)
            }
        case .object(let members):
            for member in members {
                // `@vocab`, `@base` and term definitions that are objects do not declare prefixes.
                if member.key.hasPrefix("@") { continue }
                // Only an NCName term is a prefix; other terms (compact IRIs, aliases) declare none.
                if let iri = member.value.stringValue, isNCName(member.key[...]) { namespaces[member.key] = iri }
            }
        default:
            throw fail(field, "bad-context", "must be a context URL, an object of prefixes, or an array of them, not \(context.compactJSON)")
        }
    }
}

/// Builds `EPCISNode`s: members in document order, numbers kept as written.
struct EPCISNodeBuilder: JSONBuilder {
    func number(_ literal: ArraySlice<UInt8>, isInteger: Bool) throws(JSONBuilderRefusal) -> EPCISNode {
        .number(String(decoding: literal, as: UTF8.self))
    }
    func string(_ text: String) -> EPCISNode { .string(text) }
    func bool(_ flag: Bool) -> EPCISNode { .bool(flag) }
    func null() -> EPCISNode { .null }
    func array(_ elements: [EPCISNode]) -> EPCISNode { .array(elements) }
    func newObject() -> (members: [EPCISNode.Member], keys: Set<String>) { ([], []) }
    func add(_ key: String, _ value: EPCISNode, to object: inout (members: [EPCISNode.Member], keys: Set<String>)) -> Bool {
        guard object.keys.insert(key).inserted else { return false }
        object.members.append(.init(key, value))
        return true
    }
    func object(_ object: (members: [EPCISNode.Member], keys: Set<String>)) -> EPCISNode { .object(object.members) }
}

extension EPCISNode {
    /// Parses a JSON text strictly (RFC 8259, unique member names, nesting up to 128 levels).
    static func parse(_ bytes: [UInt8]) throws(JSONError) -> EPCISNode {
        var parser = JSONParser(bytes: bytes, maxDepth: 128, builder: EPCISNodeBuilder())
        return try parser.parseDocument()
    }
}

extension EPCISNode {
    /// Compact JSON: members in their order, numbers as written, strings escaped as RFC 8785 does.
    public var compactJSON: String {
        var out: [UInt8] = []
        write(into: &out, indent: nil, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// JSON indented by two spaces, members in their order.
    public var prettyJSON: String {
        var out: [UInt8] = []
        write(into: &out, indent: 2, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    func write(into out: inout [UInt8], indent: Int?, level: Int) {
        func newline(_ level: Int) {
            guard let indent else { return }
            out.append(0x0A)
            out.append(contentsOf: repeatElement(0x20, count: indent * level))
        }
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let text): JSONValue.writeString(text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                element.write(into: &out, indent: indent, level: level + 1)
            }
            if !elements.isEmpty { newline(level) }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (position, member) in members.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                JSONValue.writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(0x20) }
                member.value.write(into: &out, indent: indent, level: level + 1)
            }
            if !members.isEmpty { newline(level) }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Parses one JSON value (as `compactJSON` writes it) back into a node.
    public static func parseJSON(_ text: String) throws(EPCISError) -> EPCISNode {
        do { return try parse(Array(text.utf8)) } catch {
            throw EPCISError(document: "stored event", code: "bad-syntax", reason: "\(error)")
        }
    }
}

extension EPCISDocument {
    /// Reads a document in whichever syntax its bytes are in: JSON / JSON-LD (first non-blank byte `{`) or
    /// EPCIS 2.0 / 1.2 XML (`<`).
    public static func read(_ bytes: [UInt8], source: String) throws(EPCISError) -> EPCISDocument {
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while start < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start]) { start += 1 }
        switch start < bytes.count ? bytes[start] : 0 {
        case UInt8(ascii: "{"): return try EPCISJSONReader.read(bytes, source: source)
        case UInt8(ascii: "<"): return try EPCISXMLReader.read(bytes, source: source)
        default:
            throw EPCISError(document: source, code: "bad-syntax", reason: "is neither EPCIS JSON (starting with '{') nor XML (starting with '<')")
        }
    }
}
