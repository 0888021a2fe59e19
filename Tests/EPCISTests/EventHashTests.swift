import EPCIS
import Foundation
import Testing

/// `Resources/event-hash/expected-hashes.json`: per example stem, the expected hash IDs and pre-hash strings.
struct ExpectedHashes {
    var hashes: [String]
    var prehashes: [String]

    static func load() throws -> [String: ExpectedHashes] {
        let object = try JSONSerialization.jsonObject(with: Data(try resource("event-hash/expected-hashes.json"))) as? [String: Any]
        let examples = object?["examples"] as? [String: [String: Any]] ?? [:]
        return examples.mapValues { ExpectedHashes(hashes: $0["hashes"] as? [String] ?? [], prehashes: $0["prehashes"] as? [String] ?? []) }
    }
}

@Suite("CBV 2.0 event hash")
struct EventHashTests {
    @Test("every event of the reference examples (XML) has the expected pre-hash string and hash ID",
          arguments: ["ReferenceEventHashAlgorithm", "epcisDocWithShippingAndTransportingEvent",
                      "epcisDocWithXMLstartTagAndErrorDeclaration", "epcisEventWithCURIEs"])
    func referenceExamplesXML(stem: String) throws {
        let expected = try #require(try ExpectedHashes.load()[stem])
        let document = try readXML("event-hash/\(stem).xml")
        #expect(document.events.count == expected.hashes.count)
        for (index, event) in document.events.enumerated() where index < expected.hashes.count {
            let preHash = EPCISEventHash.preHash(event, namespaces: document.namespaces)
            #expect(preHash == expected.prehashes[index], "event \(index + 1) of \(stem).xml")
            #expect(EPCISEventHash.hashID(event, namespaces: document.namespaces) == expected.hashes[index])
        }
    }

    @Test("the JSON-LD forms of the reference examples give the same pre-hash strings and IDs as their XML forms",
          arguments: ["ReferenceEventHashAlgorithm", "epcisDocWithShippingAndTransportingEvent"])
    func referenceExamplesJSONLD(stem: String) throws {
        let expected = try #require(try ExpectedHashes.load()[stem])
        let document = try EPCISJSONReader.read(try resource("event-hash/\(stem).jsonld"), source: "\(stem).jsonld")
        #expect(document.events.count == expected.hashes.count)
        for (index, event) in document.events.enumerated() where index < expected.hashes.count {
            #expect(EPCISEventHash.preHash(event, namespaces: document.namespaces) == expected.prehashes[index], "event \(index + 1) of \(stem).jsonld")
            #expect(EPCISEventHash.hashID(event, namespaces: document.namespaces) == expected.hashes[index])
        }
    }

    @Test("the expected-hash file covers four examples, five events")
    func expectationsAreAllThere() throws {
        let all = try ExpectedHashes.load()
        #expect(all.count == 4)
        #expect(all.values.map(\.hashes.count).reduce(0, +) == 5)
    }

    @Test("all events of an expected_equal file hash equal",
          arguments: ["expected_equal_timestampTimeZone", "expected_equal_differentRepresentationsOfObjectEvent"])
    func expectedEqual(stem: String) throws {
        let document = try readXML("event-hash/\(stem).xml")
        #expect(document.events.count >= 2)
        let ids = Set(document.events.map { EPCISEventHash.hashID($0, namespaces: document.namespaces) })
        #expect(ids.count == 1, "\(stem).xml: \(document.events.map { EPCISEventHash.preHash($0, namespaces: document.namespaces) })")
    }

    @Test("a change to any hashed field changes the hash; eventID and recordTime do not")
    func sensitivity() throws {
        let document = try readXML("event-hash/ReferenceEventHashAlgorithm.xml")
        let event = try #require(document.events.first)
        let base = EPCISEventHash.hashID(event, namespaces: document.namespaces)
        func replacing(_ key: String, _ value: EPCISNode) -> EPCISNode {
            var members = event.members ?? []
            if let index = members.firstIndex(where: { $0.key == key }) { members[index].value = value } else { members.append(.init(key, value)) }
            return .object(members)
        }
        #expect(EPCISEventHash.hashID(replacing("action", .string("ADD")), namespaces: document.namespaces) != base)
        #expect(EPCISEventHash.hashID(replacing("eventTime", .string("2020-03-04T11:00:30.001+01:00")), namespaces: document.namespaces) != base)
        #expect(EPCISEventHash.hashID(replacing("eventID", .string("urn:uuid:1")), namespaces: document.namespaces) == base)
        #expect(EPCISEventHash.hashID(replacing("recordTime", .string("2030-01-01T00:00:00Z")), namespaces: document.namespaces) == base)
        // The same instant with another offset and precision hashes equal.
        #expect(EPCISEventHash.hashID(replacing("eventTime", .string(" 2020-03-04T10:00:30Z ")), namespaces: document.namespaces) == base)
    }

    @Test("numbers, timestamps and identifiers are canonicalised in the pre-hash")
    func canonicalValues() {
        let event: EPCISNode = .object([
            .init("type", .string("ObjectEvent")), .init("eventTime", .string("2020-01-01T01:00:00.12351+01:00")),
            .init("action", .string("ADD")),
            .init("quantityList", .array([.object([.init("epcClass", .string("https://example.com/01/4012345012347/10/L1?17=290101")),
                                                   .init("quantity", .number("+02.50")), .init("uom", .string("KGM"))])])),
            .init("readPoint", .object([.init("id", .string("urn:epc:id:sgln:4012345.00011.0")), .init("ex:door", .string("7"))])),
            .init("ex:b", .number("1E3")), .init("ex:a", .string("0.0")),
        ])
        #expect(EPCISEventHash.preHash(event, namespaces: ["ex": "https://ex.example/"]) ==
                "eventType=ObjectEventeventTime=2020-01-01T00:00:00.124ZquantityListquantityElementepcClass=https://id.gs1.org/01/04012345012347/10/L1quantity=2.5uom=KGMaction=ADDreadPointid=https://id.gs1.org/414/4012345000115readPoint{https://ex.example/}door=7{https://ex.example/}a=0{https://ex.example/}b=1000")
    }

    @Test("the JSON binding's bare CBV values hash like their URN forms")
    func bareVocabulary() throws {
        let urn: EPCISNode = .object([.init("type", .string("ObjectEvent")), .init("eventTime", .string("2020-01-01T00:00:00Z")),
                                      .init("action", .string("OBSERVE")), .init("bizStep", .string("urn:epcglobal:cbv:bizstep:shipping")),
                                      .init("bizTransactionList", .array([.object([.init("type", .string("urn:epcglobal:cbv:btt:po")),
                                                                                    .init("bizTransaction", .string("urn:epcglobal:cbv:bt:0614141000005:1"))])]))])
        let bare: EPCISNode = .object([.init("type", .string("ObjectEvent")), .init("eventTime", .string("2020-01-01T00:00:00.000Z")),
                                       .init("action", .string("OBSERVE")), .init("bizStep", .string("shipping")),
                                       .init("bizTransactionList", .array([.object([.init("type", .string("po")),
                                                                                     .init("bizTransaction", .string("urn:epcglobal:cbv:bt:0614141000005:1"))])]))])
        #expect(EPCISEventHash.preHash(urn, namespaces: [:]) == EPCISEventHash.preHash(bare, namespaces: [:]))
        #expect(EPCISEventHash.preHash(bare, namespaces: [:]) ==
                "eventType=ObjectEventeventTime=2020-01-01T00:00:00.000Zaction=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-shippingbizTransactionListtype=https://ref.gs1.org/cbv/BTT-pobizTransaction=urn:epcglobal:cbv:bt:0614141000005:1")
    }
}
