import Foundation
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

/// A clock the test sets by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64
    init(_ value: Int64) { self.value = value }
    func set(_ newValue: Int64) { lock.withLock { value = newValue } }
    var clock: Clock { { [self] in lock.withLock { value } } }
}

/// Builds the three-entry vector ledger of docs/FORMAT.md §10 and renders its section text.
func buildVectorLedger(in directory: String) throws -> String {
    let base: Int64 = 1_767_225_600_000
    let operatorKey = try PrivateKey(ed25519Seed: Array(0x00...0x1f))
    let partnerKey = try PrivateKey(ed25519Seed: Array(0x20...0x3f))
    let clock = ManualClock(base)
    let layout = StoreLayout(directory: directory)
    let ledger = try Ledger.create(layout: layout, origin: "example.com/vectors", operatorKey: operatorKey, clock: clock.clock)
    defer { ledger.close() }
    clock.set(base + 1000)
    let register = PartnerRegisterBody(gln: "0614141000005", name: "Acme Pharma Inc.", role: .manufacturer,
                                       address: "1 Main St, Springfield, IL 62701, US", companyPrefixes: ["0614141"],
                                       key: KeyGrant(publicKey: partnerKey.publicKey, validFrom: base))
    try ledger.append([ledger.sign(BodyInput(type: OperatorBody.partnerRegister, body: register.json), with: operatorKey)])
    clock.set(base + 2000)
    let commission = try BodyInput(bytes: Array("""
        {"type":"commission","gtin":"00312345678906","serials":["S1","S2"],"lot":"L1","expiry":"2027-12-31",
         "product":{"name":"Amoxicillin","strength":"500 mg","dosageForm":"capsule","containerSize":"100 capsules","ndc":"12345-678-90"}}
        """.utf8), source: "vector")
    try ledger.append([ledger.sign(commission, with: partnerKey)])

    func wrapped(_ bytes: [UInt8]) -> String {
        let hex = Array(Hex.encode(bytes))
        return stride(from: 0, to: hex.count, by: 64).map { String(hex[$0..<min($0 + 64, hex.count)]) }.joined(separator: "\n")
    }
    var text = """
    operator public key (SPKI DER), key id \(operatorKey.publicKey.keyID):
    ```
    \(wrapped(operatorKey.publicKey.spkiDER))
    ```
    partner public key (SPKI DER), key id \(partnerKey.publicKey.keyID):
    ```
    \(wrapped(partnerKey.publicKey.spkiDER))
    ```

    """
    let reader = try LedgerReader(layout: layout)
    try reader.forEach { appended in
        let entry = appended.entry
        text += """
        #### Entry \(entry.seq): `\(entry.submission.bodyType)`
        body (canonical JSON):
        ```
        \(String(decoding: entry.submission.body, as: UTF8.self))
        ```
        signing message (§5):
        ```
        \(wrapped(entry.submission.signingMessage(origin: "example.com/vectors")))
        ```
        signature:
        ```
        \(wrapped(entry.signature))
        ```
        entry bytes (§3):
        ```
        \(wrapped(entry.canonicalBytes))
        ```
        entry hash (§4): `\(Hex.encode(appended.hash))`


        """
        return true
    }
    let segment = try Data(contentsOf: URL(fileURLWithPath: layout.logDirectory + "/" + StoreLayout.segmentName(firstSeq: 0)))
    let head = try String(contentsOfFile: layout.headFile, encoding: .utf8)
    text += """
    #### The whole segment file `log/00000000000000000000.seg`
    ```
    \(wrapped(Array(segment)))
    ```
    `HEAD`: `\(head.trimmingCharacters(in: .whitespacesAndNewlines))`

    """
    return text
}

@Suite("FORMAT.md test vectors")
struct FormatVectorTests {
    static var formatPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/FORMAT.md").path
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "format-vectors-\(UUID().uuidString)"
        return path
    }

    @Test("docs/FORMAT.md §10 holds exactly the bytes this code writes")
    func vectorsMatchDocument() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let generated = try buildVectorLedger(in: directory)
        let document = try String(contentsOfFile: Self.formatPath, encoding: .utf8)
        let begin = try #require(document.range(of: "VECTORS-BEGIN (generated; do not edit by hand)\n"))
        let end = try #require(document.range(of: "VECTORS-END"))
        let recorded = String(document[begin.upperBound..<end.lowerBound])
        if ProcessInfo.processInfo.environment["UPDATE_FORMAT_VECTORS"] == "1" {
            let updated = document.replacingCharacters(in: begin.upperBound..<end.lowerBound, with: generated)
            try updated.write(toFile: Self.formatPath, atomically: true, encoding: .utf8)
            return
        }
        #expect(recorded == generated, "docs/FORMAT.md vectors differ from what the code writes; if the format change is intended, rerun with UPDATE_FORMAT_VECTORS=1 and review the diff")
    }

    @Test("the vector ledger verifies from the operator key, and every recorded hash re-derives from its bytes")
    func vectorLedgerVerifies() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try buildVectorLedger(in: directory)
        let anchor = try PrivateKey(ed25519Seed: Array(0x00...0x1f)).publicKey
        let report = try Verifier(layout: StoreLayout(directory: directory), options: VerifyOptions(trustAnchor: anchor)).run()
        #expect(report.isClean)
        #expect(report.entriesChecked == 3)
        // Independently of the code's own hashing: the entry hash is SHA-256(tag ‖ 0x00 ‖ entry bytes).
        try LedgerReader(layout: StoreLayout(directory: directory)).forEach { appended in
            let tag = Array("custody-ledger/entry/v1".utf8) + [0]
            #expect(SHA256.hash(tag + appended.entry.canonicalBytes) == appended.hash)
            return true
        }
    }
}
