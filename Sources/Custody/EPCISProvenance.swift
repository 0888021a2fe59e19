import LedgerFormat

/// The optional `epcis` member of a custody body: the EPCIS event the body was imported from.
///
/// It keeps the event whole (as EPCIS 2.0 JSON text, numbers as written), so nothing the ledger does not
/// map (sensor data, user extensions, certification info) is lost from the signed entry, and its CBV 2.0
/// event hash, so a partner can match the entry to the event in its own repository.
public struct EPCISProvenance: Sendable, Hashable {
    /// The CBV 2.0 event hash ID (`ni:///sha-256;HEX?ver=CBV2.0`), when computed.
    public var eventHash: String?
    /// The event's own `eventID`, when it has one.
    public var eventID: String?
    /// The event in the EPCIS 2.0 JSON binding, compact, members in document order.
    public var event: String
    /// Namespace prefix → IRI for the user extension prefixes the event uses.
    public var namespaces: [String: String]

    /// The largest event text kept, in bytes.
    public static let maxEventBytes = 4 * 1024 * 1024

    public init(eventHash: String? = nil, eventID: String? = nil, event: String, namespaces: [String: String] = [:]) {
        self.eventHash = eventHash
        self.eventID = eventID
        self.event = event
        self.namespaces = namespaces
    }

    /// Reads the optional `epcis` member of a body.
    static func read(_ reader: BodyReader) throws(BodyError) -> EPCISProvenance? {
        guard reader.optional("epcis") != nil else { return nil }
        let member = try reader.object("epcis")
        try member.allowOnly(["eventHash", "eventID", "event", "namespaces"])
        let eventHash = try member.optionalString("eventHash", maxLength: 200)
        if let eventHash, !(eventHash.hasPrefix("ni:///sha-256;") && eventHash.hasSuffix("?ver=CBV2.0")) {
            throw member.error("eventHash", "\"\(eventHash)\" is not a CBV 2.0 event hash ID (ni:///sha-256;HEX?ver=CBV2.0)")
        }
        let eventID = try member.optionalString("eventID", maxLength: 1024)
        let event = try member.string("event", maxLength: maxEventBytes)
        guard event.hasPrefix("{"), event.hasSuffix("}") else { throw member.error("event", "must be the EPCIS event as a JSON object text") }
        var namespaces: [String: String] = [:]
        if member.optional("namespaces") != nil {
            let map = try member.object("namespaces")
            for key in map.members.keys { namespaces[key] = try map.string(key, maxLength: 1024) }
        }
        return EPCISProvenance(eventHash: eventHash, eventID: eventID, event: event, namespaces: namespaces)
    }

    /// The member as JSON.
    public var json: JSONValue {
        var members: [String: JSONValue] = ["event": .string(event)]
        if let eventHash { members["eventHash"] = .string(eventHash) }
        if let eventID { members["eventID"] = .string(eventID) }
        if !namespaces.isEmpty { members["namespaces"] = .object(namespaces.mapValues { .string($0) }) }
        return .object(members)
    }
}

/// An entry that keeps an EPCIS event with its event hash (for the index's event hash → entry lookup).
public struct EPCISEventRecord: Sendable, Hashable {
    /// The kept event's CBV 2.0 event hash ID.
    public var eventHash: String
    /// The entry's sequence number.
    public var seq: UInt64

    /// The entry `seq` keeping the event with hash ID `eventHash`.
    public init(eventHash: String, seq: UInt64) {
        self.eventHash = eventHash
        self.seq = seq
    }
}

extension CustodyBody {
    /// The EPCIS event the body was imported from, if any.
    public var epcis: EPCISProvenance? {
        switch self {
        case .commission(let body): body.epcis
        case .aggregate(let body): body.epcis
        case .disaggregate(let body): body.epcis
        case .transfer(let body): body.epcis
        case .ship(let body): body.epcis
        case .receive(let body): body.epcis
        case .return(let body): body.epcis
        case .decommission(let body): body.epcis
        }
    }
}
