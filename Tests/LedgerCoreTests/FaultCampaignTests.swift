import Custody
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

/// One field of a framed entry and where its bytes are, relative to the frame.
struct FieldTarget: Sendable, CustomTestStringConvertible {
    var name: String
    /// The byte to flip within the frame, given the frame's location.
    var offset: @Sendable (FrameLocation) -> Int
    var testDescription: String { name }

    /// Offsets into the entry bytes (after the 9-byte frame header): version 0, seq 1…8, appendedAt 9…16,
    /// prevHash 17…48, then str8 signer (len at 49), …
    static let all: [FieldTarget] = [
        FieldTarget(name: "frame magic") { $0.frame.lowerBound },
        FieldTarget(name: "frame flags") { $0.frame.lowerBound + 4 },
        FieldTarget(name: "frame length") { $0.frame.lowerBound + 7 },
        FieldTarget(name: "version") { $0.entry.lowerBound },
        FieldTarget(name: "seq") { $0.entry.lowerBound + 8 },
        FieldTarget(name: "appendedAt") { $0.entry.lowerBound + 16 },
        FieldTarget(name: "prevHash") { $0.prevHash.lowerBound + 3 },
        FieldTarget(name: "signer") { $0.entry.lowerBound + 1 + 8 + 8 + 32 + 1 + 5 },
        FieldTarget(name: "keyID") { $0.entry.lowerBound + 1 + 8 + 8 + 32 + 14 + 1 + 3 },
        FieldTarget(name: "algorithm") { $0.entry.lowerBound + 1 + 8 + 8 + 32 + 14 + 17 },
        FieldTarget(name: "signedAt") { $0.entry.lowerBound + 1 + 8 + 8 + 32 + 14 + 17 + 1 + 7 },
        FieldTarget(name: "bodyType") { $0.body.lowerBound - 4 - 2 - 2 },
        FieldTarget(name: "bodyVersion") { $0.body.lowerBound - 4 - 1 },
        FieldTarget(name: "body length") { $0.body.lowerBound - 1 },
        FieldTarget(name: "body") { $0.body.lowerBound + 2 },
        FieldTarget(name: "signature length") { $0.signature.lowerBound - 1 },
        FieldTarget(name: "signature") { $0.signature.lowerBound + 10 },
        FieldTarget(name: "stored hash") { $0.storedHash.lowerBound + 31 },
    ]
}

@Suite("Fault campaign: every damage is reported and names the right entry")
struct FaultCampaignTests {
    @Test("one byte flipped in each field of a partner entry (entry 6, the transfer)", arguments: FieldTarget.all)
    func flippedField(target: FieldTarget) throws {
        let report = try tampered { _, frames in
            let frame = frames[6]
            var file = try SegmentSurgery(frame.path)
            file.flip(target.offset(frame), mask: 0x04)
            try file.save()
        }
        let first = try #require(report.firstFinding, "\(target.name): no finding")
        #expect(first.seq == 6, "\(target.name): \(report.findings)")
        #expect(report.findings.allSatisfy { (6...7).contains($0.seq) }, "\(target.name): \(report.findings)")
    }

    @Test("a forged entry appended past the ledger's checks, signed by a partner for a body it may not sign")
    func forgedAppend() throws {
        let report = try tampered { test, _ in
            // A valid signature, a real key, an impossible event: beta commissions (it is a wholesaler).
            _ = try test.forceAppend([test.forged(commission("LOT-FORGED"), signer: test.beta.gln, key: test.beta.key)])
        }
        try expectFirstFinding(report, seq: 10, kind: .custody, reasonContains: "(not-manufacturer)")
    }

    @Test("a clean ledger of 10,000 entries has zero findings, checked on every core and on one")
    func cleanTenThousand() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let ledger = test.ledger
            var serial = 0
            for _ in 0..<10 {
                var batch: [PendingEntry] = []
                for _ in 0..<1000 - (serial == 0 ? 3 : 0) {
                    batch.append(try ledger.sign(custody("commission", """
                        "gtin":"\(testGTIN)","lot":"BULK","expiry":"2027-06-30","serials":["S\(serial)"],\
                        "product":{"name":"Amoxicillin","strength":"500 mg","dosageForm":"capsule","containerSize":"30"}
                        """), with: serial % 2 == 0 ? test.alpha.key : test.alpha.key))
                    serial += 1
                }
                try ledger.append(batch)
            }
            #expect(ledger.head?.seq == 9999)
            ledger.close()
            for workers in [1, 4] {
                let report = try Verifier(layout: test.layout, options: VerifyOptions(trustAnchor: test.operatorKey.publicKey, workers: workers)).run()
                #expect(report.isClean, "\(report.findings.prefix(3))")
                #expect(report.entriesChecked == 10_000)
                #expect(report.signaturesChecked == 10_000 - 1)
            }
        }
    }
}
