import Custody
import CustodyIndex
import EPCIS
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

/// A shipping event of the pallet of the DSCSA example from the manufacturer to `buyer`.
func palletShipping(buyer: String = "urn:epc:id:sgln:039999.999999.0", extra: String = "") -> String {
    """
    {"type": "ObjectEvent", "eventTime": "2023-04-01T07:48:16Z", "eventTimeZoneOffset": "-05:00",
     "epcList": ["urn:epc:id:sscc:030001.41234567890"], "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
     "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0399999999991:XYZPO189"}],
     "sourceList": [{"type": "owning_party", "source": "urn:epc:id:sgln:030001.111111.0"}],
     "destinationList": [{"type": "owning_party", "destination": "\(buyer)"}]\(extra)}
    """
}

@Suite("EPCIS import")
struct ImportTests {
    @Test("the GS1 US DSCSA example (1.2 XML, and its JSON-LD rendering) imports into a custody chain whose TI matches the document",
          arguments: ["openepcis/1.2-xml_GS1_US_Pharma_Example_2_2_1_1.xml", "us-pharma-2.2.1.1.jsonld"])
    func usPharmaExample(path: String) throws {
        let test = try PharmaLedger()
        let report = try test.ledger.importEPCIS(try document(path), key: test.manufacturerKey)
        #expect(report.refusal == nil)
        #expect(report.appended.map(\.entry.submission.bodyType) == ["commission", "commission", "aggregate", "aggregate", "aggregate", "aggregate", "transfer"])
        #expect(report.events[5].status == .skipped(reason: "commissioning of logistic units (SSCCs) only: an SSCC comes into existence in the ledger when it is first packed"))
        guard case .commission(let commission) = try test.body(4) else { Issue.record("entry 4 is not a commission"); return }
        #expect(commission.gtin == "00300010123455")
        #expect(commission.serials == (11...22).map(String.init))
        #expect(commission.lot == "A123" && commission.expiry == "2025-03-27")
        #expect(commission.product == ProductMaster(name: "Epcistra", strength: "100mg", dosageForm: "PILL", containerSize: "500 pills", ndc: "0001-0123-45"))
        #expect(commission.eventTime == "2023-03-27T01:45:16-05:00")
        guard case .transfer(let transfer) = try test.body(10) else { Issue.record("entry 10 is not a transfer"); return }
        #expect(transfer.items == [.sscc("403000112345678901")])
        #expect(transfer.seller == PartyInfo(gln: "0300011111116", name: "GS1 Pharma", address: "1 Biopharm Ct, Suite A, Thousand Oaks, CA 91320, US"))
        #expect(transfer.buyer == PartyInfo(gln: "0399999999991", name: "GS1 Drug Distributor", address: "230 Park Ave S, Room 378, New York, NY 10003-1502, US"))
        #expect(transfer.transactionDate == "2023-04-01T02:48:16-05:00")
        #expect(transfer.references == ["po": "urn:epcglobal:cbv:bt:0399999999991:XYZPO189", "asn": "urn:epcglobal:cbv:bt:0300011111215:DEL100"])
        #expect(transfer.statement.affirmedBy == "GS1 Pharma")
        #expect(transfer.products == [TransactionProduct(gtin: "00300010123455", master: commission.product, lot: "A123", expiry: "2025-03-27", quantity: 12)])
        // The event is kept whole in the signed entry, its extension and prefix with it.
        let kept = try #require(transfer.epcis)
        #expect(kept.event.contains(#""gs1ushc:dropShipment":"false""#))
        #expect(kept.namespaces == ["gs1ushc": "http://epcis.gs1us.org/hc/ns"])
        #expect(try EPCISNode.parseJSON(kept.event) == (try document(path)).events[7])
        #expect(kept.eventHash == "ni:///sha-256;646b50e766fbef0c1de567b7eb5bd666cbb44d64188a63dc891bba0b5f263758?ver=CBV2.0")
        let verified = try Verifier(layout: test.layout).run()
        #expect(verified.findings.isEmpty)
    }

    @Test("the XML example and its JSON-LD rendering give the same event hashes and the same custody bodies but for the kept event text")
    func xmlAndJSONAgree() throws {
        let xml = try document("openepcis/1.2-xml_GS1_US_Pharma_Example_2_2_1_1.xml")
        let json = try document("us-pharma-2.2.1.1.jsonld")
        let xmlLedger = try PharmaLedger(), jsonLedger = try PharmaLedger()
        let fromXML = try xmlLedger.ledger.importEPCIS(xml, key: xmlLedger.manufacturerKey, dryRun: true)
        let fromJSON = try jsonLedger.ledger.importEPCIS(json, key: jsonLedger.manufacturerKey, dryRun: true)
        #expect(fromXML.events.map(\.eventHash) == fromJSON.events.map(\.eventHash))
        #expect(fromXML.events.allSatisfy { $0.eventHash?.hasPrefix("ni:///sha-256;") == true })
        _ = try xmlLedger.ledger.importEPCIS(xml, key: xmlLedger.manufacturerKey)
        _ = try jsonLedger.ledger.importEPCIS(json, key: jsonLedger.manufacturerKey)
        for seq in UInt64(4)...10 {
            guard case .object(var left) = try xmlLedger.bodyJSON(seq), case .object(var right) = try jsonLedger.bodyJSON(seq) else {
                Issue.record("entry \(seq) has no object body")
                continue
            }
            #expect(left["epcis"]?["eventHash"] == right["epcis"]?["eventHash"])
            left["epcis"] = nil
            right["epcis"] = nil
            #expect(left == right, "entry \(seq)")
        }
    }

    @Test("the buyer imports its receiving event: a receive of the open shipment")
    func receiving() throws {
        let test = try PharmaLedger()
        _ = try test.ledger.importEPCIS(try document("us-pharma-2.2.1.1.jsonld"), key: test.manufacturerKey)
        let receiving = epcisJSON([#"""
            {"type": "ObjectEvent", "eventTime": "2023-04-03T09:00:00-04:00", "eventTimeZoneOffset": "-04:00", "eventID": "urn:uuid:1",
             "epcList": ["https://example.com/00/403000112345678901"], "action": "OBSERVE", "bizStep": "urn:epcglobal:cbv:bizstep:receiving"}
            """#])
        let report = try test.ledger.importEPCIS(try document(json: receiving, name: "receiving.jsonld"), key: test.wholesalerKey)
        #expect(report.refusal == nil)
        guard case .receive(let receive) = try test.body(11) else { Issue.record("entry 11 is not a receive"); return }
        #expect(receive.shipment == Hex.encode(try #require(try LedgerReader(layout: test.layout).entry(10)).hash))
        #expect(receive.eventTime == "2023-04-03T09:00:00-04:00")
        #expect(receive.epcis?.eventID == "urn:uuid:1")
    }

    @Test("returns and destruction: the buyer receives, returns the pallet, the seller receives it back and destroys a bottle")
    func returnAndDestroy() throws {
        let test = try PharmaLedger()
        _ = try test.ledger.importEPCIS(try document("us-pharma-2.2.1.1.jsonld"), key: test.manufacturerKey)
        func event(_ step: String, _ action: String, _ epc: String, _ time: String, _ extra: String = "") -> String {
            #"{"type": "ObjectEvent", "eventTime": "\#(time)", "eventTimeZoneOffset": "-05:00", "epcList": ["\#(epc)"], "action": "\#(action)", "bizStep": "\#(step)"\#(extra)}"#
        }
        let pallet = "urn:epc:id:sscc:030001.41234567890"
        let steps: [(String, Bool)] = [
            (event("receiving", "OBSERVE", pallet, "2023-04-02T10:00:00-05:00"), true),
            (event("returning", "OBSERVE", pallet, "2023-04-03T10:00:00-05:00",
                   #", "disposition": "returned", "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:030001.111111"}]"#), true),
            (event("receiving", "OBSERVE", pallet, "2023-04-04T10:00:00-05:00"), false),
            (event("destroying", "DELETE", "urn:epc:id:sgtin:030001.0012345.11", "2023-04-05T10:00:00-05:00"), false),
        ]
        for (index, (json, byWholesaler)) in steps.enumerated() {
            let report = try test.ledger.importEPCIS(try document(json: epcisJSON([json]), name: "step\(index).jsonld"),
                                                     key: byWholesaler ? test.wholesalerKey : test.manufacturerKey)
            #expect(report.refusal == nil, "step \(index): \(report.refusal?.description ?? "")")
        }
        guard case .return(let returned) = try test.body(12) else { Issue.record("entry 12 is not a return"); return }
        #expect(returned.to == PharmaLedger.manufacturer)
        #expect(returned.reason == "returned (EPCIS disposition returned)")
        guard case .decommission(let destroyed) = try test.body(14) else { Issue.record("entry 14 is not a decommission"); return }
        #expect(destroyed.reason == .destroyed)
        #expect(destroyed.items == [.sgtin(gtin: "00300010123455", serial: "11")])
        #expect(try Verifier(layout: test.layout).run().findings.isEmpty)
    }

    @Test("a refused event refuses the whole document: nothing is written, and the error names document, event, eventID and reason")
    func atomicRefusal() throws {
        let test = try PharmaLedger()
        let before = try test.logBytes()
        var doc = try document("us-pharma-2.2.1.1.jsonld")
        doc.source = "bad-buyer.jsonld"
        // The last event sells the pallet to a 3PL, which the custody rules refuse after six entries were checked.
        doc.events[7] = try EPCISNode.parseJSON(palletShipping(buyer: "urn:epc:id:pgln:0614141.00001", extra: #", "eventID": "ship-1""#))
        let report = try test.ledger.importEPCIS(doc, key: test.manufacturerKey)
        #expect(report.refusal?.description == #"bad-buyer.jsonld, event 8 (ship-1): transfer 1 from 0300011111116 to 0614141000012: buyer 0614141000012 is a 3PL: a 3PL takes possession, never ownership (name it in "via") [wrong-role]"#)
        #expect(report.appended.isEmpty)
        #expect(report.events.map(\.index) == Array(0..<8))
        #expect(try test.logBytes() == before)
        #expect(test.ledger.head?.seq == 3)
        // The ledger still takes the good document afterwards (the refused batch was rolled back).
        #expect(try test.ledger.importEPCIS(try document("us-pharma-2.2.1.1.jsonld"), key: test.manufacturerKey).refusal == nil)
    }

    @Test("a document split in two imports like the whole: the serials the first commissions are found by the second, also after a refused attempt")
    func splitDocument() throws {
        let whole = try document("us-pharma-2.2.1.1.jsonld")
        let test = try PharmaLedger()
        var first = whole, second = whole
        first.events = Array(whole.events.prefix(2))
        second.events = Array(whole.events.dropFirst(2))
        // The first document's rules found every serial absent from the index before commissioning it; once it
        // is committed, the index holds them, and the second document must find them there.
        let commissioned = try test.ledger.importEPCIS(first, key: test.manufacturerKey)
        #expect(commissioned.refusal == nil && commissioned.appended.count == 2)
        // A refused attempt checks the packings (finding the SSCCs absent) and is rolled back: the SSCCs stay absent.
        var refused = second
        refused.events[refused.events.count - 1] = try EPCISNode.parseJSON(palletShipping(buyer: "urn:epc:id:pgln:0614141.00001"))
        #expect(try test.ledger.importEPCIS(refused, key: test.manufacturerKey).refusal?.code == "wrong-role")
        let packed = try test.ledger.importEPCIS(second, key: test.manufacturerKey)
        #expect(packed.refusal == nil)
        #expect(packed.appended.map(\.entry.submission.bodyType) == ["aggregate", "aggregate", "aggregate", "aggregate", "transfer"])
        let fromWhole = try PharmaLedger()
        let all = try fromWhole.ledger.importEPCIS(whole, key: fromWhole.manufacturerKey)
        let text = { (entries: [AppendedEntry]) in entries.map { String(decoding: $0.entry.submission.body, as: UTF8.self) } }
        #expect(text(all.appended) == text(commissioned.appended + packed.appended))
        #expect(try Verifier(layout: test.layout).run().findings.isEmpty)
        // Opened afresh, the ledger finds the units through the index alone.
        test.ledger.close()
        let reopened = try Ledger.open(layout: test.layout)
        defer { reopened.close() }
        #expect(reopened.custody.record(.sscc("403000112345678901"))?.owner == PharmaLedger.wholesaler)
    }

    static let commissioning = #"{"type": "ObjectEvent", "eventTime": "2023-03-27T06:45:16Z", "eventTimeZoneOffset": "-05:00", "action": "ADD", "bizStep": "commissioning", "epcList": ["urn:epc:id:sgtin:030001.0012345.11"]}"#

    /// Documents refused by the mapping, each with its exact error (the manufacturer imports unless `wholesaler`).
    static let refusedDocuments: [(name: String, json: String, wholesaler: Bool, expected: String)] = [
        ("wrong-seller.jsonld", epcisJSON([palletShipping()], header: statementHeader), true,
         "wrong-seller.jsonld, event 1, field sourceList: the seller (source owning_party) is 0300011111116, but the importing key belongs to 0399999999991; only the seller signs a transfer [wrong-party]"),
        ("no-statement.jsonld", epcisJSON([palletShipping()]), false, #"no-statement.jsonld, event 1, field epcisHeader.gs1ushc:dscsaTransactionStatement: a change of ownership needs the DSCSA transaction statement: the header must affirm gs1ushc:affirmTransactionStatement true [missing-statement]"#),
        ("no-lot.jsonld", epcisJSON([commissioning]), false, #"no-lot.jsonld, event 1, field ilmd.cbvmda:lotNumber: is required: commissioning records the lot (cbvmda:lotNumber in ilmd) [missing-lot]"#),
        ("no-master-data.jsonld", epcisJSON([commissioning.replacingOccurrences(of: #""action""#, with: #""ilmd": {"cbvmda:lotNumber": "L1", "cbvmda:itemExpirationDate": "2026-01-31"}, "action""#)]), false, #"no-master-data.jsonld, event 1, field epcList: the header has no product master data for GTIN 00300010123455 (an EPCClass vocabulary element with regulatedProductName, strengthDescription, dosageFormType, netContentDescription) [missing-master-data]"#),
        ("mixed.jsonld", epcisJSON([commissioning.replacingOccurrences(of: #""]}"#, with: #"", "urn:epc:id:sgtin:030001.1012345.110"]}"#)]), false, #"mixed.jsonld, event 1, field epcList[1]: GTIN 10300010123452 differs from 00300010123455: the ledger commissions one GTIN per event [mixed-gtins]"#),
        ("nothing-in-transit.jsonld", epcisJSON([#"{"type": "ObjectEvent", "eventTime": "2023-04-03T09:00:00-04:00", "eventTimeZoneOffset": "-04:00", "action": "OBSERVE", "bizStep": "receiving", "epcList": ["urn:epc:id:sscc:030001.41234567890"]}"#]), true, #"nothing-in-transit.jsonld, event 1, field epcList[0]: (00)403000112345678901 is not in the ledger, so no shipment of it can be received [no-open-shipment]"#),
        ("bad-epc.jsonld", epcisJSON([commissioning.replacingOccurrences(of: "030001.0012345.11", with: "030001.0012345")]), false, #"bad-epc.jsonld, event 1, field epcList[0]: "urn:epc:id:sgtin:030001.0012345": EPC URI "urn:epc:id:sgtin:030001.0012345": has no serial number after CompanyPrefix.Reference [bad-identifier]"#),
        // Only XML/JSON white space (space, tab, CR, LF) around a value is formatting; a no-break space is data.
        ("nbsp-epc.jsonld", epcisJSON([commissioning.replacingOccurrences(of: #"["urn:epc:id:sgtin:030001.0012345.11"]"#, with: #"[" urn:epc:id:sgtin:030001.0012345.11\u00a0"]"#)]), false,
         "nbsp-epc.jsonld, event 1, field epcList[0]: \"urn:epc:id:sgtin:030001.0012345.11\u{A0}\": EPC URI \"urn:epc:id:sgtin:030001.0012345.11\u{A0}\": a non-ASCII character must be percent-escaped in an EPC URI [bad-identifier]"),
        ("grai.jsonld", epcisJSON([commissioning.replacingOccurrences(of: "sgtin:030001.0012345.11", with: "grai:030001.12345.400")]), false, #"grai.jsonld, event 1, field epcList[0]: "urn:epc:id:grai:030001.12345.400": EPC URI "urn:epc:id:grai:030001.12345.400": EPC scheme id:grai is not read here (id:sgtin, id:sscc, id:sgln, id:pgln, idpat:sgtin, class:lgtin) [bad-identifier]"#),
        ("unknown-type.jsonld", epcisJSON([#"{"type": "SensorEvent", "eventTime": "2023-04-03T09:00:00-04:00", "eventTimeZoneOffset": "-04:00"}"#]), false, #"unknown-type.jsonld, event 1, field type: "SensorEvent" is not an EPCIS event type (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent) [bad-event]"#),
        ("bad-offset.jsonld", epcisJSON([#"{"type": "ObjectEvent", "eventTime": "2023-04-03T09:00:00-04:00", "eventTimeZoneOffset": "EST", "action": "OBSERVE"}"#]), false, #"bad-offset.jsonld, event 1, field eventTimeZoneOffset: "EST" is not a time-zone offset ±HH:MM [bad-event]"#),
        ("no-seller.jsonld", epcisJSON([palletShipping().replacingOccurrences(of: #""sourceList": [{"type": "owning_party", "source": "urn:epc:id:sgln:030001.111111.0"}],"#, with: "")], header: statementHeader), false,
         "no-seller.jsonld, event 1, field sourceList: a shipping event with a destination owning_party is a sale, which needs the seller as source owning_party; it names none [missing-party]"),
        ("sender.jsonld", epcisJSON([commissioning], header: #"{"sbdh:StandardBusinessDocumentHeader": {"sbdh:Sender": {"sbdh:Identifier": "urn:epc:id:sgln:039999.999999.0"}}}"#), false, #"sender.jsonld, field epcisHeader.sbdh:StandardBusinessDocumentHeader.sbdh:Sender: the document was sent by 0399999999991, but the importing key belongs to 0300011111116; a partner imports only its own documents [wrong-sender]"#),
    ]

    @Test("events the ledger cannot record are refused with document, event, field and reason", arguments: 0..<refusedDocuments.count)
    func refusals(_ index: Int) throws {
        let test = try PharmaLedger()
        let before = try test.logBytes()
        let (name, json, wholesaler, expected) = Self.refusedDocuments[index]
        let report = try test.ledger.importEPCIS(try document(json: json, name: name), key: wholesaler ? test.wholesalerKey : test.manufacturerKey)
        #expect(report.refusal?.description == expected)
        #expect(try test.logBytes() == before)
    }

    @Test("the invalid OpenEPCIS documents are refused for their own fault", arguments: [
        ("2.0-json_ObjectEvent_with_invalid_action.json", #"openepcis/invalid/2.0-json_ObjectEvent_with_invalid_action.json, event 1, field action: "CREATE" is not ADD, OBSERVE or DELETE [bad-event]"#),
        ("2.0-json_ObjectEvent_with_invalid_eventTime_format.json", #"openepcis/invalid/2.0-json_ObjectEvent_with_invalid_eventTime_format.json, event 1, field eventTime: "22-07-2026" is not an xsd:dateTime with a time zone (e.g. 2023-04-01T07:48:16Z) [bad-event]"#),
        ("2.0-json_ObjectEvent_with_quantity_as_text.json", #"openepcis/invalid/2.0-json_ObjectEvent_with_quantity_as_text.json, event 1, field quantityList[0].quantity: must be a number, not "twenty" [bad-event]"#),
        ("2.0-json_ObjectEvent_without_action_and_eventTime.json", #"openepcis/invalid/2.0-json_ObjectEvent_without_action_and_eventTime.json, event 1, field eventTime: is required [bad-event]"#),
    ])
    func invalidSamples(file: String, expected: String) throws {
        let test = try PharmaLedger()
        let report = try test.ledger.importEPCIS(try document("openepcis/invalid/" + file), key: test.manufacturerKey)
        #expect(report.refusal?.description == expected)
    }

    @Test("a dry run checks everything and writes nothing; events the ledger does not need are reported as skipped")
    func dryRunAndSkipped() throws {
        let test = try PharmaLedger()
        let before = try test.logBytes()
        var doc = try document("us-pharma-2.2.1.1.jsonld")
        let inspecting = #"{"type": "ObjectEvent", "eventTime": "2023-04-01T08:00:00Z", "eventTimeZoneOffset": "-05:00", "action": "OBSERVE", "bizStep": "inspecting", "epcList": ["urn:epc:id:sscc:030001.41234567890"], "sensorElementList": [{"sensorReport": [{"type": "gs1:Temperature", "value": 4.5, "uom": "CEL"}]}]}"#
        let declared = palletShipping(extra: #", "errorDeclaration": {"declarationTime": "2023-04-02T00:00:00Z", "reason": "urn:epcglobal:cbv:er:incorrect_data", "correctiveEventIDs": ["urn:uuid:fix-1"]}"#)
        let transaction = #"{"type": "TransactionEvent", "eventTime": "2023-04-01T08:00:00Z", "eventTimeZoneOffset": "-05:00", "action": "ADD", "bizTransactionList": [{"type": "po", "bizTransaction": "PO-1"}]}"#
        doc.events += [try EPCISNode.parseJSON(inspecting), try EPCISNode.parseJSON(declared), try EPCISNode.parseJSON(transaction)]
        let report = try test.ledger.importEPCIS(doc, key: test.manufacturerKey, dryRun: true)
        #expect(report.refusal == nil && report.appended.isEmpty)
        #expect(try test.logBytes() == before)
        #expect(report.events.count == 11)
        guard case .appended(.transfer, let seq, _) = report.events[7].status else { Issue.record("event 8 would not be a transfer"); return }
        #expect(seq == 10)
        #expect(report.events[8].status == .skipped(reason: "bizStep inspecting with action OBSERVE changes neither ownership, possession, containment nor existence in the ledger"))
        #expect(report.events[9].status == .skipped(reason: "an error declaration (reason incorrect_data) says this event was erroneous, so it is not applied; its corrective events urn:uuid:fix-1 are imported on their own; this ledger never recorded the event"))
        #expect(report.events[10].status == .skipped(reason: "a TransactionEvent is not a custody event (ownership moves with shipping ObjectEvents)"))
        let json = report.json
        #expect(json["outcome"] == .string("would-import"))
        #expect(json["events"]?.arrayValue?[7]["outcome"] == .string("would-append"))
        #expect(json["events"]?.arrayValue?[7]["bodyType"] == .string("transfer"))
        #expect(json["events"]?.arrayValue?[8]["outcome"] == .string("skipped"))
        // The dry run left the custody state as it was: the real import still works.
        #expect(try test.ledger.importEPCIS(doc, key: test.manufacturerKey).appended.count == 7)
    }

    @Test("a number with an exponent beyond Int is hashed as written, never a trap", arguments: ["1e-9223372036854775808", "1e9223372036854775807", "-1E+99999"])
    func hugeExponent(_ number: String) throws {
        let test = try PharmaLedger()
        let inspecting = #"{"type": "ObjectEvent", "eventTime": "2023-04-01T08:00:00Z", "eventTimeZoneOffset": "-05:00", "action": "OBSERVE", "bizStep": "inspecting", "epcList": ["urn:epc:id:sscc:030001.41234567890"], "gs1ushc:n": "# + number + #"}"#
        let doc = try document(json: epcisJSON([inspecting]), name: "exponent.jsonld")
        let report = try test.ledger.importEPCIS(doc, key: test.manufacturerKey, dryRun: true)
        #expect(report.refusal == nil)
        #expect(report.events.count == 1)
        #expect(EPCISEventHash.preHash(doc.events[0], namespaces: doc.namespaces).hasSuffix("{http://epcis.gs1us.org/hc/ns}n=" + number))
    }

    @Test("decommissioning, dispensing and destroying end a serial only with action DELETE; any other action is skipped with the reason")
    func decommissionNeedsDelete() throws {
        let test = try PharmaLedger()
        var commissioned = try document("us-pharma-2.2.1.1.jsonld")
        commissioned.events = Array(commissioned.events.prefix(2))
        #expect(try test.ledger.importEPCIS(commissioned, key: test.manufacturerKey).refusal == nil)
        func event(_ step: String, _ action: String) -> String {
            #"{"type": "ObjectEvent", "eventTime": "2023-04-02T08:00:00Z", "eventTimeZoneOffset": "-05:00", "action": "\#(action)", "bizStep": "\#(step)", "disposition": "destroyed", "epcList": ["urn:epc:id:sgtin:030001.0012345.11"]}"#
        }
        let doc = try document(json: epcisJSON([event("decommissioning", "ADD"), event("dispensing", "OBSERVE"), event("destroying", "ADD"), event("destroying", "DELETE")]), name: "ends.jsonld")
        let report = try test.ledger.importEPCIS(doc, key: test.manufacturerKey, dryRun: true)
        #expect(report.refusal == nil)
        #expect(report.events[0].status == .skipped(reason: "bizStep decommissioning with action ADD ends nothing in the ledger: a serial leaves the supply chain with an ObjectEvent DELETE"))
        #expect(report.events[1].status == .skipped(reason: "bizStep dispensing with action OBSERVE ends nothing in the ledger: a serial leaves the supply chain with an ObjectEvent DELETE"))
        #expect(report.events[2].status == .skipped(reason: "bizStep destroying with action ADD ends nothing in the ledger: a serial leaves the supply chain with an ObjectEvent DELETE"))
        guard case .appended(.decommission, _, _) = report.events[3].status else { Issue.record("event 4 would not be a decommission: \(report.events[3].status)"); return }
    }

    @Test("an error declaration of an event the ledger recorded names its entry, which stays; the declared event is not applied again")
    func errorDeclarationOfRecordedEvent() throws {
        let test = try PharmaLedger()
        let example = try document("us-pharma-2.2.1.1.jsonld")
        _ = try test.ledger.importEPCIS(example, key: test.manufacturerKey)
        guard case .object(var members) = example.events[7] else { Issue.record("no event"); return }
        members.append(.init("errorDeclaration", .object([.init("declarationTime", .string("2023-04-02T00:00:00Z")),
                                                          .init("reason", .string("incorrect_data"))])))
        var declaration = example
        declaration.events = [.object(members)]
        let report = try test.ledger.importEPCIS(declaration, key: test.manufacturerKey)
        #expect(report.refusal == nil && report.appended.isEmpty)
        #expect(report.events[0].status == .skipped(reason: "an error declaration (reason incorrect_data) says this event was erroneous, so it is not applied; the event is entry 10 of this ledger, which stays (the log is append-only): corrective events correct it"))
    }

    @Test("the index looks kept events up by hash (no log scan): an error declaration names the entry, after a rebuild too; verify --index compares them")
    func recordedEventsInIndex() throws {
        let test = try PharmaLedger()
        let example = try document("us-pharma-2.2.1.1.jsonld")
        _ = try test.ledger.importEPCIS(example, key: test.manufacturerKey)
        let shipping = "ni:///sha-256;646b50e766fbef0c1de567b7eb5bd666cbb44d64188a63dc891bba0b5f263758?ver=CBV2.0"
        let unknown = "ni:///sha-256;0000000000000000000000000000000000000000000000000000000000000000?ver=CBV2.0"
        #expect(try test.ledger.index.recordedEvents([shipping, unknown]) == [shipping: 10])
        #expect(try test.ledger.index.epcisEvents(after: nil, limit: 100).map(\.seq) == [4, 5, 6, 7, 8, 9, 10])
        test.ledger.close()
        // A rebuild from scratch (the bulk load) fills the lookup as the appends did.
        let writer = try SegmentWriter(layout: test.layout)
        let (rebuilt, _, _, catchUp) = try Ledger.openIndex(layout: test.layout, trustAnchor: nil, forceRebuild: true)
        writer.close()
        #expect(catchUp.rebuilt)
        #expect(try rebuilt.recordedEvents([shipping, unknown]) == [shipping: 10])
        #expect(try IndexAudit.differences(layout: test.layout).isEmpty)
        let reopened = try Ledger.open(layout: test.layout)
        defer { reopened.close() }
        guard case .object(var members) = example.events[7] else { Issue.record("no event"); return }
        members.append(.init("errorDeclaration", .object([.init("declarationTime", .string("2023-04-02T00:00:00Z"))])))
        var declaration = example
        declaration.events = [.object(members)]
        let report = try reopened.importEPCIS(declaration, key: test.manufacturerKey, dryRun: true)
        #expect(report.events[0].status == .skipped(reason: "an error declaration (reason no reason given) says this event was erroneous, so it is not applied; the event is entry 10 of this ledger, which stays (the log is append-only): corrective events correct it"))
        // The audit notices a lookup row lost, or one the log does not back.
        try reopened.index.execute(sql: "DELETE FROM epcis_events WHERE seq = 10")
        try reopened.index.execute(sql: "INSERT INTO epcis_events(hash, seq) VALUES ('\(unknown)', 9)")
        #expect(try IndexAudit.differences(layout: test.layout).map(\.description) == [
            "entry 9: the index says the entry keeps EPCIS event \(unknown); the log's entry does not",
            "entry 10: the entry keeps EPCIS event \(shipping), which the index does not list",
        ])
    }

    @Test("legacy GS1 US R1.1 commissioning: lot, expiry and product master data in gs1ushc elements of the ILMD")
    func legacyILMD() throws {
        let test = try PharmaLedger()
        let event = #"""
            {"type": "ObjectEvent", "eventTime": "2019-04-03T04:32:12Z", "eventTimeZoneOffset": "-04:00", "action": "ADD", "bizStep": "commissioning",
             "epcList": ["urn:epc:id:sgtin:030001.0012345.A1"],
             "ilmd": {"gs1ushc:tradeItemMasterData": {"gs1ushc:additionalTradeItemIdentification": {"gs1ushc:additionalTradeItemIdentificationValue": "0001012345"},
                      "gs1ushc:drugName": "Epcistra", "gs1ushc:dosageForm": "Tablet", "gs1ushc:strength": "10mg", "gs1ushc:containerSize": "400 cc"},
                      "gs1ushc:lotNumber": "19030145", "gs1ushc:itemExpirationDate": "2021-03-31"}}
            """#
        let report = try test.ledger.importEPCIS(try document(json: epcisJSON([event]), name: "legacy.jsonld"), key: test.manufacturerKey)
        #expect(report.refusal == nil)
        guard case .commission(let commission) = try test.body(4) else { Issue.record("entry 4 is not a commission"); return }
        #expect(commission.lot == "19030145" && commission.expiry == "2021-03-31")
        // An unhyphenated NDC does not say its layout, so it is left out (the GTIN embeds it).
        #expect(commission.product == ProductMaster(name: "Epcistra", strength: "10mg", dosageForm: "Tablet", containerSize: "400 cc"))
    }

    @Test("identifiers may be GS1 Digital Link URIs on any host; parties PGLNs")
    func digitalLink() throws {
        let test = try PharmaLedger()
        var doc = try document("us-pharma-2.2.1.1.jsonld")
        var text = doc.events.map(\.compactJSON)
        text[0] = text[0].replacingOccurrences(of: "urn:epc:id:sgtin:030001.0012345.11", with: "https://id.example.de/01/00300010123455/21/11")
        text[2] = text[2].replacingOccurrences(of: "urn:epc:id:sgtin:030001.0012345.11", with: "https://id.example.de/01/00300010123455/21/11")
        text[7] = text[7].replacingOccurrences(of: "urn:epc:id:sgln:039999.999999.0", with: "urn:epc:id:pgln:039999.999999")
        doc.events = try text.map { try EPCISNode.parseJSON($0) }
        let report = try test.ledger.importEPCIS(doc, key: test.manufacturerKey)
        #expect(report.refusal == nil)
        guard case .commission(let commission) = try test.body(4) else { Issue.record("entry 4 is not a commission"); return }
        #expect(commission.serials.first == "11")
        guard case .transfer(let transfer) = try test.body(10) else { Issue.record("entry 10 is not a transfer"); return }
        #expect(transfer.buyer.gln == "0399999999991")
    }

    @Test("the epcis member of a body is checked like every other member")
    func epcisMember() throws {
        let good = try JSONValue.parse(#"{"parent": "(00)403000112345678901", "children": ["(01)00300010123455(21)11"], "epcis": {"event": "{}", "eventID": "x", "eventHash": "ni:///sha-256;00?ver=CBV2.0"}}"#)
        guard case .aggregate(let body)? = try CustodyBody.parse(type: "aggregate", json: good) else { Issue.record("not an aggregate"); return }
        #expect(body.epcis == EPCISProvenance(eventHash: "ni:///sha-256;00?ver=CBV2.0", eventID: "x", event: "{}"))
        #expect(body.json == good)
        let bad = try JSONValue.parse(#"{"parent": "(00)403000112345678901", "children": ["(01)00300010123455(21)11"], "epcis": {"event": "{}", "eventHash": "sha256:00"}}"#)
        let error = #expect(throws: BodyError.self) { try CustodyBody.parse(type: "aggregate", json: bad) }
        #expect(error?.description == #"aggregate body, field epcis.eventHash: "sha256:00" is not a CBV 2.0 event hash ID (ni:///sha-256;HEX?ver=CBV2.0)"#)
        let unknown = try JSONValue.parse(#"{"shipment": "\#(String(repeating: "a", count: 64))", "epcis": {"event": "{}", "extra": 1}}"#)
        let unknownError = #expect(throws: BodyError.self) { try CustodyBody.parse(type: "receive", json: unknown) }
        #expect(unknownError?.description == "receive body, field epcis.extra: unknown field for receive (allowed: event, eventHash, eventID, namespaces)")
    }
}
