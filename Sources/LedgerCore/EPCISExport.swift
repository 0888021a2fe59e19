import Custody
import CustodyIndex
import EPCIS
import EPCISImport
import LedgerCrypto
import LedgerFormat
import LedgerStore

extension CustodyQuery {
    /// The custody of `units` as an EPCIS 2.0 JSON-LD document (`ledger export`).
    ///
    /// So that the document stands on its own (every packed child commissioned, every shipped pallet packed),
    /// it covers each unit's containment family: the containers it was ever in and everything ever inside
    /// them, transitively; and every entry that touched any of them, in ledger order.
    public func epcisExport(units: [UnitID], creationDate: String) throws -> EPCISNode {
        var family = Set<UnitID>()
        var queue = units
        while let unit = queue.popLast() {
            guard family.insert(unit).inserted else { continue }
            guard index.unit(unit) != nil else {
                throw InputError(source: unit.canonical, reason: "no entry names this identifier (never commissioned or packed)", code: "unknown-unit")
            }
            queue += try index.parents(of: unit).map(\.parent)
            queue += try index.contents(of: unit).map(\.child)
        }
        var locations: [UInt64: FrameLocation] = [:]
        for unit in family {
            for event in try index.events(of: unit) { locations[event.seq] = event.location }
        }
        var shipped: [String: [UnitID]] = [:]
        var entries: [ExportedEntry] = []
        for seq in locations.keys.sorted() {
            let appended = try reader.entry(at: locations[seq]!)
            let submission = appended.entry.submission
            guard let body = try CustodyBody.parse(type: submission.bodyType, body: submission.body) else { continue }
            var received: [UnitID] = []
            switch body {
            case .transfer(let body): shipped[Hex.encode(appended.hash)] = body.items
            case .ship(let body): shipped[Hex.encode(appended.hash)] = body.items
            case .return(let body): shipped[Hex.encode(appended.hash)] = body.items
            case .receive(let body): received = shipped[body.shipment] ?? []
            default: break
            }
            entries.append(ExportedEntry(seq: seq, signer: submission.signer, appendedAt: appended.entry.appendedAt, body: body, receivedItems: received))
        }
        return try EPCISExporter.document(entries, creationDate: creationDate)
    }
}
