import Custody
import Foundation
import GS1
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

// Helpers shared by the ledger and verifier tests: temporary directories, raw file access, a ledger
// of ten entries with two partners, and the byte surgery the tamper tests perform on it.
// (The store tests have their own small copy of the directory and file helpers: test targets cannot
// share a file without a support target in Package.swift.)

/// Runs `body` with a fresh temporary directory and removes it afterwards, whatever happens.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory.path + "/core-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Raw file access for damaging ledgers by hand.
enum Disk {
    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func write(_ path: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Every regular file under `directory` (relative path → bytes), to prove nothing changed.
    static func snapshot(_ directory: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return files }
        // The SQLite index is derived state (its -shm changes on mere reads): compared through its contents elsewhere.
        for case let relative as String in walker where !relative.hasPrefix("index.sqlite") {
            var isDirectory: ObjCBool = false
            let path = directory + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = try read(path)
            }
        }
        return files
    }
}

/// The fixed time the test ledgers run at: 2025-06-15T14:40:00Z.
let testNow: Int64 = 1_750_000_000_000

/// `payload` followed by its GS1 mod-10 check digit (a GLN-13 from 12 digits, a GTIN-14 from 13, an SSCC from 17).
func withCheckDigit(_ payload: String) -> String {
    payload + String(GS1CheckDigit.compute(Array(payload.utf8)))
}

/// The GLN-13 whose first twelve digits are `payload`.
func makeGLN(_ payload: String) -> String { withCheckDigit(payload) }

/// A trading partner of the test ledgers and its signing key.
struct TestPartner: Sendable {
    var gln: String
    var name: String
    var role: PartnerRole
    var key: PrivateKey

    static func make(_ payload: String, _ name: String, _ role: PartnerRole, _ algorithm: SignatureAlgorithm) throws -> TestPartner {
        TestPartner(gln: makeGLN(payload), name: name, role: role, key: try .generate(algorithm))
    }

    /// The operator body that registers this partner with its key.
    func registration(validFrom: Int64 = 0, validUntil: Int64? = nil) -> BodyInput {
        let grant = KeyGrant(publicKey: key.publicKey, validFrom: validFrom, validUntil: validUntil)
        let body = PartnerRegisterBody(gln: gln, name: name, role: role, address: "1 Test Way, Springfield",
                                       companyPrefixes: [String(gln.prefix(7))], key: grant)
        return BodyInput(type: OperatorBody.partnerRegister, body: body.json)
    }

    /// The partner as a transfer's seller or buyer (JSON).
    var party: String { PartyInfo(gln: gln, name: name, address: "1 Test Way, Springfield").json.canonicalString }
}

/// A custody body as a user writes it: `{"type": type, ...fields}` parsed by `BodyInput`.
func custody(_ type: String, _ fields: String = "") throws -> BodyInput {
    let json = "{\"type\":\"\(type)\"" + (fields.isEmpty ? "" : ",\(fields)") + "}"
    return try BodyInput(bytes: Array(json.utf8), source: "\(type).json")
}

/// The GTIN-14 every test product carries.
let testGTIN = withCheckDigit("0031234567890")

/// The SGTIN of the test product with `serial`, as the custody rules key it.
func unit(_ serial: String) -> String { "(01)\(testGTIN)(21)\(serial)" }

/// The serials `commission(lot)` brings into existence: `<lot>-A` and `<lot>-B`.
func serials(_ lot: String) -> [String] { [lot + "-A", lot + "-B"] }

/// A commission of two serials in lot `lot` (lots must be unique per ledger: serials derive from them).
func commission(_ lot: String) throws -> BodyInput {
    let list = serials(lot).map { "\"\($0)\"" }.joined(separator: ",")
    return try custody("commission", """
        "gtin":"\(testGTIN)","lot":"\(lot)","expiry":"2027-06-30","serials":[\(list)],\
        "product":{"name":"Amoxicillin","strength":"500 mg","dosageForm":"capsule","containerSize":"30"}
        """)
}

/// A JSON array of strings.
func jsonList(_ items: [String]) -> String { "[" + items.map { "\"\($0)\"" }.joined(separator: ",") + "]" }

/// A ledger of ten entries under `directory/ledger`, open for appending, with two registered partners:
///
///     0 ledger.genesis          operator
///     1 partner.register        operator   (alpha, manufacturer, Ed25519)
///     2 partner.register        operator   (beta, wholesaler, P-256)
///     3 commission              alpha      (LOT-0003-A, -B)
///     4 commission  ┐ one batch alpha      (LOT-0004-A, -B)
///     5 aggregate   ┘           alpha      (the four into an SSCC)
///     6 transfer                alpha      (the SSCC to beta)
///     7 receive                 beta
///     8 disaggregate            beta
///     9 decommission            beta       (LOT-0003-A destroyed)
final class TestLedger {
    static let origin = "example.com/custody-tests"
    static let sscc = "(00)" + withCheckDigit("10614141000000001")
    let layout: StoreLayout
    let operatorKey: PrivateKey
    let alpha: TestPartner
    let beta: TestPartner
    let ledger: Ledger

    /// A ledger holding only its genesis entry and the two partners' registrations (entries 0 to 2).
    init(in directory: String) throws {
        layout = StoreLayout(directory: directory + "/ledger")
        operatorKey = try .generate(.ed25519)
        alpha = try .make("061414100000", "Alpha Pharma", .manufacturer, .ed25519)
        beta = try .make("086000000000", "Beta Wholesale", .wholesaler, .p256)
        ledger = try Ledger.create(layout: layout, origin: Self.origin, operatorKey: operatorKey, clock: { testNow })
        try ledger.append([ledger.sign(alpha.registration(), with: operatorKey)])
        try ledger.append([ledger.sign(beta.registration(), with: operatorKey)])
    }

    /// The ten-entry ledger described above.
    static func standard(in directory: String) throws -> TestLedger {
        let test = try TestLedger(in: directory)
        let ledger = test.ledger
        let (alpha, beta) = (test.alpha, test.beta)
        try ledger.append([ledger.sign(commission("LOT-0003"), with: alpha.key)])
        let packed = (serials("LOT-0003") + serials("LOT-0004")).map(unit)
        try ledger.append([
            ledger.sign(commission("LOT-0004"), with: alpha.key),
            ledger.sign(custody("aggregate", "\"parent\":\"\(sscc)\",\"children\":\(jsonList(packed))"), with: alpha.key),
        ])
        let transfer = try custody("transfer", """
            "items":["\(sscc)"],"seller":\(alpha.party),"buyer":\(beta.party),\
            "transactionDate":"2025-06-15T10:00:00-04:00","statement":\(TransactionStatement(affirmedBy: "A. Smith").json.canonicalString)
            """)
        let shipped = try ledger.append([ledger.sign(ledger.completing(transfer), with: alpha.key)])
        try ledger.append([ledger.sign(custody("receive", "\"shipment\":\"\(Hex.encode(shipped[0].hash))\""), with: beta.key)])
        try ledger.append([ledger.sign(custody("disaggregate", "\"parent\":\"\(sscc)\""), with: beta.key)])
        try ledger.append([ledger.sign(custody("decommission", "\"items\":[\"\(unit("LOT-0003-A"))\"],\"reason\":\"destroyed\""), with: beta.key)])
        #expect(ledger.head?.seq == 9)
        return test
    }

    /// Verifies the ledger's files against the operator key it was created with.
    func verify(trustAnchor: PublicKey? = nil) throws -> VerifyReport {
        try Verifier(layout: layout, options: VerifyOptions(trustAnchor: trustAnchor ?? operatorKey.publicKey)).run()
    }

    /// Appends `submissions` with the bare store writer, bypassing every check the ledger makes.
    /// The ledger must be closed.
    func forceAppend(_ submissions: [PendingEntry]) throws -> [AppendedEntry] {
        let writer = try SegmentWriter(layout: layout)
        defer { writer.close() }
        return try writer.append(submissions, now: testNow)
    }

    /// A submission of `input` by `signer` with `key`, signed for this ledger, that no check has seen.
    func forged(_ input: BodyInput, signer: String, key: PrivateKey) throws -> PendingEntry {
        let submission = Submission(signer: signer, keyID: key.publicKey.keyID, algorithm: key.algorithm, signedAt: testNow,
                                    bodyType: input.type, bodyVersion: input.version, body: input.canonicalBody)
        return PendingEntry(submission: submission, signature: try submission.sign(with: key, origin: Self.origin))
    }
}

/// One frame of the ledger on disk, with the byte ranges (in the segment file) of the fields the tamper
/// tests alter.
struct FrameLocation {
    var seq: UInt64
    var path: String
    /// The whole frame: header, entry bytes, stored hash.
    var frame: Range<Int>
    var entry: Range<Int>
    var storedHash: Range<Int>
    var prevHash: Range<Int>
    var body: Range<Int>
    var signature: Range<Int>
}

/// Every whole frame of the ledger, in file order.
func frameLocations(_ layout: StoreLayout) throws -> [FrameLocation] {
    var found: [FrameLocation] = []
    try SegmentScanner(layout: layout).scan(onProblem: { _ in }, onFrame: { frame in
        let entry = try Entry(canonicalBytes: frame.entryBytes)
        let entryStart = frame.offset + Frame.headerSize
        let entryEnd = entryStart + frame.entryBytes.count
        // Canonical bytes end with the body, then a 2-byte signature length and the signature.
        let signatureStart = entryEnd - entry.signature.count
        let bodyEnd = signatureStart - 2
        let prevHashStart = entryStart + 1 + 8 + 8
        found.append(FrameLocation(seq: entry.seq, path: frame.segment.path,
                                   frame: frame.offset..<frame.offset + frame.length,
                                   entry: entryStart..<entryEnd, storedHash: entryEnd..<entryEnd + Frame.trailerSize,
                                   prevHash: prevHashStart..<prevHashStart + 32,
                                   body: bodyEnd - entry.submission.body.count..<bodyEnd,
                                   signature: signatureStart..<entryEnd))
        return true
    })
    return found
}

/// Byte surgery on one segment file: load, alter, save.
struct SegmentSurgery {
    let path: String
    var bytes: [UInt8]

    init(_ path: String) throws {
        self.path = path
        bytes = try Disk.read(path)
    }

    func save() throws { try Disk.write(path, bytes) }

    mutating func flip(_ offset: Int, mask: UInt8 = 0x01) { bytes[offset] ^= mask }

    /// Recomputes the stored hash of `frame`, as a forger who knows the format would.
    mutating func rehash(_ frame: FrameLocation) {
        let hash = EntryFormat.entryHash(ofCanonicalBytes: Array(bytes[frame.entry]))
        bytes.replaceSubrange(frame.storedHash, with: hash)
    }

}
