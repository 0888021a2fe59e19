import Custody
import LedgerFormat
import Testing

/// One valid body of each custody type, with every optional field set.
enum SampleBodies {
    static let history = String(repeating: "0123456789abcdef", count: 4)

    static let commission = CommissionBody(gtin: Products.unitGTIN, serials: ["S1", "S2"], lot: "LOT1", expiry: "2028-06-30",
                                           product: Products.unitMaster, eventTime: "2026-03-02T10:00:00Z")
    static let aggregate = AggregateBody(parent: sscc(1), children: [unit("S1"), unit("S2")], eventTime: "2026-03-02T10:05:00+01:00")
    static let disaggregate = DisaggregateBody(parent: sscc(1), children: [unit("S1")], eventTime: "2026-03-02T10:06:00Z")
    static let transfer = TransferBody(
        items: [sscc(1), unit("S3")],
        seller: PartyInfo(gln: Partners.manufacturer, name: "Acme Pharma", address: "1 Test Way, Springfield"),
        buyer: PartyInfo(gln: Partners.wholesaler, name: "Big Wholesale", address: "2 Test Way, Springfield"),
        via: Partners.logistics, transactionDate: "2026-03-02T14:30:00-05:00", shipmentDate: "2026-03-04T09:00:00-05:00",
        products: [TransactionProduct(gtin: Products.unitGTIN, master: Products.unitMaster, lot: "LOT1", expiry: "2028-06-30", quantity: 3)],
        references: ["po": "PO-1", "invoice": "INV-2", "asn": "ASN-3"],
        statement: TransactionStatement(affirmedBy: "Jane Roe, Director of Compliance"),
        history: [history], expiredOverride: "returned for destruction")
    static let ship = ShipBody(items: [sscc(1)], to: Partners.logistics, references: ["asn": "ASN-4"], eventTime: "2026-03-02T10:07:00Z")
    static let receive = ReceiveBody(shipment: history, eventTime: "2026-03-03T08:00:00Z")
    static let `return` = ReturnBody(items: [unit("S3")], to: Partners.manufacturer, reason: "damaged in transit",
                                     references: ["other": "RMA-9"], eventTime: "2026-03-05T12:00:00Z")
    static let decommission = DecommissionBody(items: [unit("S1")], reason: .dispensed, note: "Rx 1234", eventTime: "2026-03-06T16:00:00Z")

    static let all: [CustodyBody] = [.commission(commission), .aggregate(aggregate), .disaggregate(disaggregate), .transfer(transfer),
                                     .ship(ship), .receive(receive), .return(`return`), .decommission(decommission)]

    static func json(_ type: CustodyBodyType) -> JSONValue {
        all.first { $0.typeAndJSON.type == type }!.typeAndJSON.json
    }
}

extension JSONValue {
    /// This object with the member at `path` set to `value`, or removed when `value` is nil.
    func setting(_ path: [String], to value: JSONValue?) -> JSONValue {
        guard case .object(var members) = self, let key = path.first else { return self }
        if path.count == 1 {
            members[key] = value
        } else {
            members[key] = (members[key] ?? .object([:])).setting(Array(path.dropFirst()), to: value)
        }
        return .object(members)
    }
}

/// Parses `json` as a `type` body, expecting a `BodyError` naming exactly `field`.
@discardableResult
func expectBodyError(_ type: CustodyBodyType, _ json: JSONValue, field: String, reasonContains: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) -> BodyError? {
    let error = #expect(throws: BodyError.self, sourceLocation: sourceLocation) {
        try CustodyBody.parse(type: type.rawValue, json: json)
    }
    #expect(error?.field == field, "\(String(describing: error))", sourceLocation: sourceLocation)
    #expect(error?.bodyType == type.rawValue, sourceLocation: sourceLocation)
    if let reasonContains {
        #expect(error?.reason.contains(reasonContains) == true, "\(String(describing: error))", sourceLocation: sourceLocation)
    }
    return error
}

@Suite("Body parsing")
struct BodyParsingTests {
    @Test("every body reads back from its JSON and from its canonical bytes", arguments: SampleBodies.all)
    func roundTrip(body: CustodyBody) throws {
        let (type, json) = body.typeAndJSON
        #expect(try CustodyBody.parse(type: type.rawValue, json: json) == body)
        #expect(try CustodyBody.parse(type: type.rawValue, body: json.canonicalBytes) == body)
    }

    @Test("types that are not custody bodies are left to others")
    func otherTypes() throws {
        #expect(try CustodyBody.parse(type: "partner.register", json: .object([:])) == nil)
        #expect(try CustodyBody.parse(type: "partner.register", body: Array("not json".utf8)) == nil)
    }

    @Test("a body that is not a JSON object is refused")
    func notAnObject() throws {
        expectBodyError(.commission, .array([]), field: "")
        let error = #expect(throws: BodyError.self) { try CustodyBody.parse(type: "receive", body: Array("{\"shipment\":".utf8)) }
        #expect(error?.field == "")
    }

    @Test("unknown fields are refused at the top level", arguments: CustodyBodyType.allCases)
    func unknownTopLevelField(type: CustodyBodyType) throws {
        expectBodyError(type, SampleBodies.json(type).setting(["comment"], to: .string("hi")), field: "comment", reasonContains: "unknown field")
    }

    @Test("unknown fields are refused inside nested objects")
    func unknownNestedFields() throws {
        expectBodyError(.commission, SampleBodies.json(.commission).setting(["product", "colour"], to: .string("red")), field: "product.colour")
        let transfer = SampleBodies.json(.transfer)
        expectBodyError(.transfer, transfer.setting(["seller", "phone"], to: .string("555")), field: "seller.phone")
        expectBodyError(.transfer, transfer.setting(["statement", "h"], to: .bool(true)), field: "statement.h")
        expectBodyError(.transfer, transfer.setting(["references", "contract"], to: .string("C-1")), field: "references.contract")
        let product = SampleBodies.transfer.products[0].json.setting(["price"], to: .integer(10))
        expectBodyError(.transfer, transfer.setting(["products"], to: .array([product])), field: "products[0].price")
    }

    @Test("required fields are named when missing")
    func missingFields() throws {
        expectBodyError(.commission, SampleBodies.json(.commission).setting(["lot"], to: nil), field: "lot", reasonContains: "required")
        expectBodyError(.transfer, SampleBodies.json(.transfer).setting(["buyer", "address"], to: nil), field: "buyer.address")
        expectBodyError(.transfer, SampleBodies.json(.transfer).setting(["products"], to: .array([])), field: "products")
        expectBodyError(.return, SampleBodies.json(.return).setting(["reason"], to: .string("  ")), field: "reason", reasonContains: "empty")
    }

    // MARK: Identifiers

    static let wrongCheckDigit = "(01)\(Products.unitGTIN.dropLast())\((Int(String(Products.unitGTIN.last!))! + 1) % 10)(21)S1"

    @Test("an SGTIN with a wrong GTIN check digit is refused, naming the list element")
    func wrongGTINCheckDigit() throws {
        let items = JSONValue.array([.string(unit("S1").canonical), .string(Self.wrongCheckDigit)])
        expectBodyError(.transfer, SampleBodies.json(.transfer).setting(["items"], to: items), field: "items[1]", reasonContains: "check digit")
        expectBodyError(.aggregate, SampleBodies.json(.aggregate).setting(["children"], to: items), field: "children[1]")
        expectBodyError(.disaggregate, SampleBodies.json(.disaggregate).setting(["parent"], to: .string(Self.wrongCheckDigit)), field: "parent")
        let gtin = String(Products.unitGTIN.dropLast()) + "0"
        #expect(gtin != Products.unitGTIN)
        expectBodyError(.commission, SampleBodies.json(.commission).setting(["gtin"], to: .string(gtin)), field: "gtin", reasonContains: "check digit")
    }

    @Test("an SSCC must be 18 digits with a valid check digit")
    func badSSCC() throws {
        let digits = Array(sscc(1).canonical.dropFirst(4))
        let wrong = "(00)" + String(digits.dropLast()) + String((Int(String(digits.last!))! + 1) % 10)
        expectBodyError(.aggregate, SampleBodies.json(.aggregate).setting(["parent"], to: .string(wrong)), field: "parent", reasonContains: "check digit")
        let short = "(00)" + String(digits.dropLast())
        expectBodyError(.ship, SampleBodies.json(.ship).setting(["items"], to: .array([.string(short)])), field: "items[0]", reasonContains: "18 digits")
    }

    @Test("a serial of 21 characters is refused", arguments: [CustodyBodyType.transfer, .ship, .return, .decommission])
    func serialTooLong(type: CustodyBodyType) throws {
        let long = unit(String(repeating: "9", count: 21)).canonical
        expectBodyError(type, SampleBodies.json(type).setting(["items"], to: .array([.string(long)])), field: "items[0]",
                        reasonContains: "1 to 20 characters, got 21")
        // Twenty is the most a serial may have.
        let twenty = unit(String(repeating: "9", count: 20)).canonical
        #expect(throws: Never.self) { try CustodyBody.parse(type: type.rawValue, json: SampleBodies.json(type).setting(["items"], to: .array([.string(twenty)]))) }
    }

    @Test("a serial with a character outside GS1 character set 82 is refused", arguments: ["S 1", "S#1", "S~1", "Sé1"])
    func serialBadCharacter(serial: String) throws {
        expectBodyError(.decommission, SampleBodies.json(.decommission).setting(["items"], to: .array([.string(unit(serial).canonical)])),
                        field: "items[0]", reasonContains: "character set 82")
        expectBodyError(.commission, SampleBodies.json(.commission).setting(["serials"], to: .array([.string("OK"), .string(serial)])),
                        field: "serials[1]", reasonContains: "character set 82")
    }

    @Test("commissioned serials and lots obey the serial rules")
    func commissionSerials() throws {
        let commission = SampleBodies.json(.commission)
        expectBodyError(.commission, commission.setting(["serials"], to: .array([.string(String(repeating: "A", count: 21))])),
                        field: "serials[0]", reasonContains: "longer than 20")
        expectBodyError(.commission, commission.setting(["lot"], to: .string("LOT 1")), field: "lot", reasonContains: "character set 82")
    }

    @Test("identifiers in other forms are refused", arguments: [
        "urn:epc:id:sgtin:0614141.012345.S1", "(01)0031234567890(21)S1", "(01)00312345678906", "(01)003123456789O6(21)S1", "(00)12345",
    ])
    func notCanonical(text: String) throws {
        expectBodyError(.ship, SampleBodies.json(.ship).setting(["items"], to: .array([.string(text)])), field: "items[0]")
    }

    @Test("UnitID reads its canonical form back and refuses others with bad-identifier")
    func unitIDCanonical() throws {
        for id in [unit("S1"), unit("A(21)B/c"), caseUnit("C1"), sscc(123_456_789)] {
            #expect(try UnitID(canonical: id.canonical) == id)
        }
        #expect(sscc(1).isSSCC && unit("S1").gtin == Products.unitGTIN && sscc(1).gtin == nil)
        for text in [Self.wrongCheckDigit, "(00)12345", "(01)\(Products.unitGTIN)(21)", "(01)\(Products.unitGTIN)(22)S1"] {
            let error = #expect(throws: CustodyError.self) { try UnitID(canonical: text) }
            #expect(error?.code == .badIdentifier)
        }
    }

    @Test("GLNs are checked wherever they appear")
    func badGLNs() throws {
        let wrong = String(Partners.wholesaler.dropLast()) + String((Int(String(Partners.wholesaler.last!))! + 1) % 10)
        let transfer = SampleBodies.json(.transfer)
        expectBodyError(.transfer, transfer.setting(["seller", "gln"], to: .string(wrong)), field: "seller.gln", reasonContains: "check digit")
        expectBodyError(.transfer, transfer.setting(["buyer", "gln"], to: .string("12345")), field: "buyer.gln", reasonContains: "13 digits")
        expectBodyError(.transfer, transfer.setting(["via"], to: .string(wrong)), field: "via")
        expectBodyError(.ship, SampleBodies.json(.ship).setting(["to"], to: .string(wrong)), field: "to")
        expectBodyError(.return, SampleBodies.json(.return).setting(["to"], to: .string(wrong)), field: "to")
    }

    @Test("entry hashes are 64 lowercase hex digits")
    func badHashes() throws {
        let upper = SampleBodies.history.uppercased()
        expectBodyError(.receive, SampleBodies.json(.receive).setting(["shipment"], to: .string(upper)), field: "shipment")
        expectBodyError(.receive, SampleBodies.json(.receive).setting(["shipment"], to: .string("abc")), field: "shipment")
        expectBodyError(.transfer, SampleBodies.json(.transfer).setting(["history"], to: .array([.string(SampleBodies.history), .string(upper)])),
                        field: "history[1]")
    }

    // MARK: Duplicates

    @Test("an identifier listed twice is refused, naming the second", arguments: [CustodyBodyType.transfer, .ship, .return, .decommission])
    func duplicateItems(type: CustodyBodyType) throws {
        let items = JSONValue.array([.string(unit("S1").canonical), .string(unit("S2").canonical), .string(unit("S1").canonical)])
        expectBodyError(type, SampleBodies.json(type).setting(["items"], to: items), field: "items[2]", reasonContains: "listed twice")
    }

    @Test("a repeat is found the same way in short lists (compared one by one) and long ones (a set)", arguments: [3, 16, 17, 40])
    func duplicateInListsOfAnyLength(count: Int) throws {
        var children = (0..<(count - 1)).map { JSONValue.string(unit("S\($0)").canonical) }
        children.append(.string(unit("S\(count / 2)").canonical))
        let error = expectBodyError(.aggregate, SampleBodies.json(.aggregate).setting(["children"], to: .array(children)),
                                    field: "children[\(count - 1)]")
        #expect(error?.reason == "\(unit("S\(count / 2)")) is listed twice")
        children[count - 1] = .string(unit("S\(count)").canonical)
        #expect(throws: Never.self) { try CustodyBody.parse(type: "aggregate", json: SampleBodies.json(.aggregate).setting(["children"], to: .array(children))) }
    }

    @Test("duplicate children and serials are refused")
    func duplicateChildrenAndSerials() throws {
        let children = JSONValue.array([.string(unit("S1").canonical), .string(unit("S1").canonical)])
        expectBodyError(.aggregate, SampleBodies.json(.aggregate).setting(["children"], to: children), field: "children[1]", reasonContains: "twice")
        expectBodyError(.disaggregate, SampleBodies.json(.disaggregate).setting(["children"], to: children), field: "children[1]")
        expectBodyError(.commission, SampleBodies.json(.commission).setting(["serials"], to: .array([.string("A"), .string("B"), .string("A")])),
                        field: "serials[2]", reasonContains: "twice")
    }

    // MARK: Dates

    @Test("expiry is a real calendar date YYYY-MM-DD", arguments: ["2028-02-30", "2028-6-30", "2028-13-01", "20280630", "2028-06-30T00:00:00Z"])
    func badExpiry(text: String) throws {
        expectBodyError(.commission, SampleBodies.json(.commission).setting(["expiry"], to: .string(text)), field: "expiry")
        let product = SampleBodies.transfer.products[0].json.setting(["expiry"], to: .string(text))
        expectBodyError(.transfer, SampleBodies.json(.transfer).setting(["products"], to: .array([product])), field: "products[0].expiry")
    }

    @Test("date-times need a time and a zone", arguments: ["2026-03-02", "2026-03-02T14:30:00", "2026-03-02T25:00:00Z", "2026-02-29T10:00:00Z", "yesterday"])
    func badDateTimes(text: String) throws {
        expectBodyError(.transfer, SampleBodies.json(.transfer).setting(["transactionDate"], to: .string(text)), field: "transactionDate")
        expectBodyError(.transfer, SampleBodies.json(.transfer).setting(["shipmentDate"], to: .string(text)), field: "shipmentDate")
        expectBodyError(.aggregate, SampleBodies.json(.aggregate).setting(["eventTime"], to: .string(text)), field: "eventTime")
        expectBodyError(.receive, SampleBodies.json(.receive).setting(["eventTime"], to: .string(text)), field: "eventTime")
    }

    // MARK: Transaction statement and other values

    @Test("every statement (A)–(G) must be affirmed true", arguments: TransactionStatement.statements)
    func statementFalse(statement: String) throws {
        let transfer = SampleBodies.json(.transfer)
        expectBodyError(.transfer, transfer.setting(["statement", statement], to: .bool(false)), field: "statement.\(statement)",
                        reasonContains: "must be true")
        expectBodyError(.transfer, transfer.setting(["statement", statement], to: nil), field: "statement.\(statement)")
        expectBodyError(.transfer, transfer.setting(["statement", statement], to: .string("yes")), field: "statement.\(statement)",
                        reasonContains: "true or false")
    }

    @Test("a transfer without a statement is refused")
    func statementMissing() throws {
        expectBodyError(.transfer, SampleBodies.json(.transfer).setting(["statement"], to: nil), field: "statement", reasonContains: "required")
    }

    @Test("quantities are positive; decommission reasons are from the list")
    func otherValues() throws {
        let product = SampleBodies.transfer.products[0].json.setting(["quantity"], to: .integer(0))
        expectBodyError(.transfer, SampleBodies.json(.transfer).setting(["products"], to: .array([product])), field: "products[0].quantity")
        expectBodyError(.decommission, SampleBodies.json(.decommission).setting(["reason"], to: .string("sold")), field: "reason",
                        reasonContains: "unknown reason")
    }
}
