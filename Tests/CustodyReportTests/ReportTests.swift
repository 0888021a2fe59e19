import Custody
import CustodyReport
import Foundation
import LedgerCore
import LedgerFormat
import LedgerVerify
import Testing

@Suite("Investigator reports on the demo ledger")
struct ReportTests {
    typealias Demo = DemoScenario
    static let acme = Demo.manufacturer.gln, keystone = Demo.logistics.gln, bigRiver = Demo.wholesaler.gln
    static let mainStreet = Demo.pharmacyA.gln, riverside = Demo.pharmacyB.gln

    /// The report passes the offline check with the demo's operator key.
    func expectVerifies(_ report: JSONValue, _ demo: DemoLedger) {
        let check = ReportVerifier.verify(ReportFormat.fileBytes(report), operatorKey: .publicKey(demo.operatorKey))
        #expect(check.problems == [])
    }

    @Test("the dispensed bottle: envelope, identity, lineage through case and pallet, hops, terminal state, evidence")
    func dispensed() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            let report = try demo.report(Demo.unit(1))
            // Request envelope: the responder defaults to the current owner, a dispenser (2 business days).
            #expect(report.at("request.requestId") == str("FDA-2026-0117"))
            #expect(report.at("request.requester") == str("FDA ORA Division 2"))
            #expect(report.at("request.reason") == str("suspect"))
            #expect(report.at("request.receivedAt") == str("2026-11-27T09:30:00-05:00"))
            #expect(report.at("request.responder.gln") == str(Self.mainStreet))
            #expect(report.at("request.dueAt") == str("2026-12-01T09:30:00-05:00"))
            #expect(report.at("request.businessDays") == .integer(2))
            // Product identity from commissioning (entry 6).
            #expect(report.at("product.gtin") == str(Demo.unitGTIN))
            #expect(report.at("product.serial") == str("AMX1001"))
            #expect(report.at("product.lot") == str("LOT2026A"))
            #expect(report.at("product.expiry") == str("2028-06-30"))
            #expect(report.at("product.ndc10") == str("12345-678-90"))
            #expect(report.at("product.ndc11") == str("12345-0678-90"))
            #expect(report.at("product.master.name") == str("Amoxicillin Capsules USP"))
            #expect(report.at("product.manufacturer.gln") == str(Self.acme))
            #expect(report.at("product.commissioned.seq") == .integer(6))
            // Lineage: case 101 (packed 8, unpacked 16), inside the pallet (packed 10, unpacked 15).
            #expect(report.at("lineage")?.arrayValue?.count == 2)
            #expect(report.at("lineage[0].container") == str(Demo.caseID(1).canonical))
            #expect(report.at("lineage[0].packed.seq") == .integer(8))
            #expect(report.at("lineage[0].unpacked.seq") == .integer(16))
            #expect(report.at("lineage[1].container") == str(Demo.pallet.canonical))
            #expect(report.at("lineage[1].holding") == str(Demo.caseID(1).canonical))
            #expect(report.at("lineage[1].packed.seq") == .integer(10))
            #expect(report.at("lineage[1].unpacked.seq") == .integer(15))
            // Movements: direct, or inferred through the pallet.
            let movements = report.at("movements")?.arrayValue ?? []
            #expect(movements.map { $0["seq"]?.integerValue } == [6, 8, 11, 12, 13, 14, 16, 17, 19, 21])
            #expect(report.at("movements[2].direct") == .bool(false))
            #expect(report.at("movements[2].via") == str(Demo.pallet.canonical))
            #expect(report.at("movements[7].direct") == .bool(true))
            // Ownership: Acme → Big River (the pallet, through the 3PL), Big River → Main Street.
            #expect(report.at("ownership")?.arrayValue?.count == 2)
            #expect(report.at("ownership[0].seq") == .integer(11))
            #expect(report.at("ownership[0].seller.gln") == str(Self.acme))
            #expect(report.at("ownership[0].seller.name") == str("Acme Pharmaceuticals Inc."))
            #expect(report.at("ownership[0].seller.address") == str("100 Industrial Pkwy, Newark, NJ 07105, US"))
            #expect(report.at("ownership[0].buyer.gln") == str(Self.bigRiver))
            #expect(report.at("ownership[0].container") == str(Demo.pallet.canonical))
            #expect(report.at("ownership[0].via3PL.gln") == str(Self.keystone))
            #expect(report.at("ownership[0].references") == .object(["po": str("PO-88121"), "invoice": str("INV-2026-0411"), "asn": str("ASN-55120")]))
            #expect(report.at("ownership[0].statement.affirmedBy") == str("Dana Whitfield, Director of Trade Compliance"))
            #expect(report.at("ownership[0].directPurchase") == .bool(true))
            #expect(report.at("ownership[0].products[0].quantity") == .integer(12))
            #expect(report.at("ownership[0].shipmentLate") == .bool(false))
            #expect(report.at("ownership[1].seq") == .integer(17))
            #expect(report.at("ownership[1].buyer.gln") == str(Self.mainStreet))
            #expect(report.at("ownership[1].direct") == .bool(true))
            #expect(report.at("ownership[1].history") == .integer(1))
            // Possession apart: the 3PL's receipt and shipment are possession-only.
            let possession = report.at("possession")?.arrayValue ?? []
            #expect(possession.map { $0["seq"]?.integerValue } == [12, 13, 14, 19])
            #expect(possession.map { $0["possessionOnly"]?.boolValue } == [true, true, false, false])
            #expect(report.at("possession[0].by.gln") == str(Self.keystone))
            #expect(report.at("possession[1].to.gln") == str(Self.bigRiver))
            // Terminal state.
            #expect(report.at("terminal.state") == str("dispensed"))
            #expect(report.at("terminal.seq") == .integer(21))
            #expect(report.at("terminal.by.gln") == str(Self.mainStreet))
            #expect(report.at("findings") == .array([]))
            #expect(report.at("source") == str("index"))
            // Evidence: the six operator entries and every cited entry, each proven and validly signed.
            let evidence = report.at("evidence.entries")?.arrayValue ?? []
            #expect(evidence.map { $0["seq"]?.integerValue } == [0, 1, 2, 3, 4, 5, 6, 8, 10, 11, 12, 13, 14, 15, 16, 17, 19, 21])
            #expect(evidence.allSatisfy { $0["signature"] == str("valid") && ($0["inclusionProof"]?.arrayValue?.count ?? 0) == 5 })
            #expect(report.at("evidence.treeSize") == .integer(25))
            #expect(report.at("evidence.lastAudit.found") == .bool(false))
            #expect(report.at("reportHash") == str(ReportFormat.hash(of: report)))
            expectVerifies(report, demo)
        }
    }

    @Test("the stolen bottle, the returned bottle (late shipment flagged) and the split case")
    func stolenReturnedSplit() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            let stolen = try demo.report(Demo.unit(2))
            #expect(stolen.at("terminal.state") == str("stolen"))
            #expect(stolen.at("terminal.seq") == .integer(22))
            #expect(stolen.at("terminal.note") == str("shelf theft, police report 26-1187"))
            #expect(stolen.at("ownership")?.arrayValue?.count == 2)
            expectVerifies(stolen, demo)

            let returned = try demo.report(Demo.unit(4))
            let hops = returned.at("ownership")?.arrayValue ?? []
            #expect(hops.map { $0["seq"]?.integerValue } == [11, 18, 23])
            #expect(hops.map { $0["kind"]?.stringValue } == ["sale", "sale", "return"])
            #expect(returned.at("ownership[1].buyer.gln") == str(Self.riverside))
            #expect(returned.at("ownership[1].shipmentLate") == .bool(true))     // shipped 27 hours after the sale
            #expect(returned.at("ownership[2].seller.gln") == str(Self.riverside))
            #expect(returned.at("ownership[2].buyer.gln") == str(Self.bigRiver))
            #expect(returned.at("ownership[2].reason") == str("ordered in error (saleable return)"))
            #expect(returned.at("terminal.state") == str("returned"))
            #expect(returned.at("terminal.owner.gln") == str(Self.bigRiver))
            #expect(returned.at("request.responder.gln") == str(Self.bigRiver))
            #expect(returned.at("request.dueAt") == str("2026-11-29T09:30:00-05:00"))   // 48 hours: Monday is later
            expectVerifies(returned, demo)

            let split = try demo.report(Demo.caseID(1))
            #expect(split.at("contents")?.arrayValue?.map { $0["unit"]?.stringValue } == (1...6).map { Demo.unit($0).canonical })
            #expect(split.at("contents")?.arrayValue?.allSatisfy { $0["unpacked"]?["seq"] == .integer(16) } == true)
            #expect(split.at("lineage[0].container") == str(Demo.pallet.canonical))
            #expect(split.at("ownership")?.arrayValue?.map { $0["seq"]?.integerValue } == [11])
            #expect(split.at("terminal.owner.gln") == str(Self.bigRiver))
            #expect(split.at("product.master.containerSize") == str("case of 6 bottles of 100 capsules"))
            expectVerifies(split, demo)

            // The pallet (an SSCC, never commissioned) belongs to its packer until sold: no gap before the sale.
            let pallet = try demo.report(Demo.pallet)
            #expect(pallet.at("product") == .object(["sscc": str("003123450000000011")]))
            #expect(pallet.at("findings") == .array([]))
            #expect(pallet.at("contents")?.arrayValue?.map { $0["unit"]?.stringValue } == [Demo.caseID(1).canonical, Demo.caseID(2).canonical])
            #expect(pallet.at("ownership")?.arrayValue?.map { $0["seq"]?.integerValue } == [11])
            expectVerifies(pallet, demo)
        }
    }

    @Test("a lot report: every serial with owner, holder and state, totals, evidence, and the last audit's result")
    func lot() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            // The nightly audit's history: its last line is the last audit.
            try FileManager.default.createDirectory(atPath: demo.layout.directory + "/audit", withIntermediateDirectories: true)
            try Data("""
                {"clean":false,"entriesChecked":3,"findings":[],"time":"2026-11-28T02:30:00Z"}
                {"clean":true,"entriesChecked":25,"signaturesChecked":19,"findings":[],"rootHash":"abc","time":"2026-11-29T02:30:00Z"}

                """.utf8).write(to: URL(fileURLWithPath: demo.layout.directory + "/audit/history.jsonl"))
            var request = DemoLedger.request
            request.reason = .recall
            request.responder = Demo.manufacturer.gln
            let report = try demo.builder.lotReport(gtin: Demo.unitGTIN, lot: Demo.lot, request: request)
            #expect(report.at("count") == .integer(12))
            #expect(report.at("units")?.arrayValue?.count == 12)
            #expect(report.at("units[0].unit") == str(Demo.unit(1).canonical))
            #expect(report.at("units[0].state") == str("dispensed"))
            #expect(report.at("units[0].latest.seq") == .integer(21))
            #expect(report.at("units[6].owner") == str(Self.riverside))
            #expect(report.at("units[6].container") == str(Demo.caseID(2).canonical))
            #expect(report.at("totals.byState") == .array([
                .object(["state": str("active"), "count": .integer(10)]), .object(["state": str("dispensed"), "count": .integer(1)]),
                .object(["state": str("stolen"), "count": .integer(1)]),
            ]))
            #expect(report.at("totals.byPossessor") == .array([
                .object(["gln": str(Self.bigRiver), "count": .integer(1)]), .object(["gln": str(Self.mainStreet), "count": .integer(3)]),
                .object(["gln": str(Self.riverside), "count": .integer(8)]),
            ]))
            #expect(report.at("parties.\(Self.riverside).name") == str("Riverside Community Pharmacy"))
            #expect(report.at("product.expiry") == str("2028-06-30"))
            #expect(report.at("request.responder.gln") == str(Self.acme))
            #expect(report.at("request.dueAt") == str("2026-11-29T09:30:00-05:00"))
            #expect(report.at("evidence.lastAudit") == .object([
                "found": .bool(true), "clean": .bool(true), "entriesChecked": .integer(25), "signaturesChecked": .integer(19),
                "rootHash": str("abc"), "time": str("2026-11-29T02:30:00Z"), "findingCount": .integer(0),
            ]))
            // Evidence: operator entries, the commissioning entry and each serial's latest entry.
            #expect(report.at("evidence.entries")?.arrayValue?.map { $0["seq"]?.integerValue } == [0, 1, 2, 3, 4, 5, 6, 19, 20, 21, 22, 24])
            expectVerifies(report, demo)
        }
    }

    @Test("refusals name the input: unknown serial, unknown lot, unregistered responder")
    func refusals() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            #expect(throws: InputError(source: "(01)00312345678906(21)NOPE", reason: "no entry names this identifier (never commissioned or packed)", code: "unknown-unit")) {
                _ = try demo.report(.sgtin(gtin: Demo.unitGTIN, serial: "NOPE"))
            }
            #expect(throws: InputError(source: "00312345678906 LOT-X", reason: "no serial of GTIN 00312345678906 was commissioned in lot LOT-X", code: "unknown-lot")) {
                _ = try demo.builder.lotReport(gtin: Demo.unitGTIN, lot: "LOT-X", request: DemoLedger.request)
            }
            var request = DemoLedger.request
            request.responder = "0614141000005"
            #expect(throws: InputError(source: "--responder", reason: "GLN 0614141000005 is not a registered trading partner of this ledger", code: "unknown-responder")) {
                _ = try demo.report(Demo.unit(1), request: request)
            }
        }
    }
}

@Suite("Gaps and conflicts in investigator reports")
struct ConflictTests {
    typealias Demo = DemoScenario

    // The custody rules refuse a double sale or a sale by a non-owner on append, so these ledgers are assembled the
    // way only a faulty or colluding operator could: signed entries appended with the store writer, bypassing the
    // ledger's checks, and a checkpoint signed over them. `ledger verify` flags each as a custody finding; the
    // index cannot be built past them, so the report is built from a direct scan of the log and names the
    // conflict, while its evidence still proves every entry.

    static let bottle = ProductMaster(name: "Amoxicillin Capsules USP", strength: "500 mg", dosageForm: "capsule",
                                      containerSize: "bottle of 100 capsules", ndc: "12345-678-90")

    /// A transfer of one bottle with TI as the ledger would compute it (unless `lot`/`expiry` say otherwise).
    func sale(_ unit: UnitID, from seller: Demo.Party, to buyer: Demo.Party, lot: String = Demo.lot, expiry: String = Demo.expiry) -> BodyInput {
        BodyInput(type: "transfer", body: TransferBody(
            items: [unit], seller: PartyInfo(gln: seller.gln, name: seller.name, address: seller.address),
            buyer: PartyInfo(gln: buyer.gln, name: buyer.name, address: buyer.address), transactionDate: "2026-11-29T10:00:00Z",
            products: [TransactionProduct(gtin: Demo.unitGTIN, master: Self.bottle, lot: lot, expiry: expiry, quantity: 1)],
            statement: TransactionStatement(affirmedBy: "M. Allory")).json)
    }

    func custodyFindings(_ demo: DemoLedger) throws -> [Finding] {
        try Verifier(layout: demo.layout, options: VerifyOptions(trustAnchor: demo.operatorKey)).run().findings.filter { $0.kind == .custody }
    }

    @Test("a double sale: the manufacturer sells a bottle it already sold; two owners at once")
    func doubleSale() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            try demo.forceAppend([sale(Demo.unit(5), from: Demo.manufacturer, to: Demo.pharmacyA)], signer: Demo.manufacturer.gln)
            #expect(try custodyFindings(demo).map(\.seq) == [25])
            let report = try demo.report(Demo.unit(5))
            #expect(report.at("source") == str("log-scan"))
            #expect(report.at("notice")?.stringValue?.hasPrefix("the custody index cannot be built (entry 25: breaks a custody rule") == true)
            #expect(report.at("findings") == .array([.object([
                "kind": str("double-sale"), "seq": .integer(25), "entryHash": report.at("ownership[2].entryHash")!,
                "detail": str("0312345000004 sells (01)00312345678906(21)AMX1005 at entry 25 although it sold it at entry 11; 0890000000021 (owner since entry 18) and 0890000000014 both claim it"),
            ])]))
            #expect(report.at("ownership")?.arrayValue?.map { $0["seq"]?.integerValue } == [11, 18, 25])
            #expect(report.at("terminal.owner.gln") == str(Demo.pharmacyA.gln))
            let check = ReportVerifier.verify(ReportFormat.fileBytes(report), operatorKey: .publicKey(demo.operatorKey))
            #expect(check.problems == [])
        }
    }

    @Test("a missing hop: a pharmacy sells a bottle no transfer ever gave it")
    func missingHop() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            // Bottle 7 went to Riverside in case 102 (entry 18); Main Street sells it to Big River.
            try demo.forceAppend([sale(Demo.unit(7), from: Demo.pharmacyA, to: Demo.wholesaler)], signer: Demo.pharmacyA.gln)
            #expect(try custodyFindings(demo).map(\.seq) == [25])
            let report = try demo.report(Demo.unit(7))
            #expect(report.at("findings[0].kind") == str("missing-hop"))
            #expect(report.at("findings[0].seq") == .integer(25))
            #expect(report.at("findings[0].detail") == str("0890000000014 sells (01)00312345678906(21)AMX1007 at entry 25, but its last recorded owner is 0890000000021 (since entry 18): no transfer from 0890000000021 to 0890000000014 is on the ledger"))
            #expect(report.at("findings")?.arrayValue?.count == 1)
            // Lineage from the scan: case 102 (packed 9, unpacked never), the transfer of the case reached it.
            #expect(report.at("lineage[0].container") == str(Demo.caseID(2).canonical))
            #expect(report.at("lineage[0].unpacked") == .null)
            #expect(report.at("ownership[1].container") == str(Demo.caseID(2).canonical))
            let html = try ReportHTML.render(report)
            #expect(html.contains("<li><strong>missing-hop</strong> (entry 25): 0890000000014 sells"))
            #expect(html.contains("<tr class=\"conflict\">"))
            let check = ReportVerifier.verify(ReportFormat.fileBytes(report), operatorKey: .publicKey(demo.operatorKey))
            #expect(check.problems == [])
        }
    }

    @Test("TI lot and expiry differing from commissioning are a conflict")
    func lotExpiryMismatch() throws {
        try withTemporaryDirectory { directory in
            let demo = try DemoLedger(in: directory)
            // Riverside sells bottle 5 (its own) to Main Street, with TI naming another lot and expiry.
            try demo.forceAppend([sale(Demo.unit(5), from: Demo.pharmacyB, to: Demo.pharmacyA, lot: "LOT2025Z", expiry: "2027-01-31")],
                                 signer: Demo.pharmacyB.gln)
            let report = try demo.report(Demo.unit(5))
            #expect(report.at("findings")?.arrayValue?.map { $0["kind"]?.stringValue } == ["lot-expiry-mismatch"])
            #expect(report.at("findings[0].detail") == str("the TI of entry 25 gives lot LOT2025Z, expiry 2027-01-31 for GTIN 00312345678906; commissioning (entry 6) gave lot LOT2026A, expiry 2028-06-30"))
        }
    }
}
