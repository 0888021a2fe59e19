import Custody
import GS1
import LedgerCrypto
import LedgerFormat
import Testing

// An in-memory world for the custody rules: a real registry (genesis and partner registrations signed by
// a fresh operator key) and a `CustodyState` fed entries signed in name only (the state does not check
// signatures; the ledger does that before it applies custody rules).

/// `payload` followed by its GS1 mod-10 check digit (GLN-13, GTIN-14, SSCC-18).
func withCheckDigit(_ payload: String) -> String {
    payload + String(GS1CheckDigit.compute(Array(payload.utf8)))
}

/// The trading partners every fixture registers, one GLN per role (and a second wholesaler).
enum Partners {
    static let manufacturer = withCheckDigit("061414100001")
    static let repackager = withCheckDigit("061414100002")
    static let wholesaler = withCheckDigit("061414100003")
    static let otherWholesaler = withCheckDigit("061414100004")
    static let dispenser = withCheckDigit("061414100005")
    static let logistics = withCheckDigit("061414100006")
    /// A valid GLN that no fixture registers.
    static let unregistered = withCheckDigit("061414199999")

    static let registered: [(gln: String, name: String, role: PartnerRole)] = [
        (manufacturer, "Acme Pharma", .manufacturer),
        (repackager, "RePack Inc", .repackager),
        (wholesaler, "Big Wholesale", .wholesaler),
        (otherWholesaler, "Other Wholesale", .wholesaler),
        (dispenser, "Corner Pharmacy", .dispenser),
        (logistics, "Fast 3PL", .thirdPartyLogistics),
    ]

    /// The registered partner with `role` (the first wholesaler for `.wholesaler`).
    static func gln(for role: PartnerRole) -> String {
        registered.first { $0.role == role }!.gln
    }

    static func name(of gln: String) -> String {
        registered.first { $0.gln == gln }?.name ?? "Unregistered Co"
    }
}

/// The products of the tests: a unit package, its case and a second product, all with NDCs embedded.
enum Products {
    /// GTIN of the unit package of NDC 12345-678-90.
    static let unitGTIN = withCheckDigit("0031234567890")
    /// GTIN of the case (indicator 5) of the same NDC.
    static let caseGTIN = withCheckDigit("5031234567890")
    /// GTIN of the unit package of NDC 12345-999-01.
    static let otherGTIN = withCheckDigit("0031234599901")

    static let unitMaster = ProductMaster(name: "Examplamab", strength: "10 mg", dosageForm: "tablet",
                                          containerSize: "100 tablets", ndc: "12345-678-90")
    static let caseMaster = ProductMaster(name: "Examplamab", strength: "10 mg", dosageForm: "tablet",
                                          containerSize: "24 x 100 tablets", ndc: "12345-678-90")
    static let otherMaster = ProductMaster(name: "Otherol", strength: "5 mg/mL", dosageForm: "injection",
                                           containerSize: "10 mL vial", ndc: "12345-999-01")

    static func master(for gtin: String) -> ProductMaster {
        switch gtin {
        case caseGTIN: caseMaster
        case otherGTIN: otherMaster
        default: unitMaster
        }
    }
}

/// The SGTIN of a unit package with `serial`.
func unit(_ serial: String, gtin: String = Products.unitGTIN) -> UnitID { .sgtin(gtin: gtin, serial: serial) }

/// The SGTIN of a case with `serial`.
func caseUnit(_ serial: String) -> UnitID { .sgtin(gtin: Products.caseGTIN, serial: serial) }

/// The SSCC-18 with serial reference `reference` under company prefix 0614141.
func sscc(_ reference: Int) -> UnitID {
    let digits = String(reference)
    return .sscc(withCheckDigit("00614141" + String(repeating: "0", count: 9 - digits.count) + digits))
}

/// An entry the fixture applied: its sequence number and hash (hex).
struct Applied: Sendable, Hashable {
    var seq: UInt64
    var hash: String
}

/// Everything observable in a `CustodyState`, to compare states.
struct StateSnapshot: Equatable {
    var units: UnitTable
    var shipments: [String: OpenShipment]
    var transferHashes: [UInt64: String]

    init(_ state: CustodyState) {
        units = state.units
        shipments = state.shipments
        transferHashes = state.transferHashes
    }
}

extension CustodyBody {
    /// The body's type name and JSON, as an entry carries them.
    var typeAndJSON: (type: CustodyBodyType, json: JSONValue) {
        switch self {
        case .commission(let body): (.commission, body.json)
        case .aggregate(let body): (.aggregate, body.json)
        case .disaggregate(let body): (.disaggregate, body.json)
        case .transfer(let body): (.transfer, body.json)
        case .ship(let body): (.ship, body.json)
        case .receive(let body): (.receive, body.json)
        case .return(let body): (.return, body.json)
        case .decommission(let body): (.decommission, body.json)
        }
    }
}

/// A registry with every partner of `Partners` and a custody state that entries are applied to in order.
struct CustodyFixture {
    static let origin = "custody-tests.example/ledger"
    /// The transaction date of transfers unless a test says otherwise.
    static let transactionDate = "2026-03-02T14:30:00-05:00"
    /// The append time of the fixture's entries (just after `transactionDate`).
    static let now: Int64 = 1_772_481_600_000
    /// Expiry of commissioned product unless a test says otherwise.
    static let goodExpiry = "2028-06-30"

    private(set) var registry: Registry
    private(set) var state = CustodyState()
    /// The sequence number the next accepted entry gets (refused entries take none, as in the ledger).
    private(set) var nextSeq: UInt64
    private var previousHash: [UInt8]

    /// A registry from a genesis entry signed by a fresh operator key, with every partner registered.
    init() throws {
        let operatorKey = try PrivateKey.generate(.ed25519)
        let genesis = try Self.operatorEntry(seq: 0, previousHash: EntryFormat.zeroHash, type: OperatorBody.genesis,
                                             body: GenesisBody(origin: Self.origin, operatorKey: operatorKey.publicKey).json,
                                             key: operatorKey)
        registry = try Registry(genesis: genesis, trustAnchor: operatorKey.publicKey)
        previousHash = genesis.hash
        nextSeq = 1
        for partner in Partners.registered {
            let grant = KeyGrant(publicKey: try PrivateKey.generate(.ed25519).publicKey, validFrom: 0)
            let body = PartnerRegisterBody(gln: partner.gln, name: partner.name, role: partner.role, address: "1 Test Way, Springfield",
                                           companyPrefixes: ["0614141"], key: grant)
            let entry = try Self.operatorEntry(seq: nextSeq, previousHash: previousHash, type: OperatorBody.partnerRegister,
                                               body: body.json, key: operatorKey)
            try registry.checkSignature(of: entry)
            try registry.apply(entry)
            previousHash = entry.hash
            nextSeq += 1
        }
    }

    private static func operatorEntry(seq: UInt64, previousHash: [UInt8], type: String, body: JSONValue, key: PrivateKey) throws -> Entry {
        let submission = Submission(signer: Submission.operatorSigner, keyID: key.publicKey.keyID, algorithm: .ed25519,
                                    signedAt: now, bodyType: type, bodyVersion: 1, body: body.canonicalBytes)
        return Entry(seq: seq, appendedAt: now, prevHash: previousHash, submission: submission,
                     signature: try submission.sign(with: key, origin: origin))
    }

    // MARK: Applying entries

    /// Applies `body` as the next entry, signed (in name) by `signer`, with a distinct fake hash.
    @discardableResult
    mutating func apply(_ body: CustodyBody, by signer: String) throws(CustodyError) -> Applied {
        let seq = nextSeq
        let (type, json) = body.typeAndJSON
        let submission = Submission(signer: signer, keyID: "00000000000000aa", algorithm: .ed25519, signedAt: Self.now,
                                    bodyType: type.rawValue, bodyVersion: 1, body: json.canonicalBytes)
        let entry = Entry(seq: seq, appendedAt: Self.now + Int64(seq), prevHash: previousHash, submission: submission,
                          signature: [UInt8](repeating: 0x5A, count: 64))
        let hash = SHA256.hash(Array("custody-tests entry \(seq)".utf8))
        try state.apply(body, entry: entry, hash: hash, registry: registry)
        previousHash = hash
        nextSeq += 1
        return Applied(seq: seq, hash: Hex.encode(hash))
    }

    @discardableResult
    mutating func commission(_ serials: [String], gtin: String = Products.unitGTIN, lot: String = "LOT1", expiry: String = goodExpiry,
                             product: ProductMaster? = nil, by signer: String = Partners.manufacturer) throws(CustodyError) -> Applied {
        try apply(.commission(CommissionBody(gtin: gtin, serials: serials, lot: lot, expiry: expiry,
                                             product: product ?? Products.master(for: gtin))), by: signer)
    }

    @discardableResult
    mutating func aggregate(_ parent: UnitID, _ children: [UnitID], by signer: String = Partners.manufacturer) throws(CustodyError) -> Applied {
        try apply(.aggregate(AggregateBody(parent: parent, children: children)), by: signer)
    }

    @discardableResult
    mutating func disaggregate(_ parent: UnitID, _ children: [UnitID]? = nil, by signer: String = Partners.manufacturer) throws(CustodyError) -> Applied {
        try apply(.disaggregate(DisaggregateBody(parent: parent, children: children)), by: signer)
    }

    func party(_ gln: String) -> PartyInfo {
        PartyInfo(gln: gln, name: Partners.name(of: gln), address: "1 Test Way, Springfield")
    }

    /// A transfer body with TI products and TH completed from the current state, as the CLI fills them in.
    func transferBody(_ items: [UnitID], from seller: String, to buyer: String, via: String? = nil,
                      date: String = transactionDate, expiredOverride: String? = nil) -> TransferBody {
        state.completing(TransferBody(items: items, seller: party(seller), buyer: party(buyer), via: via, transactionDate: date,
                                      references: ["po": "PO-1"], statement: TransactionStatement(affirmedBy: "Jane Roe, Compliance"),
                                      expiredOverride: expiredOverride))
    }

    /// A completed transfer signed by the seller.
    @discardableResult
    mutating func transfer(_ items: [UnitID], from seller: String, to buyer: String, via: String? = nil,
                           date: String = transactionDate, expiredOverride: String? = nil) throws(CustodyError) -> Applied {
        try apply(.transfer(transferBody(items, from: seller, to: buyer, via: via, date: date, expiredOverride: expiredOverride)), by: seller)
    }

    @discardableResult
    mutating func ship(_ items: [UnitID], to receiver: String, by signer: String) throws(CustodyError) -> Applied {
        try apply(.ship(ShipBody(items: items, to: receiver)), by: signer)
    }

    @discardableResult
    mutating func receive(_ shipment: Applied, by signer: String) throws(CustodyError) -> Applied {
        try apply(.receive(ReceiveBody(shipment: shipment.hash)), by: signer)
    }

    @discardableResult
    mutating func returnItems(_ items: [UnitID], to partner: String, by signer: String) throws(CustodyError) -> Applied {
        try apply(.return(ReturnBody(items: items, to: partner, reason: "overstock")), by: signer)
    }

    @discardableResult
    mutating func decommission(_ items: [UnitID], _ reason: DecommissionReason, by signer: String) throws(CustodyError) -> Applied {
        try apply(.decommission(DecommissionBody(items: items, reason: reason)), by: signer)
    }

    /// Direct access for the batch tests.
    mutating func beginBatch() { state.beginBatch() }
    mutating func rollbackBatch() { state.rollbackBatch() }
    mutating func commitBatch() { state.commitBatch() }

    // MARK: Checking

    /// The record of `id`, which must exist.
    func record(_ id: UnitID, sourceLocation: SourceLocation = #_sourceLocation) throws -> UnitRecord {
        try #require(state.units[id], "\(id) should exist", sourceLocation: sourceLocation)
    }

    /// Runs `perform` on this fixture, expecting the custody rules to refuse it with exactly `code`, `unit` and
    /// `conflictingSeq` (nil meaning the error must carry none), and the state to be left as it was.
    @discardableResult
    func expectRefusal(_ code: CustodyError.Code, unit: UnitID? = nil, conflictingSeq: UInt64? = nil,
                                sourceLocation: SourceLocation = #_sourceLocation,
                                _ perform: (inout CustodyFixture) throws -> Void) -> CustodyError? {
        let before = StateSnapshot(state)
        let seq = nextSeq
        var scratch = self
        let error = #expect(throws: CustodyError.self, "expected \(code.rawValue)", sourceLocation: sourceLocation) {
            try perform(&scratch)
        }
        guard let error else { return nil }
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.unit == unit?.canonical, "unit of \(error)", sourceLocation: sourceLocation)
        #expect(error.conflictingSeq == conflictingSeq, "conflictingSeq of \(error)", sourceLocation: sourceLocation)
        #expect(StateSnapshot(scratch.state) == before, "a refused entry must leave the state unchanged", sourceLocation: sourceLocation)
        #expect(scratch.nextSeq == seq, sourceLocation: sourceLocation)
        return error
    }
}

/// A small deterministic generator (SplitMix64), so a failing generated case can be replayed from its seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ options: [T]) -> T { options[below(options.count)] }

    /// `bytes` with one or two bytes of `alphabet` inserted, replaced or removed at random places.
    mutating func mutate(_ bytes: [UInt8], alphabet: [UInt8]) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<(1 + below(2)) {
            let at = below(bytes.count + 1)
            let byte = pick(alphabet)
            switch below(3) {
            case 0: bytes.insert(byte, at: at)
            case 1: if at < bytes.count { bytes[at] = byte }
            default: if at < bytes.count { bytes.remove(at: at) }
            }
        }
        return bytes
    }
}
