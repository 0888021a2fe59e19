import LedgerCore
import LedgerFormat
import Testing

@Suite("BodyInput: parsing body files")
struct BodyInputTests {
    func parse(_ text: String) throws(InputError) -> BodyInput {
        try BodyInput(bytes: Array(text.utf8), source: "bodies/in.json")
    }

    @Test("type and version are taken out; the rest is the canonical body")
    func parses() throws {
        let input = try parse(#"{ "version": 1, "type": "commission", "lot": "L1", "gtin": "00312345678906" }"#)
        #expect(input.type == "commission")
        #expect(input.version == 1)
        #expect(String(decoding: input.canonicalBody, as: UTF8.self) == #"{"gtin":"00312345678906","lot":"L1"}"#)
        let defaulted = try parse(#"{"type":"receive"}"#)
        #expect(defaulted.version == 1)
        #expect(defaulted.canonicalBody == Array("{}".utf8))
    }

    /// A body file the parser must refuse, and a text its reason must contain.
    struct Refusal: Sendable, CustomTestStringConvertible {
        var text: String
        var reason: String
        var testDescription: String { text.isEmpty ? "(empty)" : text }
    }

    @Test("refusals name the source and say why", arguments: [
        Refusal(text: #"{"lot":"L1"}"#, reason: #"missing "type" (one of: aggregate, commission"#),
        Refusal(text: #"{"type":"teleport","lot":"L1"}"#, reason: #"unknown body type "teleport""#),
        Refusal(text: #"{"type":7}"#, reason: "unknown body type 7"),
        Refusal(text: #"{"type":"commission","version":2}"#, reason: "this ledger knows version 1 of commission, not 2"),
        Refusal(text: #"{"type":"commission","version":"1"}"#, reason: #"version 1 of commission, not "1""#),
        Refusal(text: #"{"type":"commission","version":0}"#, reason: "not 0"),
        Refusal(text: #"{"type":"commission","lot":"#, reason: "invalid JSON at byte"),
        Refusal(text: #"{"type":"commission","type":"receive"}"#, reason: "invalid JSON"),
        Refusal(text: "", reason: "invalid JSON at byte 0"),
        Refusal(text: #"["commission"]"#, reason: #"must be a JSON object with a "type" member, not an array"#),
    ])
    func refusal(_ refusal: Refusal) throws {
        let error = #expect(throws: InputError.self) { try parse(refusal.text) }
        #expect(error?.source == "bodies/in.json")
        #expect(error?.reason.contains(refusal.reason) == true, "\(String(describing: error))")
        #expect(error.map { "\($0)" }?.hasPrefix("bodies/in.json: ") == true)
        #expect(error?.code == nil)
    }
}
