import Custody
import LedgerFormat
import Testing

@Suite("Transfers of ownership")
struct TransferTests {
    /// The unit of the other product that `stocked()` commissions.
    static let s3 = unit("S3", gtin: Products.otherGTIN)

    /// A world where the manufacturer holds S1 and S2 (LOT1) and S3 (LOT2, other product).
    static func stocked() throws -> CustodyFixture {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        try world.commission(["S3"], gtin: Products.otherGTIN, lot: "LOT2")
        return world
    }

    @Test("a transfer moves ownership at once and possession on receipt")
    func transferAndReceive() throws {
        var world = try Self.stocked()
        let sold = try world.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler)
        let record = try world.record(unit("S1"))
        #expect(record.owner == Partners.wholesaler && record.ownerSince == sold.seq)
        #expect(record.possessor == nil && record.shipment == sold.hash && record.stateName == "in-transit")
        #expect(record.lastSeller == Partners.manufacturer && record.transfers == [sold.seq])
        let shipment = try #require(world.state.shipments[sold.hash])
        #expect(shipment.hash == sold.hash && shipment.seq == sold.seq && shipment.kind == .transfer)
        #expect(shipment.from == Partners.manufacturer && shipment.to == Partners.wholesaler && shipment.items == [unit("S1")])
        #expect(world.state.transferHashes == [sold.seq: sold.hash])

        try world.receive(sold, by: Partners.wholesaler)
        let received = try world.record(unit("S1"))
        #expect(received.possessor == Partners.wholesaler && received.shipment == nil && received.stateName == "active")
        #expect(received.owner == Partners.wholesaler && received.ownerSince == sold.seq)
        #expect(world.state.shipments.isEmpty)
        // The untouched unit stays with the manufacturer.
        #expect(try world.record(unit("S2")).owner == Partners.manufacturer)
    }

    @Test("a container stands for its contents: all of them change owner")
    func transferContainer() throws {
        var world = try Self.stocked()
        try world.aggregate(sscc(1), [unit("S1"), Self.s3])
        let sold = try world.transfer([sscc(1)], from: Partners.manufacturer, to: Partners.dispenser)
        for id in [sscc(1), unit("S1"), Self.s3] {
            let record = try world.record(id)
            #expect(record.owner == Partners.dispenser && record.shipment == sold.hash && record.transfers == [sold.seq])
        }
        try world.receive(sold, by: Partners.dispenser)
        #expect(try world.record(Self.s3).possessor == Partners.dispenser)
    }

    @Test("completing fills in TI products per GTIN and lot, counting packages inside containers")
    func completingFillsTI() throws {
        var world = try Self.stocked()
        try world.commission(["C1"], gtin: Products.caseGTIN, lot: "LOT1")
        try world.commission(["C2"], gtin: Products.caseGTIN, lot: "LOT1")
        try world.aggregate(caseUnit("C1"), [unit("S1"), unit("S2")])
        try world.aggregate(sscc(1), [caseUnit("C1"), Self.s3])
        let products = world.state.transactionProducts(for: [sscc(1), caseUnit("C2")])
        // C1 has contents, so it is not a package; the empty case C2 is one.
        #expect(products == [
            TransactionProduct(gtin: Products.unitGTIN, master: Products.unitMaster, lot: "LOT1", expiry: CustodyFixture.goodExpiry, quantity: 2),
            TransactionProduct(gtin: Products.otherGTIN, master: Products.otherMaster, lot: "LOT2", expiry: CustodyFixture.goodExpiry, quantity: 1),
            TransactionProduct(gtin: Products.caseGTIN, master: Products.caseMaster, lot: "LOT1", expiry: CustodyFixture.goodExpiry, quantity: 1),
        ].sorted())
        let body = world.transferBody([sscc(1), caseUnit("C2")], from: Partners.manufacturer, to: Partners.wholesaler)
        #expect(body.products == products)
        #expect(body.history.isEmpty)
        // What the caller gave is kept.
        var given = body
        given.products = [products[0]]
        #expect(world.state.completing(given).products == [products[0]])
    }

    @Test("the seller named in the body must be the signer")
    func sellerMismatch() throws {
        let world = try Self.stocked()
        var body = world.transferBody([unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler)
        body.seller = world.party(Partners.repackager)
        world.expectRefusal(.sellerMismatch) { try $0.apply(.transfer(body), by: Partners.manufacturer) }
    }

    @Test("only the owner transfers: a partner holding another's goods may not sell them")
    func notOwner() throws {
        var world = try Self.stocked()
        let commissioned = try #require(world.state.units[unit("S1")]).createdSeq
        // Possession only: the manufacturer still owns S1 while the wholesaler holds it.
        let consigned = try world.ship([unit("S1")], to: Partners.wholesaler, by: Partners.manufacturer)
        try world.receive(consigned, by: Partners.wholesaler)
        world.expectRefusal(.notOwner, unit: unit("S1"), conflictingSeq: commissioned) {
            try $0.transfer([unit("S1")], from: Partners.wholesaler, to: Partners.dispenser)
        }
        // And the owner cannot sell what it does not hold.
        world.expectRefusal(.notPossessor, unit: unit("S1"), conflictingSeq: commissioned) {
            try $0.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.dispenser)
        }
    }

    @Test("a unit inside a container is not shipped alone")
    func insideContainer() throws {
        var world = try Self.stocked()
        let packing = try world.aggregate(sscc(1), [unit("S1"), unit("S2")])
        world.expectRefusal(.insideContainer, unit: unit("S2"), conflictingSeq: packing.seq) {
            try $0.transfer([unit("S2")], from: Partners.manufacturer, to: Partners.wholesaler)
        }
        // Nor together with its own container.
        world.expectRefusal(.insideContainer, unit: unit("S1"), conflictingSeq: packing.seq) {
            try $0.transfer([sscc(1), unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler)
        }
    }

    @Test("the buyer must be a registered partner")
    func unknownBuyer() throws {
        let world = try Self.stocked()
        let error = world.expectRefusal(.unknownPartner) {
            try $0.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.unregistered)
        }
        #expect(error?.message.contains("buyer") == true)
        world.expectRefusal(.unknownPartner) {
            try $0.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler, via: Partners.unregistered)
        }
    }

    @Test("a 3PL never buys; via must be a 3PL; nobody sells to itself")
    func wrongRoles() throws {
        let world = try Self.stocked()
        world.expectRefusal(.wrongRole) {
            try $0.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.logistics)
        }
        world.expectRefusal(.wrongRole) {
            try $0.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.dispenser, via: Partners.wholesaler)
        }
        world.expectRefusal(.wrongRole) {
            try $0.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.manufacturer)
        }
    }

    @Test("nothing in transit is transferred, by the seller or by the buyer before receipt")
    func inTransit() throws {
        var world = try Self.stocked()
        let sold = try world.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler)
        world.expectRefusal(.inTransit, unit: unit("S1"), conflictingSeq: sold.seq) {
            try $0.transfer([unit("S1")], from: Partners.wholesaler, to: Partners.dispenser)
        }
        // The seller no longer owns it: only the current owner transfers.
        world.expectRefusal(.notOwner, unit: unit("S1"), conflictingSeq: sold.seq) {
            try $0.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.dispenser)
        }
        try world.receive(sold, by: Partners.wholesaler)
        try world.transfer([unit("S1")], from: Partners.wholesaler, to: Partners.dispenser)
    }

    @Test("expired product needs an explicit override, also inside a container")
    func expiredProduct() throws {
        var world = try CustodyFixture()
        let commissioned = try world.commission(["E1"], lot: "OLD", expiry: "2026-03-01")
        try world.commission(["G1"])
        try world.aggregate(sscc(1), [unit("G1"), unit("E1")])
        world.expectRefusal(.expiredNeedsOverride, unit: unit("E1"), conflictingSeq: commissioned.seq) {
            try $0.transfer([sscc(1)], from: Partners.manufacturer, to: Partners.wholesaler)
        }
        let sold = try world.transfer([sscc(1)], from: Partners.manufacturer, to: Partners.wholesaler,
                                      expiredOverride: "sold for destruction under contract D-17")
        #expect(try world.record(unit("E1")).owner == Partners.wholesaler)
        #expect(world.state.shipments[sold.hash]?.items == [sscc(1)])
    }

    @Test("a product is good through its expiry date, in the transaction's own time zone")
    func expiryDateIsLocal() throws {
        var world = try CustodyFixture()
        let commissioned = try world.commission(["E1", "E2", "E3"], lot: "EDGE", expiry: "2026-03-01")
        // 20:00 in New York on the expiry date is 01:00 UTC the day after: still the expiry date where it happens.
        try world.transfer([unit("E1")], from: Partners.manufacturer, to: Partners.wholesaler, date: "2026-03-01T20:00:00-05:00")
        try world.transfer([unit("E2")], from: Partners.manufacturer, to: Partners.wholesaler, date: "2026-03-01T23:59:59Z")
        // 08:00 in Tokyo the day after is 23:00 UTC on the expiry date: already past it where it happens.
        world.expectRefusal(.expiredNeedsOverride, unit: unit("E3"), conflictingSeq: commissioned.seq) {
            try $0.transfer([unit("E3")], from: Partners.manufacturer, to: Partners.wholesaler, date: "2026-03-02T08:00:00+09:00")
        }
        world.expectRefusal(.expiredNeedsOverride, unit: unit("E3"), conflictingSeq: commissioned.seq) {
            try $0.transfer([unit("E3")], from: Partners.manufacturer, to: Partners.wholesaler, date: "2026-03-02T00:00:00Z")
        }
    }

    @Test("the TI products must be what was commissioned for the items")
    func transactionInfoMismatch() throws {
        let world = try Self.stocked()
        let good = world.transferBody([unit("S1"), Self.s3], from: Partners.manufacturer, to: Partners.wholesaler)
        try #require(good.products.count == 2)
        var changes: [(inout TransferBody) -> Void] = []
        changes.append { $0.products[0].quantity = 2 }
        changes.append { $0.products[0].lot = "LOT9" }
        changes.append { $0.products[1].name = "Something else" }
        changes.append { $0.products[0].ndc = nil }
        changes.append { $0.products[0].expiry = "2029-01-01" }
        changes.append { $0.products.removeLast() }
        changes.append { $0.products.append($0.products[0]) }
        for change in changes {
            var body = good
            change(&body)
            world.expectRefusal(.transactionInfoMismatch) { try $0.apply(.transfer(body), by: Partners.manufacturer) }
        }
        // Order of the product lines does not matter.
        var reordered = good
        reordered.products.reverse()
        var copy = world
        try copy.apply(.transfer(reordered), by: Partners.manufacturer)
    }

    @Test("TH lists every prior transfer of the products, through containers, in ledger order")
    func transactionHistory() throws {
        var world = try Self.stocked()
        let first = try world.transfer([unit("S2")], from: Partners.manufacturer, to: Partners.wholesaler)
        let second = try world.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler)
        try world.receive(second, by: Partners.wholesaler)
        try world.receive(first, by: Partners.wholesaler)
        try world.aggregate(sscc(5), [unit("S1"), unit("S2")], by: Partners.wholesaler)
        #expect(world.state.transactionHistory(for: [sscc(5)]) == [first.hash, second.hash])
        #expect(world.state.transactionHistory(for: [Self.s3]).isEmpty)

        let good = world.transferBody([sscc(5)], from: Partners.wholesaler, to: Partners.dispenser)
        #expect(good.history == [first.hash, second.hash])
        for wrong in [[second.hash, first.hash], [first.hash], [first.hash, second.hash, second.hash],
                      [first.hash, String(repeating: "0", count: 64)]] {
            var body = good
            body.history = wrong
            world.expectRefusal(.historyMismatch) { try $0.apply(.transfer(body), by: Partners.wholesaler) }
        }
        let third = try world.apply(.transfer(good), by: Partners.wholesaler)
        try world.receive(third, by: Partners.dispenser)
        // Each hop adds to the history of everything it carried.
        #expect(world.state.transactionHistory(for: [sscc(5)]) == [first.hash, second.hash, third.hash])
        #expect(world.state.transactionHistory(for: [unit("S1")]) == [second.hash, third.hash])
        #expect(try world.record(unit("S2")).transfers == [first.seq, third.seq])
    }

    @Test("a history given for an item that has none is refused")
    func historyWhereNoneExists() throws {
        var world = try Self.stocked()
        let sold = try world.transfer([unit("S2")], from: Partners.manufacturer, to: Partners.wholesaler)
        var body = world.transferBody([unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler)
        body.history = [sold.hash]
        world.expectRefusal(.historyMismatch) { try $0.apply(.transfer(body), by: Partners.manufacturer) }
    }
}
