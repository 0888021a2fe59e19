import LedgerFormat
import LedgerStore
import Testing

/// Where a crash cut a frame short.
enum TornCut: String, CaseIterable, Sendable {
    case insideHeader, headerOnly, midEntry, missingLastHashByte

    func prefix(of frame: [UInt8]) -> [UInt8] {
        switch self {
        case .insideHeader: Array(frame.prefix(4))
        case .headerOnly: Array(frame.prefix(Frame.headerSize))
        case .midEntry: Array(frame.prefix(frame.count / 2))
        case .missingLastHashByte: Array(frame.dropLast())
        }
    }
}

@Suite("Segment store: crash recovery")
struct RecoveryTests {
    /// Opens the ledger for writing after a crash left `tail` at the end of its last segment, and checks
    /// that recovery cut exactly `tail`, saved it, kept the head, and that appending then works.
    func expectRecovery(layout: StoreLayout, head: Head, factory: EntryFactory, tail: [UInt8],
                        unacknowledgedEntries: Int) throws {
        let segment = try #require(try layout.segments().last)
        let sizeBefore = try Disk.size(segment.path)
        try Disk.append(segment.path, tail)

        let writer = try SegmentWriter(layout: layout)
        defer { writer.close() }
        let report = try #require(writer.recovery)
        #expect(report.segment == segment.name)
        #expect(report.offset == sizeBefore)
        #expect(report.bytes == tail.count)
        #expect(report.unacknowledgedEntries == unacknowledgedEntries)
        #expect(report.savedTo.hasPrefix(layout.recoveredDirectory + "/"))
        #expect(try Disk.read(report.savedTo) == tail, "the cut bytes are kept in recovered/")
        #expect(report.description.contains("cut \(tail.count) never-acknowledged bytes"))
        #expect(try Disk.size(segment.path) == sizeBefore)
        #expect(writer.head == head)

        let appended = try writer.append([factory.pending(Int(head.seq) + 1)], now: batchTime(99))
        #expect(appended[0].entry.seq == head.seq + 1)
        #expect(appended[0].entry.prevHash == head.hash)
        #expect(try chainProblems(layout) == [])
        writer.close()

        let again = try SegmentWriter(layout: layout)
        defer { again.close() }
        #expect(again.recovery == nil, "a recovered ledger opens cleanly")
        #expect(again.head?.seq == head.seq + 1)
    }

    @Test("(a) a half-written frame at the end of the last segment is cut and saved", arguments: TornCut.allCases)
    func halfWrittenFrame(cut: TornCut) throws {
        try withTemporaryDirectory { directory in
            let factory = try EntryFactory()
            let (layout, head) = try makeLedger(in: directory, batches: [1, 3, 2], factory: factory)
            let frame = try factory.frames(after: head, count: 1, batchEndOnLast: true)
            try expectRecovery(layout: layout, head: head, factory: factory, tail: cut.prefix(of: frame),
                               unacknowledgedEntries: 0)
        }
    }

    @Test("(b) whole frames of an unfinished batch (no batch-end flag) are cut the same way",
          arguments: [false, true])
    func unfinishedBatch(followedByPartialFrame: Bool) throws {
        try withTemporaryDirectory { directory in
            let factory = try EntryFactory()
            let (layout, head) = try makeLedger(in: directory, batches: [1, 3, 2], factory: factory)
            var tail = try factory.frames(after: head, count: followedByPartialFrame ? 3 : 2, batchEndOnLast: false)
            if followedByPartialFrame { tail.removeLast(50) }
            try expectRecovery(layout: layout, head: head, factory: factory, tail: tail, unacknowledgedEntries: 2)
        }
    }

    @Test("(c) a zero-filled tail is cut", arguments: [3, 4096, 9 << 20])
    func zeroFilledTail(count: Int) throws {
        try withTemporaryDirectory { directory in
            let factory = try EntryFactory()
            let (layout, head) = try makeLedger(in: directory, batches: [1, 3, 2], factory: factory)
            try expectRecovery(layout: layout, head: head, factory: factory,
                               tail: [UInt8](repeating: 0, count: count), unacknowledgedEntries: 0)
        }
    }

    @Test("(d) a new segment file with only part of its header is saved and removed", arguments: [0, 7, 15])
    func partialSegmentHeader(headerBytes: Int) throws {
        try withTemporaryDirectory { directory in
            let factory = try EntryFactory()
            let (layout, head) = try makeLedger(in: directory, batches: [1, 3, 2], factory: factory)
            let previous = try #require(try layout.segments().last)
            let previousBytes = try Disk.read(previous.path)
            let torn = layout.logDirectory + "/" + StoreLayout.segmentName(firstSeq: head.seq + 1)
            let partial = Array(SegmentHeader.encode(firstSeq: head.seq + 1).prefix(headerBytes))
            try Disk.write(torn, partial)

            let writer = try SegmentWriter(layout: layout)
            defer { writer.close() }
            let report = try #require(writer.recovery)
            #expect(report.segment == StoreLayout.segmentName(firstSeq: head.seq + 1))
            #expect(report.offset == 0)
            #expect(report.bytes == headerBytes)
            #expect(report.unacknowledgedEntries == 0)
            #expect(try Disk.read(report.savedTo) == partial)
            #expect(!Disk.exists(torn))
            #expect(try layout.segments() == [previous])
            #expect(try Disk.read(previous.path) == previousBytes)
            #expect(writer.head == head)

            _ = try writer.append(factory.pending(Int(head.seq) + 1..<Int(head.seq) + 3), now: batchTime(99))
            #expect(try chainProblems(layout) == [])
            #expect(try allEntries(layout).count == Int(head.seq) + 3)
        }
    }

    @Test("an empty segment with a whole header (crash after creating it) is kept and appended to")
    func emptyNewSegment() throws {
        try withTemporaryDirectory { directory in
            let factory = try EntryFactory()
            let (layout, head) = try makeLedger(in: directory, batches: [1, 3], factory: factory)
            let fresh = layout.logDirectory + "/" + StoreLayout.segmentName(firstSeq: head.seq + 1)
            try Disk.write(fresh, SegmentHeader.encode(firstSeq: head.seq + 1))
            let writer = try SegmentWriter(layout: layout)
            defer { writer.close() }
            #expect(writer.recovery == nil)
            #expect(writer.head == head)
            _ = try writer.append([factory.pending(Int(head.seq) + 1)], now: batchTime(9))
            #expect(try frameLocations(layout).last?.segment.path == fresh)
            #expect(try chainProblems(layout) == [])
        }
    }
}

/// Damage that is not a torn tail.
enum Damage: String, CaseIterable, Sendable {
    /// A byte of the entry flipped.
    case entryByte
    /// A byte of the stored entry hash flipped.
    case storedHash
    /// The previous-entry hash altered and the stored hash recomputed to match.
    case chain
    /// Non-zero bytes that are not a frame after the last frame.
    case garbageTail
    /// A run of zeros longer than the scanner's read block, then non-zero bytes: not a torn tail.
    case zerosThenGarbage
}

@Suite("Segment store: damage before the tail")
struct DamageTests {
    @Test("opening for writing throws StoreError.damaged naming the entry, and modifies nothing",
          arguments: Damage.allCases)
    func damageIsRefused(damage: Damage) throws {
        try withTemporaryDirectory { directory in
            let factory = try EntryFactory()
            let (layout, head) = try makeLedger(in: directory, batches: [1, 2, 2, 2, 1], factory: factory)
            #expect(head.seq == 7)
            let frames = try frameLocations(layout)
            let target = frames[4]
            var bytes = try Disk.read(target.segment.path)
            let expectedSeq: UInt64
            let expectedOffset: Int
            switch damage {
            case .entryByte:
                bytes[target.entryOffset + (target.length - Frame.headerSize - Frame.trailerSize) / 2] ^= 0x01
                (expectedSeq, expectedOffset) = (4, target.offset)
            case .storedHash:
                bytes[target.offset + target.length - 5] ^= 0x80
                (expectedSeq, expectedOffset) = (4, target.offset)
            case .chain:
                let entryEnd = target.offset + target.length - Frame.trailerSize
                bytes[target.entryOffset + 17] ^= 0x01  // first byte of prevHash (after version, seq, appendedAt)
                let rehashed = EntryFormat.entryHash(ofCanonicalBytes: Array(bytes[target.entryOffset..<entryEnd]))
                bytes.replaceSubrange(entryEnd..<entryEnd + Frame.trailerSize, with: rehashed)
                (expectedSeq, expectedOffset) = (4, target.offset)
            case .garbageTail:
                expectedOffset = bytes.count
                bytes += Array("not a frame at all".utf8)
                expectedSeq = 8
            case .zerosThenGarbage:
                expectedOffset = bytes.count
                bytes += [UInt8](repeating: 0, count: SegmentScanner.blockSize + 100) + [0x2a]
                expectedSeq = 8
            }
            try Disk.write(target.segment.path, bytes)
            // A torn tail after the damage must not be cut either.
            if damage != .garbageTail, damage != .zerosThenGarbage {
                try Disk.append(target.segment.path, Array(try factory.frames(after: head, count: 1, batchEndOnLast: true).prefix(30)))
            }
            let before = try Disk.snapshot(layout.directory)

            let error = #expect(throws: StoreError.self) { try SegmentWriter(layout: layout) }
            guard case .damaged(let seq, let segment, let offset, let reason)? = error else {
                Issue.record("expected StoreError.damaged, got \(String(describing: error))")
                return
            }
            #expect(seq == expectedSeq)
            #expect(segment == target.segment.name)
            #expect(offset == expectedOffset)
            #expect(!reason.isEmpty)
            #expect(error.map { "\($0)" }?.contains("ledger is damaged at entry \(expectedSeq)") == true)
            #expect(try Disk.snapshot(layout.directory) == before, "nothing is modified")
            #expect(!Disk.exists(layout.recoveredDirectory))
            // The refused open released the lock: a second try reports the damage again, not a lock.
            let again = #expect(throws: StoreError.self) { try SegmentWriter(layout: layout) }
            #expect(again == error)
        }
    }
}
