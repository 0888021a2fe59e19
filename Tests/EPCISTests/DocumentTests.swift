import EPCIS
import Testing

@Suite("EPCIS document model")
struct DocumentModelTests {
    @Test("an error names the document, the event, its eventID and the field")
    func errorNamesEverything() {
        let error = EPCISError(document: "ship.jsonld", eventIndex: 1, eventID: "ni:///sha-256;ab?ver=CBV2.0",
                               field: "epcList[0]", code: "bad-identifier", reason: "not an SGTIN")
        #expect(error.description == "ship.jsonld, event 2 (ni:///sha-256;ab?ver=CBV2.0), field epcList[0]: not an SGTIN [bad-identifier]")
    }

    @Test("members keep document order and are found by key")
    func orderedMembers() {
        let node = EPCISNode.object([.init("b", .number("2.5")), .init("a", .string("x"))])
        #expect(node.members?.map(\.key) == ["b", "a"])
        #expect(node["a"]?.stringValue == "x")
        #expect(node["c"] == nil)
    }
}
