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

    @Test("custody findings have a bound of their own: more of them than are kept cannot hide later damage")
    func custodyFindingsCannotCrowdOutDamage() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            test.ledger.close()
            // 1,200 validly signed second commissions of one lot (entries 10…1209): a custody finding each, more than
            // the verifier keeps of one kind with --max 4 (4 × 4 + 1,000).
            let again = try test.forged(commission("LOT-0003"), signer: test.alpha.gln, key: test.alpha.key)
            _ = try test.forceAppend(Array(repeating: again, count: 1_200))
            // Entries 20 and 1150 altered on disk (their previous-entry hashes): only the reading pass sees that, as
            // an entry-hash and a chain finding each. The custody verdicts from entry 20 on are withheld at the end,
            // which leaves room in the report for the damage at 1150, if it was kept while they piled up.
            let frames = try frameLocations(test.layout)
            for seq: UInt64 in [20, 1150] {
                let damaged = try #require(frames.first { $0.seq == seq })
                var file = try SegmentSurgery(damaged.path)
                file.flip(damaged.prevHash.lowerBound)
                try file.save()
            }
            let options = VerifyOptions(trustAnchor: test.operatorKey.publicKey, maxFindings: 4)
            let report = try Verifier(layout: test.layout, options: options).run()
            #expect(report.findings.map(\.seq) == [10, 11, 12, 13], "custody findings before the first damage come first")
            #expect(report.findings.allSatisfy { $0.kind == .custody })
            let wider = try Verifier(layout: test.layout, options: VerifyOptions(trustAnchor: test.operatorKey.publicKey, maxFindings: 20)).run()
            let damage = wider.findings.filter { $0.kind != .custody }
            #expect(damage.map(\.seq) == [20, 20, 1150, 1150], "\(damage)")
            #expect(damage.map(\.kind) == [.entryHash, .chain, .entryHash, .chain])
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
