/// An EPCIS document read from any syntax the ledger accepts (EPCIS 2.0 JSON-LD, 2.0 XML, 1.2 XML),
/// in one shape: the EPCIS 2.0 JSON binding.
///
/// Readers of each syntax produce this value; the importer, the event hash and the exporter work on it
/// alone, so an XML document and its JSON-LD counterpart import to the same bodies and hash to the same IDs.
public struct EPCISDocument: Sendable, Hashable {
    /// The syntax a document was read from.
    public enum Syntax: String, Sendable, Hashable {
        case json20 = "EPCIS 2.0 JSON-LD"
        case xml20 = "EPCIS 2.0 XML"
        case xml12 = "EPCIS 1.2 XML"
    }

    /// Where the document came from (a file name), for error messages.
    public var source: String
    public var syntax: Syntax
    /// Namespace prefix → namespace URI, from the JSON-LD `@context` or the XML `xmlns:` declarations
    /// (document level; the XML reader gives every namespace declared deeper a prefix of its own here).
    /// Keys of user extensions are written `prefix:localName` with their prefix declared here or in
    /// their event's own `@context` (`eventNamespaces`).
    public var namespaces: [String: String]
    /// The prefixes each event's own JSON-LD `@context` declares, by event index (absent or empty when the
    /// event has none). They apply to that event alone; see `namespaces(ofEvent:)`.
    public var eventNamespaces: [[String: String]]
    /// The `epcisHeader` member in the 2.0 JSON shape (master data under
    /// `epcisMasterData.vocabularyList`); header content outside the 2.0 binding (an SBDH, the GS1 US
    /// `gs1ushc:dscsaTransactionStatement`) kept under its `prefix:localName` key. Nil when absent.
    public var header: EPCISNode?
    /// The events in document order, each an object in the 2.0 JSON shape with its `"type"`
    /// (`ObjectEvent`, `AggregationEvent`, `TransactionEvent`, `TransformationEvent`, `AssociationEvent`).
    public var events: [EPCISNode]

    public init(source: String, syntax: Syntax, namespaces: [String: String], eventNamespaces: [[String: String]] = [],
                header: EPCISNode?, events: [EPCISNode]) {
        self.source = source
        self.syntax = syntax
        self.namespaces = namespaces
        self.eventNamespaces = eventNamespaces
        self.header = header
        self.events = events
    }

    /// The prefixes in scope in event `index`: the document's, and the event's own `@context` winning.
    public func namespaces(ofEvent index: Int) -> [String: String] {
        guard index < eventNamespaces.count, !eventNamespaces[index].isEmpty else { return namespaces }
        return namespaces.merging(eventNamespaces[index]) { _, own in own }
    }
}

/// A value in an EPCIS document, in the EPCIS 2.0 JSON binding's shape.
///
/// Unlike the ledger's `JSONValue` it keeps object members in document order and numbers as written
/// (EPCIS quantities and sensor values are decimals); XML text content is always a `.string`.
public indirect enum EPCISNode: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number literal exactly as written (`2`, `-0.5`, `1E3`).
    case number(String)
    case string(String)
    case array([EPCISNode])
    /// Members in document order; keys are unique.
    case object([Member])

    /// One member of an object.
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: EPCISNode
        public init(_ key: String, _ value: EPCISNode) {
            self.key = key
            self.value = value
        }
    }

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> EPCISNode? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The string, if this is one.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The elements, if this is an array.
    public var arrayValue: [EPCISNode]? { if case .array(let a) = self { return a } else { return nil } }
    /// The members, if this is an object.
    public var members: [Member]? { if case .object(let m) = self { return m } else { return nil } }
}

/// Why an EPCIS document (or one of its events) was refused: the document, the event (index in
/// document order and its `eventID`), the field, and the reason.
public struct EPCISError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The document (a file name).
    public var document: String
    /// The event's 0-based index in document order, when the problem is in an event.
    public var eventIndex: Int?
    /// The event's `eventID`, when it has one.
    public var eventID: String?
    /// The field, as a path in the 2.0 JSON shape (`epcList[2]`, `ilmd.cbvmda:lotNumber`), when there is one.
    public var field: String?
    /// Why, as a sentence a user understands.
    public var reason: String
    /// A stable code for tests and scripts (`bad-syntax`, `bad-identifier`, `unmapped-event`, ...).
    public var code: String

    public init(document: String, eventIndex: Int? = nil, eventID: String? = nil, field: String? = nil, code: String, reason: String) {
        self.document = document
        self.eventIndex = eventIndex
        self.eventID = eventID
        self.field = field
        self.code = code
        self.reason = reason
    }

    public var description: String {
        var place = document
        if let eventIndex {
            place += ", event \(eventIndex + 1)"
            if let eventID { place += " (\(eventID))" }
        }
        if let field { place += ", field \(field)" }
        return "\(place): \(reason) [\(code)]"
    }
}
