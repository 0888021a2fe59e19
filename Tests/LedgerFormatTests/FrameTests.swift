import LedgerFormat
import Testing

@Suite("Frames and segment headers")
struct FrameTests {
    static let entryBytes: [UInt8] = Array(0..<100)
    static let hash: [UInt8] = [UInt8](repeating: 0xAA, count: 32)

    static func framed(_ entry: [UInt8] = entryBytes, batchEnd: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        Frame.encode(canonicalBytes: entry, hash: hash, batchEnd: batchEnd, into: &out)
        return out
    }

    static func parse(_ buffer: [UInt8], at offset: Int = 0) -> Frame.Parsed {
        buffer.withUnsafeBytes { Frame.parse($0, at: offset) }
    }

    @Test("encode writes magic, flags, length, entry, hash")
    func encodeLayout() {
        let frame = Self.framed()
        #expect(frame.count == Frame.headerSize + 100 + Frame.trailerSize)
        #expect(Array(frame.prefix(4)) == Array("CLFR".utf8))
        #expect(frame[4] == Frame.flagBatchEnd)
        #expect(Array(frame[5..<9]) == [0, 0, 0, 100])
        #expect(Array(frame[9..<109]) == Self.entryBytes)
        #expect(Array(frame.suffix(32)) == Self.hash)
        #expect(Self.framed(batchEnd: false)[4] == 0)
    }

    @Test("a complete frame parses to its ranges and flags")
    func complete() {
        let frame = Self.framed()
        #expect(Self.parse(frame) == .frame(entry: 9..<109, storedHash: 109..<141, flags: 1, length: 141))
        #expect(Self.parse(Self.framed(batchEnd: false)) == .frame(entry: 9..<109, storedHash: 109..<141, flags: 0, length: 141))
    }

    @Test("frames parse at any offset, back to back, without reading past their length")
    func backToBack() {
        let first = Self.framed(batchEnd: false)
        let second = Self.framed([7, 7, 7], batchEnd: true)
        let buffer = [0xEE] + first + second + [0xFF]
        #expect(Self.parse(buffer, at: 1) == .frame(entry: 10..<110, storedHash: 110..<142, flags: 0, length: 141))
        #expect(Self.parse(buffer, at: 142) == .frame(entry: 151..<154, storedHash: 154..<186, flags: 1, length: 44))
        #expect(Self.parse(buffer, at: 186) == .incomplete(needed: Frame.headerSize))
    }

    @Test("an empty entry is a valid frame")
    func emptyEntry() {
        #expect(Self.parse(Self.framed([])) == .frame(entry: 9..<9, storedHash: 9..<41, flags: 1, length: 41))
    }

    @Test("a truncated frame is incomplete, with the bytes it needs")
    func incomplete() {
        let frame = Self.framed()
        for cut in 0..<frame.count {
            let expected: Frame.Parsed = cut < Frame.headerSize ? .incomplete(needed: Frame.headerSize) : .incomplete(needed: frame.count)
            #expect(Self.parse(Array(frame.prefix(cut))) == expected, "cut at \(cut)")
        }
    }

    @Test("a wrong magic is malformed")
    func badMagic() {
        var frame = Self.framed()
        frame[3] = UInt8(ascii: "X")
        #expect(Self.parse(frame) == .malformed(reason: "frame magic is 0x434c4658, expected 0x434c4652 (\"CLFR\")"))
        let zeros = [UInt8](repeating: 0, count: 200)
        #expect(Self.parse(zeros) == .malformed(reason: "frame magic is 0x0, expected 0x434c4652 (\"CLFR\")"))
    }

    @Test("unknown flag bits are malformed", arguments: [0x02, 0x03, 0x80, 0xFF] as [UInt8])
    func badFlags(_ flags: UInt8) {
        var frame = Self.framed()
        frame[4] = flags
        #expect(Self.parse(frame) == .malformed(reason: "unknown frame flags 0x\(String(flags, radix: 16))"))
    }

    @Test("a length over the limit is malformed; the limit itself is merely incomplete")
    func badLength() {
        func header(length: UInt32) -> [UInt8] {
            Array("CLFR".utf8) + [0] + (0..<4).map { UInt8(truncatingIfNeeded: length >> (24 - 8 * UInt32($0))) }
        }
        let over = Frame.maxEntryBytes + 1
        #expect(Self.parse(header(length: UInt32(over))) == .malformed(reason: "entry length \(over) exceeds the limit of \(Frame.maxEntryBytes) bytes"))
        #expect(Self.parse(header(length: .max)) == .malformed(reason: "entry length \(UInt32.max) exceeds the limit of \(Frame.maxEntryBytes) bytes"))
        #expect(Self.parse(header(length: UInt32(Frame.maxEntryBytes))) == .incomplete(needed: Frame.headerSize + Frame.maxEntryBytes + Frame.trailerSize))
        #expect(Frame.maxEntryBytes == 16_781_312)
    }

    @Test("segment header round trip")
    func segmentHeader() throws {
        for seq: UInt64 in [0, 1, 0x0102_0304_0506_0708, .max] {
            let header = SegmentHeader.encode(firstSeq: seq)
            #expect(header.count == SegmentHeader.size)
            #expect(Array(header.prefix(8)) == Array("CLSEGv1\n".utf8))
            #expect(try SegmentHeader.decode(header).get() == seq)
            #expect(try SegmentHeader.decode(header + [1, 2, 3]).get() == seq)
        }
        #expect(Array(SegmentHeader.encode(firstSeq: 0x0102_0304_0506_0708).suffix(8)) == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test("segment header refusals")
    func segmentHeaderRefusals() {
        let header = SegmentHeader.encode(firstSeq: 5)
        #expect(SegmentHeader.decode(Array(header.prefix(15))) == .failure(DecodeError(field: "segment header", reason: "file is 15 bytes, shorter than the 16-byte header")))
        #expect(SegmentHeader.decode([]) == .failure(DecodeError(field: "segment header", reason: "file is 0 bytes, shorter than the 16-byte header")))
        var wrong = header
        wrong[6] = UInt8(ascii: "2")
        #expect(SegmentHeader.decode(wrong) == .failure(DecodeError(field: "segment header", reason: "magic is not \"CLSEGv1\\n\"")))
    }
}
