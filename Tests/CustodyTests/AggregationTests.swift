import Custody
import Testing

@Suite("Aggregation and disaggregation")
struct AggregationTests {
    @Test("units go into a commissioned case; the case into a new SSCC, which the packer owns")
    func packCaseAndPallet() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        try world.commission(["C1"], gtin: Products.caseGTIN)
        let packCase = try world.aggregate(caseUnit("C1"), [unit("S1"), unit("S2")])
        let packPallet = try world.aggregate(sscc(1), [caseUnit("C1")])

        let pallet = try world.record(sscc(1))
        #expect(pallet.createdSeq == packPallet.seq && pallet.ownerSince == packPallet.seq)
        #expect(pallet.owner == Partners.manufacturer && pallet.possessor == Partners.manufacturer)
        #expect(pallet.lot == nil)
        #expect(pallet.children == [caseUnit("C1")])
        let box = try world.record(caseUnit("C1"))
        #expect(box.children == [unit("S1"), unit("S2")])
        #expect(box.parent == sscc(1) && box.parentSince == packPallet.seq)
        #expect(try world.record(unit("S1")).parent == caseUnit("C1"))
        #expect(try world.record(unit("S2")).parentSince == packCase.seq)
        // Depth first from the unit itself; siblings come in no particular order.
        let descendants = world.state.descendants(of: sscc(1))
        #expect(Array(descendants.prefix(2)) == [sscc(1), caseUnit("C1")])
        #expect(Set(descendants.dropFirst(2)) == [unit("S1"), unit("S2")] && descendants.count == 4)
        #expect(world.state.ancestors(of: unit("S1")) == [caseUnit("C1"), sscc(1)])
    }

    @Test("more children join an existing parent")
    func addToParent() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        try world.aggregate(sscc(1), [unit("S1")])
        try world.aggregate(sscc(1), [unit("S2")])
        #expect(try world.record(sscc(1)).children == [unit("S1"), unit("S2")])
    }

    @Test("a child never commissioned cannot be packed")
    func unknownChild() throws {
        var world = try CustodyFixture()
        try world.commission(["S1"])
        world.expectRefusal(.unknownUnit, unit: unit("S9")) { try $0.aggregate(sscc(1), [unit("S1"), unit("S9")]) }
        // The SSCC the refused entry would have created does not exist.
        #expect(world.state.units[sscc(1)] == nil)
    }

    @Test("a case SGTIN parent must be commissioned; only an SSCC comes into existence by packing")
    func uncommissionedCaseParent() throws {
        var world = try CustodyFixture()
        try world.commission(["S1"])
        world.expectRefusal(.unknownUnit, unit: caseUnit("C9")) { try $0.aggregate(caseUnit("C9"), [unit("S1")]) }
        let created = try world.aggregate(sscc(7), [unit("S1")])
        #expect(try world.record(sscc(7)).createdSeq == created.seq)
    }

    @Test("a child is in at most one parent: the error names the packing entry")
    func childAlreadyInParent() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        let packing = try world.aggregate(sscc(1), [unit("S1")])
        world.expectRefusal(.alreadyInParent, unit: unit("S1"), conflictingSeq: packing.seq) {
            try $0.aggregate(sscc(2), [unit("S2"), unit("S1")])
        }
        // Packing it again into the same parent is just as wrong.
        world.expectRefusal(.alreadyInParent, unit: unit("S1"), conflictingSeq: packing.seq) {
            try $0.aggregate(sscc(1), [unit("S1")])
        }
        #expect(world.state.units[sscc(2)] == nil)
    }

    @Test("a container cannot go inside itself or inside what it contains")
    func containmentCycle() throws {
        var world = try CustodyFixture()
        try world.commission(["C1"], gtin: Products.caseGTIN)
        try world.aggregate(sscc(1), [caseUnit("C1")])
        try world.aggregate(sscc(2), [sscc(1)])
        // SSCC 2 ⊃ SSCC 1 ⊃ C1: packing SSCC 2 into C1 closes a loop.
        world.expectRefusal(.containmentCycle, unit: sscc(2)) { try $0.aggregate(caseUnit("C1"), [sscc(2)]) }
        // A unit into itself.
        try world.commission(["C2"], gtin: Products.caseGTIN)
        world.expectRefusal(.containmentCycle, unit: caseUnit("C2")) { try $0.aggregate(caseUnit("C2"), [caseUnit("C2")]) }
    }

    @Test("only the holder packs: another partner's units, or into another partner's parent")
    func packWhatYouDoNotHold() throws {
        var world = try CustodyFixture()
        let commissioned = try world.commission(["S1"])
        try world.commission(["R1"], by: Partners.repackager)
        let error = world.expectRefusal(.notPossessor, unit: unit("S1"), conflictingSeq: commissioned.seq) {
            try $0.aggregate(sscc(1), [unit("S1")], by: Partners.wholesaler)
        }
        #expect(error?.message.contains(Partners.manufacturer) == true)
        let parent = try world.aggregate(sscc(2), [unit("R1")], by: Partners.repackager)
        try world.commission(["S2"])
        world.expectRefusal(.notPossessor, unit: sscc(2), conflictingSeq: parent.seq) {
            try $0.aggregate(sscc(2), [unit("S2")])
        }
    }

    @Test("a container has one owner: a 3PL cannot pack one owner's unit into another owner's pallet")
    func mixingOwners() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        try world.aggregate(sscc(1), [unit("S2")])
        // The manufacturer keeps owning the pallet but sends it to its 3PL; it sells S1 to the
        // wholesaler through the same 3PL.
        let shipped = try world.ship([sscc(1)], to: Partners.logistics, by: Partners.manufacturer)
        let sold = try world.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler, via: Partners.logistics)
        try world.receive(shipped, by: Partners.logistics)
        try world.receive(sold, by: Partners.logistics)
        world.expectRefusal(.notOwner, unit: unit("S1"), conflictingSeq: sold.seq) {
            try $0.aggregate(sscc(1), [unit("S1")], by: Partners.logistics)
        }
    }

    @Test("nothing is packed while in transit")
    func packInTransit() throws {
        var world = try CustodyFixture()
        try world.commission(["S1"])
        let sold = try world.transfer([unit("S1")], from: Partners.manufacturer, to: Partners.wholesaler)
        world.expectRefusal(.inTransit, unit: unit("S1"), conflictingSeq: sold.seq) {
            try $0.aggregate(sscc(1), [unit("S1")], by: Partners.wholesaler)
        }
    }

    @Test("disaggregating some children, then all of them")
    func unpack() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2", "S3"])
        try world.aggregate(sscc(1), [unit("S1"), unit("S2"), unit("S3")])
        try world.disaggregate(sscc(1), [unit("S2")])
        #expect(try world.record(sscc(1)).children == [unit("S1"), unit("S3")])
        let loose = try world.record(unit("S2"))
        #expect(loose.parent == nil && loose.parentSince == nil)
        try world.disaggregate(sscc(1))
        #expect(try world.record(sscc(1)).children.isEmpty)
        #expect(try world.record(unit("S1")).parent == nil)
        #expect(try world.record(unit("S3")).parent == nil)
        // A unit out of one parent may go into another.
        try world.aggregate(sscc(2), [unit("S1")])
    }

    @Test("only a child of the parent is taken out of it")
    func disaggregateNonChild() throws {
        var world = try CustodyFixture()
        try world.commission(["S1", "S2"])
        try world.aggregate(sscc(1), [unit("S1")])
        try world.aggregate(sscc(2), [unit("S2")])
        world.expectRefusal(.notInParent, unit: unit("S2")) { try $0.disaggregate(sscc(1), [unit("S1"), unit("S2")]) }
        world.expectRefusal(.unknownUnit, unit: sscc(3)) { try $0.disaggregate(sscc(3)) }
    }

    @Test("only the holder unpacks")
    func disaggregateByNonHolder() throws {
        var world = try CustodyFixture()
        try world.commission(["S1"])
        let packing = try world.aggregate(sscc(1), [unit("S1")])
        world.expectRefusal(.notPossessor, unit: sscc(1), conflictingSeq: packing.seq) {
            try $0.disaggregate(sscc(1), by: Partners.wholesaler)
        }
    }
}
