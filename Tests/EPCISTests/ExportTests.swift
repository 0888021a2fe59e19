import Custody
import EPCIS
import LedgerCore
import LedgerFormat
import LedgerStore
import Testing

@Suite("EPCIS export")
struct ExportTests {
    /// The bodies of entries `range` as JSON, with or without their `epcis` member.
    static func bodies(_ test: PharmaLedger, _ range: ClosedRange<UInt64>, keepEPCIS: Bool = true) throws -> [JSONValue] {
        try range.map { seq in
            guard case .object(var members) = try test.bodyJSON(seq) else { return .null }
            if !keepEPCIS { members["epcis"] = nil }
            return .object(members)
        }
    }

    static func export(_ test: PharmaLedger, _ unit: UnitID) throws -> EPCISNode {
        try CustodyQuery(layout: test.layout).epcisExport(units: [unit], creationDate: "2026-01-01T00:00:00Z")
    }

    @Test("import → export → import gives the same bodies, and exporting again gives the same document")
    func roundTrip() throws {
        let first = try PharmaLedger()
        _ = try first.ledger.importEPCIS(try document("openepcis/1.2-xml_GS1_US_Pharma_Example_2_2_1_1.xml"), key: first.manufacturerKey)
        let bottle = UnitID.sgtin(gtin: "00300010123455", serial: "11")
        let exported = try Self.export(first, bottle)
        let reread = try EPCISDocument.read(Array(exported.prettyJSON.utf8), source: "export.jsonld")
        #expect(reread.events.count == 7)
        let second = try PharmaLedger()
        let report = try second.ledger.importEPCIS(reread, key: second.manufacturerKey)
        #expect(report.refusal == nil)
        #expect(try Self.bodies(second, 4...10) == (try Self.bodies(first, 4...10)))
        #expect(try Self.export(second, bottle) == exported)
    }

    @Test("events binding one prefix to different IRIs export with their own @context and import back to the same hashes")
    func clashingEventContexts() throws {
        let first = try PharmaLedger()
        var doc = try document("us-pharma-2.2.1.1.jsonld")
        var text = Array(doc.events.prefix(3).map(\.compactJSON))
        text[0] = #"{"ex:a": "1", "# + text[0].dropFirst()
        text[2] = #"{"ex:a": "1", "# + text[2].dropFirst()
        doc.events = try text.map { try EPCISNode.parseJSON($0) }
        doc.eventNamespaces = [["ex": "https://one.example/"], [:], ["ex": "https://two.example/"]]
        let imported = try first.ledger.importEPCIS(doc, key: first.manufacturerKey)
        #expect(imported.refusal == nil, "\(imported.refusal?.description ?? "")")
        let exported = try Self.export(first, .sgtin(gtin: "00300010123455", serial: "11"))
        let events = exported["epcisBody"]?["eventList"]?.arrayValue ?? []
        #expect(events.count == 3)
        #expect(exported["@context"]?.arrayValue?.last?["ex"] == .string("https://one.example/"))
        #expect(events[0]["@context"] == nil && events[2]["@context"] == .object([.init("ex", .string("https://two.example/"))]))
        let reread = try EPCISDocument.read(Array(exported.prettyJSON.utf8), source: "export.jsonld")
        let second = try PharmaLedger()
        #expect(try second.ledger.importEPCIS(reread, key: second.manufacturerKey).refusal == nil)
        #expect(try Self.bodies(second, 4...6) == (try Self.bodies(first, 4...6)))
    }

    @Test("the XML export of XML-imported entries imports back to the very same bodies; sensor data is refused, not written wrongly")
    func xmlRoundTrip() throws {
        let first = try PharmaLedger()
        _ = try first.ledger.importEPCIS(try document("openepcis/1.2-xml_GS1_US_Pharma_Example_2_2_1_1.xml"), key: first.manufacturerKey)
        let exported = try Self.export(first, .sgtin(gtin: "00300010123455", serial: "11"))
        let xml = try EPCISXMLWriter.write(exported)
        let reread = try EPCISDocument.read(Array(xml.utf8), source: "export.xml")
        #expect(reread.syntax == .xml20)
        let second = try PharmaLedger()
        #expect(try second.ledger.importEPCIS(reread, key: second.manufacturerKey).refusal == nil)
        #expect(try Self.bodies(second, 4...10) == (try Self.bodies(first, 4...10)))
        var events = exported["epcisBody"]?["eventList"]?.arrayValue ?? []
        guard case .object(var members) = events[0] else { Issue.record("no event"); return }
        members.append(.init("sensorElementList", .array([])))
        events[0] = .object(members)
        let withSensor = EPCISNode.object([.init("epcisBody", .object([.init("eventList", .array(events))]))])
        let error = #expect(throws: EPCISError.self) { try EPCISXMLWriter.write(withSensor) }
        #expect(error?.description == "export, event 1, field sensorElementList: has no XML form in this writer; export as epcis-json [not-writable-as-xml]")
    }

    @Test("names that are not XML names are refused (never written raw); text and attribute values are escaped", arguments: [
        (#"{"type": "ObjectEvent", "ex:a x=\"1\"><bizStep>x</bizStep><ex:b": "v"}"#, #"export, event 1, field ex:a x="1"><bizStep>x</bizStep><ex:b: ex:a x="1"><bizStep>x</bizStep><ex:b is not an XML element name (an NCName or prefix:NCName) [not-writable-as-xml]"#),
        (#"{"type": "ObjectEvent><x"}"#, #"export, event 1, field type: ObjectEvent><x is not an XML element name [not-writable-as-xml]"#),
        (#"{"type": "ObjectEvent", "quantityList": [{"q y": 1}]}"#, #"export, event 1, field quantityList.q y: q y is not an XML element name [not-writable-as-xml]"#),
        (#"{"type": "ObjectEvent", "readPoint": {"ex:": "1"}}"#, #"export, event 1, field readPoint.ex:: ex: is not an XML element name (an NCName or prefix:NCName) [not-writable-as-xml]"#),
    ])
    func unwritableNames(event: String, expected: String) throws {
        let document = EPCISNode.object([.init("@context", .array([.object([.init("ex", .string("https://ex.example/"))])])),
                                         .init("epcisBody", .object([.init("eventList", .array([try EPCISNode.parseJSON(event)]))]))])
        let error = #expect(throws: EPCISError.self) { try EPCISXMLWriter.write(document) }
        #expect(error?.description == expected)
    }

    @Test("a context prefix that is not an XML prefix is refused; values are escaped")
    func unwritablePrefixAndEscaping() throws {
        let events = EPCISNode.object([.init("eventList", .array([try EPCISNode.parseJSON(#"{"type": "ObjectEvent", "ex:note": "a<b&\"c'>", "bizTransactionList": [{"type": "x\"><y", "bizTransaction": "t"}]}"#)]))])
        let bad = EPCISNode.object([.init("@context", .array([.object([.init(#"a="1" b"#, .string("https://ex.example/"))])])), .init("epcisBody", events)])
        let error = #expect(throws: EPCISError.self) { try EPCISXMLWriter.write(bad) }
        #expect(error?.description == #"export, field @context.a="1" b: the prefix a="1" b is not an XML namespace prefix (an NCName not starting with xml) [not-writable-as-xml]"#)
        let good = EPCISNode.object([.init("@context", .array([.object([.init("ex", .string("https://ex.example/?a=\"&"))])])), .init("epcisBody", events)])
        let xml = try EPCISXMLWriter.write(good)
        #expect(xml.contains(#"xmlns:ex="https://ex.example/?a=&quot;&amp;""#))
        #expect(xml.contains("<ex:note>a&lt;b&amp;&quot;c&apos;&gt;</ex:note>"))
        #expect(xml.contains(#"<bizTransaction type="x&quot;&gt;&lt;y">t</bizTransaction>"#))
    }

    @Test("entries appended by hand export as the events the importer maps back to the same bodies")
    func synthesizedEvents() throws {
        let first = try PharmaLedger()
        let bodies = [
            ("commission", #"{"gtin": "00300010123455", "serials": ["S1", "S2"], "lot": "L9", "expiry": "2030-01-31", "eventTime": "2026-01-05T10:00:00-05:00", "product": {"name": "Epcistra", "strength": "100mg", "dosageForm": "PILL", "containerSize": "500 pills", "ndc": "0001-0123-45"}}"#),
            ("aggregate", #"{"parent": "(00)003000100000000015", "children": ["(01)00300010123455(21)S1", "(01)00300010123455(21)S2"], "eventTime": "2026-01-05T11:00:00-05:00"}"#),
            ("transfer", #"{"items": ["(00)003000100000000015"], "seller": {"gln": "0300011111116", "name": "GS1 Pharma", "address": "1 Biopharm Ct"}, "buyer": {"gln": "0399999999991", "name": "GS1 Drug Distributor", "address": "230 Park Ave S"}, "transactionDate": "2026-01-06T09:30:00-05:00", "references": {"po": "PO-7", "asn": "ASN-8"}, "statement": {"authorized": true, "receivedFromAuthorized": true, "receivedTransactionInformation": true, "noSuspectOrIllegitimateProduct": true, "verificationSystemsInPlace": true, "noFalseTransactionInformation": true, "noAlteredTransactionHistory": true, "affirmedBy": "GS1 Pharma"}}"#),
        ]
        for (type, json) in bodies {
            let input = first.ledger.completing(BodyInput(type: type, body: try JSONValue.parse(json)))
            try first.ledger.append([try first.ledger.sign(input, with: first.manufacturerKey)])
        }
        let exported = try Self.export(first, .sgtin(gtin: "00300010123455", serial: "S1"))
        #expect(exported["epcisBody"]?["eventList"]?.arrayValue?.map { $0["bizStep"]?.stringValue } == ["commissioning", "packing", "shipping"])
        let second = try PharmaLedger()
        let report = try second.ledger.importEPCIS(try EPCISDocument.read(Array(exported.compactJSON.utf8), source: "export.jsonld"), key: second.manufacturerKey)
        #expect(report.refusal == nil)
        #expect(try Self.bodies(second, 4...6, keepEPCIS: false) == (try Self.bodies(first, 4...6)))
    }

    @Test("an identifier the ledger never saw is refused")
    func unknownUnit() throws {
        let test = try PharmaLedger()
        let error = #expect(throws: InputError.self) { try Self.export(test, .sgtin(gtin: "00300010123455", serial: "404")) }
        #expect(error?.description == "(01)00300010123455(21)404: no entry names this identifier (never commissioned or packed)")
    }
}
