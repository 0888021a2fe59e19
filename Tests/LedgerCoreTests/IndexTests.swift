import Custody
import CustodyIndex
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import Testing

@Suite("Custody index: queries on the demo, audit and rebuild")
struct IndexTests {
    typealias Demo = DemoScenario

    static func demo(_ body: (StoreLayout) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            let layout = StoreLayout(directory: directory + "/data")
            try FileManager.default.createDirectory(atPath: layout.directory, withIntermediateDirectories: true)
            _ = try DemoScenario(layout: layout).run()
            try body(layout)
        }
    }

    static func events(_ report: JSONValue) -> [JSONValue] { report["events"]?.arrayValue ?? [] }
    static func seqs(_ report: JSONValue) -> [Int64] { events(report).compactMap { $0["seq"]?.integerValue } }
    static func gln(_ party: JSONValue?) -> String? { party?["gln"]?.stringValue }

    @Test("a dispensed bottle: commissioning, its case, every movement through the pallet, then the pharmacy")
    func dispensedUnit() throws {
        try Self.demo { layout in
            let report = try CustodyQuery(layout: layout).custody(of: Demo.unit(1))
            #expect(Self.seqs(report) == [6, 8, 11, 12, 13, 14, 16, 17, 19, 21])
            let events = Self.events(report)
            #expect(events.allSatisfy { $0["signature"]?.stringValue == "valid" })
            #expect(report["commissioning"]?["lot"]?.stringValue == Demo.lot)
            #expect(report["commissioning"]?["expiry"]?.stringValue == Demo.expiry)
            #expect(report["commissioning"]?["product"]?["ndc"]?.stringValue == "12345-678-90")
            // Shipped on the pallet: the pallet's transfer, receipts and forwarding reach the bottle through it.
            for event in events where [11, 12, 13, 14].contains(event["seq"]?.integerValue) {
                #expect(event["via"]?.stringValue == Demo.pallet.canonical)
                #expect(event["direct"]?.boolValue == false)
            }
            let sale = events[2]
            #expect(sale["type"]?.stringValue == "transfer")
            #expect(Self.gln(sale["ownerBefore"]) == Demo.manufacturer.gln && Self.gln(sale["ownerAfter"]) == Demo.wholesaler.gln)
            #expect(Self.gln(sale["possessorBefore"]) == Demo.manufacturer.gln && sale["possessorAfter"] == .null)
            #expect(sale["body"]?["statement"]?["affirmedBy"]?.stringValue?.contains("Dana Whitfield") == true)
            #expect(sale["body"]?["via"]?.stringValue == Demo.logistics.gln)
            let atLogistics = events[3]
            #expect(Self.gln(atLogistics["possessorAfter"]) == Demo.logistics.gln && Self.gln(atLogistics["ownerAfter"]) == Demo.wholesaler.gln)
            let last = events[9]
            #expect(last["type"]?.stringValue == "decommission" && last["stateAfter"]?.stringValue == "dispensed")
            #expect(last["direct"]?.boolValue == true)
            #expect(report["current"]?["state"]?.stringValue == "dispensed")
            let containers = report["containers"]?.arrayValue ?? []
            #expect(containers.count == 1)
            #expect(containers.first?["parent"]?.stringValue == Demo.caseID(1).canonical)
            #expect(containers.first?["fromSeq"]?.integerValue == 8 && containers.first?["toSeq"]?.integerValue == 16)
        }
    }

    @Test("a returned bottle: sold to pharmacy B, returned to the wholesaler, received back")
    func returnedUnit() throws {
        try Self.demo { layout in
            let report = try CustodyQuery(layout: layout).custody(of: Demo.unit(4))
            let events = Self.events(report)
            #expect(Self.seqs(report).suffix(4) == [18, 20, 23, 24])
            let returned = events[events.count - 2]
            #expect(returned["type"]?.stringValue == "return")
            #expect(Self.gln(returned["ownerBefore"]) == Demo.pharmacyB.gln && Self.gln(returned["ownerAfter"]) == Demo.wholesaler.gln)
            #expect(returned["possessorAfter"] == .null && returned["stateAfter"]?.stringValue == "in-transit")
            let back = events[events.count - 1]
            #expect(back["type"]?.stringValue == "receive" && Self.gln(back["possessorAfter"]) == Demo.wholesaler.gln)
            #expect(Self.gln(report["current"]?["owner"]) == Demo.wholesaler.gln)
        }
    }

    @Test("the split case shows its contents over time; the intact case still holds its six bottles")
    func cases() throws {
        try Self.demo { layout in
            let query = try CustodyQuery(layout: layout)
            let split = try query.custody(of: Demo.caseID(1))
            let contents = split["contents"]?.arrayValue ?? []
            #expect(contents.count == 6)
            #expect(contents.allSatisfy { $0["fromSeq"]?.integerValue == 8 && $0["toSeq"]?.integerValue == 16 })
            #expect(split["contentsNow"]?.arrayValue?.isEmpty == true)
            #expect(split["containers"]?.arrayValue?.first?["parent"]?.stringValue == Demo.pallet.canonical)
            let intact = try query.custody(of: Demo.caseID(2))
            #expect(intact["contentsNow"]?.arrayValue?.compactMap(\.stringValue) == (7...12).map { Demo.unit($0).canonical })
            #expect(Self.gln(intact["current"]?["owner"]) == Demo.pharmacyB.gln)
            #expect(Self.events(intact).contains { $0["seq"]?.integerValue == 18 && $0["direct"]?.boolValue == true })
            let pallet = try query.custody(of: Demo.pallet)
            #expect(pallet["contents"]?.arrayValue?.count == 2)
        }
    }

    @Test("lot and holdings answer where every serial is")
    func lotAndHoldings() throws {
        try Self.demo { layout in
            let query = try CustodyQuery(layout: layout)
            let lot = try query.lot(gtin: Demo.unitGTIN, lot: Demo.lot)
            #expect(lot["count"]?.integerValue == 12)
            #expect(lot["byState"]?["dispensed"]?.integerValue == 1 && lot["byState"]?["stolen"]?.integerValue == 1)
            #expect(lot["byOwner"]?[Demo.pharmacyB.gln]?.integerValue == 8)
            let holdings = try query.holdings(gln: Demo.wholesaler.gln)
            let owned = holdings["owned"]?.arrayValue?.compactMap { $0["unit"]?.stringValue } ?? []
            #expect(owned.contains(Demo.unit(4).canonical) && !owned.contains(Demo.unit(5).canonical))
            #expect(holdings["name"]?.stringValue == Demo.wholesaler.name)
        }
    }

    @Test("a deleted index is rebuilt from the log on the next open, and agrees with it")
    func deletedIndex() throws {
        try Self.demo { layout in
            let before = try CustodyQuery(layout: layout).custody(of: Demo.unit(4))
            CustodyIndex.remove(at: CustodyIndex.path(in: layout))
            #expect(try IndexAudit.differences(layout: layout).first?.reason.contains("missing") == true)
            let after = try CustodyQuery(layout: layout).custody(of: Demo.unit(4))
            #expect(Self.seqs(after) == Self.seqs(before))
            #expect(try IndexAudit.differences(layout: layout).isEmpty)
        }
    }

    @Test("an altered index row is detected by the audit and cured by a rebuild")
    func alteredIndex() throws {
        try Self.demo { layout in
            #expect(try IndexAudit.differences(layout: layout).isEmpty)
            let index = try CustodyIndex(path: CustodyIndex.path(in: layout))
            try index.execute(sql: "UPDATE units SET state = 'active', status_seq = NULL WHERE key = ?", arguments: [Demo.unit(2).canonical])
            let differences = try IndexAudit.differences(layout: layout)
            #expect(differences.count == 1)
            #expect(differences.first?.unit == Demo.unit(2).canonical)
            #expect(differences.first?.reason.contains("state active in the index, stolen in the log") == true)
            let writer = try SegmentWriter(layout: layout)
            _ = try Ledger.openIndex(layout: layout, trustAnchor: nil, forceRebuild: true)
            writer.close()
            #expect(try IndexAudit.differences(layout: layout).isEmpty)
        }
    }

    @Test("a bulk rebuild answers every identifier's events, containers and contents exactly as the index the appends built")
    func bulkRebuildMatchesIncremental() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            let ledger = test.ledger
            // A bottle destroyed inside a new pallet: two changes to it in one entry (destroyed, then out of the pallet).
            let pallet = "(00)" + withCheckDigit("10860000000000002")
            let packed = serials("LOT-0004").map(unit)
            try ledger.append([ledger.sign(custody("aggregate", "\"parent\":\"\(pallet)\",\"children\":\(jsonList(packed))"), with: test.beta.key)])
            try ledger.append([ledger.sign(custody("decommission", "\"items\":[\"\(packed[0])\"],\"reason\":\"destroyed\""), with: test.beta.key)])
            ledger.close()
            func answers() throws -> [String: String] {
                let index = try CustodyIndex(path: CustodyIndex.path(in: test.layout))
                var out: [String: String] = [:]
                try index.allUnits { record in
                    out[record.id.canonical] = "\(try index.events(of: record.id)) \(try index.parents(of: record.id)) \(try index.contents(of: record.id))"
                }
                return out
            }
            let appended = try answers()
            let writer = try SegmentWriter(layout: test.layout)
            let (_, _, _, catchUp) = try Ledger.openIndex(layout: test.layout, trustAnchor: nil, forceRebuild: true)
            writer.close()
            #expect(catchUp.rebuilt)
            let rebuilt = try answers()
            #expect(appended.count == rebuilt.count && appended.count == 6)
            for (unit, answer) in appended { #expect(rebuilt[unit] == answer, "\(unit)") }
            let destroyed = try CustodyIndex(path: CustodyIndex.path(in: test.layout)).events(of: try UnitID(canonical: packed[0]))
            #expect(destroyed.last?.seq == 11 && destroyed.last?.state == "destroyed" && destroyed.last?.parent == nil)
            #expect(try IndexAudit.differences(layout: test.layout).isEmpty)
        }
    }

    /// What the index answers about one identifier: its record, events, containers and contents.
    struct Answer: Equatable {
        var record: UnitRecord
        var events: [IndexedEvent]
        var parents: [ContainmentInterval]
        var contents: [ContainmentInterval]
    }

    /// Every identifier's answer from the index at `layout`.
    static func answers(_ layout: StoreLayout) throws -> [String: Answer] {
        let index = try CustodyIndex(path: CustodyIndex.path(in: layout))
        var out: [String: Answer] = [:]
        try index.allUnits { record in
            out[record.id.canonical] = Answer(record: record, events: try index.events(of: record.id), parents: try index.parents(of: record.id),
                                              contents: try index.contents(of: record.id))
        }
        return out
    }

    @Test("a rebuild fed to the index's writer thread one entry a batch, or in the default batches, equals the index the demo's appends built")
    func pipelinedRebuildMatchesIncremental() throws {
        try Self.demo { layout in
            let appended = try Self.answers(layout)
            let entries = try LedgerReader(layout: layout).count()
            #expect(appended.count > 10 && entries > 20)
            for batchEntries in [1, 3, 4096] {
                let writer = try SegmentWriter(layout: layout)
                var flushed: [UInt64] = []
                let (_, _, _, catchUp) = try Ledger.openIndex(layout: layout, trustAnchor: nil, forceRebuild: true, batchEntries: batchEntries,
                                                              progress: { flushed.append($0) })
                writer.close()
                #expect(catchUp.rebuilt && catchUp.entries == Int(entries))
                // More batches than the queue holds: the replay waited on the writer thread and went on.
                #expect(flushed.count == (Int(entries) + batchEntries - 1) / batchEntries, "\(batchEntries)")
                let rebuilt = try Self.answers(layout)
                #expect(rebuilt.count == appended.count)
                for (unit, answer) in appended { #expect(rebuilt[unit] == answer, "\(unit) in batches of \(batchEntries)") }
                #expect(try IndexAudit.differences(layout: layout).isEmpty)
            }
        }
    }

    @Test("an insert that fails on the writer thread surfaces as the load's error, naming the batch's entries; the index stays marked unfinished")
    func writerThreadErrorSurfaces() throws {
        try Self.demo { layout in
            let path = CustodyIndex.path(in: layout)
            CustodyIndex.remove(at: path)
            let index = try CustodyIndex(path: path)
            try index.execute(sql: "CREATE TRIGGER refuse_entry_5 BEFORE INSERT ON entries WHEN NEW.seq = 5 BEGIN SELECT RAISE(ABORT, 'entry 5 refused by the test'); END")
            var entries: [AppendedEntry] = []
            try LedgerReader(layout: layout).forEach(fromSeq: 0) { entries.append($0); return true }
            let pipeline = try BulkLoadPipeline(index: index, depth: 2)
            // Batches of two entries: 0–1, 2–3, 4–5 (fails), then more that must not be written.
            let error = #expect(throws: IndexError.self) {
                for start in stride(from: 0, to: entries.count, by: 2) {
                    try pipeline.load(entries: Array(entries[start..<min(start + 2, entries.count)]), events: [], containment: [])
                }
                try pipeline.finish(state: CustodyState())
            }
            #expect(error?.description == "index: writing entries 4–5 into the index failed: entry 5 refused by the test")
            pipeline.abandon()
            #expect(try index.bulkLoadInterrupted())
            #expect(try index.indexedHead()?.seq == 3)
            // The next open sees the mark and rebuilds from scratch (into a fresh file, without the trigger).
            let writer = try SegmentWriter(layout: layout)
            let (_, _, _, catchUp) = try Ledger.openIndex(layout: layout, trustAnchor: nil)
            writer.close()
            #expect(catchUp.rebuilt && catchUp.reason == "index: a rebuild of it was interrupted before it finished")
            #expect(try IndexAudit.differences(layout: layout).isEmpty)
        }
    }

    @Test("a replay that breaks a rule mid-rebuild fails naming the entry, stops the writer thread and leaves the index marked unfinished")
    func abandonedRebuildKeepsMark() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            test.ledger.close()
            _ = try test.forceAppend([test.forged(commission("LOT-0003"), signer: test.alpha.gln, key: test.alpha.key)])
            let writer = try SegmentWriter(layout: test.layout)
            var flushed: [UInt64] = []
            #expect {
                // Batches of two: entries 0–9 reach the writer thread before entry 10 breaks the rule.
                _ = try Ledger.openIndex(layout: test.layout, trustAnchor: nil, forceRebuild: true, batchEntries: 2, progress: { flushed.append($0) })
            } throws: { error in
                guard let error = error as? InputError else { return false }
                return error.code == "already-commissioned" && error.source == "entry 10"
            }
            writer.close()
            #expect(flushed == [1, 3, 5, 7, 9])
            let index = try CustodyIndex(path: CustodyIndex.path(in: test.layout))
            #expect(try index.bulkLoadInterrupted())
            #expect(try index.indexedHead()?.seq == 9)
        }
    }

    @Test("a rebuild cut short (entries loaded, units not yet written) is rebuilt on the next open, not caught up")
    func interruptedRebuild() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let ledger = test.ledger
            try ledger.append([ledger.sign(commission("LOT-1"), with: test.alpha.key)])
            ledger.close()
            let path = CustodyIndex.path(in: test.layout)
            CustodyIndex.remove(at: path)
            // A bulk load that streams the log's entries in and then dies before `finish`.
            let partial = try CustodyIndex(path: path)
            let loader = try BulkLoader(index: partial)
            var entries: [AppendedEntry] = []
            try LedgerReader(layout: test.layout).forEach(fromSeq: 0) { entries.append($0); return true }
            try loader.load(entries: entries, events: [], containment: [])
            #expect(try partial.indexedHead()?.seq == 3)
            #expect(try partial.bulkLoadInterrupted())
            let writer = try SegmentWriter(layout: test.layout)
            let (index, _, _, catchUp) = try Ledger.openIndex(layout: test.layout, trustAnchor: nil)
            writer.close()
            #expect(catchUp.rebuilt && catchUp.reason == "index: a rebuild of it was interrupted before it finished")
            #expect(try !index.bulkLoadInterrupted())
            #expect(try IndexAudit.differences(layout: test.layout).isEmpty)
        }
    }

    @Test("a query does not answer from a rebuild that loaded every entry but never finished: it rebuilds first")
    func queryRebuildsUnfinishedLoad() throws {
        try Self.demo { layout in
            let bottle = Demo.unit(4)
            let before = try CustodyQuery(layout: layout).custody(of: bottle)
            let path = CustodyIndex.path(in: layout)
            CustodyIndex.remove(at: path)
            let partial = try CustodyIndex(path: path)
            var entries: [AppendedEntry] = []
            try LedgerReader(layout: layout).forEach(fromSeq: 0) { entries.append($0); return true }
            let pipeline = try BulkLoadPipeline(index: partial)
            try pipeline.load(entries: entries, events: [], containment: [])
            pipeline.abandon()
            // Level with the log by its head, but without a single unit.
            #expect(try partial.indexedHead()?.seq == entries.last?.entry.seq && partial.statistics().units == 0)
            let after = try CustodyQuery(layout: layout).custody(of: bottle)
            #expect(Self.seqs(after) == Self.seqs(before) && !Self.seqs(after).isEmpty)
            #expect(try !CustodyIndex(path: path).bulkLoadInterrupted())
        }
    }

    @Test("an index left behind by a crash catches up from its last entry on open")
    func behindIndex() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let ledger = test.ledger
            try ledger.append([ledger.sign(commission("LOT-1"), with: test.alpha.key)])
            // Keep the index as it stands at entry 3, as if the process died before indexing what follows.
            let path = CustodyIndex.path(in: test.layout)
            let saved = directory + "/index-at-3.sqlite"
            try ledger.index.execute(sql: "VACUUM INTO ?", arguments: [saved])
            try ledger.append([ledger.sign(commission("LOT-2"), with: test.alpha.key)])
            try ledger.append([ledger.sign(commission("LOT-3"), with: test.alpha.key)])
            ledger.close()
            CustodyIndex.remove(at: path)
            try FileManager.default.copyItem(atPath: saved, toPath: path)
            #expect(try CustodyIndex(path: path).indexedHead()?.seq == 3)
            let writer = try SegmentWriter(layout: test.layout)
            let (index, _, _, catchUp) = try Ledger.openIndex(layout: test.layout, trustAnchor: nil)
            writer.close()
            #expect(catchUp.entries == 2 && !catchUp.rebuilt)
            #expect(try index.indexedHead()?.seq == 5)
            #expect(try IndexAudit.differences(layout: test.layout).isEmpty)
        }
    }
}
