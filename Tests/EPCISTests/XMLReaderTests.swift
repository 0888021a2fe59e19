import EPCIS
import Testing

@Suite("EPCIS XML reader")
struct XMLReaderTests {
    // MARK: The GS1 US DSCSA example (EPCIS 1.2), field by field

    @Test("US Pharma example: header master data, SBDH and the DSCSA transaction statement")
    func usPharmaHeader() throws {
        let document = try readXML("openepcis/1.2-xml_GS1_US_Pharma_Example_2_2_1_1.xml")
        #expect(document.syntax == .xml12)
        #expect(document.namespaces["gs1ushc"] == "http://epcis.gs1us.org/hc/ns")
        #expect(document.namespaces["sbdh"] == "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader")
        #expect(document.namespaces["cbvmda"] == "urn:epcglobal:cbv:mda")
        let header = try #require(document.header)
        let statement = try #require(header["gs1ushc:dscsaTransactionStatement"])
        #expect(statement["gs1ushc:affirmTransactionStatement"]?.stringValue == "true")
        #expect(statement["gs1ushc:legalNotice"]?.stringValue == "Seller has complied with each applicable subsection of FDCA Sec. 581(27)(A)-(G).")
        #expect(header["gs1ushc:guidelineVersion"]?.stringValue == "GS1 US DSCSA R1.3")
        let sbdh = try #require(header["sbdh:StandardBusinessDocumentHeader"])
        #expect(sbdh["sbdh:Sender"]?["sbdh:Identifier"] == .object([.init("Authority", .string("GS1")), .init("#text", .string("urn:epc:id:sgln:030001.111111.0"))]))
        #expect(sbdh["sbdh:DocumentIdentification"]?["sbdh:InstanceIdentifier"]?.stringValue == "1100220001")

        let vocabularies = try #require(header["epcisMasterData"]?["vocabularyList"]?.arrayValue)
        #expect(vocabularies.map { $0["type"]?.stringValue } == ["urn:epcglobal:epcis:vtype:EPCClass", "urn:epcglobal:epcis:vtype:Location"])
        let products = try #require(vocabularies[0]["vocabularyElementList"]?.arrayValue)
        #expect(products.map { $0["id"]?.stringValue } == ["urn:epc:idpat:sgtin:030001.0012345.*", "urn:epc:idpat:sgtin:030001.1012345.*"])
        let attributes = try #require(products[0]["attributes"]?.arrayValue)
        #expect(attributes.count == 7)
        #expect(attributes[0] == .object([.init("id", .string("urn:epcglobal:cbv:mda#additionalTradeItemIdentification")),
                                          .init("attribute", .string("0001-0123-45"))]))
        #expect(attributes[1]["attribute"]?.stringValue == "US_FDA_NDC")
        #expect(attributes[2]["attribute"]?.stringValue == "Epcistra")
        let locations = try #require(vocabularies[1]["vocabularyElementList"]?.arrayValue)
        #expect(locations.count == 4)
        #expect(locations[2]["id"]?.stringValue == "urn:epc:id:sgln:039999.999999.0")
        #expect(locations[2]["attributes"]?.arrayValue?.first?["attribute"]?.stringValue == "GS1 Drug Distributor")
        #expect(locations[2]["attributes"]?.arrayValue?[5]["attribute"]?.stringValue == "10003-1502")
    }

    @Test("US Pharma example: 12 + 3 SGTINs commissioned with lot and expiry, SSCC pallet, shipping with po/desadv")
    func usPharmaEvents() throws {
        let document = try readXML("openepcis/1.2-xml_GS1_US_Pharma_Example_2_2_1_1.xml")
        let events = document.events
        #expect(events.map { $0["type"]?.stringValue } == ["ObjectEvent", "ObjectEvent", "AggregationEvent", "AggregationEvent",
                                                          "AggregationEvent", "ObjectEvent", "AggregationEvent", "ObjectEvent"])
        let units = try #require(events[0]["epcList"]?.arrayValue)
        #expect(units.count == 12)
        #expect(units.first == .string("urn:epc:id:sgtin:030001.0012345.11"))
        #expect(units.last == .string("urn:epc:id:sgtin:030001.0012345.22"))
        #expect(events[0]["action"] == .string("ADD"))
        #expect(events[0]["bizStep"] == .string("urn:epcglobal:cbv:bizstep:commissioning"))
        #expect(events[0]["ilmd"] == .object([.init("cbvmda:lotNumber", .string("A123")), .init("cbvmda:itemExpirationDate", .string("2025-03-27"))]))
        #expect(events[0]["extension"] == nil)
        #expect(events[0]["readPoint"] == .object([.init("id", .string("urn:epc:id:sgln:030001.111111.0"))]))
        #expect(events[1]["epcList"]?.arrayValue?.count == 3)
        #expect(events[1]["ilmd"]?["cbvmda:lotNumber"] == .string("A123"))
        #expect(events[2]["parentID"] == .string("urn:epc:id:sgtin:030001.1012345.110"))
        #expect(events[2]["childEPCs"]?.arrayValue?.count == 4)
        #expect(events[5]["epcList"] == .array([.string("urn:epc:id:sscc:030001.41234567890")]))
        #expect(events[6]["parentID"] == .string("urn:epc:id:sscc:030001.41234567890"))

        let shipping = events[7]
        #expect(shipping["eventTime"] == .string("2023-04-01T07:48:16Z"))
        #expect(shipping["eventTimeZoneOffset"] == .string("-05:00"))
        #expect(shipping["action"] == .string("OBSERVE"))
        #expect(shipping["disposition"] == .string("urn:epcglobal:cbv:disp:in_transit"))
        #expect(shipping["bizTransactionList"] == .array([
            .object([.init("type", .string("urn:epcglobal:cbv:btt:po")), .init("bizTransaction", .string("urn:epcglobal:cbv:bt:0399999999991:XYZPO189"))]),
            .object([.init("type", .string("urn:epcglobal:cbv:btt:desadv")), .init("bizTransaction", .string("urn:epcglobal:cbv:bt:0300011111215:DEL100"))]),
        ]))
        #expect(shipping["sourceList"] == .array([
            .object([.init("type", .string("urn:epcglobal:cbv:sdt:owning_party")), .init("source", .string("urn:epc:id:sgln:030001.111111.0"))]),
            .object([.init("type", .string("urn:epcglobal:cbv:sdt:location")), .init("source", .string("urn:epc:id:sgln:030001.111121.0"))]),
        ]))
        #expect(shipping["destinationList"] == .array([
            .object([.init("type", .string("urn:epcglobal:cbv:sdt:owning_party")), .init("destination", .string("urn:epc:id:sgln:039999.999999.0"))]),
            .object([.init("type", .string("urn:epcglobal:cbv:sdt:location")), .init("destination", .string("urn:epc:id:sgln:039999.345678.0"))]),
        ]))
        #expect(shipping["gs1ushc:dropShipment"] == .string("false"))
    }

    // MARK: Other good samples

    @Test("1.2 baseExtension: eventID and errorDeclaration move up to the event")
    func baseExtension() throws {
        let document = try readXML("openepcis/1.2-xml_ObjectEvent_all_possible_fields.xml")
        let event = try #require(document.events.first)
        #expect(event["eventID"] == .string("ni:///sha-256;0d2fdf97b264e9092990c5a107046c1f595a1f34b27ab41f095e48feb5146ea8?ver=CBV2.0"))
        let declaration = try #require(event["errorDeclaration"])
        #expect(declaration["declarationTime"] == .string("2020-01-15T00:00:00+01:00"))
        #expect(declaration["reason"] == .string("urn:epcglobal:cbv:er:incorrect_data"))
        #expect(declaration["correctiveEventIDs"] == .array([.string("urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8")]))
        #expect(declaration["example:vendorExtension"] == .string("Test1"))
        #expect(event["quantityList"] == .array([.object([.init("epcClass", .string("urn:epc:class:lgtin:4012345.012345.998877")),
                                                          .init("quantity", .number("200")), .init("uom", .string("KGM"))])]))
        #expect(event["sourceList"]?.arrayValue?.count == 3)
        let ilmd = try #require(event["ilmd"])
        #expect(ilmd["cbvmda:lotNumber"] == .string("ABC123"))
        #expect(ilmd["cbvmda:netWeight"] == .object([.init("measurementUnitCode", .string("KGM")), .init("#text", .string("3.5"))]))
        #expect(ilmd["ext1:int"] == .number("10"))
        #expect(ilmd["ext1:boolean"] == .bool(true))
        #expect(ilmd["ext1:time"] == .string("2013-06-08T14:58:56.591Z"))
        #expect(ilmd["ext1:object"]?["ext2:array"] == .array([.number("11"), .number("21"), .string("stringInArrayInObject")]))
        #expect(ilmd["ext1:object"]?["ext2:object"]?["ext3:string"] == .string("stringInObjectInObject"))
    }

    @Test("1.2 all event types: TransformationEvent and AssociationEvents from the EventList's (nested) extension, sensor data, persistentDisposition")
    func allEventTypes() throws {
        let document = try readXML("openepcis/1.2-xml_All_eventTypes_in_single_document.xml")
        #expect(document.events.map { $0["type"]?.stringValue ?? "" } == ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
                                                                         "AssociationEvent", "AssociationEvent"])
        let report = try #require(document.events[0]["sensorElementList"]?.arrayValue?.first?["sensorReport"]?.arrayValue?.first)
        #expect(report == .object([.init("type", .string("gs1:Length")), .init("component", .string("cbv:Comp-northing")),
                                   .init("value", .number("-477979.89")), .init("uom", .string("MTR")),
                                   .init("coordinateReferenceSystem", .string("http://www.opengis.net/def/crs/EPSG/0/27700"))]))
        #expect(document.events[1]["persistentDisposition"] == .object([
            .init("unset", .array([.string("urn:epcglobal:cbv:disp:completeness_inferred")])),
            .init("set", .array([.string("urn:epcglobal:cbv:disp:completeness_verified")])),
        ]))
        #expect(document.events[2]["bizTransactionList"] == .array([.object([.init("bizTransaction", .string("urn:epc:id:gdti:95252084.0001.0003555480001000"))])]))
        #expect(document.events[3]["inputQuantityList"]?.arrayValue?[1] == .object([.init("epcClass", .string("urn:epc:class:lgtin:0614141.077777.987")),
                                                                                   .init("quantity", .number("30"))]))
    }

    @Test("2.0 XML with Digital Links and event-level namespace declarations")
    func digitalLinks20() throws {
        let document = try readXML("openepcis/2.0-xml_ObjectEvent_with_digitalLink.xml")
        #expect(document.syntax == .xml20)
        let event = try #require(document.events.first)
        #expect(event["quantityList"]?.arrayValue?.first?["epcClass"] == .string("https://id.gs1.org/01/70614141123451/10/998877"))
        #expect(event["example:myField"] == .string("Example of a vendor/user extension"))
        #expect(document.namespaces["example"] == "http://ns.example.com/epcis/")
    }

    @Test("every good XML sample reads")
    func allGoodSamples() throws {
        let counts = [
            "openepcis/1.2-xml_ObjectEvent_with_sensorData.xml": 1, "openepcis/2.0-xml_Combination_of_different_event.xml": 0,
            "openepcis/1.2-xml_ObjectEvent_with_baseExtension_errorDeclaration.xml": 1,
        ]
        for (path, minimum) in counts {
            let document = try readXML(path)
            #expect(document.events.count >= max(minimum, 1), "\(path)")
        }
    }

    // MARK: Refused documents (the openepcis invalid/ files and hand-made ones)

    @Test("action OBSERV is refused, naming the event and the field")
    func nearMissAction() throws {
        let error = readError(try resource("openepcis/invalid/2.0-xml_ObjectEvent_with_near_miss_action.xml"), source: "near-miss.xml")
        #expect(error == EPCISError(document: "near-miss.xml", eventIndex: 0, field: "action", code: "bad-action",
                                    reason: "line 13: action \"OBSERV\" is not ADD, OBSERVE or DELETE"))
    }

    @Test("an event without eventTime is refused")
    func missingEventTime() throws {
        let error = readError(try resource("openepcis/invalid/2.0-xml_ObjectEvent_without_eventTime.xml"), source: "no-time.xml")
        #expect(error == EPCISError(document: "no-time.xml", eventIndex: 0, field: "eventTime", code: "missing-field",
                                    reason: "line 6: the ObjectEvent has no eventTime, which every event must have"))
    }

    @Test("fields out of the XSD's order are read (lenient, documented)")
    func wrongElementOrder() throws {
        let document = try readXML("openepcis/invalid/2.0-xml_ObjectEvent_with_wrong_element_order.xml")
        let event = try #require(document.events.first)
        #expect(event["action"] == .string("ADD"))
        #expect(event["eventTime"] == .string("2026-07-22T06:45:00+02:00"))
        #expect(event["members"] == nil)
        #expect(event.members?.map(\.key) == ["type", "action", "eventTime", "eventTimeZoneOffset", "epcList"])
    }

    static func document(_ events: String, root: String = "urn:epcglobal:epcis:xsd:2") -> [UInt8] {
        Array("""
        <epcis:EPCISDocument xmlns:epcis="\(root)" xmlns:ex="https://ex.example/ns" schemaVersion="2.0" creationDate="2026-01-01T00:00:00Z">
        <EPCISBody><EventList>\(events)</EventList></EPCISBody></epcis:EPCISDocument>
        """.utf8)
    }

    static let eventHead = "<eventTime>2026-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>"

    @Test("a non-numeric quantity is refused with its path")
    func quantityAsText() {
        let bytes = Self.document("<ObjectEvent>\(Self.eventHead)<eventID>urn:uuid:7</eventID><action>ADD</action><quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass><quantity>twenty</quantity></quantityElement></quantityList></ObjectEvent>")
        let error = readError(bytes, source: "q.xml")
        #expect(error == EPCISError(document: "q.xml", eventIndex: 0, eventID: "urn:uuid:7", field: "quantityList[0].quantity", code: "bad-quantity",
                                    reason: "line 2: quantity \"twenty\" is not a number"))
    }

    @Test("a quantity of xsi:nil=\"true\" is absent (GS1's corrective-event example), not refused")
    func nilQuantityIsAbsent() throws {
        let bytes = Self.document("<ObjectEvent xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\(Self.eventHead)<action>ADD</action><quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass><quantity xsi:nil=\"true\"/></quantityElement></quantityList></ObjectEvent>")
        let document = try EPCISXMLReader.read(bytes, source: "nil.xml")
        #expect(document.events[0]["quantityList"] == .array([.object([.init("epcClass", .string("urn:epc:class:lgtin:4012345.012345.998877"))])]))
    }

    @Test("an unqualified element that is not an EPCIS field is refused")
    func unknownField() {
        let bytes = Self.document("<ObjectEvent>\(Self.eventHead)<action>ADD</action></ObjectEvent><ObjectEvent>\(Self.eventHead)<action>ADD</action><lotNumber>L1</lotNumber></ObjectEvent>")
        let error = readError(bytes, source: "u.xml")
        #expect(error == EPCISError(document: "u.xml", eventIndex: 1, field: "lotNumber", code: "unknown-field",
                                    reason: "line 2: <lotNumber> is not a field of an EPCIS event; user extensions must be in a namespace of their own"))
    }

    @Test("an event without action is refused")
    func missingAction() {
        let bytes = Self.document("<AggregationEvent>\(Self.eventHead)<parentID>urn:epc:id:sscc:030001.41234567890</parentID></AggregationEvent>")
        let error = readError(bytes, source: "a.xml")
        #expect(error == EPCISError(document: "a.xml", eventIndex: 0, field: "action", code: "missing-field",
                                    reason: "line 2: the AggregationEvent has no action (ADD, OBSERVE or DELETE)"))
    }

    @Test("an eventTime that is not a dateTime with a time zone is refused", arguments: ["22-07-2026", "2026-07-22T06:45:00"])
    func badEventTime(time: String) {
        let bytes = Self.document("<ObjectEvent><eventTime>\(time)</eventTime><action>ADD</action></ObjectEvent>")
        #expect(readError(bytes, source: "t.xml") == EPCISError(document: "t.xml", eventIndex: 0, field: "eventTime", code: "bad-time",
                                                                reason: "line 2: eventTime \"\(time)\" is not an xsd:dateTime with a time zone (YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm))"))
    }

    @Test("whitespace around identifiers and dates is trimmed; user extensions keep prefix:localName keys")
    func lenientWhitespace() throws {
        let bytes = Self.document("<ObjectEvent><eventTime>\n  2026-01-01T00:00:00Z\n</eventTime><epcList><epc>\n urn:epc:id:sgtin:030001.0012345.11 \n</epc></epcList><action> ADD </action><ex:note lang=\"en\">hi</ex:note></ObjectEvent>")
        let document = try EPCISXMLReader.read(bytes, source: "w.xml")
        let event = try #require(document.events.first)
        #expect(event["eventTime"] == .string("2026-01-01T00:00:00Z"))
        #expect(event["epcList"] == .array([.string("urn:epc:id:sgtin:030001.0012345.11")]))
        #expect(event["action"] == .string("ADD"))
        #expect(event["ex:note"] == .object([.init("lang", .string("en")), .init("#text", .string("hi"))]))
        #expect(document.namespaces["ex"] == "https://ex.example/ns")
    }

    @Test("a root that is not an EPCIS document is refused")
    func notEPCIS() {
        let error = readError(Array("<EPCISDocument><EPCISBody/></EPCISDocument>".utf8), source: "n.xml")
        #expect(error == EPCISError(document: "n.xml", code: "not-epcis",
                                    reason: "line 1: the root element is EPCISDocument in no namespace, not EPCISDocument in urn:epcglobal:epcis:xsd:2 or urn:epcglobal:epcis:xsd:1 (or EPCISQueryDocument in urn:epcglobal:epcis-query:xsd:2 or urn:epcglobal:epcis-query:xsd:1)"))
    }

    @Test("2.0 master data: an attribute whose value is nested XML becomes a nested object; children are ids")
    func nestedMasterData() throws {
        let bytes = Array("""
        <epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ex="https://ex.example/ns" xmlns:cbvmda="urn:epcglobal:cbv:mda" schemaVersion="2.0" creationDate="2026-01-01T00:00:00Z">
        <EPCISHeader><EPCISMasterData><VocabularyList><Vocabulary type="urn:epcglobal:epcis:vtype:ReadPoint"><VocabularyElementList>
        <VocabularyElement id="urn:epc:id:sgln:0037000.00729.8201">
          <attribute id="urn:epcglobal:cbv:mda#name">Dock 1</attribute>
          <attribute id="https://ex.example/ns#address"><ex:street>1 Main St</ex:street><ex:city>Springfield</ex:city></attribute>
          <children><id>urn:epc:id:sgln:0037000.00729.8202</id><id>urn:epc:id:sgln:0037000.00729.8203</id></children>
        </VocabularyElement></VocabularyElementList></Vocabulary></VocabularyList></EPCISMasterData></EPCISHeader>
        <EPCISBody><EventList/></EPCISBody></epcis:EPCISDocument>
        """.utf8)
        let document = try EPCISXMLReader.read(bytes, source: "md.xml")
        let element = try #require(document.header?["epcisMasterData"]?["vocabularyList"]?.arrayValue?.first?["vocabularyElementList"]?.arrayValue?.first)
        #expect(element == .object([
            .init("id", .string("urn:epc:id:sgln:0037000.00729.8201")),
            .init("attributes", .array([
                .object([.init("id", .string("urn:epcglobal:cbv:mda#name")), .init("attribute", .string("Dock 1"))]),
                .object([.init("id", .string("https://ex.example/ns#address")),
                         .init("attribute", .object([.init("ex:street", .string("1 Main St")), .init("ex:city", .string("Springfield"))]))]),
            ])),
            .init("children", .array([.string("urn:epc:id:sgln:0037000.00729.8202"), .string("urn:epc:id:sgln:0037000.00729.8203")])),
        ]))
        #expect(document.events.isEmpty)
    }

    @Test("a default namespace or a rebound prefix on an extension gets a fresh prefix")
    func freshPrefixes() throws {
        let bytes = Self.document("<ObjectEvent>\(Self.eventHead)<action>ADD</action><note xmlns=\"urn:a\">1</note><ex:x xmlns:ex=\"urn:b\">2</ex:x></ObjectEvent>")
        let document = try EPCISXMLReader.read(bytes, source: "p.xml")
        let event = try #require(document.events.first)
        #expect(event["ns:note"] == .string("1"))
        #expect(event["ex1:x"] == .string("2"))
        #expect(document.namespaces["ns"] == "urn:a")
        #expect(document.namespaces["ex1"] == "urn:b")
        #expect(document.namespaces["ex"] == "https://ex.example/ns")
    }

    @Test("EPCISQueryDocument: events are read from QueryResults/resultsBody/EventList")
    func queryDocument() throws {
        let bytes = Array("""
        <epcisq:EPCISQueryDocument xmlns:epcisq="urn:epcglobal:epcis-query:xsd:2" schemaVersion="2.0" creationDate="2026-01-01T00:00:00Z">
        <EPCISBody><epcisq:QueryResults><queryName>SimpleEventQuery</queryName><resultsBody><EventList>
        <ObjectEvent>\(Self.eventHead)<action>OBSERVE</action></ObjectEvent></EventList></resultsBody></epcisq:QueryResults></EPCISBody>
        </epcisq:EPCISQueryDocument>
        """.utf8)
        let document = try EPCISXMLReader.read(bytes, source: "query.xml")
        #expect(document.syntax == .xml20)
        #expect(document.events.count == 1)
        #expect(document.events.first?["action"] == .string("OBSERVE"))
    }
}
