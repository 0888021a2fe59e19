import Custody
import CustodyReport
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerFormat
import Testing

@Suite("verify-report: a report checked with nothing but the operator's key")
struct VerifyReportTests {
    typealias Demo = DemoScenario

    func check(_ bytes: [UInt8], _ demo: DemoLedger) -> [String] {
        ReportVerifier.verify(bytes, operatorKey: .publicKey(demo.operatorKey)).problems
    }

    func check(_ report: JSONValue, _ demo: DemoLedger) -> [String] { check(ReportFormat.fileBytes(report), demo) }

    /// The first evidence row for entry `seq`.
    func evidenceIndex(_ report: JSONValue, _ seq: Int64) -> Int {
        (report.at("evidence.entries")?.arrayValue ?? []).firstIndex { $0["seq"]?.integerValue == seq }!
    }

    @Test("a fresh report passes, with the PEM key or the verifier key; the wrong operator key fails")
    func fresh() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            let report = try demo.report(Demo.unit(1))
            let bytes = ReportFormat.fileBytes(report)
            let check = ReportVerifier.verify(bytes, operatorKey: .publicKey(demo.operatorKey))
            #expect(check.problems == [])
            #expect(check.summary.hasPrefix("report on (01)00312345678906(21)AMX1001: 18 entries proven in demo.custody-ledger.example/ledger at tree size 25"))
            let verifier = try NoteVerifierKey(name: Demo.origin, publicKey: demo.operatorKey)
            #expect(ReportVerifier.verify(bytes, operatorKey: .verifierKey(verifier)).problems == [])
            let stranger = try PrivateKey.generate(.ed25519).publicKey
            let problems = ReportVerifier.verify(bytes, operatorKey: .publicKey(stranger)).problems
            #expect(problems.count == 1)
            #expect(problems.first?.hasPrefix("evidence.checkpoint: not signed by the operator key given") == true)
        }
    }

    @Test("one changed byte anywhere fails: in a value, in the layout, in the hash")
    func changedBytes() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            let bytes = ReportFormat.fileBytes(try demo.report(Demo.unit(1)))
            let text = String(decoding: bytes, as: UTF8.self)
            // A letter of a party's name (the hash no longer matches, and the rows disagree with the signed entry).
            let renamed = Array(text.replacingOccurrences(of: "Luis Ortega", with: "Luis Ortego").utf8)
            let problems = check(renamed, demo)
            #expect(problems.count == 2)
            #expect(problems.first?.hasPrefix("reportHash: ") == true)
            #expect(problems.last == "ownership[1].statement.affirmedBy: the report says \"Luis Ortego, VP Regulatory Affairs\", the signed entries say \"Luis Ortega, VP Regulatory Affairs\"")
            // White space: the same JSON, no longer the canonical bytes.
            var spaced = bytes
            spaced.insert(0x20, at: 1)
            #expect(check(spaced, demo) == ["the file is not the report's canonical form: byte 1 differs (the file was reformatted or edited)"])
            // The hash itself.
            let hash = try #require(try JSONValue.parse(bytes)["reportHash"]?.stringValue)
            let other = (hash.first == "0" ? "1" : "0") + hash.dropFirst()
            let hashed = Array(text.replacingOccurrences(of: hash, with: other).utf8)
            #expect(check(hashed, demo) == ["reportHash: \(other) is not the SHA-256 of the report's contents (\(hash))"])
            // Not JSON at all.
            #expect(check(Array(bytes.dropLast(3)), demo).first?.hasPrefix("the file is not JSON: invalid JSON at byte") == true)
        }
    }

    @Test("each tampered field is named even when the forger recomputes the report hash")
    func tamperedFields() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            let report = try demo.report(Demo.unit(1))
            let transfer = evidenceIndex(report, 17)
            let cases: [(String, JSONValue, String)] = [
                ("ownership[1].seller.name", str("Big River Wholesale Drug Co"),
                 "ownership[1].seller.name: the report says \"Big River Wholesale Drug Co\", the signed entries say \"Big River Wholesale Drug Co.\""),
                ("ownership[0].transactionDate", str("2026-10-01T00:00:00Z"), "ownership[0].transactionDate: the report says \"2026-10-01T00:00:00Z\""),
                ("ownership[0].references.po", str("PO-1"), "ownership[0].references.po: the report says \"PO-1\", the signed entries say \"PO-88121\""),
                ("ownership[1].buyer.gln", str(Demo.pharmacyB.gln), "ownership[1].buyer.gln: the report says \"0890000000021\""),
                ("possession[0].possessionOnly", .bool(false), "possession[0].possessionOnly: the report says false, the signed entries say true"),
                ("movements[2].direct", .bool(true), "movements[2].direct: the report says true, the signed entries say false"),
                ("product.lot", str("LOT2026B"), "product.lot: the report says \"LOT2026B\", the signed entries say \"LOT2026A\""),
                ("product.ndc11", str("12345-0678-91"), "product.ndc11: the report says \"12345-0678-91\""),
                ("terminal.state", str("active"), "terminal.state: the report says \"active\", the signed entries say \"dispensed\""),
                ("findings", .array([]), ""),   // unchanged: no problem expected (control)
                ("request.dueAt", str("2026-12-09T09:30:00-05:00"), "request.dueAt: the report says \"2026-12-09T09:30:00-05:00\", the signed entries say \"2026-12-01T09:30:00-05:00\""),
                ("request.responder.name", str("Someone Else"), "request.responder.name: the report says \"Someone Else\", the signed entries say \"Main Street Pharmacy\""),
                ("lineage[0].packed.seq", .integer(10), "lineage[0].packed.entryHash: "),
                ("movements[3].entryHash", str(String(repeating: "0", count: 64)), "movements[3].entryHash: 0000000000000000000000000000000000000000000000000000000000000000 is not the hash of entry 12 in the evidence"),
                ("evidence.entries[\(transfer)].signature", str("invalid: revoked"),
                 "evidence.entries[\(transfer)].signature (entry 17): the report says \"invalid: revoked\", the check gives \"valid\""),
                ("evidence.entries[\(transfer)].signer", str(Demo.manufacturer.gln),
                 "evidence.entries[\(transfer)].signer (entry 17): the report says 0312345000004, the signed entry says 0860012345670"),
                ("evidence.entries[\(transfer)].inclusionProof[0]", str(Base64.encode([UInt8](repeating: 7, count: 32))),
                 "evidence.entries[\(transfer)] (entry 17): the inclusion proof does not lead from entry 17 to the checkpoint's root"),
                ("evidence.entries[\(transfer)].entryHash", str(String(repeating: "a", count: 64)),
                 "evidence.entries[\(transfer)] (entry 17): entryHash is not the hash of the entry's bytes"),
                ("evidence.treeSize", .integer(24), "evidence.entries[0] (entry 0): treeSize or origin differ from the signed checkpoint"),
            ]
            for (path, value, expected) in cases {
                let tampered = report.replacing(path, with: value).resealed
                let problems = check(tampered, demo)
                if expected.isEmpty {
                    #expect(problems == [], "\(path)")
                } else {
                    #expect(problems.first?.hasPrefix(expected) == true, "\(path): \(problems)")
                }
            }
        }
    }

    @Test("hostile integers (negative or huge seq and treeSize) are named findings, never a trap")
    func hostileIntegers() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            let report = try demo.report(Demo.unit(1))
            let huge = JSONValue.integer(JSONValue.maxSafeInteger)
            let cases: [(String, JSONValue, String)] = [
                ("evidence.treeSize", .integer(-1), "evidence.entries[0] (entry 0): treeSize must be a non-negative integer"),
                ("evidence.treeSize", huge, "evidence.entries[0] (entry 0): treeSize or origin differ from the signed checkpoint"),
                ("evidence.entries[0].seq", .integer(-1), "evidence.entries[0] (entry -1): seq must be a non-negative integer"),
                ("evidence.entries[0].seq", huge, "evidence.entries[0] (entry 9007199254740991): seq does not match the entry's own sequence number"),
                ("movements[0].seq", .integer(-1), "movements[0].seq: -1 is not a sequence number (they start at 0)"),
                ("movements[0].seq", huge, "movements[0].seq: entry 9007199254740991 is not in the evidence"),
            ]
            for (path, value, expected) in cases {
                let problems = check(report.replacing(path, with: value).resealed, demo)
                #expect(problems.first == expected, "\(path): \(problems)")
            }
        }
    }

    @Test("forged serial reports are refused naming the row: a counterfeit citing a genuine commission, another unit's hop, rows out of order, forged lineage")
    func forgedRows() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            let report = try demo.report(Demo.unit(1))
            let commission = try #require(report.at("movements[0].seq")?.integerValue)
            // A counterfeit serial citing the genuine commission of AMX1001 (its never-commissioned finding dropped).
            let fake = "(01)00312345678906(21)FAKE1"
            let counterfeit = report.replacing("unit", with: str(fake)).replacing("product.serial", with: str("FAKE1")).resealed
            #expect(check(counterfeit, demo).first == "movements[0] (entry \(commission)): the commission does not name \(fake)")
            // The same serial under another GTIN: the commission's GTIN is not the unit's.
            let otherGTIN = report.replacing("unit", with: str("(01)00312345678913(21)AMX1001")).resealed
            #expect(check(otherGTIN, demo).first == "movements[0] (entry \(commission)): the commission is of GTIN 00312345678906, not (01)00312345678913(21)AMX1001's GTIN 00312345678913")
            // Another unit's signed transfer added as a hop, its entry added to the evidence.
            let other = try demo.report(Demo.unit(7))
            let own = Set((report.at("movements")?.arrayValue ?? []).compactMap { $0["seq"]?.integerValue })
            let hop = try #require(other.at("movements")?.arrayValue?.first { $0["type"] == str("transfer") && !own.contains($0["seq"]!.integerValue!) })
            let seq = hop["seq"]!.integerValue!
            var movements = report.at("movements")!.arrayValue!
            let position = movements.firstIndex { $0["seq"]!.integerValue! > seq } ?? movements.count
            movements.insert(hop.replacingMember("via", with: .null).replacingMember("direct", with: .bool(true)), at: position)
            var evidence = report.at("evidence.entries")!.arrayValue!
            if !evidence.contains(where: { $0["seq"]?.integerValue == seq }) {
                evidence.append(other.at("evidence.entries")!.arrayValue!.first { $0["seq"]?.integerValue == seq }!)
            }
            let added = report.replacing("movements", with: .array(movements)).replacing("evidence.entries", with: .array(evidence)).resealed
            #expect(check(added, demo).first == "movements[\(position)] (entry \(seq)): the transfer does not name \(Demo.unit(1).canonical)")
            // The same hop claimed through a container the lineage does not put the unit in.
            let throughCase = report.replacing("movements", with: .array(movements.enumerated().map { index, row in
                index == position ? row.replacingMember("via", with: hop["via"]!) : row
            })).replacing("evidence.entries", with: .array(evidence)).resealed
            let via = try #require(hop["via"]?.stringValue)
            #expect(check(throughCase, demo).first == "movements[\(position)] (entry \(seq)): the report's lineage does not put \(Demo.unit(1).canonical) inside \(via) at entry \(seq)")
            // Another unit's receipt as a hop: its shipment must be cited, and must carry the unit.
            let receipt = try #require(other.at("movements")?.arrayValue?.first { $0["type"] == str("receive") && !own.contains($0["seq"]!.integerValue!) })
            let receiptSeq = receipt["seq"]!.integerValue!
            let shipmentSeq = try #require(other.at("possession")?.arrayValue?.first { $0["seq"]?.integerValue == receiptSeq }?["shipmentSeq"]?.integerValue)
            var withReceipt = report.at("movements")!.arrayValue!
            let at = withReceipt.firstIndex { $0["seq"]!.integerValue! > receiptSeq } ?? withReceipt.count
            withReceipt.insert(receipt.replacingMember("via", with: .null).replacingMember("direct", with: .bool(true)), at: at)
            var receiptEvidence = report.at("evidence.entries")!.arrayValue!
            for seq in [receiptSeq] where !receiptEvidence.contains(where: { $0["seq"]?.integerValue == seq }) {
                receiptEvidence.append(other.at("evidence.entries")!.arrayValue!.first { $0["seq"]?.integerValue == seq }!)
            }
            let withoutShipment = report.replacing("movements", with: .array(withReceipt)).replacing("evidence.entries", with: .array(receiptEvidence)).resealed
            let cited = Set(report.at("evidence.entries")!.arrayValue!.compactMap { $0["seq"]?.integerValue })
            #expect(!cited.contains(shipmentSeq))
            #expect(check(withoutShipment, demo).first?.hasPrefix("movements[\(at)] (entry \(receiptSeq)): the receive's shipment ") == true)
            receiptEvidence.append(other.at("evidence.entries")!.arrayValue!.first { $0["seq"]?.integerValue == shipmentSeq }!)
            let withShipment = report.replacing("movements", with: .array(withReceipt)).replacing("evidence.entries", with: .array(receiptEvidence)).resealed
            #expect(check(withShipment, demo).first == "movements[\(at)] (entry \(receiptSeq)): the receive does not name \(Demo.unit(1).canonical)")
            // A row repeated: rows must be in increasing, unique ledger order.
            var twice = report.at("movements")!.arrayValue!
            twice.insert(twice[1], at: 2)
            let first = twice[1]["seq"]!.integerValue!
            #expect(check(report.replacing("movements", with: .array(twice)).resealed, demo).first
                    == "movements[2].seq: entry \(first) does not come after entry \(first) (rows must be in increasing ledger order, each entry once)")
            // A lineage row naming a container its packing entry does not name.
            let relabelled = report.replacing("lineage[0].container", with: str(Demo.caseID(9).canonical)).resealed
            #expect(check(relabelled, demo).first?.hasPrefix("lineage[0].packed: not a cited aggregate entry that packs \(Demo.unit(1).canonical) into \(Demo.caseID(9).canonical)") == true)
        }
    }

    @Test("a changed entry, a forged checkpoint, or a missing genesis entry in the evidence is named")
    func tamperedEvidence() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            let report = try demo.report(Demo.unit(1))
            // One byte of the transfer's body (its bytes no longer hash to the cited hash).
            let index = evidenceIndex(report, 17)
            var bytes = Base64.decode(report.at("evidence.entries[\(index)].entry")!.stringValue!)!
            bytes[bytes.count - 100] ^= 0x01
            let changedEntry = report.replacing("evidence.entries[\(index)].entry", with: str(Base64.encode(bytes))).resealed
            #expect(check(changedEntry, demo).first?.hasPrefix("evidence.entries[\(index)] (entry 17): ") == true)
            // A checkpoint for another root, signed by someone else.
            let forger = try PrivateKey.generate(.ed25519)
            let forged = try Checkpoint(origin: Demo.origin, size: 25, rootHash: [UInt8](repeating: 1, count: 32)).signed(with: forger)
            #expect(check(report.replacing("evidence.checkpoint", with: str(forged)).resealed, demo).first?.hasPrefix(
                "evidence.checkpoint: not signed by the operator key given") == true)
            // Without the genesis entry the registry cannot be replayed, so no partner signature can be checked.
            guard case .array(let rows)? = report.at("evidence.entries") else { Issue.record("no evidence"); return }
            let noGenesis = report.replacing("evidence.entries", with: .array(Array(rows.dropFirst()))).resealed
            #expect(check(noGenesis, demo).contains("evidence.entries: the genesis entry (0) is missing, so the partner registry cannot be replayed"))
        }
    }

    @Test("a lot report: tampered totals and counts are named")
    func lotTotals() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            let report = try demo.builder.lotReport(gtin: Demo.unitGTIN, lot: Demo.lot, request: DemoLedger.request)
            #expect(check(report, demo) == [])
            let fewerStolen = report.replacing("totals.byState[2].count", with: .integer(0)).resealed
            #expect(check(fewerStolen, demo) == ["totals.byState[2].count: the report says 0, the signed entries say 1"])
            let recount = report.replacing("count", with: .integer(11)).resealed
            #expect(check(recount, demo) == ["count: the report says 11, the signed entries say 12"])
            let moved = report.replacing("units[0].latest.seq", with: .integer(20)).resealed
            #expect(check(moved, demo).first?.hasPrefix("units[0].latest.entryHash: ") == true)
        }
    }

    @Test("a lot report: each unit's state, owner and possessor against its latest entry, lot membership, key id and business days")
    func lotUnits() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            let report = try demo.builder.lotReport(gtin: Demo.unitGTIN, lot: Demo.lot, request: DemoLedger.request)
            let units = try #require(report.at("units")?.arrayValue)
            let types = Dictionary(uniqueKeysWithValues: (report.at("evidence.entries")?.arrayValue ?? []).map { ($0["seq"]!.integerValue!, $0["type"]!.stringValue!) })
            // The stolen bottle said to be active (the totals recomputed to match, as a forger would).
            let stolen = try #require(units.firstIndex { $0["state"] == str("stolen") })
            let stolenSeq = units[stolen]["latest"]!["seq"]!.integerValue!
            #expect(check(report.replacing("units[\(stolen)].state", with: str("active")).resealed, demo).first
                    == "units[\(stolen)].state: the report says \"active\", its latest entry (\(stolenSeq), decommission) says \"stolen\"")
            // A bottle whose latest entry is a receipt, said to be held by someone else.
            let received = try #require(units.firstIndex { types[$0["latest"]!["seq"]!.integerValue!] == "receive" })
            let receivedSeq = units[received]["latest"]!["seq"]!.integerValue!
            let holder = units[received]["possessor"]!.stringValue!
            #expect(check(report.replacing("units[\(received)].possessor", with: str(Demo.manufacturer.gln)).resealed, demo).first
                    == "units[\(received)].possessor: the report says \"\(Demo.manufacturer.gln)\", its latest entry (\(receivedSeq), receive) says \"\(holder)\"")
            // A serial no cited commission names.
            #expect(check(report.replacing("units[0].unit", with: str("(01)00312345678906(21)FAKE1")).resealed, demo).first
                    == "units[0].unit: \"(01)00312345678906(21)FAKE1\" is not named by a cited commission of GTIN \(Demo.unitGTIN) in lot \(Demo.lot)")
            // The operator key id and the business days.
            #expect(check(report.replacing("ledger.operatorKeyID", with: str("00000000")).resealed, demo).first?.hasPrefix("ledger.operatorKeyID: the report says \"00000000\"") == true)
            #expect(check(report.replacing("request.businessDays", with: .integer(9)).resealed, demo).first?.hasPrefix("request.businessDays: the report says 9, the signed entries say ") == true)
            // verify-report says what it takes on trust.
            let notes = ReportVerifier.verify(ReportFormat.fileBytes(report), operatorKey: .publicKey(demo.operatorKey)).notes
            #expect(notes.contains { $0.hasPrefix("not re-derived from the signed entries (taken as the report states them): generatedAt, source, notice") && $0.contains("units[].container") })
        }
    }
}
