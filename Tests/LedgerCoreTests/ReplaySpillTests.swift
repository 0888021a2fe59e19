import Custody
import CustodyIndex
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

/// Verifies `layout` twice, with the custody replay in memory and spilled to a scratch file in `scratch` after
/// every `records` changed records, expects the two reports to agree in everything but the spill count, and
/// returns the spilled one.
func verifySpilled(_ layout: StoreLayout, anchor: PublicKey, scratch: String, records: Int = 1,
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> VerifyReport {
    let inMemory = try Verifier(layout: layout, options: VerifyOptions(trustAnchor: anchor)).run()
    let budget = ReplayBudget(overlayRecords: records, cacheKiB: 64, directory: scratch)
    let spilled = try Verifier(layout: layout, options: VerifyOptions(trustAnchor: anchor, replay: budget)).run()
    #expect(inMemory.replaySpills == 0, sourceLocation: sourceLocation)
    #expect(spilled.replaySpills > 0, "the replay never spilled", sourceLocation: sourceLocation)
    #expect(spilled.findings == inMemory.findings, sourceLocation: sourceLocation)
    #expect(spilled.findings.map(\.description) == inMemory.findings.map(\.description), sourceLocation: sourceLocation)
    #expect(spilled.notices == inMemory.notices, sourceLocation: sourceLocation)
    #expect(spilled.findingsOmitted == inMemory.findingsOmitted, sourceLocation: sourceLocation)
    #expect(spilled.entriesChecked == inMemory.entriesChecked, sourceLocation: sourceLocation)
    #expect(spilled.signaturesChecked == inMemory.signaturesChecked, sourceLocation: sourceLocation)
    #expect(spilled.rootHash == inMemory.rootHash && spilled.lastHash == inMemory.lastHash, sourceLocation: sourceLocation)
    #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty, "the scratch file was left behind",
            sourceLocation: sourceLocation)
    return spilled
}

/// The standard ten-entry ledger with `extra` appended past every check, verified both ways.
func spilledViolation(_ extra: (TestLedger) throws -> [PendingEntry], sourceLocation: SourceLocation = #_sourceLocation) throws -> VerifyReport {
    try withTemporaryDirectory { directory in
        let test = try TestLedger.standard(in: directory)
        test.ledger.close()
        _ = try test.forceAppend(try extra(test))
        let scratch = directory + "/scratch"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        return try verifySpilled(test.layout, anchor: test.operatorKey.publicKey, scratch: scratch, sourceLocation: sourceLocation)
    }
}

@Suite("Verifier: the custody replay spilled to a scratch file finds exactly what the in-memory one finds")
struct ReplaySpillTests {
    @Test("the demo ledger (transfers with history, ships, receipts, returns, decommissions) verifies clean when spilled after every record")
    func demoClean() throws {
        try withTemporaryDirectory { directory in
            let layout = StoreLayout(directory: directory + "/data")
            try FileManager.default.createDirectory(atPath: layout.directory, withIntermediateDirectories: true)
            _ = try DemoScenario(layout: layout).run()
            let anchor = try KeyFiles.readPublicKey(layout.directory + "/operator.key.pub")
            try FileManager.default.createDirectory(atPath: directory + "/scratch", withIntermediateDirectories: false)
            for records in [1, 3, 8] {
                let report = try verifySpilled(layout, anchor: anchor, scratch: directory + "/scratch", records: records)
                #expect(report.isClean, "\(report.findings)")
                #expect(report.entriesChecked == 25)
            }
        }
    }

    @Test("a ledger that stays within the budget never creates the scratch file")
    func withinBudget() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            test.ledger.close()
            let scratch = directory + "/scratch"
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
            let budget = try ReplayBudget(memoryMiB: 1, directory: scratch)
            let report = try Verifier(layout: test.layout, options: VerifyOptions(trustAnchor: test.operatorKey.publicKey, replay: budget)).run()
            #expect(report.isClean)
            #expect(report.replaySpills == 0)
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty)
        }
    }

    @Test("a second sale of units already sold: not-owner, the same when spilled")
    func doubleSale() throws {
        let report = try spilledViolation { test in
            // alpha sold LOT-0004-A (in the SSCC) to beta at entry 6, and sells it again.
            let again = try custody("transfer", """
                "items":["\(unit("LOT-0004-A"))"],"seller":\(test.alpha.party),"buyer":\(test.beta.party),\
                "transactionDate":"2025-06-16T10:00:00Z","statement":\(TransactionStatement(affirmedBy: "Mallory").json.canonicalString),\
                "products":[{"gtin":"\(testGTIN)","name":"Amoxicillin","strength":"500 mg","dosageForm":"capsule","containerSize":"30",\
                "lot":"LOT-0004","expiry":"2027-06-30","quantity":1}],"history":[]
                """)
            return [try test.forged(again, signer: test.alpha.gln, key: test.alpha.key)]
        }
        try expectFirstFinding(report, seq: 10, kind: .custody, reasonContains: "(not-owner)")
        #expect(report.firstFinding?.reason.contains("conflicts with entry 6") == true)
    }

    @Test("a receipt without a shipment, a double commission and a move after decommissioning, the same when spilled")
    func violations() throws {
        let report = try spilledViolation { test in
            let received = String(repeating: "ab", count: 32)
            return [
                try test.forged(custody("receive", "\"shipment\":\"\(received)\""), signer: test.beta.gln, key: test.beta.key),
                try test.forged(commission("LOT-0003"), signer: test.alpha.gln, key: test.alpha.key),
                try test.forged(custody("decommission", "\"items\":[\"\(unit("LOT-0003-A"))\"],\"reason\":\"damaged\""), signer: test.beta.gln, key: test.beta.key),
                try test.forged(custody("aggregate", "\"parent\":\"\(TestLedger.sscc)\",\"children\":[\"\(unit("LOT-0004-B"))\"]"), signer: test.alpha.gln, key: test.alpha.key),
            ]
        }
        #expect(report.findings.map(\.seq) == [10, 11, 12, 13], "\(report.findings)")
        #expect(report.findings.allSatisfy { $0.kind == .custody })
        #expect(report.findings[0].reason.contains("(no-open-shipment)"))
        #expect(report.findings[1].reason.contains("(already-commissioned)") && report.findings[1].reason.contains("entry 3"))
        #expect(report.findings[2].reason.contains("(decommissioned)") && report.findings[2].reason.contains("entry 9"))
        #expect(report.findings[3].reason.contains("(not-possessor)"))
    }

    @Test("the shipment received at entry 7 cannot be received again, from the scratch file")
    func receivedTwice() throws {
        let report = try spilledViolation { test in
            let frames = try frameLocations(test.layout)
            let transferHash = Array(try Disk.read(frames[6].path)[frames[6].storedHash])
            return [try test.forged(custody("receive", "\"shipment\":\"\(Hex.encode(transferHash))\""), signer: test.beta.gln, key: test.beta.key)]
        }
        try expectFirstFinding(report, seq: 10, kind: .custody, reasonContains: "(no-open-shipment)")
    }

    @Test("a fault-campaign case (a byte of the transfer's body flipped) gives the same findings and notices when spilled")
    func faultCampaign() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            test.ledger.close()
            let frame = try frameLocations(test.layout)[6]
            var file = try SegmentSurgery(frame.path)
            file.flip(frame.body.lowerBound + 2, mask: 0x04)
            try file.save()
            let scratch = directory + "/scratch"
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
            let report = try verifySpilled(test.layout, anchor: test.operatorKey.publicKey, scratch: scratch)
            let first = try #require(report.firstFinding)
            #expect(first.seq == 6)
            #expect(report.findings.allSatisfy { (6...7).contains($0.seq) }, "\(report.findings)")
        }
    }

    @Test("a scratch directory that does not exist stops the run with an error naming it")
    func missingScratchDirectory() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            test.ledger.close()
            let budget = ReplayBudget(overlayRecords: 1, directory: directory + "/missing")
            #expect(throws: ReplaySpillError("create a scratch directory in", path: directory + "/missing", reason: "No such file or directory")) {
                _ = try Verifier(layout: test.layout, options: VerifyOptions(trustAnchor: test.operatorKey.publicKey, replay: budget)).run()
            }
        }
    }

    @Test("the index audit (verify --index) finds the same differences with its replay spilled after every record")
    func indexAuditSpilled() throws {
        try IndexTests.demo { layout in
            let scratch = layout.directory + "/scratch"
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
            let budget = ReplayBudget(overlayRecords: 1, cacheKiB: 64, directory: scratch)
            #expect(try IndexAudit.differences(layout: layout, replay: budget).isEmpty)
            let index = try CustodyIndex(path: CustodyIndex.path(in: layout))
            try index.execute(sql: "UPDATE units SET state = 'active', status_seq = NULL WHERE key = ?", arguments: [DemoScenario.unit(2).canonical])
            try index.execute(sql: "UPDATE units SET key = ? WHERE key = ?", arguments: [unit("NEVER"), DemoScenario.unit(5).canonical])
            try index.execute(sql: "UPDATE entries SET hash = zeroblob(32) WHERE seq = 3")
            try index.execute(sql: "DELETE FROM entries WHERE seq = 24")
            let inMemory = try IndexAudit.differences(layout: layout)
            let spilled = try IndexAudit.differences(layout: layout, replay: budget)
            #expect(spilled == inMemory)
            #expect(inMemory.map(\.description) == [
                "entry 3: the index records hash \(String(repeating: "0", count: 64)), the log \(try Self.entryHash(layout, 3))",
                "entry 24: the log's entry is not in the index (the index is behind; a writer catches it up)",
                "\(DemoScenario.unit(2).canonical): state active in the index, stolen in the log",
                "\(unit("NEVER")): the index has an identifier no entry created",
                "\(DemoScenario.unit(5).canonical): the identifier is missing from the index",
            ], "\(inMemory)")
            #expect(try IndexAudit.differences(layout: layout, max: 2, replay: budget).count == 2)
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty)
        }
    }

    static func entryHash(_ layout: StoreLayout, _ seq: UInt64) throws -> String {
        var found = ""
        try LedgerReader(layout: layout).forEach { appended in
            if appended.entry.seq == seq { found = Hex.encode(appended.hash) }
            return true
        }
        return found
    }

    @Test("a budget of 0 MiB or more than 1 TiB is refused")
    func badBudgets() {
        for bad in [0, -5, ReplayBudget.maximumMemoryMiB + 1] {
            #expect(throws: ReplaySpillError("use a replay memory budget of", path: "\(bad) MiB",
                                             reason: "it must be a whole number of MiB from 1 to 1048576")) {
                _ = try ReplayBudget(memoryMiB: bad)
            }
        }
        let budget = try? ReplayBudget(memoryMiB: 256)
        #expect(budget?.cacheKiB == 64 * 1024)
        #expect(budget.map { $0.overlayRecords > 100_000 } == true)
    }
}

@Suite("Replay scratch encoding")
struct ReplayCodecTests {
    static let lot = LotInfo(gtin: testGTIN, lot: "LOT-É1", expiry: "2027-06-30",
                             product: ProductMaster(name: "Amoxicillin", strength: "500 mg", dosageForm: "capsule", containerSize: "30", ndc: "12345-678-90"),
                             commissionSeq: 300_000_000_000)

    static func decode(_ bytes: [UInt8]) throws -> UnitRecord {
        try bytes.withUnsafeBytes { raw in
            try ReplayCodec.decodeUnit(raw) { seq throws(ReplayCodecError) in
                guard seq == lot.commissionSeq else { throw ReplayCodecError(record: "test", field: "lot", reason: "asked for lot \(seq)") }
                return lot
            }
        }
    }

    @Test("a unit record with every field set round-trips")
    func everyField() throws {
        var record = UnitRecord(id: .sgtin(gtin: testGTIN, serial: "S(1)/é"), createdSeq: 3, lot: Self.lot, owner: makeGLN("086000000000"),
                                possessor: makeGLN("061414100000"), ownerSince: UInt64.max)
        record.shipment = String(repeating: "0f", count: 32)
        record.parent = .sscc(withCheckDigit("10614141000000001"))
        record.parentSince = 1 << 40
        record.children = [.sgtin(gtin: testGTIN, serial: "C1"), .sgtin(gtin: testGTIN, serial: "C2"), .sscc(withCheckDigit("10614141000000002"))]
        record.status = .decommissioned(.recalled, seq: 12)
        record.lastSeller = makeGLN("061414100000")
        record.transfers = [6, 7, 1_000_000_007, UInt64.max]
        let bytes = ReplayCodec.encode(record)
        #expect(try Self.decode(bytes) == record)
        // Every decommission reason and the active state.
        for status in DecommissionReason.allCases.map({ UnitStatus.decommissioned($0, seq: 9) }) + [.active] {
            record.status = status
            #expect(try Self.decode(ReplayCodec.encode(record)) == record)
        }
    }

    @Test("an SSCC record without lot, possessor or history round-trips, and so do lots, shipments and keys")
    func sparseRecordLotShipment() throws {
        let record = UnitRecord(id: .sscc(withCheckDigit("10614141000000001")), createdSeq: 0, lot: nil, owner: "", possessor: nil, ownerSince: 0)
        #expect(try Self.decode(ReplayCodec.encode(record)) == record)
        let lot = try ReplayCodec.encode(Self.lot).withUnsafeBytes { raw in try ReplayCodec.decodeLot(raw, seq: Self.lot.commissionSeq) }
        #expect(lot == Self.lot)
        var noNDC = Self.lot
        noNDC.product.ndc = nil
        #expect(try ReplayCodec.encode(noNDC).withUnsafeBytes { raw in try ReplayCodec.decodeLot(raw, seq: noNDC.commissionSeq) } == noNDC)
        for kind in CustodyBodyType.allCases {
            let shipment = OpenShipment(hash: "aa", seq: 77, kind: kind, from: "a", to: "b", items: [record.id, .sgtin(gtin: testGTIN, serial: "X")])
            #expect(try ReplayCodec.encode(shipment).withUnsafeBytes { raw in try ReplayCodec.decodeShipment(raw, hash: "aa") } == shipment)
        }
        for id in [record.id, UnitID.sgtin(gtin: testGTIN, serial: "K")] {
            #expect(try ReplayCodec.key(id).withUnsafeBytes { raw in try ReplayCodec.unitID(key: raw) } == id)
        }
    }

    @Test("damaged bytes are refused naming the record and the field")
    func damaged() throws {
        let record = UnitRecord(id: .sgtin(gtin: testGTIN, serial: "S1"), createdSeq: 3, lot: Self.lot, owner: "0614141000005",
                                possessor: nil, ownerSince: 3)
        let bytes = ReplayCodec.encode(record)
        #expect(throws: ReplayCodecError(record: "unit \(record.id)", field: "transfers", reason: "ends inside a number at byte \(bytes.count - 1)")) {
            _ = try Self.decode(Array(bytes.dropLast()))
        }
        #expect(throws: ReplayCodecError(record: "unit \(record.id)", field: "end", reason: "1 bytes left over")) {
            _ = try Self.decode(bytes + [0])
        }
        #expect(throws: ReplayCodecError(record: "unit", field: "flags", reason: "unknown flags 128")) {
            _ = try Self.decode([0x80, 0x01] + bytes.dropFirst())
        }
        #expect(throws: ReplayCodecError(record: "unit", field: "flags", reason: "a number longer than 64 bits at byte 9")) {
            _ = try Self.decode(Array(repeating: 0xff, count: 10))
        }
    }
}
