import LedgerFormat
import LedgerStore
import Testing

/// A frame as one of the two scans hands it out, compared between them.
private struct SeenFrame: Equatable, CustomStringConvertible {
    var segment: String
    var offset: Int
    var length: Int
    var entryBytes: [UInt8]
    var storedHash: [UInt8]
    var description: String { "\(segment)@\(offset)" }
}

/// What a scan yielded, in order: a block's frames, or a problem.
private enum Seen: Equatable {
    case block([SeenFrame])
    case problem(ScanProblem)
}

/// The frames and problems of `scanBlocks`, block by block.
private func blocks(_ layout: StoreLayout, maxFrames: Int, maxBytes: Int = SegmentScanner.bytesPerBlock) throws -> [Seen] {
    var seen: [Seen] = []
    try SegmentScanner(layout: layout).scanBlocks(try layout.segments(), maxFrames: maxFrames, maxBytes: maxBytes) { item in
        switch item {
        case .frames(let block):
            var frames: [SeenFrame] = []
            block.forEachFrame { span, entryBytes, storedHash in
                frames.append(SeenFrame(segment: block.segment.name, offset: span.offset, length: span.length,
                                        entryBytes: Array(entryBytes), storedHash: Array(storedHash)))
            }
            #expect(frames.count == block.spans.count)
            seen.append(.block(frames))
        case .problem(let problem, let segment):
            #expect(problem.description.contains(segment.name))
            seen.append(.problem(problem))
        }
    }
    return seen
}

/// The same log frame by frame through `scan`, each frame a block of its own.
private func framesOneByOne(_ layout: StoreLayout) throws -> [Seen] {
    var seen: [Seen] = []
    try SegmentScanner(layout: layout).scan(onProblem: { seen.append(.problem($0)) }, onFrame: { frame in
        seen.append(.block([SeenFrame(segment: frame.segment.name, offset: frame.offset, length: frame.length,
                                      entryBytes: Array(frame.entryBytes), storedHash: Array(frame.storedHash))]))
        return true
    })
    return seen
}

/// Frames and problems in order, blocks undone.
private func flattened(_ seen: [Seen]) -> [Seen] {
    seen.flatMap { item -> [Seen] in
        if case .block(let frames) = item { return frames.map { .block([$0]) } }
        return [item]
    }
}

private func blockSizes(_ seen: [Seen]) -> [Int] {
    seen.map { if case .block(let frames) = $0 { frames.count } else { 0 } }
}

@Suite("Frame blocks: runs of frames copied out of the scanner as one array")
struct FrameBlockTests {
    @Test("frames across block boundaries and segments come out whole, in order, the same as one by one")
    func acrossBoundaries() throws {
        try withTemporaryDirectory { directory in
            let (layout, _) = try makeLedger(in: directory, batches: Array(repeating: 1, count: 12), factory: try EntryFactory(),
                                             segmentLimit: 1024)
            let segments = try layout.segments()
            #expect(segments.count >= 3)
            let reference = try framesOneByOne(layout)
            #expect(reference.count == 12)
            for maxFrames in [1, 2, 3, 5, 256] {
                let seen = try blocks(layout, maxFrames: maxFrames)
                #expect(flattened(seen) == reference, "at most \(maxFrames) frames a block")
                for item in seen {
                    guard case .block(let frames) = item else { Issue.record("no problem expected"); continue }
                    #expect(!frames.isEmpty && frames.count <= maxFrames)
                    #expect(Set(frames.map(\.segment)).count == 1, "a block never spans segments")
                }
            }
            // With room for every frame, one block per segment.
            #expect(try blocks(layout, maxFrames: 256).count == segments.count)
            // Every frame decodes from its copy, with the stored hash the entry hashes to.
            for case .block(let frames) in try blocks(layout, maxFrames: 3) {
                for frame in frames {
                    #expect(try Entry(canonicalBytes: frame.entryBytes).hash == frame.storedHash)
                }
            }
        }
    }

    @Test("a block of one frame: a frame reaching the byte limit ends its block")
    func blockOfOneFrame() throws {
        try withTemporaryDirectory { directory in
            let (layout, _) = try makeLedger(in: directory, batches: [4], factory: try EntryFactory())
            let reference = try framesOneByOne(layout)
            let single = try blocks(layout, maxFrames: 256, maxBytes: 1)
            #expect(blockSizes(single) == [1, 1, 1, 1])
            #expect(single == reference)
            guard case .block(let first) = reference[0] else { Issue.record("a frame first"); return }
            // Two frames' bytes: the limit is reached at the second, which ends the block.
            let twoFrames = 2 * (first[0].entryBytes.count + Frame.trailerSize)
            #expect(blockSizes(try blocks(layout, maxFrames: 256, maxBytes: twoFrames)) == [2, 2])
            #expect(blockSizes(try blocks(layout, maxFrames: 256, maxBytes: twoFrames + 1)) == [3, 1])
        }
    }

    @Test("a damaged frame between blocks: the frames before it, then the problem, in file order")
    func damagedFrameBetweenBlocks() throws {
        try withTemporaryDirectory { directory in
            let (layout, _) = try makeLedger(in: directory, batches: [10], factory: try EntryFactory())
            let frames = try frameLocations(layout)
            let segment = try #require(layout.segments().first)
            var bytes = try Disk.read(segment.path)
            bytes[frames[4].offset] ^= 0xff  // frame 4's magic
            try Disk.write(segment.path, bytes)
            let seen = try blocks(layout, maxFrames: 3)
            #expect(blockSizes(seen) == [3, 1, 0])
            #expect(seen.last == .problem(.malformedFrame(segment: segment.name, offset: frames[4].offset,
                                                           reason: "frame magic is 0xbc4c4652, expected 0x434c4652 (\"CLFR\")")))
            #expect(flattened(seen) == (try framesOneByOne(layout)))
            // Damage right after a full block: the block, then the problem, and no empty block between.
            bytes[frames[4].offset] ^= 0xff
            bytes[frames[3].offset] ^= 0xff
            try Disk.write(segment.path, bytes)
            let atBoundary = try blocks(layout, maxFrames: 3)
            #expect(blockSizes(atBoundary) == [3, 0])
            #expect(flattened(atBoundary) == (try framesOneByOne(layout)))
        }
    }

    @Test("a torn tail of the last segment comes after the last block")
    func tornTail() throws {
        try withTemporaryDirectory { directory in
            let (layout, _) = try makeLedger(in: directory, batches: [5], factory: try EntryFactory())
            let segment = try #require(layout.segments().first)
            let size = try Disk.size(segment.path)
            try Disk.append(segment.path, [0x43, 0x4c, 0x46])
            let seen = try blocks(layout, maxFrames: 2)
            #expect(blockSizes(seen) == [2, 2, 1, 0])
            #expect(seen.last == .problem(.incompleteTail(segment: segment.name, offset: size, bytes: 3)))
        }
    }
}
