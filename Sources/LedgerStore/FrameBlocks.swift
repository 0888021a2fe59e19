import LedgerFormat

/// Consecutive whole frames of one segment, copied out of the scanner's reading buffer into one array: a run of
/// frames goes to another thread as one allocation for all their bytes, not two per frame.
public struct FrameBlock: Sendable {
    /// Where one frame lies in the block's bytes and in its segment.
    public struct Span: Sendable, Hashable {
        /// Where the entry's canonical bytes start in `bytes`; its stored hash (32 bytes) follows them.
        public let start: Int
        /// The length of the entry's canonical bytes.
        public let entryCount: Int
        /// Byte offset of the frame within the segment.
        public let offset: Int
        /// The frame's length in the segment (header, entry and hash).
        public let length: Int
    }

    /// The segment holding the frames.
    public let segment: SegmentFile
    /// Each frame's entry bytes followed by its stored hash, frame after frame.
    public fileprivate(set) var bytes: [UInt8] = []
    /// The frames, in file order.
    public fileprivate(set) var spans: [Span] = []

    /// Calls `body` with each frame's place, entry bytes and stored hash, in file order (the buffers are valid only
    /// during the call).
    public func forEachFrame(_ body: (Span, _ entryBytes: UnsafeRawBufferPointer, _ storedHash: UnsafeRawBufferPointer) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { all in
            for span in spans {
                let hashStart = span.start + span.entryCount
                try body(span, UnsafeRawBufferPointer(rebasing: all[span.start..<hashStart]),
                         UnsafeRawBufferPointer(rebasing: all[hashStart..<hashStart + Frame.trailerSize]))
            }
        }
    }
}

/// What a scan in blocks yields, in file order: runs of frames, and damage between them.
public enum FrameBlockItem: Sendable {
    /// Whole frames, in order.
    case frames(FrameBlock)
    /// Damage found in `segment` after the frames before it (and before any after it).
    case problem(ScanProblem, segment: SegmentFile)
}

extension SegmentScanner {
    /// Frames per block at most in `scanBlocks`.
    public static let framesPerBlock = 256
    /// Bytes per block at most in `scanBlocks` (a block ends at the frame that reaches this; a frame larger than
    /// it is a block of its own).
    public static let bytesPerBlock = 1 << 20

    /// Reads `segments` in order and hands out their frames in blocks of consecutive frames (at most `maxFrames`
    /// frames, ending at the frame that reaches `maxBytes`, never spanning segments) and their damage, all in
    /// file order: a problem comes after a block of the frames before it.
    public func scanBlocks(_ segments: [SegmentFile], maxFrames: Int = framesPerBlock, maxBytes: Int = bytesPerBlock,
                           _ emit: (FrameBlockItem) throws -> Void) throws {
        var builder = FrameBlockBuilder(maxFrames: maxFrames, maxBytes: maxBytes)
        for segment in segments {
            _ = try scanSegment(segment, onProblem: { problem in
                if let block = builder.take() { try emit(.frames(block)) }
                try emit(.problem(problem, segment: segment))
            }, onFrame: { frame in
                if let block = builder.add(frame) { try emit(.frames(block)) }
                return true
            })
            if let block = builder.take() { try emit(.frames(block)) }
        }
    }
}

/// Gathers scanned frames into blocks.
struct FrameBlockBuilder {
    let maxFrames: Int
    let maxBytes: Int
    private var block: FrameBlock?
    /// Bytes the next block reserves: an eighth more than the last one held, so a block is rarely regrown.
    private var expectedBytes = 64 << 10

    init(maxFrames: Int, maxBytes: Int) {
        self.maxFrames = max(1, maxFrames)
        self.maxBytes = max(1, maxBytes)
    }

    /// Copies a frame in; returns the block when it is full.
    mutating func add(_ frame: borrowing ScannedFrame) -> FrameBlock? {
        if block == nil {
            var fresh = FrameBlock(segment: frame.segment)
            fresh.bytes.reserveCapacity(expectedBytes)
            fresh.spans.reserveCapacity(maxFrames)
            block = fresh
        }
        let start = block!.bytes.count
        block!.bytes.append(contentsOf: frame.entryBytes)
        block!.bytes.append(contentsOf: frame.storedHash)
        block!.spans.append(FrameBlock.Span(start: start, entryCount: frame.entryBytes.count, offset: frame.offset, length: frame.length))
        guard block!.spans.count >= maxFrames || block!.bytes.count >= maxBytes else { return nil }
        return take()
    }

    /// The block gathered so far, if any, leaving the builder empty.
    mutating func take() -> FrameBlock? {
        guard let full = block else { return nil }
        block = nil
        expectedBytes = min(max(full.bytes.count, 4096), maxBytes) * 9 / 8
        return full
    }
}
