import Foundation
import LedgerFormat
import LedgerStore
import Testing

@Suite("Prepared reads: OrderedParallelMap and LedgerReader.forEachPrepared")
struct PreparedReadTests {
    @Test("results come back in input order whatever the batch size, workers and number of items", arguments: [(1, 1, 0), (3, 1, 7), (2, 4, 1000), (8, 256, 5000)])
    func order(workers: Int, batchSize: Int, count: Int) {
        let map = OrderedParallelMap<Int, Int>(workers: workers, batchSize: batchSize) { $0 * 2 }
        var out: [Int] = []
        for item in 0..<count { map.submit(item) { out.append($0) } }
        map.finish { out.append($0) }
        #expect(out == (0..<count).map { $0 * 2 })
    }

    @Test("a consumer that throws stops the run with its error")
    func consumerThrows() {
        struct Stop: Error, Equatable {}
        let map = OrderedParallelMap<Int, Int>(workers: 2, batchSize: 3) { $0 }
        var seen: [Int] = []
        #expect(throws: Stop()) {
            for item in 0..<100 {
                try map.submit(item) { value in
                    if value == 10 { throw Stop() }
                    seen.append(value)
                }
            }
            map.finish { seen.append($0) }
        }
        #expect(seen == Array(0..<10))
    }

    @Test("forEachPrepared sees what forEach sees, from any entry, with the prepared value beside each; it stops when asked")
    func sameAsForEach() throws {
        try withTemporaryDirectory { directory in
            let (layout, _) = try makeLedger(in: directory, batches: [1, 5, 40, 3], factory: try EntryFactory(), segmentLimit: 4096)
            let reader = try LedgerReader(layout: layout)
            for from: UInt64 in [0, 1, 17, 48, 49] {
                var prepared: [AppendedEntry] = []
                try reader.forEachPrepared(fromSeq: from, workers: 2, prepare: { $0.entry.hash }) { appended, hash in
                    #expect(hash == appended.hash)
                    prepared.append(appended)
                    return true
                }
                #expect(prepared == (try allEntries(layout, fromSeq: from)), "from \(from)")
            }
            var firstThree: [UInt64] = []
            try reader.forEachPrepared(workers: 2, prepare: { _ in () }) { appended, _ in
                firstThree.append(appended.entry.seq)
                return firstThree.count < 3
            }
            #expect(firstThree == [0, 1, 2])
        }
    }

    @Test("damage: forEachPrepared throws the error forEach throws, naming the same entry and place")
    func sameDamage() throws {
        try withTemporaryDirectory { directory in
            let (layout, _) = try makeLedger(in: directory, batches: [1, 5, 40, 3], factory: try EntryFactory(), segmentLimit: 4096)
            let frames = try frameLocations(layout)
            // One frame's entry bytes made undecodable, another's length field broken (a malformed frame).
            for (target, position) in [(frames[20], { (frame: FrameLocation) in frame.entryOffset }),
                                       (frames[33], { (frame: FrameLocation) in frame.offset })] {
                let path = target.segment.path
                let original = try Disk.read(path)
                var damaged = original
                for offset in position(target)..<(position(target) + 4) { damaged[offset] = 0xFF }
                try Disk.write(path, damaged)
                defer { try? Disk.write(path, original) }
                let reader = try LedgerReader(layout: layout)
                var plain: Error?
                do { try reader.forEach { _ in true } } catch { plain = error }
                var prepared: Error?
                var seen = 0
                do { try reader.forEachPrepared(workers: 2, prepare: { _ in () }) { _, _ in seen += 1; return true } } catch { prepared = error }
                #expect(plain != nil)
                #expect(prepared.map { "\($0)" } == plain.map { "\($0)" })
                #expect(seen == Int(target.seq), "every entry before the damage is handed over first")
                // Stopping before the damage ends the read cleanly, as forEach does.
                var stoppedAt: [UInt64] = []
                try reader.forEachPrepared(workers: 2, prepare: { _ in () }) { appended, _ in
                    stoppedAt.append(appended.entry.seq)
                    return appended.entry.seq < 5
                }
                #expect(stoppedAt == Array(0...5))
            }
        }
    }
}
