import Custody
import LedgerCrypto
import Testing

@Suite("Receipts, possession-only shipments and returns")
struct ShipmentTests {
    @Test("a receipt must name an open shipment")
    func unknownShipment() throws {
        var world = try CustodyFixture()
        let commissioned = try world.commission(["S1"])
        world.expectRefusal(.noOpenShipment) { try $0.receive(Applied(seq: 99, hash: String(repeating: "ab", count: 32)), by: Partners.wholesaler) }
        // A commission is no shipment, though it is an entry.
        world.expectRefusal(.noOpenShipment) { try $0.receive(commissioned, by: Partners.manufacturer) }
    }

    @Test("only the receiver receives")
    func wrongReceiver() throws {
        var world = try CustodyFixture()
        try world.commission(["S1"])
        let sold = try world.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler)
        for other in [Partners.dispenser, Partners.manufacturer] {
            world.expectRefusal(.notReceiver, conflictingSeq: sold.seq) { try $0.receive(sold, by: other) }
        }
    }

    @Test("a shipment is received once")
    func receivedTwice() throws {
        var world = try CustodyFixture()
        try world.commission(["S1"])
        let sold = try world.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler)
        try world.receive(sold, by: Partners.wholesaler)
        world.expectRefusal(.noOpenShipment) { try $0.receive(sold, by: Partners.wholesaler) }
    }

    @Test("a ship moves possession only, and only the holder ships")
    func shipByHolderOnly() throws {
        var world = try CustodyFixture()
        let commissioned = try world.commission(["S1", "S2"])
        world.expectRefusal(.notPossessor, unit: unit("S1"), conflictingSeq: commissioned.seq) {
            try $0.ship([unit("S1")], to: Partners.logistics, by: Partners.wholesaler)
        }
        world.expectRefusal(.unknownPartner) { try $0.ship([unit("S1")], to: Partners.unregistered, by: Partners.manufacturer) }
        world.expectRefusal(.wrongRole) { try $0.ship([unit("S1")], to: Partners.manufacturer, by: Partners.manufacturer) }

        let shipped = try world.ship([unit("S1")], to: Partners.logistics, by: Partners.manufacturer)
        let record = try world.record(unit("S1"))
        #expect(record.owner == Partners.manufacturer && record.ownerSince == commissioned.seq)
        #expect(record.possessor == nil && record.shipment == shipped.hash && record.transfers.isEmpty)
        #expect(world.state.shipments[shipped.hash]?.kind == .ship)
        // A ship is no transfer: it is not in the transaction history.
        #expect(world.state.transferHashes.isEmpty)
        world.expectRefusal(.inTransit, unit: unit("S1"), conflictingSeq: shipped.seq) {
            try $0.ship([unit("S1")], to: Partners.wholesaler, by: Partners.manufacturer)
        }
        try world.receive(shipped, by: Partners.logistics)
        #expect(try world.record(unit("S1")).possessor == Partners.logistics)
    }

    @Test("a return goes only to the partner that sold the product")
    func returnNotToSeller() throws {
        var world = try CustodyFixture()
        try world.commission(["S1"])
        let sold = try world.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler)
        try world.receive(sold, by: Partners.wholesaler)
        let error = world.expectRefusal(.returnNotToSeller, unit: unit("S1"), conflictingSeq: sold.seq) {
            try $0.returnItems([unit("S1")], to: Partners.repackager, by: Partners.wholesaler)
        }
        #expect(error?.message.contains(Partners.manufacturer) == true)
        world.expectRefusal(.unknownPartner) { try $0.returnItems([unit("S1")], to: Partners.unregistered, by: Partners.wholesaler) }
    }

    @Test("what was never sold cannot be returned")
    func returnNeverSold() throws {
        var world = try CustodyFixture()
        let commissioned = try world.commission(["S1"])
        world.expectRefusal(.returnNotToSeller, unit: unit("S1"), conflictingSeq: commissioned.seq) {
            try $0.returnItems([unit("S1")], to: Partners.wholesaler, by: Partners.manufacturer)
        }
    }

    @Test("a return to the seller gives ownership back at once; the seller receives it")
    func returnToSeller() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        try world.aggregate(sscc(1), [unit("S1"), unit("S2")])
        let sold = try world.transfer([sscc(1)], from: Partners.manufacturer, to: Partners.wholesaler)
        // Not before it arrives.
        world.expectRefusal(.inTransit, unit: sscc(1), conflictingSeq: sold.seq) {
            try $0.returnItems([sscc(1)], to: Partners.manufacturer, by: Partners.wholesaler)
        }
        try world.receive(sold, by: Partners.wholesaler)
        let returned = try world.returnItems([sscc(1)], to: Partners.manufacturer, by: Partners.wholesaler)
        for id in [sscc(1), unit("S1"), unit("S2")] {
            let record = try world.record(id)
            #expect(record.owner == Partners.manufacturer && record.ownerSince == returned.seq)
            #expect(record.lastSeller == Partners.wholesaler && record.possessor == nil && record.shipment == returned.hash)
            #expect(record.transfers == [sold.seq, returned.seq])
        }
        let shipment = try #require(world.state.shipments[returned.hash])
        #expect(shipment.kind == .return && shipment.from == Partners.wholesaler && shipment.to == Partners.manufacturer)
        #expect(world.state.transactionHistory(for: [sscc(1)]) == [sold.hash, returned.hash])

        world.expectRefusal(.notReceiver, conflictingSeq: returned.seq) { try $0.receive(returned, by: Partners.wholesaler) }
        try world.receive(returned, by: Partners.manufacturer)
        let back = try world.record(unit("S1"))
        #expect(back.possessor == Partners.manufacturer && back.shipment == nil && back.parent == sscc(1))
        // The manufacturer can sell it again, with the whole history.
        let resold = world.transferBody([sscc(1)], from: Partners.manufacturer, to: Partners.otherWholesaler)
        #expect(resold.history == [sold.hash, returned.hash])
        try world.apply(.transfer(resold), by: Partners.manufacturer)
    }

    @Test("only the owner returns")
    func returnByNonOwner() throws {
        var world = try CustodyFixture()
        let commissioned = try world.commission(["S1"])
        let consigned = try world.ship([unit("S1")], to: Partners.wholesaler, by: Partners.manufacturer)
        try world.receive(consigned, by: Partners.wholesaler)
        world.expectRefusal(.notOwner, unit: unit("S1"), conflictingSeq: commissioned.seq) {
            try $0.returnItems([unit("S1")], to: Partners.manufacturer, by: Partners.wholesaler)
        }
    }
}
