import Custody
import Testing

@Suite("Ownership and possession through a 3PL")
struct PossessionTests {
    @Test("via a 3PL: the buyer owns at once, the 3PL holds, then forwards to the buyer")
    func throughThirdPartyLogistics() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        try world.aggregate(sscc(1), [unit("S1"), unit("S2")])
        let sold = try world.transfer([sscc(1)], from: Partners.manufacturer, to: Partners.wholesaler, via: Partners.logistics)
        var record = try world.record(unit("S1"))
        #expect(record.owner == Partners.wholesaler && record.possessor == nil && record.shipment == sold.hash)
        #expect(world.state.shipments[sold.hash]?.to == Partners.logistics)

        // The shipment goes to the 3PL, not to the buyer.
        world.expectRefusal(.notReceiver, conflictingSeq: sold.seq) { try $0.receive(sold, by: Partners.wholesaler) }
        try world.receive(sold, by: Partners.logistics)
        record = try world.record(unit("S1"))
        #expect(record.owner == Partners.wholesaler && record.possessor == Partners.logistics && record.shipment == nil)
        #expect(record.ownerSince == sold.seq)

        // The 3PL holds but does not own: it cannot sell or return; the owner does not hold: it cannot ship.
        world.expectRefusal(.notOwner, unit: sscc(1), conflictingSeq: sold.seq) {
            try $0.transfer([sscc(1)], from: Partners.logistics, to: Partners.dispenser)
        }
        world.expectRefusal(.notOwner, unit: sscc(1), conflictingSeq: sold.seq) {
            try $0.returnItems([sscc(1)], to: Partners.manufacturer, by: Partners.logistics)
        }
        world.expectRefusal(.notPossessor, unit: sscc(1), conflictingSeq: sold.seq) {
            try $0.ship([sscc(1)], to: Partners.dispenser, by: Partners.wholesaler)
        }
        world.expectRefusal(.notPossessor, unit: sscc(1), conflictingSeq: sold.seq) {
            try $0.transfer([sscc(1)], from: Partners.wholesaler, to: Partners.dispenser)
        }

        let forwarded = try world.ship([sscc(1)], to: Partners.wholesaler, by: Partners.logistics)
        record = try world.record(unit("S2"))
        #expect(record.owner == Partners.wholesaler && record.possessor == nil && record.shipment == forwarded.hash)
        try world.receive(forwarded, by: Partners.wholesaler)
        record = try world.record(unit("S2"))
        #expect(record.owner == Partners.wholesaler && record.possessor == Partners.wholesaler)
        // A forward is possession only: it is no part of the transaction history.
        #expect(record.transfers == [sold.seq] && record.lastSeller == Partners.manufacturer)

        let resold = try world.transfer([sscc(1)], from: Partners.wholesaler, to: Partners.dispenser)
        #expect(world.state.transactionHistory(for: [sscc(1)]) == [sold.hash, resold.hash])
    }

    @Test("an owner consigns to its 3PL and gets the goods back, keeping ownership throughout")
    func consignment() throws {
        var world = try CustodyFixture()
        let commissioned = try world.commission(["S1"])
        let out = try world.ship([unit("S1")], to: Partners.logistics, by: Partners.manufacturer)
        try world.receive(out, by: Partners.logistics)
        let back = try world.ship([unit("S1")], to: Partners.manufacturer, by: Partners.logistics)
        try world.receive(back, by: Partners.manufacturer)
        let record = try world.record(unit("S1"))
        #expect(record.owner == Partners.manufacturer && record.possessor == Partners.manufacturer)
        #expect(record.ownerSince == commissioned.seq && record.transfers.isEmpty)
    }
}

@Suite("Batches")
struct BatchTests {
    @Test("rollbackBatch restores the exact state from before beginBatch")
    func rollbackRestores() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2", "S3"])
        try world.aggregate(sscc(1), [unit("S1"), unit("S2")])
        let earlier = try world.transfer([sscc(1)], from: Partners.manufacturer, to: Partners.wholesaler)
        let before = StateSnapshot(world.state)

        world.beginBatch()
        try world.receive(earlier, by: Partners.wholesaler)
        try world.disaggregate(sscc(1), [unit("S1")], by: Partners.wholesaler)
        try world.decommission([unit("S1")], .damaged, by: Partners.wholesaler)
        try world.commission(["S4"])
        try world.aggregate(sscc(2), [unit("S3"), unit("S4")])
        let later = try world.transfer([sscc(2)], from: Partners.manufacturer, to: Partners.dispenser)
        try world.receive(later, by: Partners.dispenser)
        try world.returnItems([sscc(2)], to: Partners.manufacturer, by: Partners.dispenser)
        // A refusal inside the batch changes nothing either.
        world.expectRefusal(.noOpenShipment) { try $0.receive(later, by: Partners.dispenser) }
        #expect(StateSnapshot(world.state) != before)
        world.rollbackBatch()

        #expect(StateSnapshot(world.state) == before)
        // And the state works on from there.
        try world.receive(earlier, by: Partners.wholesaler)
        #expect(try world.record(unit("S1")).possessor == Partners.wholesaler)
    }

    @Test("a batch begun with no units (the ledger's overlay after each write) rolls back to none, and works on from there")
    func rollbackFromEmpty() throws {
        var world = try CustodyFixture()
        let before = StateSnapshot(world.state)
        world.beginBatch()
        try world.commission(["S1", "S2", "S3"])
        try world.aggregate(sscc(1), [unit("S1"), unit("S2")])
        _ = try world.transfer([sscc(1)], from: Partners.manufacturer, to: Partners.wholesaler)
        #expect(world.state.units.count == 4)
        world.rollbackBatch()
        #expect(world.state.units.isEmpty && world.state.events.isEmpty)
        #expect(StateSnapshot(world.state) == before)
        // The same serials commission again, and a second rolled-back batch leaves the first's commit alone.
        world.beginBatch()
        try world.commission(["S1", "S2"])
        world.commitBatch()
        let committed = StateSnapshot(world.state)
        world.beginBatch()
        try world.aggregate(sscc(1), [unit("S1")])
        world.rollbackBatch()
        #expect(StateSnapshot(world.state) == committed)
        #expect(try world.record(unit("S1")).parent == nil)
    }

    @Test("commitBatch keeps the changes, and a later rollback does not undo them")
    func commitKeeps() throws {
        var world = try CustodyFixture()
        world.beginBatch()
        try world.commission(["S1"])
        world.commitBatch()
        let committed = StateSnapshot(world.state)
        world.rollbackBatch()
        #expect(StateSnapshot(world.state) == committed)
        #expect(world.state.units[unit("S1")] != nil)
    }
}
