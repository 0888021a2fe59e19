import Custody
import LedgerCrypto
import LedgerFormat
import LedgerStore
#if canImport(Glibc)
import Glibc
#endif

/// The demonstration scenario of `ledger demo`: a realistic chain of custody with real keys and signatures.
///
/// A manufacturer commissions twelve bottles and two cases, packs them onto a pallet and sells the
/// pallet to a wholesaler, shipping it through a 3PL. The wholesaler splits a case and sells to two
/// pharmacies; one bottle is dispensed, one reported stolen, and one returned to the wholesaler.
public struct DemoScenario {
    /// The demo ledger's origin; `--replace` only ever deletes a ledger with this origin.
    public static let origin = "demo.custody-ledger.example/ledger"

    /// One party of the scenario.
    public struct Party: Sendable {
        public var gln: String
        public var name: String
        public var role: PartnerRole
        public var address: String
        public var algorithm: SignatureAlgorithm
        public var prefixes: [String] = []
    }

    public static let manufacturer = Party(gln: "0312345000004", name: "Acme Pharmaceuticals Inc.", role: .manufacturer,
                                           address: "100 Industrial Pkwy, Newark, NJ 07105, US", algorithm: .ed25519, prefixes: ["0312345"])
    public static let logistics = Party(gln: "0614141000012", name: "Keystone Logistics LLC", role: .thirdPartyLogistics,
                                        address: "55 Freight Way, Harrisburg, PA 17111, US", algorithm: .ed25519)
    public static let wholesaler = Party(gln: "0860012345670", name: "Big River Wholesale Drug Co.", role: .wholesaler,
                                         address: "9 Depot Rd, Columbus, OH 43004, US", algorithm: .p256)
    public static let pharmacyA = Party(gln: "0890000000014", name: "Main Street Pharmacy", role: .dispenser,
                                        address: "12 Main St, Springfield, IL 62701, US", algorithm: .ed25519)
    public static let pharmacyB = Party(gln: "0890000000021", name: "Riverside Community Pharmacy", role: .dispenser,
                                        address: "400 River Rd, Dayton, OH 45402, US", algorithm: .p256)
    public static let parties = [manufacturer, logistics, wholesaler, pharmacyA, pharmacyB]

    /// Bottle GTIN (NDC 12345-678-90) and case GTIN (indicator 5).
    public static let unitGTIN = "00312345678906"
    public static let caseGTIN = "50312345678901"
    public static let lot = "LOT2026A"
    public static let expiry = "2028-06-30"
    public static let pallet = UnitID.sscc("003123450000000011")
    public static func unit(_ number: Int) -> UnitID { .sgtin(gtin: unitGTIN, serial: "AMX\(1000 + number)") }
    public static func caseID(_ number: Int) -> UnitID { .sgtin(gtin: caseGTIN, serial: "CASE\(100 + number)") }

    /// What the scenario did, for printing and tests.
    public struct Step: Sendable {
        public var seqs: ClosedRange<UInt64>
        public var actor: String
        public var text: String
    }

    public let layout: StoreLayout
    let clock: Clock

    public init(layout: StoreLayout, clock: @escaping Clock = systemClock) {
        self.layout = layout
        self.clock = clock
    }

    /// Builds the scenario into an empty data directory; keys go to `DIR/demo-keys/` (private keys mode 0600).
    public func run() throws -> [Step] {
        let keyDirectory = layout.directory + "/demo-keys"
        let operatorKey = try PrivateKey.generate(.ed25519)
        let ledger = try Ledger.create(layout: layout, origin: Self.origin, operatorKey: operatorKey, clock: clock)
        defer { ledger.close() }
        guard mkdir(keyDirectory, 0o700) == 0 || errno == EEXIST else {
            throw KeyFileError(path: keyDirectory, reason: String(cString: strerror(errno)))
        }
        try KeyFiles.write(operatorKey, to: layout.directory + "/operator.key")
        var steps: [Step] = []
        var keys: [String: PrivateKey] = [:]
        let now = clock()
        func time(_ hoursAfterStart: Int) -> String { Timestamp.iso8601(now - 30 * 86_400_000 + Int64(hoursAfterStart) * 3_600_000) }

        @discardableResult
        func append(_ actor: Party?, _ text: String, _ bodies: [(String, JSONValue)]) throws -> [AppendedEntry] {
            let key = actor.map { keys[$0.gln]! } ?? operatorKey
            let pending = try bodies.map { type, body in try ledger.sign(ledger.completing(BodyInput(type: type, body: body)), with: key) }
            let appended = try ledger.append(pending)
            steps.append(Step(seqs: appended.first!.entry.seq...appended.last!.entry.seq, actor: actor?.name ?? "Ledger operator", text: text))
            return appended
        }

        var registrations: [(String, JSONValue)] = []
        for party in Self.parties {
            let key = try PrivateKey.generate(party.algorithm)
            try KeyFiles.write(key, to: "\(keyDirectory)/\(party.gln).key")
            keys[party.gln] = key
            let body = PartnerRegisterBody(gln: party.gln, name: party.name, role: party.role, address: party.address,
                                           companyPrefixes: party.prefixes, key: KeyGrant(publicKey: key.publicKey, validFrom: now - 365 * 86_400_000))
            registrations.append((OperatorBody.partnerRegister, body.json))
        }
        try append(nil, "registers five trading partners and their keys", registrations)

        let bottle = ProductMaster(name: "Amoxicillin Capsules USP", strength: "500 mg", dosageForm: "capsule",
                                   containerSize: "bottle of 100 capsules", ndc: "12345-678-90")
        var casePack = bottle
        casePack.containerSize = "case of 6 bottles of 100 capsules"
        try append(Self.manufacturer, "commissions 12 bottles (lot \(Self.lot), expiry \(Self.expiry)) and 2 cases", [
            ("commission", CommissionBody(gtin: Self.unitGTIN, serials: (1...12).map { "AMX\(1000 + $0)" }, lot: Self.lot,
                                          expiry: Self.expiry, product: bottle, eventTime: time(0)).json),
            ("commission", CommissionBody(gtin: Self.caseGTIN, serials: ["CASE101", "CASE102"], lot: Self.lot,
                                          expiry: Self.expiry, product: casePack, eventTime: time(0)).json),
        ])
        try append(Self.manufacturer, "packs bottles 1–6 and 7–12 into two cases, and the cases onto pallet \(Self.pallet)", [
            ("aggregate", AggregateBody(parent: Self.caseID(1), children: (1...6).map(Self.unit), eventTime: time(1)).json),
            ("aggregate", AggregateBody(parent: Self.caseID(2), children: (7...12).map(Self.unit), eventTime: time(1)).json),
            ("aggregate", AggregateBody(parent: Self.pallet, children: [Self.caseID(1), Self.caseID(2)], eventTime: time(1)).json),
        ])
        let statement = TransactionStatement(affirmedBy: "Dana Whitfield, Director of Trade Compliance")
        let sale = try append(Self.manufacturer, "sells the pallet to \(Self.wholesaler.name), shipped through \(Self.logistics.name)", [
            ("transfer", TransferBody(items: [Self.pallet], seller: Self.info(Self.manufacturer), buyer: Self.info(Self.wholesaler),
                                      via: Self.logistics.gln, transactionDate: time(24),
                                      references: ["po": "PO-88121", "invoice": "INV-2026-0411", "asn": "ASN-55120"],
                                      statement: statement).json),
        ])[0]
        try append(Self.logistics, "receives the pallet at its warehouse (possession only)", [
            ("receive", ReceiveBody(shipment: Hex.encode(sale.hash), eventTime: time(30)).json),
        ])
        let forward = try append(Self.logistics, "ships the pallet on to the wholesaler", [
            ("ship", ShipBody(items: [Self.pallet], to: Self.wholesaler.gln, references: ["asn": "ASN-55120-2"], eventTime: time(48)).json),
        ])[0]
        try append(Self.wholesaler, "receives the pallet", [
            ("receive", ReceiveBody(shipment: Hex.encode(forward.hash), eventTime: time(60)).json),
        ])
        try append(Self.wholesaler, "unpacks the pallet and splits case \(Self.caseID(1))", [
            ("disaggregate", DisaggregateBody(parent: Self.pallet, eventTime: time(61)).json),
            ("disaggregate", DisaggregateBody(parent: Self.caseID(1), eventTime: time(61)).json),
        ])
        let wholesaleStatement = TransactionStatement(affirmedBy: "Luis Ortega, VP Regulatory Affairs")
        let toA = try append(Self.wholesaler, "sells bottles 1–3 to \(Self.pharmacyA.name)", [
            ("transfer", TransferBody(items: (1...3).map(Self.unit), seller: Self.info(Self.wholesaler), buyer: Self.info(Self.pharmacyA),
                                      transactionDate: time(72), references: ["po": "MSP-7731", "invoice": "BRW-99120"],
                                      statement: wholesaleStatement).json),
        ])[0]
        let toB = try append(Self.wholesaler, "sells bottles 4–6 and the intact case \(Self.caseID(2)) to \(Self.pharmacyB.name)", [
            ("transfer", TransferBody(items: (4...6).map(Self.unit) + [Self.caseID(2)], seller: Self.info(Self.wholesaler),
                                      buyer: Self.info(Self.pharmacyB), transactionDate: time(73), shipmentDate: time(100),
                                      references: ["po": "RCP-0042", "invoice": "BRW-99121"], statement: wholesaleStatement).json),
        ])[0]
        try append(Self.pharmacyA, "receives bottles 1–3", [("receive", ReceiveBody(shipment: Hex.encode(toA.hash), eventTime: time(80)).json)])
        try append(Self.pharmacyB, "receives bottles 4–6 and the case", [("receive", ReceiveBody(shipment: Hex.encode(toB.hash), eventTime: time(104)).json)])
        try append(Self.pharmacyA, "dispenses bottle 1 to a patient", [
            ("decommission", DecommissionBody(items: [Self.unit(1)], reason: .dispensed, eventTime: time(120)).json),
        ])
        try append(Self.pharmacyA, "reports bottle 2 stolen", [
            ("decommission", DecommissionBody(items: [Self.unit(2)], reason: .stolen, note: "shelf theft, police report 26-1187", eventTime: time(150)).json),
        ])
        let back = try append(Self.pharmacyB, "returns bottle 4 to the wholesaler that sold it", [
            ("return", ReturnBody(items: [Self.unit(4)], to: Self.wholesaler.gln, reason: "ordered in error (saleable return)",
                                  references: ["other": "RMA-3310"], eventTime: time(170)).json),
        ])[0]
        try append(Self.wholesaler, "receives the returned bottle", [
            ("receive", ReceiveBody(shipment: Hex.encode(back.hash), eventTime: time(190)).json),
        ])
        return steps
    }

    static func info(_ party: Party) -> PartyInfo { PartyInfo(gln: party.gln, name: party.name, address: party.address) }
}
