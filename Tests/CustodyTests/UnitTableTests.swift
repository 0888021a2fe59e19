import Custody
import Testing

private func record(_ id: UnitID, seq: UInt64) -> UnitRecord {
    UnitRecord(id: id, createdSeq: seq, lot: nil, owner: "0614141000005", possessor: nil, ownerSince: seq)
}

@Suite("The replay's unit table")
struct UnitTableTests {
    /// SGTINs with serials of every length from 1 to 20 (short and long strings), and SSCCs.
    static let ids: [UnitID] = (0..<400).map { number in
        if number % 10 == 9 { return sscc(number) }
        let serial = String(repeating: "x", count: number % 20) + String(number)
        return unit(String(serial.suffix(20)))
    }

    @Test("stores, replaces, finds and removes records as a dictionary does, through growth and removals (in one chunk of records, and across many)",
          arguments: [UnitTable.defaultRecordsPerChunk, 4])
    func behavesLikeADictionary(recordsPerChunk: Int) {
        var generator = SplitMix(state: 42)
        var table = UnitTable(recordsPerChunk: recordsPerChunk)
        var model: [UnitID: UnitRecord] = [:]
        for step in 0..<6000 {
            let id = Self.ids.randomElement(using: &generator)!
            // Mostly stores early on, then as many removals as stores, so the table grows and shrinks again.
            if UInt64.random(in: 0..<10, using: &generator) < (step < 2000 ? 8 : 5) {
                let new = record(id, seq: UInt64(step))
                table[id] = new
                model[id] = new
            } else {
                table[id] = nil
                model[id] = nil
            }
            #expect(table.count == model.count)
            if step % 97 == 0 {
                for id in Self.ids { #expect(table[id] == model[id], "\(id) after step \(step)") }
                #expect(Set(table.keys) == Set(model.keys))
            }
        }
        for id in Self.ids { #expect(table[id] == model[id]) }
        #expect(table.values.map(\.createdSeq).sorted() == model.values.map(\.createdSeq).sorted())
        let taken = table.removeAllValues()
        #expect(taken.map(\.createdSeq).sorted() == model.values.map(\.createdSeq).sorted())
        #expect(table.isEmpty && table.values.isEmpty && table[Self.ids[0]] == nil)
    }

    @Test("equal when holding the same records in another order; unequal when one differs or is missing")
    func equality() {
        var forward = UnitTable()
        var backward = UnitTable()
        backward.reserveCapacity(Self.ids.count)
        for (seq, id) in Self.ids.enumerated() { forward.store(record(id, seq: UInt64(seq))) }
        for (seq, id) in Self.ids.enumerated().reversed() { backward.store(record(id, seq: UInt64(seq))) }
        #expect(forward == backward)
        var changed = backward
        changed.store(record(Self.ids[7], seq: 9999))
        #expect(changed != forward && changed.count == forward.count)
        var fewer = backward
        fewer[Self.ids[7]] = nil
        #expect(fewer != forward && fewer[Self.ids[7]] == nil && fewer.count == forward.count - 1)
        fewer.removeAll()
        #expect(fewer.isEmpty && fewer[Self.ids[0]] == nil && fewer == UnitTable())
    }

    @Test("an SGTIN and an SSCC, and SGTINs differing only in GTIN or serial, are different keys")
    func distinctKeys() {
        let ids: [UnitID] = [unit("100"), unit("100", gtin: Products.otherGTIN), unit("1000"), unit("10"),
                             .sscc("106141412345678908"), .sgtin(gtin: "106141412345678908", serial: "")]
        var table = UnitTable()
        for (seq, id) in ids.enumerated() { table.store(record(id, seq: UInt64(seq))) }
        #expect(table.count == ids.count)
        for (seq, id) in ids.enumerated() { #expect(table[id]?.createdSeq == UInt64(seq)) }
    }

    @Test("identifiers sort as their canonical strings do, short cuts or not")
    func orderIsCanonical() {
        let odd: [UnitID] = [.sgtin(gtin: "123", serial: "9"), .sgtin(gtin: "12", serial: "39"), .sgtin(gtin: Products.unitGTIN, serial: "K"),
                             .sgtin(gtin: Products.unitGTIN, serial: "\u{212A}"), .sgtin(gtin: Products.unitGTIN, serial: "é"),
                             .sscc("\u{212A}"), .sscc(""), unit(""), unit("(21)A")]
        let ids = Self.ids.prefix(60) + odd + [unit("A"), unit("a"), unit("Z"), unit("AA"), unit("A", gtin: Products.otherGTIN)]
        for left in ids {
            for right in ids {
                #expect((left < right) == (left.canonical < right.canonical), "\(left) < \(right)")
            }
        }
    }
}
