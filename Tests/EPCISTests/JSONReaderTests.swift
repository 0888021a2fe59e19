import EPCIS
import Testing

@Suite("EPCIS 2.0 JSON-LD reader")
struct JSONReaderTests {
    @Test("a document's events, header and prefixes are read in document order; numbers are kept as written")
    func readsEventsInOrder() throws {
        let doc = try document(json: epcisJSON([
            #"{"type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "sensorElementList": [{"sensorReport": [{"value": 26.10, "minValue": -1E3}]}]}"#,
            #"{"type": "AggregationEvent", "eventTime": "2024-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "ADD"}"#,
        ], header: statementHeader))
        #expect(doc.syntax == .json20)
        #expect(doc.events.map { $0["type"]?.stringValue } == ["ObjectEvent", "AggregationEvent"])
        #expect(doc.events[0].members?.map(\.key) == ["type", "eventTime", "eventTimeZoneOffset", "action", "sensorElementList"])
        let report = doc.events[0]["sensorElementList"]?.arrayValue?[0]["sensorReport"]?.arrayValue?[0]
        #expect(report?["value"] == .number("26.10"))
        #expect(report?["minValue"] == .number("-1E3"))
        #expect(doc.namespaces["gs1ushc"] == "http://epcis.gs1us.org/hc/ns")
        #expect(doc.header?["gs1ushc:dscsaTransactionStatement"] != nil)
        // The stored text of an event is exact: written compactly, it reads back to the same node.
        #expect(try EPCISNode.parseJSON(doc.events[0].compactJSON) == doc.events[0])
        #expect(doc.events[0].compactJSON.contains(#""value":26.10,"minValue":-1E3"#))
    }

    @Test("event-level @context prefixes apply to their event alone and the member is not kept in the event")
    func eventLevelContext() throws {
        let doc = try document("openepcis/2.0-json_Namespaces_at_different_level.json")
        #expect(doc.events.count == 5)
        #expect(doc.events.allSatisfy { $0["@context"] == nil })
        #expect(doc.namespaces.keys.sorted() == ["ext1"])
        #expect(doc.eventNamespaces.count == 5)
        #expect((0..<5).map { doc.namespaces(ofEvent: $0).count }.max()! >= 3)
    }

    @Test("two events binding one prefix to different IRIs hash as if each were alone in its document")
    func eventContextsDoNotLeak() throws {
        let first = #"{"@context": {"ex": "https://one.example/"}, "type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "epcList": ["urn:epc:id:sgtin:030001.0012345.11"], "ex:a": "1"}"#
        let second = #"{"@context": {"ex": "https://two.example/"}, "type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "epcList": ["urn:epc:id:sgtin:030001.0012345.11"], "ex:a": "1"}"#
        func wrap(_ events: [String]) -> String {
            #"{"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-01-02T03:04:05Z", "epcisBody": {"eventList": ["# + events.joined(separator: ",") + "]}}"
        }
        let both = try document(json: wrap([first, second]))
        let alone = [try document(json: wrap([first])), try document(json: wrap([second]))]
        for index in 0..<2 {
            #expect(EPCISEventHash.preHash(both.events[index], namespaces: both.namespaces(ofEvent: index))
                    == EPCISEventHash.preHash(alone[index].events[0], namespaces: alone[index].namespaces(ofEvent: 0)))
        }
        #expect(EPCISEventHash.preHash(both.events[0], namespaces: both.namespaces(ofEvent: 0)).hasSuffix("{https://one.example/}a=1"))
        #expect(EPCISEventHash.preHash(both.events[1], namespaces: both.namespaces(ofEvent: 1)).hasSuffix("{https://two.example/}a=1"))
        #expect(both.namespaces["ex"] == nil)
    }

    @Test("an EPCISQueryDocument's events are read from queryResults.resultsBody.eventList")
    func queryDocument() throws {
        let doc = try document(json: """
            {"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", "type": "EPCISQueryDocument",
             "schemaVersion": "2.0", "creationDate": "2024-01-02T03:04:05Z",
             "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": [{"type": "ObjectEvent"}]}}}}
            """)
        #expect(doc.events.count == 1)
    }

    @Test("every copied OpenEPCIS and event-hash JSON document reads")
    func copiedSamplesRead() throws {
        for path in ["openepcis/2.0-json_AggregationEvent_with_digitalLink.json", "openepcis/2.0-json_Combination_of_different_event.json",
                     "openepcis/2.0-json_CurieString_document.json", "openepcis/2.0-json_ObjectEvent_with_userExtensions.json",
                     "openepcis/2.0-json_epcisDocWithAllGS1Keys.json", "event-hash/ReferenceEventHashAlgorithm.jsonld",
                     "event-hash/epcisDocWithShippingAndTransportingEvent.jsonld", "us-pharma-2.2.1.1.jsonld"] {
            let doc = try document(path)
            #expect(!doc.events.isEmpty, "\(path)")
        }
    }

    @Test("a document without @context is refused (the context is required, and never fetched)")
    func missingContext() throws {
        let error = #expect(throws: EPCISError.self) { try document("openepcis/invalid/2.0-json_EPCISDocument_without_context.json") }
        #expect(error?.description == "openepcis/invalid/2.0-json_EPCISDocument_without_context.json, field @context: is required: an EPCIS 2.0 JSON-LD document names the EPCIS context (it is never fetched) [bad-context]")
    }

    @Test("an event key that is not a field name or a prefix:NCName with a declared prefix is refused", arguments: [
        (#"{"type": "ObjectEvent", "ex:a x=\"1\"><bizStep>": "v"}"#, #"test.jsonld, event 1, field ex:a x="1"><bizStep>: ex:a x="1"><bizStep> is not a user extension key prefix:NCName [bad-key]"#),
        (#"{"type": "ObjectEvent", "eventID": "e1", "ilmd": {"un:known": "v"}}"#, "test.jsonld, event 1 (e1), field ilmd.un:known: the prefix un of un:known is not declared in the @context [bad-key]"),
        (#"{"type": "ObjectEvent", "quantityList": [{"a b": 1}]}"#, "test.jsonld, event 1, field quantityList[0].a b: a b is not a field name (an NCName) nor a user extension key prefix:NCName [bad-key]"),
        (#"{"type": "ObjectEvent", "xmlns:ex": "v"}"#, "test.jsonld, event 1, field xmlns:ex: xmlns:ex is not a user extension key prefix:NCName [bad-key]"),
    ])
    func badKeys(event: String, expected: String) throws {
        let text = #"{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ex": "https://ex.example/", "xmlns": "https://x.example/"}], "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-01-02T03:04:05Z", "epcisBody": {"eventList": ["# + event + "]}}"
        let error = #expect(throws: EPCISError.self) { try document(json: text) }
        #expect(error?.description == expected)
    }

    @Test("a document with more JSON values than the limit is refused before any is built (commas and brackets in strings do not count)")
    func tooManyValues() throws {
        let text = #"{"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-01-02T03:04:05Z", "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventID": "a,[{\"b"}]}}"#
        // 1 root + 5 commas + 4 opening brackets outside strings = 10.
        let error = #expect(throws: EPCISError.self) { try EPCISJSONReader.read(Array(text.utf8), source: "many.jsonld", valueLimit: 9) }
        #expect(error?.description == "many.jsonld: has more than 9 JSON values (10 counted) [json-too-many-values]")
        #expect(try EPCISJSONReader.read(Array(text.utf8), source: "many.jsonld", valueLimit: 10).events.count == 1)
        #expect(EPCISJSONReader.maxValues == 10_000_000)
    }

    @Test("malformed JSON is refused with the byte offset", arguments: [
        (#"{"a": 1, "a": 2}"#, "test.jsonld: invalid JSON at byte 9: duplicate member name \"a\" [bad-syntax]"),
        (#"{"a": 01}"#, "test.jsonld: invalid JSON at byte 6: leading zeros are not allowed [bad-syntax]"),
        (#"{"a": [1,]}"#, "test.jsonld: invalid JSON at byte 9: unexpected character ']' [bad-syntax]"),
        ("[]", "test.jsonld: is neither EPCIS JSON (starting with '{') nor XML (starting with '<') [bad-syntax]"),
    ])
    func malformed(text: String, expected: String) throws {
        let error = #expect(throws: EPCISError.self) { try document(json: text) }
        #expect(error?.description == expected)
    }

    @Test("document members are checked: type, schemaVersion, creationDate, epcisBody", arguments: [
        (#""type": "Other""#, "test.jsonld, field type: \"Other\" is not EPCISDocument or EPCISQueryDocument [bad-document]"),
        (#""schemaVersion": "1.2""#, "test.jsonld, field schemaVersion: must be \"2.0\" for an EPCIS 2.0 JSON document, not \"1.2\" [bad-document]"),
        (#""creationDate": "yesterday""#, "test.jsonld, field creationDate: \"yesterday\" is not an xsd:dateTime with a time zone [bad-document]"),
    ])
    func documentMembers(member: String, expected: String) throws {
        var members = [#""type": "EPCISDocument""#, #""schemaVersion": "2.0""#, #""creationDate": "2024-01-02T03:04:05Z""#]
        let name = member.split(separator: ":")[0]
        members.removeAll { $0.hasPrefix(name) }
        members.append(member)
        let text = #"{"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", "epcisBody": {"eventList": []}, "# + members.joined(separator: ", ") + "}"
        let error = #expect(throws: EPCISError.self) { try document(json: text) }
        #expect(error?.description == expected)
    }
}
