import Custody
import EPCIS
import GS1
import LedgerFormat

/// One custody entry to export: its sequence number, signer, append time and body.
public struct ExportedEntry: Sendable {
    public var seq: UInt64
    public var signer: String
    public var appendedAt: Int64
    public var body: CustodyBody
    /// For a `receive`: the items of the shipment it receives (the body names only the shipment's hash).
    public var receivedItems: [UnitID]

    public init(seq: UInt64, signer: String, appendedAt: Int64, body: CustodyBody, receivedItems: [UnitID] = []) {
        self.seq = seq
        self.signer = signer
        self.appendedAt = appendedAt
        self.body = body
        self.receivedItems = receivedItems
    }
}

/// Writes custody entries as an EPCIS 2.0 JSON-LD document that `EPCISImporter` reads back to the same bodies.
///
/// An entry imported from EPCIS gives back its kept event, byte for byte; any other entry gets the event
/// the importer maps to the same body. The header carries what the importer takes from a header: product
/// master data (EPCClass) from the commission bodies, the names and addresses of the transfers' parties
/// (Location, the address in `streetAddressOne`), and the GS1 US transaction statement when there is a transfer.
public enum EPCISExporter {
    /// The document for `entries` (in ledger order), created at `creationDate` (an xsd:dateTime).
    public static func document(_ entries: [ExportedEntry], creationDate: String) throws(EPCISError) -> EPCISNode {
        var namespaces: [String: String] = ["cbvmda": "urn:epcglobal:cbv:mda", "gs1ushc": "http://epcis.gs1us.org/hc/ns"]
        var products: [String: ProductMaster] = [:]
        var parties: [String: PartyInfo] = [:]
        var events: [EPCISNode] = []
        var sale = false
        for entry in entries {
            switch entry.body {
            case .commission(let body): products[body.gtin] = body.product
            case .transfer(let body):
                parties[body.seller.gln] = body.seller
                parties[body.buyer.gln] = body.buyer
                sale = true
            default: break
            }
            if let kept = entry.body.epcis {
                let event: EPCISNode
                do { event = try EPCISNode.parseJSON(kept.event) } catch {
                    throw EPCISError(document: "entry \(entry.seq)", field: "epcis.event", code: "bad-kept-event", reason: error.reason)
                }
                // A prefix an earlier event bound to another IRI is declared in this event's own @context.
                let clashing = kept.namespaces.filter { namespaces[$0.key] != nil && namespaces[$0.key] != $0.value }
                for (prefix, iri) in kept.namespaces where clashing[prefix] == nil { namespaces[prefix] = iri }
                if !clashing.isEmpty, case .object(let members) = event {
                    let own = EPCISNode.object(clashing.keys.sorted().map { .init($0, .string(clashing[$0]!)) })
                    events.append(.object([.init("@context", own)] + members))
                } else {
                    events.append(event)
                }
            } else {
                events.append(event(for: entry))
            }
        }
        var vocabularies: [EPCISNode] = []
        if !products.isEmpty {
            vocabularies.append(vocabulary("urn:epcglobal:epcis:vtype:EPCClass", products.keys.sorted().map { gtin in
                let product = products[gtin]!
                var attributes = [("regulatedProductName", product.name), ("strengthDescription", product.strength),
                                  ("dosageFormType", product.dosageForm), ("netContentDescription", product.containerSize)]
                if let ndc = product.ndc {
                    attributes += [("additionalTradeItemIdentification", ndc), ("additionalTradeItemIdentificationTypeCode", "US_FDA_NDC")]
                }
                return ("https://id.gs1.org/01/\(gtin)", attributes)
            }))
        }
        if !parties.isEmpty {
            vocabularies.append(vocabulary("urn:epcglobal:epcis:vtype:Location", parties.keys.sorted().map { gln in
                (party(gln), [("name", parties[gln]!.name), ("streetAddressOne", parties[gln]!.address)])
            }))
        }
        var header: [EPCISNode.Member] = []
        if !vocabularies.isEmpty { header.append(.init("epcisMasterData", .object([.init("vocabularyList", .array(vocabularies))]))) }
        if sale {
            header.append(.init("gs1ushc:dscsaTransactionStatement", .object([
                .init("gs1ushc:affirmTransactionStatement", .string("true")),
                .init("gs1ushc:legalNotice", .string("Seller has complied with each applicable subsection of FDCA Sec. 581(27)(A)-(G).")),
            ])))
        }
        var context: [EPCISNode.Member] = []
        for prefix in namespaces.keys.sorted() { context.append(.init(prefix, .string(namespaces[prefix]!))) }
        var document: [EPCISNode.Member] = [
            .init("@context", .array([.string("https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"), .object(context)])),
            .init("type", .string("EPCISDocument")), .init("schemaVersion", .string("2.0")), .init("creationDate", .string(creationDate)),
        ]
        if !header.isEmpty { document.append(.init("epcisHeader", .object(header))) }
        document.append(.init("epcisBody", .object([.init("eventList", .array(events))])))
        return .object(document)
    }

    static func vocabulary(_ type: String, _ elements: [(String, [(String, String)])]) -> EPCISNode {
        .object([.init("type", .string(type)), .init("vocabularyElementList", .array(elements.map { id, attributes in
            .object([.init("id", .string(id)), .init("attributes", .array(attributes.map { key, value in
                .object([.init("id", .string("urn:epcglobal:cbv:mda#" + key)), .init("attribute", .string(value))])
            }))])
        }))])
    }

    static func identifier(_ unit: UnitID) -> EPCISNode {
        switch unit {
        case .sgtin(let gtin, let serial):
            // Serials are GS1 character set 82: a valid SGTIN whatever the serial, written by the GS1 module.
            .string((try? GS1Identifier.sgtin(SGTIN(gtin: gtin, serial: serial), lot: nil, expiry: nil).digitalLink()) ?? unit.canonical)
        case .sscc(let sscc): .string("https://id.gs1.org/00/\(sscc)")
        }
    }

    static func identifiers(_ units: [UnitID]) -> EPCISNode { .array(units.map(identifier)) }

    static func party(_ gln: String) -> String { "https://id.gs1.org/417/\(gln)" }

    static func parties(_ key: String, _ list: [(String, String)]) -> EPCISNode {
        .array(list.map { type, gln in .object([.init("type", .string(type)), .init(key, .string(party(gln)))]) })
    }

    static func references(_ references: [String: String]) -> [EPCISNode.Member] {
        let list: [EPCISNode] = references.keys.sorted().map { key in
            .object([.init("type", .string(EventContext.referenceTypes[key] ?? "other")), .init("bizTransaction", .string(references[key]!))])
        }
        return list.isEmpty ? [] : [.init("bizTransactionList", .array(list))]
    }

    /// The event the importer maps to `entry.body`: its time is the body's event time (else the append time, UTC).
    static func event(for entry: ExportedEntry) -> EPCISNode {
        func time(_ text: String?) -> [EPCISNode.Member] {
            let written = text ?? Timestamp.iso8601(entry.appendedAt)
            let offset = written.hasSuffix("Z") ? "+00:00" : String(written.suffix(6))
            return [.init("eventTime", .string(written)), .init("eventTimeZoneOffset", .string(offset))]
        }
        func object(_ action: String, _ step: String, _ epcs: [UnitID], _ at: String?, _ rest: [EPCISNode.Member] = []) -> EPCISNode {
            .object([.init("type", .string("ObjectEvent"))] + time(at)
                    + [.init("epcList", identifiers(epcs)), .init("action", .string(action)), .init("bizStep", .string(step))] + rest)
        }
        switch entry.body {
        case .commission(let body):
            return object("ADD", "commissioning", body.units, body.eventTime, [
                .init("ilmd", .object([.init("cbvmda:lotNumber", .string(body.lot)), .init("cbvmda:itemExpirationDate", .string(body.expiry))])),
            ])
        case .aggregate(let body):
            return .object([.init("type", .string("AggregationEvent"))] + time(body.eventTime) + [
                .init("parentID", identifier(body.parent)), .init("childEPCs", identifiers(body.children)),
                .init("action", .string("ADD")), .init("bizStep", .string("packing")),
            ])
        case .disaggregate(let body):
            var members: [EPCISNode.Member] = [.init("type", .string("AggregationEvent"))] + time(body.eventTime) + [.init("parentID", identifier(body.parent))]
            if let children = body.children { members.append(.init("childEPCs", identifiers(children))) }
            return .object(members + [.init("action", .string("DELETE")), .init("bizStep", .string("unpacking"))])
        case .transfer(let body):
            var destinations = [("owning_party", body.buyer.gln)]
            if let via = body.via { destinations.append(("possessing_party", via)) }
            return object("OBSERVE", "shipping", body.items, body.transactionDate, references(body.references) + [
                .init("sourceList", parties("source", [("owning_party", body.seller.gln)])),
                .init("destinationList", parties("destination", destinations)),
            ])
        case .ship(let body):
            return object("OBSERVE", "shipping", body.items, body.eventTime, references(body.references) + [
                .init("sourceList", parties("source", [("possessing_party", entry.signer)])),
                .init("destinationList", parties("destination", [("possessing_party", body.to)])),
            ])
        case .receive(let body):
            return object("OBSERVE", "receiving", entry.receivedItems, body.eventTime)
        case .return(let body):
            return object("OBSERVE", "returning", body.items, body.eventTime, references(body.references) + [
                .init("destinationList", parties("destination", [("owning_party", body.to)])),
            ])
        case .decommission(let body):
            let (step, disposition): (String, String) = switch body.reason {
            case .dispensed: ("dispensing", "dispensed")
            case .destroyed: ("destroying", "destroyed")
            case .stolen: ("decommissioning", "stolen")
            case .expired: ("decommissioning", "expired")
            case .recalled: ("decommissioning", "recalled")
            case .damaged, .lost, .sample, .exported: ("decommissioning", body.reason.rawValue)
            }
            return object("DELETE", step, body.items, body.eventTime, [.init("disposition", .string(disposition))])
        }
    }
}
