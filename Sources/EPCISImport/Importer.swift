import Custody
import EPCIS
import GS1
import LedgerFormat

/// What one EPCIS event becomes in the ledger: a custody body to append, or a reason it is skipped.
public struct PlannedEvent: Sendable, Hashable {
    /// What happens to the event.
    public enum Action: Sendable, Hashable {
        /// Appended as a custody body of `type` (the body's JSON members, `epcis` included).
        case append(type: CustodyBodyType, body: JSONValue)
        /// Not recorded, for `reason`; the event changes neither ownership nor possession.
        case skip(reason: String)
    }

    /// 0-based index in document order.
    public var index: Int
    /// The event's type (`ObjectEvent`, ...).
    public var eventType: String
    /// The event's `eventID`, if any.
    public var eventID: String?
    /// The CBV 2.0 event hash ID, when computed.
    public var eventHash: String?
    /// The bare CBV business step, or the value as written for a user step.
    public var bizStep: String?
    public var action: Action
    /// One line saying what the event does in the ledger.
    public var summary: String
}

/// Maps the events of an EPCIS document to custody bodies signed by one importing partner.
///
/// The importer is the partner that signs every body (`signer`, a registered GLN); an event whose acting
/// party (the source owning or possessing party, the party that receives) is someone else is refused.
/// `plan` maps one event against the custody state as it stands after the document's earlier events.
public struct EPCISImporter: Sendable {
    public let document: EPCISDocument
    /// The GLN of the partner whose key signs every body.
    public let signer: String
    public let masterData: EPCISMasterData
    /// The header's DSCSA transaction statement (GS1 US `gs1ushc:dscsaTransactionStatement`), when affirmed.
    public let statementAffirmed: Bool
    /// The statement's legal notice, when given.
    public let legalNotice: String?
    /// Event hash IDs already recorded in the ledger → their entry's sequence number, for the events the
    /// document declares erroneous (`errorDeclaration`); filled by the caller, which can read the log.
    public var recordedEvents: [String: UInt64] = [:]

    /// The event hash IDs of the document's events that carry an `errorDeclaration`.
    public var declaredErroneous: [String] {
        document.events.indices.filter { document.events[$0]["errorDeclaration"] != nil }
            .map { EPCISEventHash.hashID(document.events[$0], namespaces: document.namespaces(ofEvent: $0)) }
    }

    /// Reads the header: master data, the transaction statement, and the SBDH sender, which (when it names a
    /// GLN) must be the importing partner.
    public init(document: EPCISDocument, signer: String) throws(EPCISError) {
        self.document = document
        self.signer = signer
        masterData = EPCISMasterData(document)
        var affirmed = false
        var notice: String?
        for member in document.header?.members ?? [] where document.isGS1USKey(member.key, "dscsaTransactionStatement") {
            for part in member.value.members ?? [] {
                if document.isGS1USKey(part.key, "affirmTransactionStatement") {
                    affirmed = part.value == .bool(true) || part.value.stringValue?.trimmingWhitespace == "true"
                } else if document.isGS1USKey(part.key, "legalNotice") {
                    notice = part.value.stringValue?.trimmingWhitespace
                }
            }
        }
        statementAffirmed = affirmed
        legalNotice = notice
        if let sender = Self.sbdhSender(document.header), sender != signer {
            throw EPCISError(document: document.source, field: "epcisHeader.sbdh:StandardBusinessDocumentHeader.sbdh:Sender",
                             code: "wrong-sender",
                             reason: "the document was sent by \(sender), but the importing key belongs to \(signer); a partner imports only its own documents")
        }
    }

    /// An importer for one kept event (`document` holds it alone) whose header data is given: the master data
    /// the body names, and the transaction statement taken as affirmed (see `KeptEventCheck`).
    init(keptEvent document: EPCISDocument, signer: String, masterData: EPCISMasterData) {
        self.document = document
        self.signer = signer
        self.masterData = masterData
        statementAffirmed = true
        legalNotice = nil
    }

    /// The GLN of the SBDH sender, when the header has one that names a GLN (SGLN with extension 0, PGLN, bare GLN).
    static func sbdhSender(_ header: EPCISNode?) -> String? {
        guard let sbdh = header?.members?.first(where: { EPCISDocument.localName($0.key) == "StandardBusinessDocumentHeader" })?.value,
              let sender = sbdh.members?.first(where: { EPCISDocument.localName($0.key) == "Sender" })?.value,
              let identifier = sender.members?.first(where: { EPCISDocument.localName($0.key) == "Identifier" })?.value else { return nil }
        let text = (identifier.stringValue ?? identifier["#text"]?.stringValue ?? identifier["value"]?.stringValue)?.trimmingWhitespace
        guard let text, let parsed = try? GS1Identifier.parse(text) else { return nil }
        return Self.partyGLN(parsed)
    }

    static func partyGLN(_ identifier: GS1Identifier) -> String? {
        switch identifier {
        case .gln(let gln): gln.digits
        case .sgln(let sgln) where sgln.extensionComponent == nil || sgln.extensionComponent == "0": sgln.gln.digits
        default: nil
        }
    }

    /// Maps event `index` against `custody` (the state after the document's earlier events) and `registry`.
    public func plan(_ index: Int, custody: CustodyState, registry: Registry) throws(EPCISError) -> PlannedEvent {
        let event = document.events[index]
        var context = EventContext(importer: self, index: index, event: event)
        return try context.plan(custody: custody, registry: registry)
    }
}

/// One event being mapped: its fields read with errors that name the document, event and field.
struct EventContext {
    let importer: EPCISImporter
    let index: Int
    let event: EPCISNode
    let eventID: String?
    var document: EPCISDocument { importer.document }

    init(importer: EPCISImporter, index: Int, event: EPCISNode) {
        self.importer = importer
        self.index = index
        self.event = event
        eventID = event["eventID"]?.stringValue
    }

    func fail(_ field: String?, _ code: String, _ reason: String) -> EPCISError {
        EPCISError(document: document.source, eventIndex: index, eventID: eventID, field: field, code: code, reason: reason)
    }

    func string(_ key: String) throws(EPCISError) -> String? {
        guard let value = event[key] else { return nil }
        guard let text = value.stringValue else { throw fail(key, "bad-event", "must be a string, not \(value.compactJSON)") }
        return text.trimmingWhitespace
    }

    mutating func plan(custody: CustodyState, registry: Registry) throws(EPCISError) -> PlannedEvent {
        guard let type = try string("type") else { throw fail("type", "bad-event", "is required (ObjectEvent, AggregationEvent, ...)") }
        let known = ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"]
        guard known.contains(type) else { throw fail("type", "bad-event", "\"\(type)\" is not an EPCIS event type (\(known.joined(separator: ", ")))") }
        let (eventTime, offset) = try times()
        let action = try string("action")
        if type != "TransformationEvent" {
            guard let action else { throw fail("action", "bad-event", "is required for a \(type) (ADD, OBSERVE or DELETE)") }
            guard ["ADD", "OBSERVE", "DELETE"].contains(action) else {
                throw fail("action", "bad-event", "\"\(action)\" is not ADD, OBSERVE or DELETE")
            }
        }
        try checkQuantities()
        let rawStep = try string("bizStep")
        let step = rawStep.map { CBV.bizStep($0) ?? $0 }
        let hash = EPCISEventHash.hashID(event, namespaces: document.namespaces(ofEvent: index))
        var planned = PlannedEvent(index: index, eventType: type, eventID: eventID, eventHash: hash, bizStep: step,
                                   action: .skip(reason: ""), summary: "")
        func skip(_ reason: String) -> PlannedEvent {
            planned.action = .skip(reason: reason)
            planned.summary = "skipped: \(reason)"
            return planned
        }
        if let declaration = event["errorDeclaration"] {
            let reason = declaration["reason"]?.stringValue.map { CBV.errorReason($0) ?? $0 } ?? "no reason given"
            let corrective = declaration["correctiveEventIDs"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let recorded = importer.recordedEvents[hash].map {
                "; the event is entry \($0) of this ledger, which stays (the log is append-only): corrective events correct it"
            } ?? "; this ledger never recorded the event"
            return skip("an error declaration (reason \(reason)) says this event was erroneous, so it is not applied"
                        + (corrective.isEmpty ? "" : "; its corrective events \(corrective.joined(separator: ", ")) are imported on their own")
                        + recorded)
        }
        let time = EPCISTime.local(eventTime, offset: offset)
        let body: (CustodyBodyType, [String: JSONValue], String)
        switch (type, step, action) {
        case ("ObjectEvent", "commissioning", "ADD"):
            guard let mapped = try commission(time: time) else {
                return skip("commissioning of logistic units (SSCCs) only: an SSCC comes into existence in the ledger when it is first packed")
            }
            body = mapped
        case ("ObjectEvent", "decommissioning", "DELETE"), ("ObjectEvent", "dispensing", "DELETE"), ("ObjectEvent", "destroying", "DELETE"):
            body = try decommission(step: step!, time: time)
        case ("ObjectEvent", "shipping", "OBSERVE"):
            body = try ship(time: time, custody: custody, registry: registry)
        case ("ObjectEvent", "returning", "OBSERVE"):
            body = try returning(time: time)
        case ("ObjectEvent", "receiving", "OBSERVE"), ("ObjectEvent", "receiving", "ADD"):
            body = try receive(time: time, custody: custody)
        case ("AggregationEvent", "packing", "ADD"), ("AggregationEvent", nil, "ADD"):
            body = try aggregate(time: time)
        case ("AggregationEvent", "unpacking", "DELETE"), ("AggregationEvent", nil, "DELETE"):
            body = try disaggregate(time: time)
        case ("AggregationEvent", _, "OBSERVE"):
            return skip("an AggregationEvent OBSERVE (bizStep \(step ?? "none")) changes no containment, ownership or possession")
        case ("ObjectEvent", "decommissioning", _), ("ObjectEvent", "dispensing", _), ("ObjectEvent", "destroying", _):
            return skip("bizStep \(step!) with action \(action ?? "none") ends nothing in the ledger: a serial leaves the supply chain with an ObjectEvent DELETE")
        case ("ObjectEvent", _, _), ("AggregationEvent", _, _):
            return skip("bizStep \(step ?? "none") with action \(action ?? "none") changes neither ownership, possession, containment nor existence in the ledger")
        default:
            return skip("a \(type) is not a custody event (ownership moves with shipping ObjectEvents)")
        }
        var members = body.1
        members["epcis"] = provenance(hash: hash).json
        planned.action = .append(type: body.0, body: .object(members))
        planned.summary = body.2
        return planned
    }

    /// The event kept whole, with the prefixes of the extension keys it uses.
    func provenance(hash: String) -> EPCISProvenance {
        let inScope = document.namespaces(ofEvent: index)
        var namespaces: [String: String] = [:]
        func collect(_ node: EPCISNode) {
            switch node {
            case .object(let members):
                for member in members {
                    if let colon = member.key.firstIndex(of: ":") {
                        let prefix = String(member.key[..<colon])
                        if let iri = inScope[prefix] { namespaces[prefix] = iri }
                    }
                    collect(member.value)
                }
            case .array(let elements): elements.forEach(collect)
            default: break
            }
        }
        collect(event)
        return EPCISProvenance(eventHash: hash, eventID: eventID, event: event.compactJSON, namespaces: namespaces)
    }

    func times() throws(EPCISError) -> (Int64, String) {
        guard let text = try string("eventTime") else { throw fail("eventTime", "bad-event", "is required") }
        guard let instant = EPCISTime.parse(text) else {
            throw fail("eventTime", "bad-event", "\"\(text)\" is not an xsd:dateTime with a time zone (e.g. 2023-04-01T07:48:16Z)")
        }
        guard let offset = try string("eventTimeZoneOffset") else { throw fail("eventTimeZoneOffset", "bad-event", "is required (e.g. -05:00)") }
        guard EPCISTime.isOffset(offset) else { throw fail("eventTimeZoneOffset", "bad-event", "\"\(offset)\" is not a time-zone offset ±HH:MM") }
        return (instant, offset)
    }

    func checkQuantities() throws(EPCISError) {
        for key in ["quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"] {
            for (position, element) in (event[key]?.arrayValue ?? []).enumerated() {
                guard let quantity = element["quantity"] else { continue }
                guard case .number(let text) = quantity, Double(text) != nil else {
                    throw fail("\(key)[\(position)].quantity", "bad-event", "must be a number, not \(quantity.compactJSON)")
                }
            }
        }
    }

    /// The package and logistic-unit identifiers of `key` (EPC URIs or Digital Link URIs on any host).
    func units(_ key: String, required: Bool = true) throws(EPCISError) -> [UnitID] {
        guard let list = event[key]?.arrayValue, !list.isEmpty else {
            guard required else { return [] }
            let quantities = key == "childEPCs" ? "childQuantityList" : "quantityList"
            if event[quantities] != nil {
                throw fail(key, "class-level-only", "is empty: the event names only product classes (\(quantities)); DSCSA custody needs package-level identifiers")
            }
            throw fail(key, "bad-event", "is required: the packages or logistic units the event is about")
        }
        var out: [UnitID] = []
        var seen = Set<UnitID>()
        for (position, element) in list.enumerated() {
            let text = element.stringValue?.trimmingWhitespace ?? ""
            let unit = try unit(text, field: "\(key)[\(position)]")
            guard seen.insert(unit).inserted else { throw fail("\(key)[\(position)]", "bad-identifier", "\(text) is listed twice") }
            out.append(unit)
        }
        return out
    }

    func unit(_ text: String, field: String) throws(EPCISError) -> UnitID {
        let identifier: GS1Identifier
        do { identifier = try GS1Identifier.parse(text) } catch { throw fail(field, "bad-identifier", "\"\(text)\": \(error)") }
        guard let unit = UnitID(identifier) else {
            throw fail(field, "bad-identifier", "\"\(text)\" is a \(identifier.kind), not a package (SGTIN) or logistic unit (SSCC)")
        }
        return unit
    }

    /// The parties of `sourceList` or `destinationList` by bare CBV type (`owning_party`, `possessing_party`).
    func parties(_ key: String) throws(EPCISError) -> [String: String] {
        var out: [String: String] = [:]
        let member = key == "sourceList" ? "source" : "destination"
        for (position, element) in (event[key]?.arrayValue ?? []).enumerated() {
            guard let typeText = element["type"]?.stringValue, let type = CBV.sourceDestType(typeText),
                  type == "owning_party" || type == "possessing_party" else { continue }
            let field = "\(key)[\(position)].\(member)"
            let text = element[member]?.stringValue?.trimmingWhitespace ?? ""
            let identifier: GS1Identifier
            do { identifier = try GS1Identifier.parse(text) } catch { throw fail(field, "bad-identifier", "\"\(text)\": \(error)") }
            guard let gln = EPCISImporter.partyGLN(identifier) else {
                throw fail(field, "bad-identifier", "\"\(text)\" is not a party GLN (a PGLN, or an SGLN with extension 0)")
            }
            if let other = out[type], other != gln { throw fail(field, "bad-event", "names a second \(type) (\(other) and \(gln))") }
            out[type] = gln
        }
        return out
    }

    /// The transfer's `references` members and the CBV bizTransaction types they are imported from and
    /// exported as; any other type is kept under `other`.
    static let referenceTypes: [String: String] = ["po": "po", "invoice": "inv", "asn": "desadv"]

    func references() -> [String: JSONValue] {
        var out: [String: String] = [:]
        for element in event["bizTransactionList"]?.arrayValue ?? [] {
            guard let value = element["bizTransaction"]?.stringValue?.trimmingWhitespace else { continue }
            let type = element["type"]?.stringValue.map { CBV.bizTransactionType($0) ?? $0 }
            let key = Self.referenceTypes.first { $0.value == type }?.key ?? "other"
            out[key] = out[key].map { "\($0), \(value)" } ?? value
        }
        return out.mapValues { .string($0) }
    }

    func commission(time: String) throws(EPCISError) -> (CustodyBodyType, [String: JSONValue], String)? {
        let all = try units("epcList")
        if all.allSatisfy(\.isSSCC) { return nil }
        var gtin: String?
        var serials: [JSONValue] = []
        for (position, unit) in all.enumerated() {
            guard case .sgtin(let unitGTIN, let serial) = unit else {
                throw fail("epcList[\(position)]", "bad-event", "\(unit) is an SSCC among SGTINs: commission logistic units in their own event")
            }
            if let gtin, gtin != unitGTIN {
                throw fail("epcList[\(position)]", "mixed-gtins", "GTIN \(unitGTIN) differs from \(gtin): the ledger commissions one GTIN per event")
            }
            gtin = unitGTIN
            serials.append(.string(serial))
        }
        let ilmd = event["ilmd"]
        // CBV master data, else the GS1 US guideline R1.1 (legacy) gs1ushc elements.
        func ilmdMember(_ name: String) -> EPCISNode.Member? {
            ilmd?.members?.first { document.isMasterDataKey($0.key, name) } ?? ilmd?.members?.first { document.isGS1USKey($0.key, name) }
        }
        let lotMember = ilmdMember("lotNumber")
        let expiryMember = ilmdMember("itemExpirationDate")
        guard let lot = lotMember?.value.stringValue?.trimmingWhitespace, !lot.isEmpty else {
            throw fail("ilmd.cbvmda:lotNumber", "missing-lot", "is required: commissioning records the lot (cbvmda:lotNumber in ilmd)")
        }
        guard let expiry = expiryMember?.value.stringValue?.trimmingWhitespace, !expiry.isEmpty else {
            throw fail("ilmd.cbvmda:itemExpirationDate", "missing-expiry", "is required: commissioning records the expiry date (cbvmda:itemExpirationDate in ilmd)")
        }
        guard let product = importer.masterData.products[gtin!] ?? legacyProduct(ilmd) else {
            throw fail("epcList", "missing-master-data",
                       "the header has no product master data for GTIN \(gtin!) (an EPCClass vocabulary element with regulatedProductName, strengthDescription, dosageFormType, netContentDescription)")
        }
        var master: [String: JSONValue] = [:]
        for (key, value, attribute) in [("name", product.name, "regulatedProductName"), ("strength", product.strength, "strengthDescription"),
                                        ("dosageForm", product.dosageForm, "dosageFormType"), ("containerSize", product.containerSize, "netContentDescription")] {
            guard let value, !value.isEmpty else {
                throw fail("epcisHeader.epcisMasterData", "missing-master-data", "EPCClass \(product.elementID) has no \(attribute) (TI needs it)")
            }
            master[key] = .string(value)
        }
        if let ndc = product.ndc { master["ndc"] = .string(ndc) }
        let members: [String: JSONValue] = ["gtin": .string(gtin!), "serials": .array(serials), "lot": .string(lot), "expiry": .string(expiry),
                                            "product": .object(master), "eventTime": .string(time)]
        return (.commission, members, "commission \(serials.count) of GTIN \(gtin!), lot \(lot), expiry \(expiry)")
    }

    /// Product master data in the event's ILMD as the GS1 US guideline R1.1 carried it (`gs1ushc:tradeItemMasterData`).
    /// Its NDC is kept only in the hyphenated form (an unhyphenated NDC-10 does not say its 4-4-2, 5-3-2 or 5-4-1 layout).
    func legacyProduct(_ ilmd: EPCISNode?) -> EPCISMasterData.Product? {
        guard let data = ilmd?.members?.first(where: { document.isGS1USKey($0.key, "tradeItemMasterData") })?.value else { return nil }
        func value(_ name: String) -> String? {
            data.members?.first { document.isGS1USKey($0.key, name) }?.value.stringValue?.trimmingWhitespace
        }
        let identification = data.members?.first { document.isGS1USKey($0.key, "additionalTradeItemIdentification") }?.value
        let ndc = identification?.members?.first { document.isGS1USKey($0.key, "additionalTradeItemIdentificationValue") }?.value.stringValue?.trimmingWhitespace
        return EPCISMasterData.Product(name: value("drugName"), strength: value("strength"), dosageForm: value("dosageForm"),
                                       containerSize: value("containerSize"), ndc: ndc?.contains("-") == true ? ndc : nil,
                                       elementID: "ilmd.gs1ushc:tradeItemMasterData")
    }

    func aggregate(time: String) throws(EPCISError) -> (CustodyBodyType, [String: JSONValue], String) {
        guard let parentText = try string("parentID") else { throw fail("parentID", "bad-event", "is required to pack (AggregationEvent ADD)") }
        let parent = try unit(parentText, field: "parentID")
        let children = try units("childEPCs")
        return (.aggregate, ["parent": .string(parent.canonical), "children": .array(children.map { .string($0.canonical) }), "eventTime": .string(time)],
                "pack \(children.count) into \(parent)")
    }

    func disaggregate(time: String) throws(EPCISError) -> (CustodyBodyType, [String: JSONValue], String) {
        guard let parentText = try string("parentID") else { throw fail("parentID", "bad-event", "is required to unpack (AggregationEvent DELETE)") }
        let parent = try unit(parentText, field: "parentID")
        let children = try units("childEPCs", required: false)
        var members: [String: JSONValue] = ["parent": .string(parent.canonical), "eventTime": .string(time)]
        if !children.isEmpty { members["children"] = .array(children.map { .string($0.canonical) }) }
        return (.disaggregate, members, children.isEmpty ? "unpack everything from \(parent)" : "unpack \(children.count) from \(parent)")
    }

    func decommission(step: String, time: String) throws(EPCISError) -> (CustodyBodyType, [String: JSONValue], String) {
        let items = try units("epcList")
        let disposition = try string("disposition").map { CBV.disposition($0) ?? $0 }
        let reason: DecommissionReason
        switch (step, disposition) {
        case ("dispensing", _): reason = .dispensed
        case ("destroying", _): reason = .destroyed
        case (_, "stolen"): reason = .stolen
        case (_, "destroyed"), (_, "disposed"): reason = .destroyed
        case (_, "expired"): reason = .expired
        case (_, "recalled"): reason = .recalled
        case (_, "damaged"): reason = .damaged
        case (_, "dispensed"), (_, "retail_sold"): reason = .dispensed
        case (_, let name?) where DecommissionReason(rawValue: name) != nil: reason = DecommissionReason(rawValue: name)!
        default:
            throw fail("disposition", "unmapped-event",
                       "decommissioning with disposition \(disposition ?? "none") gives no reason the ledger records (stolen, destroyed, disposed, expired, recalled, damaged, dispensed)")
        }
        return (.decommission, ["items": .array(items.map { .string($0.canonical) }), "reason": .string(reason.rawValue), "eventTime": .string(time)],
                "decommission \(items.count) (\(reason.rawValue))")
    }

    func ship(time: String, custody: CustodyState, registry: Registry) throws(EPCISError) -> (CustodyBodyType, [String: JSONValue], String) {
        let items = try units("epcList")
        let sources = try parties("sourceList")
        let destinations = try parties("destinationList")
        let references = references()
        if let seller = sources["owning_party"], let buyer = destinations["owning_party"], seller != buyer {
            guard seller == importer.signer else {
                throw fail("sourceList", "wrong-party", "the seller (source owning_party) is \(seller), but the importing key belongs to \(importer.signer); only the seller signs a transfer")
            }
            guard importer.statementAffirmed else {
                throw fail("epcisHeader.gs1ushc:dscsaTransactionStatement", "missing-statement",
                           "a change of ownership needs the DSCSA transaction statement: the header must affirm gs1ushc:affirmTransactionStatement true")
            }
            let sellerInfo = try party(seller, registry: registry, field: "sourceList")
            let buyerInfo = try party(buyer, registry: registry, field: "destinationList")
            let statement = TransactionStatement(affirmedBy: sellerInfo["name"]!.stringValue!)
            var members: [String: JSONValue] = [
                "items": .array(items.map { .string($0.canonical) }), "seller": .object(sellerInfo), "buyer": .object(buyerInfo),
                "transactionDate": .string(time), "references": .object(references), "statement": statement.json,
                "products": .array(custody.transactionProducts(for: items).map(\.json)),
                "history": .array(custody.transactionHistory(for: items).map { .string($0) }),
            ]
            if let holder = destinations["possessing_party"], holder != buyer { members["via"] = .string(holder) }
            return (.transfer, members, "transfer \(items.count) from \(seller) to \(buyer)" + (members["via"] != nil ? " via \(destinations["possessing_party"]!)" : ""))
        }
        if destinations["owning_party"] != nil, sources["owning_party"] == nil {
            throw fail("sourceList", "missing-party",
                       "a shipping event with a destination owning_party is a sale, which needs the seller as source owning_party; it names none")
        }
        guard let to = destinations["possessing_party"] ?? destinations["owning_party"] else {
            throw fail("destinationList", "missing-party",
                       "a shipping event needs a destination owning_party (a sale) or possessing_party (a move of possession); it names neither")
        }
        if let from = sources["possessing_party"], from != importer.signer {
            throw fail("sourceList", "wrong-party", "the shipper (source possessing_party) is \(from), but the importing key belongs to \(importer.signer)")
        }
        var members: [String: JSONValue] = ["items": .array(items.map { .string($0.canonical) }), "to": .string(to), "eventTime": .string(time)]
        members["references"] = .object(references)
        return (.ship, members, "ship \(items.count) to \(to) (possession only)")
    }

    /// A party's TI name and address: the header's Location master data, else the ledger's registry.
    func party(_ gln: String, registry: Registry, field: String) throws(EPCISError) -> [String: JSONValue] {
        let fromDocument = importer.masterData.parties[gln]
        let registered = registry.partners[gln]
        guard let name = fromDocument?.name ?? registered?.name, let address = fromDocument?.address ?? registered?.address else {
            throw fail(field, "missing-master-data", "no name and address for \(gln): neither the header's Location master data nor the partner registry has them")
        }
        return ["gln": .string(gln), "name": .string(name), "address": .string(address)]
    }

    func returning(time: String) throws(EPCISError) -> (CustodyBodyType, [String: JSONValue], String) {
        let items = try units("epcList")
        let destinations = try parties("destinationList")
        guard let to = destinations["owning_party"] ?? destinations["possessing_party"] else {
            throw fail("destinationList", "missing-party", "a return needs the partner it goes back to (destination owning_party)")
        }
        let disposition = try string("disposition").map { CBV.disposition($0) ?? $0 }
        var members: [String: JSONValue] = ["items": .array(items.map { .string($0.canonical) }), "to": .string(to),
                                            "reason": .string("returned (EPCIS disposition \(disposition ?? "none"))"), "eventTime": .string(time)]
        members["references"] = .object(references())
        return (.return, members, "return \(items.count) to \(to)")
    }

    func receive(time: String, custody: CustodyState) throws(EPCISError) -> (CustodyBodyType, [String: JSONValue], String) {
        let items = try units("epcList")
        var shipment: OpenShipment?
        for (position, item) in items.enumerated() {
            guard let record = custody.record(item) else {
                throw fail("epcList[\(position)]", "no-open-shipment", "\(item) is not in the ledger, so no shipment of it can be received")
            }
            let hash = ([record] + custody.ancestors(of: item).compactMap { custody.record($0) }).lazy.compactMap(\.shipment).first
            guard let hash, let open = custody.openShipment(hash) else {
                throw fail("epcList[\(position)]", "no-open-shipment", "\(item) is not in transit: no open shipment carries it")
            }
            guard open.to == importer.signer else {
                throw fail("epcList[\(position)]", "wrong-party", "\(item) is in transit to \(open.to), not to the importing partner \(importer.signer)")
            }
            if let shipment, shipment.hash != open.hash {
                throw fail("epcList[\(position)]", "several-shipments", "\(item) travels in another shipment (entry \(open.seq)) than the others (entry \(shipment.seq)); receive each in its own event")
            }
            shipment = open
        }
        let listed = Set(items)
        if let missing = shipment!.items.first(where: { !listed.contains($0) }) {
            throw fail("epcList", "partial-receipt", "shipment entry \(shipment!.seq) also carries \(missing); the ledger receives a shipment whole, so the event must list all \(shipment!.items.count) of its items")
        }
        return (.receive, ["shipment": .string(shipment!.hash), "eventTime": .string(time)],
                "receive shipment entry \(shipment!.seq) (\(shipment!.items.count) items)")
    }
}
