import Foundation
import LedgerCrypto
import LedgerFormat
import LedgerStore
import Testing

// Helpers shared by the store tests: temporary directories, raw file access, entries to append,
// where each frame lies on disk, and an independent walk of the chain.

/// Runs `body` with a fresh temporary directory and removes it afterwards, whatever happens.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory.path + "/store-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Raw file access for building and damaging ledgers by hand.
enum Disk {
    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func write(_ path: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func append(_ path: String, _ bytes: [UInt8]) throws {
        try write(path, try read(path) + bytes)
    }

    static func size(_ path: String) throws -> Int { try read(path).count }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Every regular file under `directory` (relative path → bytes), to prove nothing changed.
    static func snapshot(_ directory: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return files }
        for case let relative as String in walker {
            var isDirectory: ObjCBool = false
            let path = directory + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = try read(path)
            }
        }
        return files
    }
}

/// Makes signed entries for the store, which does not look at who signed what.
struct EntryFactory {
    static let origin = "example.com/store-tests"
    static let signer = "0614141000005"
    let key: PrivateKey

    init() throws { key = try PrivateKey.generate(.ed25519) }

    /// Entry `n`'s submission: a small commission body, padded with `padding` bytes.
    func pending(_ n: Int, padding: Int = 0) throws -> PendingEntry {
        let body = JSONValue.object([
            "lot": .string("LOT-\(n)"),
            "n": .integer(Int64(n)),
            "pad": .string(String(repeating: "x", count: padding)),
        ])
        let submission = Submission(signer: Self.signer, keyID: key.publicKey.keyID, algorithm: key.algorithm,
                                    signedAt: 1_750_000_000_000 + Int64(n), bodyType: "commission", bodyVersion: 1,
                                    body: body.canonicalBytes)
        return PendingEntry(submission: submission, signature: try submission.sign(with: key, origin: Self.origin))
    }

    func pending(_ range: Range<Int>, padding: Int = 0) throws -> [PendingEntry] {
        try range.map { try pending($0, padding: padding) }
    }

    /// Frames for entries that would follow `head`, as a writer that crashed mid-batch leaves them.
    func frames(after head: Head, count: Int, batchEndOnLast: Bool) throws -> [UInt8] {
        var out: [UInt8] = []
        var previous = head.hash
        for index in 0..<count {
            let seq = head.seq + 1 + UInt64(index)
            let item = try pending(Int(seq))
            let entry = Entry(seq: seq, appendedAt: head.appendedAt, prevHash: previous,
                              submission: item.submission, signature: item.signature)
            let bytes = entry.canonicalBytes
            let hash = EntryFormat.entryHash(ofCanonicalBytes: bytes)
            Frame.encode(canonicalBytes: bytes, hash: hash, batchEnd: batchEndOnLast && index == count - 1, into: &out)
            previous = hash
        }
        return out
    }
}

/// Where a frame lies on disk.
struct FrameLocation: Equatable {
    var seq: UInt64
    var segment: SegmentFile
    var offset: Int
    var length: Int
    var flags: UInt8
    /// Where the entry's canonical bytes start in the file.
    var entryOffset: Int { offset + Frame.headerSize }
}

/// Every whole frame of the ledger, in file order.
func frameLocations(_ layout: StoreLayout) throws -> [FrameLocation] {
    var found: [FrameLocation] = []
    try SegmentScanner(layout: layout).scan(onProblem: { problem in
        Issue.record("unexpected scan problem: \(problem)")
    }, onFrame: { frame in
        let entry = try Entry(canonicalBytes: frame.entryBytes)
        found.append(FrameLocation(seq: entry.seq, segment: frame.segment, offset: frame.offset,
                                   length: frame.length, flags: frame.flags))
        return true
    })
    return found
}

/// Walks the whole log independently of the writer and returns every integrity problem found:
/// framing, consecutive seqs, stored hashes, the chain, and HEAD. Empty for a sound ledger.
func chainProblems(_ layout: StoreLayout) throws -> [String] {
    var problems: [String] = []
    var expected: UInt64 = 0
    var previous = EntryFormat.zeroHash
    var last: (seq: UInt64, hash: [UInt8])?
    try SegmentScanner(layout: layout).scan(onProblem: { problems.append("\($0)") }, onFrame: { frame in
        let entry = try Entry(canonicalBytes: frame.entryBytes)
        let stored = Array(frame.storedHash)
        if entry.seq != expected { problems.append("expected entry \(expected), found \(entry.seq)") }
        if stored != entry.hash { problems.append("entry \(entry.seq): stored hash is wrong") }
        if entry.prevHash != previous { problems.append("entry \(entry.seq): chain broken") }
        if entry.seq != frame.segment.nameSeq, frame.offset == SegmentHeader.size {
            problems.append("segment \(frame.segment.name) starts with entry \(entry.seq)")
        }
        expected = entry.seq + 1
        previous = stored
        last = (entry.seq, stored)
        return true
    })
    let head = try HeadRecord.read(from: layout)
    if head?.seq != last?.seq || head?.hash != last?.hash {
        problems.append("HEAD \(String(describing: head)) is not the last entry \(String(describing: last))")
    }
    return problems
}

/// Every entry of the ledger as the reader sees it.
func allEntries(_ layout: StoreLayout, fromSeq: UInt64 = 0) throws -> [AppendedEntry] {
    var entries: [AppendedEntry] = []
    try LedgerReader(layout: layout).forEach(fromSeq: fromSeq) { entries.append($0); return true }
    return entries
}

/// The append time of batch `index` in the ledgers these tests build.
func batchTime(_ index: Int) -> Int64 { 1_750_000_000_000 + Int64(index) * 1000 }

/// A closed ledger under `directory/ledger` holding batches of the given sizes; returns its head.
func makeLedger(in directory: String, batches: [Int], factory: EntryFactory,
                segmentLimit: Int = 64 << 20) throws -> (layout: StoreLayout, head: Head) {
    let layout = StoreLayout(directory: directory + "/ledger")
    let writer = try SegmentWriter(layout: layout, create: true, segmentLimit: segmentLimit)
    defer { writer.close() }
    var next = 0
    for (index, count) in batches.enumerated() {
        _ = try writer.append(factory.pending(next..<next + count), now: batchTime(index))
        next += count
    }
    return (layout, try #require(writer.head))
}
