import Custody
import CustodyIndex
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
#if canImport(Glibc)
import Glibc
#endif

/// Generates a deterministic supply chain: `units` bottles commissioned in batches, packed 10 to a case and
/// 100 cases to a pallet, sold manufacturer → wholesaler → regional distributor (pallets), unpacked and sold
/// on by the case to four pharmacies; the pharmacies open the first case of every pallet and dispense one
/// bottle of it. A bottle of such a case has 10 events (commission, pack, 2 × (transfer, receive) on the
/// pallet, transfer and receive on its case, unpack, dispense).
struct ChainGenerator {
    let directory: String
    let units: Int
    let seed: String

    static let unitGTIN = "00312345678906"
    static let caseGTIN = "50312345678901"

    func key(_ name: String) throws -> PrivateKey { try PrivateKey(ed25519Seed: SHA256.hash(Array("\(seed)/\(name)".utf8))) }

    static func gln(_ payload: String) -> String {
        let digits = Array(payload.utf8)
        var sum = 0
        for (position, char) in digits.reversed().enumerated() { sum += (Int(char) - 48) * (position % 2 == 0 ? 3 : 1) }
        return payload + String((10 - sum % 10) % 10)
    }

    static func sscc(_ number: Int) -> UnitID {
        let payload = "0031234" + String(repeating: "0", count: 10 - String(number).count) + String(number)
        return .sscc(gln(payload))
    }

    static func bottle(_ number: Int) -> UnitID { .sgtin(gtin: unitGTIN, serial: "B\(number)") }
    static func caseID(_ number: Int) -> UnitID { .sgtin(gtin: caseGTIN, serial: "C\(number)") }

    struct Party {
        var gln: String
        var name: String
        var role: PartnerRole
        var key: PrivateKey
        var info: PartyInfo { PartyInfo(gln: gln, name: name, address: "\(name) Way 1, Springfield") }
    }

    /// Builds the ledger; returns the sample bottles that have 10 events.
    func run(log: (String) -> Void) throws -> [UnitID] {
        var tick: Int64 = 1_767_225_600_000
        let ledger = try Ledger.create(layout: StoreLayout(directory: directory), origin: "bench.example/chain",
                                       operatorKey: try key("operator"), clock: { 1_767_225_600_000 })
        defer { ledger.close() }
        let manufacturer = Party(gln: Self.gln("031234500000"), name: "Maker", role: .manufacturer, key: try key("m"))
        let wholesaler = Party(gln: Self.gln("086001234500"), name: "National Wholesale", role: .wholesaler, key: try key("w"))
        let distributor = Party(gln: Self.gln("086001234501"), name: "Regional Distributor", role: .wholesaler, key: try key("d"))
        let pharmacies = try (0..<4).map { Party(gln: Self.gln("08900000010\($0)"), name: "Pharmacy \($0)", role: .dispenser, key: try key("p\($0)")) }
        let operatorKey = try key("operator")
        try ledger.append((([manufacturer, wholesaler, distributor] + pharmacies)).map { party in
            let body = PartnerRegisterBody(gln: party.gln, name: party.name, role: party.role, address: party.info.address,
                                           companyPrefixes: ["0312345"], key: KeyGrant(publicKey: party.key.publicKey, validFrom: 0))
            return try ledger.sign(BodyInput(type: OperatorBody.partnerRegister, body: body.json), with: operatorKey)
        })
        func append(_ items: [(Party, String, JSONValue)]) throws -> [AppendedEntry] {
            tick += 1000
            return try ledger.append(items.map { party, type, body in
                try ledger.sign(ledger.completing(BodyInput(type: type, body: body)), with: party.key)
            })
        }
        let product = ProductMaster(name: "Generic Tablets", strength: "10 mg", dosageForm: "tablet", containerSize: "bottle of 30", ndc: "12345-678-90")
        let cases = units / 10
        let pallets = max(1, cases / 100)
        let statement = TransactionStatement(affirmedBy: "Bench Compliance").json
        // Commission bottles and cases, 10,000 serials an entry.
        for start in stride(from: 0, to: units, by: 10_000) {
            let serials = (start..<min(start + 10_000, units)).map { "B\($0)" }
            _ = try append([(manufacturer, "commission", CommissionBody(gtin: Self.unitGTIN, serials: serials, lot: "L\(start / 100_000)",
                                                                       expiry: "2029-12-31", product: product).json)])
        }
        for start in stride(from: 0, to: cases, by: 10_000) {
            let serials = (start..<min(start + 10_000, cases)).map { "C\($0)" }
            _ = try append([(manufacturer, "commission", CommissionBody(gtin: Self.caseGTIN, serials: serials, lot: "L\(start / 10_000)",
                                                                       expiry: "2029-12-31", product: product).json)])
        }
        log("commissioned \(units) bottles and \(cases) cases")
        // Pack: 1,000 cases a batch.
        for start in stride(from: 0, to: cases, by: 1000) {
            _ = try append((start..<min(start + 1000, cases)).map { number in
                (manufacturer, "aggregate", AggregateBody(parent: Self.caseID(number), children: (0..<10).map { Self.bottle(number * 10 + $0) }).json)
            })
        }
        let casesPerPallet = cases / pallets
        for start in stride(from: 0, to: pallets, by: 100) {
            _ = try append((start..<min(start + 100, pallets)).map { pallet in
                (manufacturer, "aggregate", AggregateBody(parent: Self.sscc(pallet),
                                                          children: (0..<casesPerPallet).map { Self.caseID(pallet * casesPerPallet + $0) }).json)
            })
        }
        log("packed into \(cases) cases on \(pallets) pallets")
        func sell(_ items: [UnitID], from seller: Party, to buyer: Party) -> (Party, String, JSONValue) {
            (seller, "transfer", .object(["items": .array(items.map { .string($0.canonical) }), "seller": seller.info.json,
                                          "buyer": buyer.info.json, "transactionDate": .string("2026-01-02T10:00:00Z"),
                                          "statement": statement]))
        }
        func receive(_ shipments: [AppendedEntry], by party: Party) throws {
            _ = try append(shipments.map { (party, "receive", ReceiveBody(shipment: Hex.encode($0.hash)).json) })
        }
        for start in stride(from: 0, to: pallets, by: 50) {
            let group = Array(start..<min(start + 50, pallets))
            try receive(try append(group.map { sell([Self.sscc($0)], from: manufacturer, to: wholesaler) }), by: wholesaler)
            try receive(try append(group.map { sell([Self.sscc($0)], from: wholesaler, to: distributor) }), by: distributor)
            _ = try append(group.map { (distributor, "disaggregate", DisaggregateBody(parent: Self.sscc($0)).json) })
            for pallet in group {
                // The pallet's cases go out in four orders, one per pharmacy.
                let shipped = try append((0..<4).map { order in
                    let share = (0..<casesPerPallet).filter { $0 % 4 == order }.map { Self.caseID(pallet * casesPerPallet + $0) }
                    return sell(share, from: distributor, to: pharmacies[order])
                })
                for (order, shipment) in shipped.enumerated() { try receive([shipment], by: pharmacies[order]) }
            }
        }
        log("sold through wholesaler and distributor to four pharmacies")
        var samples: [UnitID] = []
        for pallet in 0..<pallets {
            let first = pallet * casesPerPallet
            let bottle = Self.bottle(first * 10)
            _ = try append([(pharmacies[0], "disaggregate", DisaggregateBody(parent: Self.caseID(first)).json),
                            (pharmacies[0], "decommission", DecommissionBody(items: [bottle], reason: .dispensed).json)])
            samples.append(bottle)
        }
        log("dispensed one bottle of every pallet's first case; \(ledger.head!.seq + 1) entries")
        return samples
    }
}

/// Wall-clock seconds.
func seconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Peak resident memory of this process, in MiB.
func peakMemoryMiB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss / 1024)
}

/// Times custody resolution from the index for `samples`: `rounds` lookups each; returns p50 and p99 in µs.
func timeLookups(_ index: CustodyIndex, _ samples: [UnitID], rounds: Int, full: CustodyQuery? = nil) throws -> (Double, Double, Int) {
    var times: [Double] = []
    var events = 0
    for round in 0..<rounds {
        let unit = samples[round % samples.count]
        let start = seconds()
        if let full {
            _ = try full.custody(of: unit)
        } else {
            let found = try index.events(of: unit)
            _ = try index.parents(of: unit)
            _ = index.unit(unit)
            events = max(events, found.count)
        }
        times.append((seconds() - start) * 1e6)
    }
    times.sort()
    return (times[times.count / 2], times[min(times.count - 1, times.count * 99 / 100)], events)
}
