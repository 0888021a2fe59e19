import Custody
import Testing

@Suite("Decommissioning")
struct DecommissionTests {
    @Test("nothing moves after decommissioning")
    func nothingMovesAfterwards() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        let destroyed = try world.decommission([unit("S1")], .destroyed, by: Partners.manufacturer)
        let record = try world.record(unit("S1"))
        #expect(record.status == .decommissioned(.destroyed, seq: destroyed.seq))
        #expect(record.stateName == "destroyed")

        let attempts: [(inout CustodyFixture) throws -> Void] = [
            { try $0.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler) },
            { try $0.ship([unit("S1")], to: Partners.logistics, by: Partners.manufacturer) },
            { try $0.aggregate(sscc(1), [unit("S2"), unit("S1")]) },
            { try $0.decommission([unit("S1")], .dispensed, by: Partners.manufacturer) },
        ]
        for attempt in attempts {
            world.expectRefusal(.decommissioned, unit: unit("S1"), conflictingSeq: destroyed.seq, attempt)
        }
    }

    @Test("a decommissioned container cannot be packed into or unpacked")
    func decommissionedContainer() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        try world.aggregate(sscc(1), [unit("S1")])
        let lost = try world.decommission([sscc(1)], .lost, by: Partners.manufacturer)
        world.expectRefusal(.decommissioned, unit: sscc(1), conflictingSeq: lost.seq) { try $0.aggregate(sscc(1), [unit("S2")]) }
        world.expectRefusal(.decommissioned, unit: sscc(1), conflictingSeq: lost.seq) { try $0.disaggregate(sscc(1)) }
    }

    @Test("decommissioning a container takes its contents with it")
    func containerTakesContents() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        try world.commission(["C1"], gtin: Products.caseGTIN)
        try world.aggregate(caseUnit("C1"), [unit("S1"), unit("S2")])
        try world.aggregate(sscc(1), [caseUnit("C1")])
        let recalled = try world.decommission([sscc(1)], .recalled, by: Partners.manufacturer)
        for id in [sscc(1), caseUnit("C1"), unit("S1"), unit("S2")] {
            #expect(try world.record(id).status == .decommissioned(.recalled, seq: recalled.seq))
        }
        // The contents stay packed as they were; only the decommissioned item leaves its own parent.
        #expect(try world.record(unit("S1")).parent == caseUnit("C1"))
        world.expectRefusal(.decommissioned, unit: unit("S2"), conflictingSeq: recalled.seq) {
            try $0.decommission([unit("S2")], .destroyed, by: Partners.manufacturer)
        }
    }

    @Test("decommissioning a unit inside a case detaches it; the rest of the case ships on")
    func unitLeavesItsCase() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        try world.commission(["C1"], gtin: Products.caseGTIN)
        try world.aggregate(caseUnit("C1"), [unit("S1"), unit("S2")])
        let sold = try world.transfer([caseUnit("C1")], from: Partners.manufacturer, to: Partners.dispenser)
        try world.receive(sold, by: Partners.dispenser)
        let dispensed = try world.decommission([unit("S1")], .dispensed, by: Partners.dispenser)
        let gone = try world.record(unit("S1"))
        #expect(gone.parent == nil && gone.parentSince == nil && gone.status == .decommissioned(.dispensed, seq: dispensed.seq))
        let box = try world.record(caseUnit("C1"))
        #expect(box.children == [unit("S2")] && box.status == .active)
        #expect(world.state.transactionProducts(for: [caseUnit("C1")]).map(\.quantity) == [1])
        try world.returnItems([caseUnit("C1")], to: Partners.manufacturer, by: Partners.dispenser)
    }

    @Test("dispensing in transit is refused; theft in transit is recorded")
    func inTransit() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        let sold = try world.transfer([unit("S1"), unit("S2")], from: Partners.manufacturer, to: Partners.dispenser)
        world.expectRefusal(.inTransit, unit: unit("S1"), conflictingSeq: sold.seq) {
            try $0.decommission([unit("S1")], .dispensed, by: Partners.dispenser)
        }
        let stolen = try world.decommission([unit("S1")], .stolen, by: Partners.dispenser)
        #expect(try world.record(unit("S1")).status == .decommissioned(.stolen, seq: stolen.seq))
        // The receipt closes the shipment; only what arrived comes into possession.
        try world.receive(sold, by: Partners.dispenser)
        #expect(world.state.shipments.isEmpty)
        #expect(try world.record(unit("S2")).possessor == Partners.dispenser)
        let missing = try world.record(unit("S1"))
        #expect(missing.possessor == nil && missing.shipment == nil && missing.stateName == "stolen")
    }

    @Test("a partner with no hold on a unit cannot decommission it")
    func unrelatedPartner() throws {
        var world = try CustodyFixture()
        let commissioned = try world.commission(["S1"])
        world.expectRefusal(.notOwner, unit: unit("S1"), conflictingSeq: commissioned.seq) {
            try $0.decommission([unit("S1")], .destroyed, by: Partners.wholesaler)
        }
        world.expectRefusal(.unknownUnit, unit: unit("S9")) {
            try $0.decommission([unit("S9")], .destroyed, by: Partners.manufacturer)
        }
    }
}
