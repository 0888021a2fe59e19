import Custody
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

@Suite("Verifier: custody rules replayed from genesis")
struct CustodyReplayTests {
    @Test("a validly signed transfer of something the signer does not own is a custody finding")
    func impossibleTransfer() throws {
        let report = try tampered { test, _ in
            // beta owns LOT-0003-B and LOT-0004-*; alpha signs a perfectly valid transfer of one of them.
            let stolen = try custody("transfer", """
                "items":["\(unit("LOT-0004-A"))"],"seller":\(test.alpha.party),"buyer":\(test.beta.party),\
                "transactionDate":"2025-06-16T10:00:00Z","statement":\(TransactionStatement(affirmedBy: "Mallory").json.canonicalString),\
                "products":[{"gtin":"\(testGTIN)","name":"Amoxicillin","strength":"500 mg","dosageForm":"capsule","containerSize":"30",\
                "lot":"LOT-0004","expiry":"2027-06-30","quantity":1}],"history":[]
                """)
            _ = try test.forceAppend([test.forged(stolen, signer: test.alpha.gln, key: test.alpha.key)])
        }
        try expectFirstFinding(report, seq: 10, kind: .custody, reasonContains: "(not-owner)")
        #expect(report.firstFinding?.reason.contains("conflicts with entry 6") == true)
    }

    @Test("a second commission of a serial is a custody finding naming the first")
    func doubleCommission() throws {
        let report = try tampered { test, _ in
            _ = try test.forceAppend([test.forged(commission("LOT-0003"), signer: test.alpha.gln, key: test.alpha.key)])
        }
        try expectFirstFinding(report, seq: 10, kind: .custody, reasonContains: "(already-commissioned)")
        #expect(report.firstFinding?.reason.contains("entry 3") == true)
    }

    @Test("a ledger that breaks a custody rule refuses to open for appending, naming the entry")
    func openRefuses() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            test.ledger.close()
            _ = try test.forceAppend([test.forged(commission("LOT-0003"), signer: test.alpha.gln, key: test.alpha.key)])
            #expect {
                _ = try Ledger.open(layout: test.layout)
            } throws: { error in
                guard let error = error as? InputError else { return false }
                return error.code == "already-commissioned" && error.source == "entry 10"
            }
        }
    }

    @Test("custody verdicts after an integrity finding are withheld, with a notice")
    func noCascadeAfterDamage() throws {
        let report = try tampered { test, frames in
            // Delete the commission of LOT-0004 (entry 4): every later move of those units would be "unknown".
            var file = try SegmentSurgery(frames[4].path)
            file.bytes.removeSubrange(frames[4].frame)
            try file.save()
        }
        try expectFirstFinding(report, seq: 4, kind: .sequence, onlyAbout: 4...5)
        #expect(report.findings.allSatisfy { $0.kind != .custody })
        #expect(report.notices.contains { $0.contains("custody rules after entry 4 were not judged") })
    }
}
