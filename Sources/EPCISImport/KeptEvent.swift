import Custody
import EPCIS
import LedgerFormat

/// Why a custody body's kept EPCIS event (its `epcis` member) disagrees with the body.
public struct KeptEventError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The body member at fault, as a dotted path with `[n]` indices (`epcis.eventHash`, `serials[11]`, `seller.gln`).
    public var field: String
    /// Why, in words.
    public var reason: String
    /// A stable code: `kept-event-hash` (the event does not hash to `eventHash`), `kept-event-id` (its eventID
    /// is not `eventID`), `kept-event-unmapped` (the importer would not append it), `kept-event-mismatch`
    /// (it maps to another body).
    public var code: String

    /// An error about `field`, for `reason`, with `code`.
    public init(field: String, reason: String, code: String) {
        self.field = field
        self.reason = reason
        self.code = code
    }

    /// `field <field>: <reason>`.
    public var description: String { "field \(field): \(reason)" }
}

/// The rule that a body's kept EPCIS event agrees with the body: the event hashes (CBV 2.0) to the kept
/// `eventHash`, carries the kept `eventID`, and maps, by the importer's own mapping against the custody state
/// the body is applied to, to the same body member for member (`epcis` aside).
///
/// What the importer takes from a document's header is not kept with the event, so it is taken from the body:
/// the product master data of a commission (name, strength, dosage form, container size, NDC), the names and
/// addresses of a transfer's seller and buyer, and the DSCSA transaction statement as affirmed. Everything the
/// event itself says (type, identifiers, parties' GLNs, lot, expiry, times, references, reason, the shipment
/// received) and everything computed from the custody state (a transfer's TI and TH) must agree.
///
/// `Ledger.check` applies it before a body is appended; `ledger verify` on replay.
public enum KeptEventCheck {
    /// The longest value quoted in an error, in characters.
    static let quoteLimit = 200

    /// Checks `body` of `type` (whose JSON is `json`), signed by `signer` (a GLN), against `custody` before the
    /// body is applied and `registry`; does nothing when the body keeps no event.
    public static func check(_ body: CustodyBody, type bodyType: String, json: JSONValue, signer: String, custody: CustodyState,
                             registry: Registry) throws(KeptEventError) {
        guard let kept = body.epcis else { return }
        let event: EPCISNode
        do { event = try EPCISNode.parseJSON(kept.event) } catch {
            throw KeptEventError(field: "epcis.event", reason: "is not JSON: \(error.reason)", code: "kept-event-unmapped")
        }
        guard event.members != nil else {
            throw KeptEventError(field: "epcis.event", reason: "is not a JSON object", code: "kept-event-unmapped")
        }
        let document = EPCISDocument(source: "epcis.event", syntax: .json20, namespaces: kept.namespaces, header: nil, events: [event])
        var master = EPCISMasterData(document)
        switch body {
        case .commission(let commission):
            let product = commission.product
            master.products[commission.gtin] = EPCISMasterData.Product(name: product.name, strength: product.strength, dosageForm: product.dosageForm,
                                                                       containerSize: product.containerSize, ndc: product.ndc, elementID: "the body's product")
        case .transfer(let transfer):
            for party in [transfer.seller, transfer.buyer] {
                master.parties[party.gln] = EPCISMasterData.Party(name: party.name, address: party.address)
            }
        default:
            break
        }
        // The mapping computes the event hash; an event it refuses is hashed here, so a wrong hash is named first.
        let importer = EPCISImporter(keptEvent: document, signer: signer, masterData: master)
        let mapped: Result<PlannedEvent, EPCISError>
        do { mapped = .success(try importer.plan(0, custody: custody, registry: registry)) } catch { mapped = .failure(error) }
        let hash = (try? mapped.get())?.eventHash ?? EPCISEventHash.hashID(event, namespaces: kept.namespaces)
        if let claimed = kept.eventHash, claimed != hash {
            throw KeptEventError(field: "epcis.eventHash", reason: "is \(claimed), but the kept event (epcis.event) hashes to \(hash) (CBV 2.0 event hash)",
                                 code: "kept-event-hash")
        }
        let eventID = event["eventID"]?.stringValue
        if kept.eventID != eventID {
            throw KeptEventError(field: "epcis.eventID", reason: "is \(kept.eventID.map { "\"\($0)\"" } ?? "absent"), but the kept event's eventID is \(eventID.map { "\"\($0)\"" } ?? "absent")",
                                 code: "kept-event-id")
        }
        let planned: PlannedEvent
        switch mapped {
        case .success(let value): planned = value
        case .failure(let error):
            throw KeptEventError(field: "epcis.event", reason: "does not map to a custody body: \(error.field.map { "field \($0): " } ?? "")\(error.reason) [\(error.code)]",
                                 code: "kept-event-unmapped")
        }
        switch planned.action {
        case .skip(let reason):
            throw KeptEventError(field: "epcis.event", reason: "is not an event the ledger records (\(reason))", code: "kept-event-unmapped")
        case .append(let type, let mappedBody):
            guard type.rawValue == bodyType else {
                throw KeptEventError(field: "epcis.event", reason: "maps to a \(type.rawValue) body, not a \(bodyType)", code: "kept-event-mismatch")
            }
            guard case .object(var expected) = mappedBody, case .object(var actual) = json else { return }
            expected["epcis"] = nil
            actual["epcis"] = nil
            if let (path, have, want) = difference(.object(actual), .object(expected), path: "") {
                throw KeptEventError(field: path, reason: "is \(quote(have)), but the kept event (epcis.event) maps to \(quote(want))", code: "kept-event-mismatch")
            }
        }
    }

    /// The first place where `actual` and `expected` differ: its path and both values (nil where absent).
    /// Object members are compared `gln` first (a party is named by its GLN), then by name.
    static func difference(_ actual: JSONValue?, _ expected: JSONValue?, path: String) -> (String, JSONValue?, JSONValue?)? {
        guard actual != expected else { return nil }
        switch (actual, expected) {
        case (.object(let have)?, .object(let want)?):
            let keys = Set(have.keys).union(want.keys).sorted { ($0 == "gln" ? 0 : 1, $0) < ($1 == "gln" ? 0 : 1, $1) }
            for key in keys {
                if let found = difference(have[key], want[key], path: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
        case (.array(let have)?, .array(let want)?) where have.count == want.count:
            for position in have.indices {
                if let found = difference(have[position], want[position], path: "\(path)[\(position)]") { return found }
            }
        default:
            break
        }
        return (path, actual, expected)
    }

    static func quote(_ value: JSONValue?) -> String {
        guard let value else { return "absent" }
        let text = value.canonicalString
        return text.count <= quoteLimit ? text : String(text.prefix(quoteLimit)) + "…"
    }
}
