import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

@Suite("Verifier: P-256 signatures through key tables")
struct KeyTableVerifyTests {
    /// A ledger whose entries 4…63 are commissions signed by one P-256 partner, Gamma (registered by entry 3).
    private func p256Ledger(in directory: String) throws -> (TestLedger, TestPartner) {
        let test = try TestLedger(in: directory)
        let gamma = try TestPartner.make("000000000001", "Gamma Repack", .repackager, .p256)
        try test.ledger.append([test.ledger.sign(gamma.registration(), with: test.operatorKey)])
        try test.ledger.append((0..<60).map { try test.ledger.sign(commission("LOT-T\($0)"), with: gamma.key) })
        #expect(test.ledger.head?.seq == 63)
        test.ledger.close()
        return (test, gamma)
    }

    private func verify(_ test: TestLedger, threshold: Int, workers: Int) throws -> VerifyReport {
        try Verifier(layout: test.layout, options: VerifyOptions(trustAnchor: test.operatorKey.publicKey, workers: workers,
                                                                 p256KeyTableThreshold: threshold)).run()
    }

    @Test("a clean ledger is clean with tables from the first signature, from the tenth, and with none", arguments: [1, 2])
    func clean(workers: Int) throws {
        try withTemporaryDirectory { directory in
            let (test, _) = try p256Ledger(in: directory)
            for threshold in [0, 10, Int.max] {
                let report = try verify(test, threshold: threshold, workers: workers)
                #expect(report.isClean, "threshold \(threshold): \(report.findings.prefix(3))")
                #expect(report.signaturesChecked == 63)
            }
        }
    }

    @Test("a P-256 signature with one byte of r or s changed is named, the same with and without tables",
          arguments: [4, 20, 33, 63])
    func alteredSignature(byte: Int) throws {
        try withTemporaryDirectory { directory in
            let (test, gamma) = try p256Ledger(in: directory)
            // Entry 64, appended past the ledger's checks with a correct hash and chain: only its signature is wrong.
            // The key's table is built by then (threshold 0 or 10 on either worker).
            var forged = try test.forged(commission("LOT-X"), signer: gamma.gln, key: gamma.key)
            forged.signature[byte] ^= 0x20
            _ = try test.forceAppend([forged])
            var reasons: Set<String> = []
            for workers in [1, 2] {
                for threshold in [0, 10, Int.max] {
                    let report = try verify(test, threshold: threshold, workers: workers)
                    try expectFirstFinding(report, seq: 64, kind: .signature, reasonContains: "(bad-signature)")
                    #expect(report.findings.count == 1)
                    reasons.insert(report.findings.map(\.reason).joined())
                }
            }
            #expect(reasons.count == 1)
        }
    }
}
