import Custody
import LedgerFormat
import Testing

@Suite("Commissioning")
struct CommissionTests {
    @Test("a manufacturer commissions serials: owned and held by it, with lot data")
    func manufacturerCommissions() throws {
        var world = try CustodyFixture()
        let entry = try world.commission(["S1", "S2"], lot: "LOT7", expiry: "2028-01-31")
        for id in [unit("S1"), unit("S2")] {
            let record = try world.record(id)
            #expect(record.owner == Partners.manufacturer)
            #expect(record.possessor == Partners.manufacturer)
            #expect(record.createdSeq == entry.seq)
            #expect(record.ownerSince == entry.seq)
            #expect(record.status == .active)
            #expect(record.stateName == "active")
            #expect(record.shipment == nil && record.parent == nil && record.lastSeller == nil && record.transfers.isEmpty)
            let lot = try #require(record.lot)
            #expect(lot.gtin == Products.unitGTIN && lot.lot == "LOT7" && lot.expiry == "2028-01-31")
            #expect(lot.product == Products.unitMaster && lot.commissionSeq == entry.seq)
        }
        #expect(world.state.units.count == 2)
    }

    @Test("consecutive commissions of one lot: each unit keeps its own commission's lot data and sequence number")
    func consecutiveCommissionsOfOneLot() throws {
        var world = try CustodyFixture()
        var renamed = Products.unitMaster
        renamed.name += " (new label)"
        let commissions: [(serial: String, lot: String, product: ProductMaster)] = [
            ("C1", "LOT1", Products.unitMaster), ("C2", "LOT1", Products.unitMaster), ("C3", "LOT2", Products.unitMaster),
            ("C4", "LOT1", Products.unitMaster), ("C5", "LOT1", renamed), ("C6", "LOT1", renamed),
        ]
        for (serial, lot, product) in commissions {
            let entry = try world.commission([serial], lot: lot, product: product)
            let expected = UnitRecord(id: unit(serial), createdSeq: entry.seq,
                                      lot: LotInfo(gtin: Products.unitGTIN, lot: lot, expiry: CustodyFixture.goodExpiry, product: product, commissionSeq: entry.seq),
                                      owner: Partners.manufacturer, possessor: Partners.manufacturer, ownerSince: entry.seq)
            #expect(try world.record(unit(serial)) == expected)
            var otherSeq = expected
            otherSeq.lot?.commissionSeq = entry.seq - 1
            #expect(try world.record(unit(serial)) != otherSeq)
        }
        for (number, (serial, lot, product)) in commissions.enumerated() {
            let record = try world.record(unit(serial))
            #expect(record.lot?.lot == lot && record.lot?.product == product && record.lot?.commissionSeq == record.createdSeq, "\(number)")
        }
    }

    @Test("a repackager commissions serials")
    func repackagerCommissions() throws {
        var world = try CustodyFixture()
        try world.commission(["R1"], by: Partners.repackager)
        #expect(try world.record(unit("R1")).owner == Partners.repackager)
    }

    @Test("a product without an NDC needs no NDC check")
    func commissionWithoutNDC() throws {
        var world = try CustodyFixture()
        var master = Products.unitMaster
        master.ndc = nil
        try world.commission(["N1"], product: master)
        #expect(try world.record(unit("N1")).lot?.product.ndc == nil)
    }

    @Test("only a manufacturer or repackager commissions", arguments: [PartnerRole.wholesaler, .dispenser, .thirdPartyLogistics])
    func othersDoNotCommission(role: PartnerRole) throws {
        let world = try CustodyFixture()
        let error = world.expectRefusal(.notManufacturer) { try $0.commission(["S1"], by: Partners.gln(for: role)) }
        #expect(error?.message.contains(role.rawValue) == true)
    }

    @Test("an unregistered signer commissions nothing")
    func unregisteredSigner() throws {
        let world = try CustodyFixture()
        world.expectRefusal(.unknownPartner) { try $0.commission(["S1"], by: Partners.unregistered) }
    }

    @Test("a serial is commissioned once, whoever tries again")
    func commissionedOnce() throws {
        var world = try CustodyFixture()
        let first = try world.commission(["S1", "S2"])
        world.expectRefusal(.alreadyCommissioned, unit: unit("S2"), conflictingSeq: first.seq) {
            try $0.commission(["S3", "S2"], lot: "LOT2")
        }
        world.expectRefusal(.alreadyCommissioned, unit: unit("S1"), conflictingSeq: first.seq) {
            try $0.commission(["S1"], by: Partners.repackager)
        }
        // The refused entry commissioned nothing, not even its new serial.
        #expect(world.state.units[unit("S3")] == nil)
        // The same serial under another GTIN is another identifier.
        try world.commission(["S1"], gtin: Products.otherGTIN)
    }

    @Test("the NDC must be the one embedded in the GTIN", arguments: [
        "12345-678-91",     // another NDC
        "1234567890",       // not hyphenated
        "12345-678-9",      // nine digits
        "12345-678-901",    // eleven digits
        "123456-78-90",     // 6-2-2
        "12345-678-9-0",    // four segments
        "12345--678-90",    // an empty segment
        "-12345-678-90",    // a leading hyphen
        "12345-678-90-",    // a trailing hyphen
        "12345-678-9\u{FF10}", // a fullwidth digit
        "",
    ])
    func ndcMustMatchGTIN(ndc: String) throws {
        let world = try CustodyFixture()
        var master = Products.unitMaster
        master.ndc = ndc
        let error = world.expectRefusal(.badBody) { try $0.commission(["S1"], product: master) }
        #expect(error?.message.contains("product.ndc") == true)
    }

    @Test("the NDC may be hyphenated 4-4-2, 5-3-2 or 5-4-1", arguments: ["1234-5678-90", "12345-678-90", "12345-6789-0"])
    func ndcHyphenations(ndc: String) throws {
        var world = try CustodyFixture()
        var master = Products.unitMaster
        master.ndc = ndc
        try world.commission(["S1"], product: master)
        #expect(try world.record(unit("S1")).lot?.product.ndc == ndc)
    }

    @Test("a GTIN that embeds no NDC (not 03 after the indicator) cannot carry one")
    func ndcWithNonNDCGTIN() throws {
        let world = try CustodyFixture()
        let gtin = withCheckDigit("0061414112345")
        world.expectRefusal(.badBody) { try $0.commission(["S1"], gtin: gtin, product: Products.unitMaster) }
    }

    @Test("a case GTIN (indicator 5) embeds the same NDC")
    func caseGTINCarriesNDC() throws {
        var world = try CustodyFixture()
        try world.commission(["C1"], gtin: Products.caseGTIN)
        #expect(try world.record(caseUnit("C1")).lot?.product.ndc == "12345-678-90")
    }
}
