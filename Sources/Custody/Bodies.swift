import LedgerCrypto
import LedgerFormat

/// The custody body types and their names in entries.
public enum CustodyBodyType: String, Sendable, Hashable, CaseIterable {
    case commission, aggregate, disaggregate, transfer, ship, receive, `return`, decommission
}

/// A party in transaction information: GLN, business name and address (TI fields 9 and 10).
public struct PartyInfo: Sendable, Hashable {
    public var gln: String
    public var name: String
    public var address: String

    public init(gln: String, name: String, address: String) {
        self.gln = gln
        self.name = name
        self.address = address
    }

    init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(["gln", "name", "address"])
        gln = try readGLN(reader, "gln")
        name = try reader.string("name", maxLength: 200)
        address = try reader.string("address", maxLength: 500)
    }

    public var json: JSONValue { .object(["gln": .string(gln), "name": .string(name), "address": .string(address)]) }
}

/// Product master data as commissioned (TI fields 1, 2, 3 and 4).
public struct ProductMaster: Sendable, Hashable {
    public var name: String
    public var strength: String
    public var dosageForm: String
    public var containerSize: String
    /// The NDC in its hyphenated 10-digit form, when the GTIN embeds one.
    public var ndc: String?

    public init(name: String, strength: String, dosageForm: String, containerSize: String, ndc: String? = nil) {
        self.name = name
        self.strength = strength
        self.dosageForm = dosageForm
        self.containerSize = containerSize
        self.ndc = ndc
    }

    init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(["name", "strength", "dosageForm", "containerSize", "ndc"])
        name = try reader.string("name", maxLength: 200)
        strength = try reader.string("strength", maxLength: 100)
        dosageForm = try reader.string("dosageForm", maxLength: 100)
        containerSize = try reader.string("containerSize", maxLength: 100)
        ndc = try reader.optionalString("ndc", maxLength: 13)
    }

    /// Reads product master data from its JSON object.
    public static func fromJSON(_ value: JSONValue) throws(BodyError) -> ProductMaster {
        try ProductMaster(BodyReader(value, bodyType: "product"))
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["name": .string(name), "strength": .string(strength),
                                            "dosageForm": .string(dosageForm), "containerSize": .string(containerSize)]
        if let ndc { members["ndc"] = .string(ndc) }
        return .object(members)
    }
}

func readGLN(_ reader: BodyReader, _ key: String) throws(BodyError) -> String {
    let gln = try reader.string(key)
    if let problem = validateGLN(gln) { throw reader.error(key, problem) }
    return gln
}

func readGLNValue(_ value: String, _ reader: BodyReader, _ key: String) throws(BodyError) -> String {
    if let problem = validateGLN(value) { throw reader.error(key, problem) }
    return value
}

func readUnit(_ reader: BodyReader, _ key: String) throws(BodyError) -> UnitID {
    let text = try reader.string(key, maxLength: 64)
    do { return try UnitID(canonical: text) } catch { throw reader.error(key, error.message) }
}

func readUnits(_ reader: BodyReader, _ key: String) throws(BodyError) -> [UnitID] {
    let texts = try reader.stringArray(key, maxLength: 64)
    var units: [UnitID] = []
    units.reserveCapacity(texts.count)
    // Few units (the usual case): look for a repeat among those read rather than hash every one into a set.
    var seen: Set<UnitID>? = texts.count > 16 ? Set(minimumCapacity: texts.count) : nil
    for (index, text) in texts.enumerated() {
        let unit: UnitID
        do { unit = try UnitID(canonical: text) } catch { throw reader.error("\(key)[\(index)]", error.message) }
        let repeated = seen == nil ? units.contains(unit) : !seen!.insert(unit).inserted
        guard !repeated else { throw reader.error("\(key)[\(index)]", "\(unit) is listed twice") }
        units.append(unit)
    }
    return units
}

func readTime(_ reader: BodyReader, _ key: String, required: Bool) throws(BodyError) -> String? {
    guard let text = required ? try reader.string(key, maxLength: 40) : try reader.optionalString(key, maxLength: 40) else { return nil }
    guard Timestamp.parse(text) != nil, text.count > 10 else {
        throw reader.error(key, "\"\(text)\" is not an ISO 8601 date-time with a time zone (e.g. 2026-03-02T14:30:00-05:00)")
    }
    return text
}

func readISODate(_ reader: BodyReader, _ key: String) throws(BodyError) -> String {
    let text = try reader.string(key, maxLength: 10)
    guard text.count == 10, Timestamp.parse(text) != nil else { throw reader.error(key, "\"\(text)\" is not a date YYYY-MM-DD") }
    return text
}

func readReferences(_ reader: BodyReader) throws(BodyError) -> [String: String] {
    guard reader.optional("references") != nil else { return [:] }
    let references = try reader.object("references")
    try references.allowOnly(["po", "invoice", "asn", "other"])
    var out: [String: String] = [:]
    for key in references.members.keys { out[key] = try references.string(key, maxLength: 200) }
    return out
}

func referencesJSON(_ references: [String: String]) -> JSONValue { .object(references.mapValues { .string($0) }) }

func unitsJSON(_ units: [UnitID]) -> JSONValue { .array(units.map { .string($0.canonical) }) }

/// `commission`: serials of one GTIN come into existence, with lot, expiry and product master data.
public struct CommissionBody: Sendable, Hashable {
    public var gtin: String
    public var serials: [String]
    public var lot: String
    /// Expiry as an ISO date `YYYY-MM-DD`.
    public var expiry: String
    public var product: ProductMaster
    public var eventTime: String?
    /// The EPCIS event this body was imported from (event hash, eventID, the event itself), when imported.
    public var epcis: EPCISProvenance? = nil

    public init(gtin: String, serials: [String], lot: String, expiry: String, product: ProductMaster, eventTime: String? = nil) {
        self.gtin = gtin
        self.serials = serials
        self.lot = lot
        self.expiry = expiry
        self.product = product
        self.eventTime = eventTime
    }

    public init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(["gtin", "serials", "lot", "expiry", "product", "eventTime", "epcis"])
        gtin = try reader.string("gtin", maxLength: 14)
        guard gtin.utf8.count == 14, UnitID.checkDigitValid(gtin) else { throw reader.error("gtin", "\"\(gtin)\" is not a GTIN-14 with a valid check digit") }
        serials = try reader.stringArray("serials", maxLength: 20)
        var seen = Set<String>()
        for (index, serial) in serials.enumerated() {
            if let problem = UnitID.serialProblem(serial) { throw reader.error("serials[\(index)]", "serial \(problem)") }
            guard seen.insert(serial).inserted else { throw reader.error("serials[\(index)]", "serial \(serial) is listed twice") }
        }
        lot = try reader.string("lot", maxLength: 20)
        if let problem = UnitID.serialProblem(lot) { throw reader.error("lot", "lot \(problem)") }
        expiry = try readISODate(reader, "expiry")
        product = try ProductMaster(try reader.object("product"))
        eventTime = try readTime(reader, "eventTime", required: false)
        epcis = try EPCISProvenance.read(reader)
    }

    /// The commissioned identifiers.
    public var units: [UnitID] { serials.map { .sgtin(gtin: gtin, serial: $0) } }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["gtin": .string(gtin), "serials": .array(serials.map { .string($0) }), "lot": .string(lot),
                                            "expiry": .string(expiry), "product": product.json]
        if let eventTime { members["eventTime"] = .string(eventTime) }
        if let epcis { members["epcis"] = epcis.json }
        return .object(members)
    }
}

/// `aggregate`: children packed into a parent (a case SGTIN or an SSCC; an unknown SSCC is created).
public struct AggregateBody: Sendable, Hashable {
    public var parent: UnitID
    public var children: [UnitID]
    public var eventTime: String?
    /// The EPCIS event this body was imported from (event hash, eventID, the event itself), when imported.
    public var epcis: EPCISProvenance? = nil

    public init(parent: UnitID, children: [UnitID], eventTime: String? = nil) {
        self.parent = parent
        self.children = children
        self.eventTime = eventTime
    }

    public init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(["parent", "children", "eventTime", "epcis"])
        parent = try readUnit(reader, "parent")
        children = try readUnits(reader, "children")
        eventTime = try readTime(reader, "eventTime", required: false)
        epcis = try EPCISProvenance.read(reader)
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["parent": .string(parent.canonical), "children": unitsJSON(children)]
        if let eventTime { members["eventTime"] = .string(eventTime) }
        if let epcis { members["epcis"] = epcis.json }
        return .object(members)
    }
}

/// `disaggregate`: children taken out of a parent (all of them when `children` is absent).
public struct DisaggregateBody: Sendable, Hashable {
    public var parent: UnitID
    public var children: [UnitID]?
    public var eventTime: String?
    /// The EPCIS event this body was imported from (event hash, eventID, the event itself), when imported.
    public var epcis: EPCISProvenance? = nil

    public init(parent: UnitID, children: [UnitID]? = nil, eventTime: String? = nil) {
        self.parent = parent
        self.children = children
        self.eventTime = eventTime
    }

    public init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(["parent", "children", "eventTime", "epcis"])
        parent = try readUnit(reader, "parent")
        children = reader.optional("children") == nil ? nil : try readUnits(reader, "children")
        eventTime = try readTime(reader, "eventTime", required: false)
        epcis = try EPCISProvenance.read(reader)
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["parent": .string(parent.canonical)]
        if let children { members["children"] = unitsJSON(children) }
        if let eventTime { members["eventTime"] = .string(eventTime) }
        if let epcis { members["epcis"] = epcis.json }
        return .object(members)
    }
}

/// The DSCSA transaction statement (TS), statements (A)–(G) each affirmed by name.
public struct TransactionStatement: Sendable, Hashable {
    /// The seven statements' names in order (A) to (G).
    public static let statements = [
        "authorized",                       // (A) authorized as required under the DSCSA
        "receivedFromAuthorized",           // (B) received the product from an authorized person
        "receivedTransactionInformation",   // (C) received TI and a TS from the prior owner
        "noSuspectOrIllegitimateProduct",   // (D) did not knowingly ship a suspect or illegitimate product
        "verificationSystemsInPlace",       // (E) had systems and processes for verification
        "noFalseTransactionInformation",    // (F) did not knowingly provide false TI
        "noAlteredTransactionHistory",      // (G) did not knowingly alter the TH
    ]

    /// Who affirms, e.g. "Jane Roe, Director of Compliance".
    public var affirmedBy: String

    public init(affirmedBy: String) { self.affirmedBy = affirmedBy }

    /// The members a statement may have.
    static let members = statements + ["affirmedBy"]

    init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(Self.members)
        for statement in Self.statements {
            guard try reader.bool(statement, default: false) else {
                throw reader.error(statement, "must be true: the seller affirms every statement (A)–(G) of the DSCSA transaction statement")
            }
        }
        affirmedBy = try reader.string("affirmedBy", maxLength: 200)
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["affirmedBy": .string(affirmedBy)]
        for statement in Self.statements { members[statement] = .bool(true) }
        return .object(members)
    }
}

/// One product line of transaction information: TI fields 1–6 plus the package-level identity.
public struct TransactionProduct: Sendable, Hashable, Comparable {
    public var gtin: String
    public var ndc: String?
    public var name: String
    public var strength: String
    public var dosageForm: String
    public var containerSize: String
    public var lot: String
    public var expiry: String
    /// Number of containers (packages) of this GTIN and lot.
    public var quantity: Int64

    public init(gtin: String, master: ProductMaster, lot: String, expiry: String, quantity: Int64) {
        self.gtin = gtin
        self.ndc = master.ndc
        self.name = master.name
        self.strength = master.strength
        self.dosageForm = master.dosageForm
        self.containerSize = master.containerSize
        self.lot = lot
        self.expiry = expiry
        self.quantity = quantity
    }

    init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(["gtin", "ndc", "name", "strength", "dosageForm", "containerSize", "lot", "expiry", "quantity"])
        gtin = try reader.string("gtin", maxLength: 14)
        ndc = try reader.optionalString("ndc", maxLength: 13)
        name = try reader.string("name", maxLength: 200)
        strength = try reader.string("strength", maxLength: 100)
        dosageForm = try reader.string("dosageForm", maxLength: 100)
        containerSize = try reader.string("containerSize", maxLength: 100)
        lot = try reader.string("lot", maxLength: 20)
        expiry = try readISODate(reader, "expiry")
        quantity = try reader.integer("quantity")
        guard quantity > 0 else { throw reader.error("quantity", "must be positive") }
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["gtin": .string(gtin), "name": .string(name), "strength": .string(strength),
                                            "dosageForm": .string(dosageForm), "containerSize": .string(containerSize),
                                            "lot": .string(lot), "expiry": .string(expiry), "quantity": .integer(quantity)]
        if let ndc { members["ndc"] = .string(ndc) }
        return .object(members)
    }

    public static func < (lhs: TransactionProduct, rhs: TransactionProduct) -> Bool { (lhs.gtin, lhs.lot) < (rhs.gtin, rhs.lot) }
}

/// `transfer`: a change of ownership from the signer (seller) to a buyer, with TI, TS and TH.
public struct TransferBody: Sendable, Hashable {
    /// Package-level identifiers shipped; top-level containers stand for their contents.
    public var items: [UnitID]
    public var seller: PartyInfo
    public var buyer: PartyInfo
    /// A 3PL that takes possession first (a possession-only hop), if any.
    public var via: String?
    /// TI 7: the transaction date-time, with its offset.
    public var transactionDate: String
    /// TI 8: the shipment date when more than 24 hours after the transaction date.
    public var shipmentDate: String?
    /// TI 1–6 per GTIN and lot, as the ledger computes them from commissioning (filled in by the CLI).
    public var products: [TransactionProduct]
    /// PO, invoice and ASN references.
    public var references: [String: String]
    public var statement: TransactionStatement
    /// TH: entry hashes (hex) of every prior transfer of these products, in ledger order (filled in by the CLI).
    public var history: [String]
    /// Set when shipping expired product deliberately: the reason, recorded in the entry.
    public var expiredOverride: String?
    /// The EPCIS event this body was imported from (event hash, eventID, the event itself), when imported.
    public var epcis: EPCISProvenance? = nil

    public init(items: [UnitID], seller: PartyInfo, buyer: PartyInfo, via: String? = nil, transactionDate: String,
                shipmentDate: String? = nil, products: [TransactionProduct] = [], references: [String: String] = [:],
                statement: TransactionStatement, history: [String] = [], expiredOverride: String? = nil) {
        self.items = items
        self.seller = seller
        self.buyer = buyer
        self.via = via
        self.transactionDate = transactionDate
        self.shipmentDate = shipmentDate
        self.products = products
        self.references = references
        self.statement = statement
        self.history = history
        self.expiredOverride = expiredOverride
    }

    public static let members = ["items", "seller", "buyer", "via", "transactionDate", "shipmentDate", "products",
                                              "references", "statement", "history", "expiredOverride", "epcis"]

    public init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(Self.members)
        items = try readUnits(reader, "items")
        seller = try PartyInfo(try reader.object("seller"))
        buyer = try PartyInfo(try reader.object("buyer"))
        via = try reader.optionalString("via").map { value throws(BodyError) in try readGLNValue(value, reader, "via") }
        transactionDate = try readTime(reader, "transactionDate", required: true)!
        shipmentDate = try readTime(reader, "shipmentDate", required: false)
        products = []
        for (index, value) in try reader.array("products").enumerated() {
            products.append(try TransactionProduct(try BodyReader(value, bodyType: reader.bodyType, path: "products[\(index)]")))
        }
        references = try readReferences(reader)
        statement = try TransactionStatement(try reader.object("statement"))
        history = try reader.stringArray("history", nonEmpty: false, maxLength: 64)
        for (index, hash) in history.enumerated() where hash.utf8.count != 64 || Hex.decodeLowercase(hash) == nil {
            throw reader.error("history[\(index)]", "must be an entry hash: 64 lowercase hex digits")
        }
        expiredOverride = try reader.optionalString("expiredOverride", maxLength: 500)
        epcis = try EPCISProvenance.read(reader)
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "items": unitsJSON(items), "seller": seller.json, "buyer": buyer.json, "transactionDate": .string(transactionDate),
            "products": .array(products.map(\.json)), "references": referencesJSON(references), "statement": statement.json,
            "history": .array(history.map { .string($0) }),
        ]
        if let via { members["via"] = .string(via) }
        if let shipmentDate { members["shipmentDate"] = .string(shipmentDate) }
        if let expiredOverride { members["expiredOverride"] = .string(expiredOverride) }
        if let epcis { members["epcis"] = epcis.json }
        return .object(members)
    }
}

/// `ship`: a change of possession only (a 3PL forwarding to the owner, or an owner to its 3PL).
public struct ShipBody: Sendable, Hashable {
    public var items: [UnitID]
    /// Who takes possession next.
    public var to: String
    public var references: [String: String]
    public var eventTime: String?
    /// The EPCIS event this body was imported from (event hash, eventID, the event itself), when imported.
    public var epcis: EPCISProvenance? = nil

    public init(items: [UnitID], to: String, references: [String: String] = [:], eventTime: String? = nil) {
        self.items = items
        self.to = to
        self.references = references
        self.eventTime = eventTime
    }

    public init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(["items", "to", "references", "eventTime", "epcis"])
        items = try readUnits(reader, "items")
        to = try readGLN(reader, "to")
        references = try readReferences(reader)
        eventTime = try readTime(reader, "eventTime", required: false)
        epcis = try EPCISProvenance.read(reader)
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["items": unitsJSON(items), "to": .string(to), "references": referencesJSON(references)]
        if let eventTime { members["eventTime"] = .string(eventTime) }
        if let epcis { members["epcis"] = epcis.json }
        return .object(members)
    }
}

/// `receive`: the receiver takes possession of everything an open shipment (transfer, ship or return) carries.
public struct ReceiveBody: Sendable, Hashable {
    /// The entry hash (hex) of the transfer, ship or return being received.
    public var shipment: String
    public var eventTime: String?
    /// The EPCIS event this body was imported from (event hash, eventID, the event itself), when imported.
    public var epcis: EPCISProvenance? = nil

    public init(shipment: String, eventTime: String? = nil) {
        self.shipment = shipment
        self.eventTime = eventTime
    }

    public init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(["shipment", "eventTime", "epcis"])
        shipment = try reader.string("shipment", maxLength: 64)
        guard shipment.utf8.count == 64, Hex.decodeLowercase(shipment) != nil else {
            throw reader.error("shipment", "must be the shipping entry's hash: 64 lowercase hex digits")
        }
        eventTime = try readTime(reader, "eventTime", required: false)
        epcis = try EPCISProvenance.read(reader)
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["shipment": .string(shipment)]
        if let eventTime { members["eventTime"] = .string(eventTime) }
        if let epcis { members["epcis"] = epcis.json }
        return .object(members)
    }
}

/// `return`: product sent back to the partner that sold it; ownership goes back with it.
public struct ReturnBody: Sendable, Hashable {
    public var items: [UnitID]
    /// The partner the items are returned to: must be the one that sold them to the signer.
    public var to: String
    public var reason: String
    public var references: [String: String]
    public var eventTime: String?
    /// The EPCIS event this body was imported from (event hash, eventID, the event itself), when imported.
    public var epcis: EPCISProvenance? = nil

    public init(items: [UnitID], to: String, reason: String, references: [String: String] = [:], eventTime: String? = nil) {
        self.items = items
        self.to = to
        self.reason = reason
        self.references = references
        self.eventTime = eventTime
    }

    public init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(["items", "to", "reason", "references", "eventTime", "epcis"])
        items = try readUnits(reader, "items")
        to = try readGLN(reader, "to")
        reason = try reader.string("reason", maxLength: 200)
        references = try readReferences(reader)
        eventTime = try readTime(reader, "eventTime", required: false)
        epcis = try EPCISProvenance.read(reader)
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["items": unitsJSON(items), "to": .string(to), "reason": .string(reason),
                                            "references": referencesJSON(references)]
        if let eventTime { members["eventTime"] = .string(eventTime) }
        if let epcis { members["epcis"] = epcis.json }
        return .object(members)
    }
}

/// Why a serial leaves the supply chain.
public enum DecommissionReason: String, Sendable, Hashable, CaseIterable {
    case dispensed, destroyed, stolen, lost, sample, exported, expired, recalled, damaged
}

/// `decommission`: serials leave the supply chain (a container takes its contents with it).
public struct DecommissionBody: Sendable, Hashable {
    public var items: [UnitID]
    public var reason: DecommissionReason
    public var note: String?
    public var eventTime: String?
    /// The EPCIS event this body was imported from (event hash, eventID, the event itself), when imported.
    public var epcis: EPCISProvenance? = nil

    public init(items: [UnitID], reason: DecommissionReason, note: String? = nil, eventTime: String? = nil) {
        self.items = items
        self.reason = reason
        self.note = note
        self.eventTime = eventTime
    }

    public init(_ reader: BodyReader) throws(BodyError) {
        try reader.allowOnly(["items", "reason", "note", "eventTime", "epcis"])
        items = try readUnits(reader, "items")
        let text = try reader.string("reason")
        guard let reason = DecommissionReason(rawValue: text) else {
            throw reader.error("reason", "unknown reason \"\(text)\" (one of: \(DecommissionReason.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.reason = reason
        note = try reader.optionalString("note", maxLength: 500)
        eventTime = try readTime(reader, "eventTime", required: false)
        epcis = try EPCISProvenance.read(reader)
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["items": unitsJSON(items), "reason": .string(reason.rawValue)]
        if let note { members["note"] = .string(note) }
        if let eventTime { members["eventTime"] = .string(eventTime) }
        if let epcis { members["epcis"] = epcis.json }
        return .object(members)
    }
}

/// A parsed custody body.
public enum CustodyBody: Sendable, Hashable {
    case commission(CommissionBody)
    case aggregate(AggregateBody)
    case disaggregate(DisaggregateBody)
    case transfer(TransferBody)
    case ship(ShipBody)
    case receive(ReceiveBody)
    case `return`(ReturnBody)
    case decommission(DecommissionBody)

    /// Parses a body of `type` from its JSON; nil for types that are not custody bodies.
    public static func parse(type: String, json: JSONValue) throws(BodyError) -> CustodyBody? {
        guard let kind = CustodyBodyType(rawValue: type) else { return nil }
        let reader = try BodyReader(json, bodyType: type)
        switch kind {
        case .commission: return .commission(try CommissionBody(reader))
        case .aggregate: return .aggregate(try AggregateBody(reader))
        case .disaggregate: return .disaggregate(try DisaggregateBody(reader))
        case .transfer: return .transfer(try TransferBody(reader))
        case .ship: return .ship(try ShipBody(reader))
        case .receive: return .receive(try ReceiveBody(reader))
        case .return: return .return(try ReturnBody(reader))
        case .decommission: return .decommission(try DecommissionBody(reader))
        }
    }

    /// Parses a body of `type` from its canonical bytes.
    public static func parse(type: String, body: [UInt8]) throws(BodyError) -> CustodyBody? {
        guard CustodyBodyType(rawValue: type) != nil else { return nil }
        let json: JSONValue
        do { json = try JSONValue.parse(body) } catch { throw BodyError(bodyType: type, field: "", reason: error.description) }
        return try parse(type: type, json: json)
    }
}

extension Hex {
    /// Bytes from lowercase hex only (the ledger's canonical hash text); nil otherwise.
    static func decodeLowercase(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return decode(text)
    }
}
