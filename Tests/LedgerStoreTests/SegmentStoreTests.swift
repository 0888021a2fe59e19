import Foundation
import LedgerFormat
import LedgerStore
import Testing

@Suite("Segment store: append, reopen, read")
struct SegmentStoreTests {
    @Test("append, close, reopen: same head, same entries through entry(_:) and forEach")
    func roundTrip() throws {
        try withTemporaryDirectory { directory in
            let layout = StoreLayout(directory: directory + "/ledger/")
            let factory = try EntryFactory()
            let pending = try factory.pending(0..<6)
            var written: [AppendedEntry] = []
            do {
                let writer = try SegmentWriter(layout: layout, create: true)
                defer { writer.close() }
                #expect(writer.head == nil)
                written += try writer.append(Array(pending[0..<1]), now: 1000)
                written += try writer.append(Array(pending[1..<4]), now: 3000)
                written += try writer.append(Array(pending[4..<6]), now: 2000)  // the clock went back
                #expect(try writer.append([], now: 4000).isEmpty)
            }
            #expect(layout.directory == directory + "/ledger")
            #expect(written.map(\.entry.seq) == Array(0..<6))
            #expect(written.map(\.entry.submission) == pending.map(\.submission))
            #expect(written.map(\.entry.signature) == pending.map(\.signature))
            #expect(written.map(\.entry.appendedAt) == [1000, 3000, 3000, 3000, 3000, 3000], "append times never go backwards")
            #expect(written[0].entry.prevHash == EntryFormat.zeroHash)
            for index in 1..<written.count {
                #expect(written[index].entry.prevHash == written[index - 1].hash)
                #expect(written[index].hash == written[index].entry.hash)
            }

            let reopened = try SegmentWriter(layout: layout)
            defer { reopened.close() }
            #expect(reopened.recovery == nil)
            #expect(reopened.head == Head(seq: 5, hash: written[5].hash, appendedAt: 3000))
            #expect(try HeadRecord.read(from: layout) == HeadRecord(seq: 5, hash: written[5].hash))

            let reader = try LedgerReader(layout: layout)
            for item in written {
                #expect(try reader.entry(item.entry.seq) == item)
            }
            #expect(try reader.entry(6) == nil)
            #expect(try allEntries(layout) == written)
            #expect(try allEntries(layout, fromSeq: 3) == Array(written[3...]))
            var firstTwo: [UInt64] = []
            try reader.forEach { firstTwo.append($0.entry.seq); return firstTwo.count < 2 }
            #expect(firstTwo == [0, 1], "forEach stops when the body returns false")

            let next = try reopened.append([factory.pending(6)], now: 5000)
            #expect(next[0].entry.seq == 6)
            #expect(next[0].entry.prevHash == written[5].hash)
            #expect(try chainProblems(layout) == [])
        }
    }

    @Test("a batch of N carries the batch-end flag on its last frame only")
    func batchEndFlag() throws {
        try withTemporaryDirectory { directory in
            let (layout, _) = try makeLedger(in: directory, batches: [1, 5, 1, 3], factory: try EntryFactory())
            let frames = try frameLocations(layout)
            #expect(frames.map(\.seq) == Array(0..<10))
            #expect(frames.map(\.flags) == [1, 0, 0, 0, 0, 1, 1, 0, 0, 1])
        }
    }

    @Test("a batch larger than the writer's 1 MiB write block is written block by block, byte for byte the batch framed whole")
    func batchInBlocks() throws {
        try withTemporaryDirectory { directory in
            let layout = StoreLayout(directory: directory + "/ledger")
            let factory = try EntryFactory()
            let writer = try SegmentWriter(layout: layout, create: true)
            defer { writer.close() }
            let first = try writer.append(factory.pending(0..<1), now: 1000)
            // 1,500 entries of about 1.2 KB: about 1.8 MiB of frames, so two blocks and a partial third.
            let head = try #require(writer.head)
            let segment = layout.logDirectory + "/" + StoreLayout.segmentName(firstSeq: 0)
            let before = try Disk.size(segment)
            let batch = try writer.append(factory.pending(1..<1501, padding: 1000), now: 2000)
            var expected: [UInt8] = []
            var previous = head.hash
            for (index, item) in try factory.pending(1..<1501, padding: 1000).enumerated() {
                let entry = Entry(seq: UInt64(index + 1), appendedAt: 2000, prevHash: previous, submission: item.submission, signature: item.signature)
                let hash = EntryFormat.entryHash(ofCanonicalBytes: entry.canonicalBytes)
                Frame.encode(canonicalBytes: entry.canonicalBytes, hash: hash, batchEnd: index == 1499, into: &expected)
                previous = hash
            }
            #expect(expected.count > 3 << 19)
            let file = try Disk.read(segment)
            #expect(Array(file[before...]) == expected)
            #expect(try batch.map(\.location.offset) == frameLocations(layout).dropFirst().map(\.offset))
            #expect(batch.last?.hash == previous && writer.head?.hash == previous)
            #expect(try allEntries(layout).map(\.hash) == first.map(\.hash) + batch.map(\.hash))
        }
    }

    @Test("segments roll over at segmentLimit, a batch never spans two, and scans cross segments")
    func rollover() throws {
        try withTemporaryDirectory { directory in
            let factory = try EntryFactory()
            let limit = 1024
            let (layout, head) = try makeLedger(in: directory, batches: Array(repeating: 1, count: 12),
                                                factory: factory, segmentLimit: limit)
            #expect(head.seq == 11)
            let segments = try layout.segments()
            #expect(segments.count >= 3)
            let frames = try frameLocations(layout)
            #expect(frames.map(\.seq) == Array(0..<12))
            for segment in segments {
                let bytes = try Disk.read(segment.path)
                #expect(bytes.count <= limit, "\(segment.name) is \(bytes.count) bytes")
                #expect(try SegmentHeader.decode(bytes).get() == segment.nameSeq)
                #expect(segment.name == StoreLayout.segmentName(firstSeq: segment.nameSeq))
                let first = try #require(frames.first { $0.segment == segment })
                #expect(first.seq == segment.nameSeq)
                #expect(first.offset == SegmentHeader.size)
            }
            #expect(try chainProblems(layout) == [])

            // Entries either side of every segment boundary, and forEach from a later segment.
            let reader = try LedgerReader(layout: layout)
            for segment in segments.dropFirst() {
                #expect(try reader.entry(segment.nameSeq)?.entry.seq == segment.nameSeq)
                #expect(try reader.entry(segment.nameSeq - 1)?.entry.seq == segment.nameSeq - 1)
            }
            let middle = segments[1].nameSeq
            #expect(try allEntries(layout, fromSeq: middle).map(\.entry.seq) == Array(middle...11))

            // Reopened with the same limit: a batch bigger than the limit goes whole into a new segment.
            let writer = try SegmentWriter(layout: layout, segmentLimit: limit)
            defer { writer.close() }
            #expect(writer.head == head)
            let big = try writer.append(factory.pending(12..<17, padding: 100), now: batchTime(20))
            #expect(big.map(\.entry.seq) == Array(12..<17))
            let last = try #require(try layout.segments().last)
            #expect(last.nameSeq == 12)
            #expect(try frameLocations(layout).filter { $0.segment == last }.map(\.seq) == Array(12..<17))
            #expect(try Disk.size(last.path) > limit)
            _ = try writer.append([factory.pending(17)], now: batchTime(21))
            #expect(try layout.segments().last?.nameSeq == 17)
            #expect(try chainProblems(layout) == [])
        }
    }

    @Test("create refuses an existing ledger; open and read refuse a directory without one")
    func existence() throws {
        try withTemporaryDirectory { directory in
            let empty = StoreLayout(directory: directory + "/nothing")
            #expect(throws: StoreError.noLedger(directory: empty.directory)) { try SegmentWriter(layout: empty) }
            #expect(throws: StoreError.noLedger(directory: empty.directory)) { try LedgerReader(layout: empty) }
            let (layout, _) = try makeLedger(in: directory, batches: [2], factory: try EntryFactory())
            let before = try Disk.snapshot(layout.directory)
            #expect(throws: StoreError.alreadyExists(directory: layout.directory)) {
                try SegmentWriter(layout: layout, create: true)
            }
            #expect(try Disk.snapshot(layout.directory) == before)
        }
    }
}

@Suite("Segment store: the writer lock")
struct WriterLockTests {
    @Test("a second writer fails with StoreError.locked carrying this process's pid")
    func secondWriterIsLockedOut() throws {
        try withTemporaryDirectory { directory in
            let factory = try EntryFactory()
            let layout = StoreLayout(directory: directory + "/ledger")
            let first = try SegmentWriter(layout: layout, create: true)
            _ = try first.append(factory.pending(0..<2), now: batchTime(0))
            #expect(String(decoding: try Disk.read(layout.lockFile), as: UTF8.self) == "\(getpid())\n")

            let error = #expect(throws: StoreError.self) { try SegmentWriter(layout: layout) }
            #expect(error == .locked(pid: getpid(), directory: layout.directory))
            #expect(error.map { "\($0)" }?.contains("ledger is locked by pid \(getpid())") == true)
            #expect(throws: StoreError.locked(pid: getpid(), directory: layout.directory)) {
                try SegmentWriter(layout: layout, create: true)
            }
            // The refused writers changed nothing; the first still appends.
            #expect(try first.append([factory.pending(2)], now: batchTime(1))[0].entry.seq == 2)
            first.close()

            let second = try SegmentWriter(layout: layout)
            defer { second.close() }
            #expect(second.head?.seq == 2)
            #expect(try chainProblems(layout) == [])
        }
    }

    @Test("readers need no lock: they read while the writer holds it, and see each new batch")
    func readersWhileWriterHoldsLock() throws {
        try withTemporaryDirectory { directory in
            let factory = try EntryFactory()
            let layout = StoreLayout(directory: directory + "/ledger")
            let writer = try SegmentWriter(layout: layout, create: true, segmentLimit: 1024)
            defer { writer.close() }
            let first = try writer.append(factory.pending(0..<3), now: batchTime(0))
            let reader = try LedgerReader(layout: layout)
            #expect(try allEntries(layout) == first)
            #expect(try reader.entry(1) == first[1])
            let more = try writer.append(factory.pending(3..<8), now: batchTime(1))
            #expect(try allEntries(layout) == first + more)
            #expect(try reader.entry(7) == more[4])
            #expect(try HeadRecord.read(from: layout)?.seq == 7)
            #expect(String(decoding: try Disk.read(layout.lockFile), as: UTF8.self) == "\(getpid())\n")
            #expect(throws: StoreError.self) { try SegmentWriter(layout: layout) }
        }
    }
}
