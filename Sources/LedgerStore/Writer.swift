import LedgerCrypto
import LedgerFormat
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the store refused to open or append.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another process holds the writer lock.
    case locked(pid: Int32?, directory: String)
    /// The log is damaged before its tail; appends are refused until an operator investigates.
    case damaged(seq: UInt64, segment: String, offset: Int, reason: String)
    /// The directory holds no ledger.
    case noLedger(directory: String)
    /// The directory already holds a ledger.
    case alreadyExists(directory: String)

    public var description: String {
        switch self {
        case .locked(let pid, let directory):
            pid.map { "ledger is locked by pid \($0) (\(directory)/LOCK)" } ?? "ledger is locked by another process (\(directory)/LOCK)"
        case .damaged(let seq, let segment, let offset, let reason):
            "ledger is damaged at entry \(seq) (segment \(segment), byte \(offset)): \(reason); appends are refused, run `ledger verify` to see every finding"
        case .noLedger(let directory): "no ledger in \(directory) (run `ledger init` first)"
        case .alreadyExists(let directory): "a ledger already exists in \(directory)"
        }
    }
}

/// The newest acknowledged entry.
public struct Head: Sendable, Hashable {
    public var seq: UInt64
    public var hash: [UInt8]
    public var appendedAt: Int64
    public init(seq: UInt64, hash: [UInt8], appendedAt: Int64) {
        self.seq = seq
        self.hash = hash
        self.appendedAt = appendedAt
    }
}

/// What recovery cut off the end of the log when the writer opened it.
public struct RecoveryReport: Sendable, Hashable, CustomStringConvertible {
    /// The segment that had a torn tail.
    public var segment: String
    /// Where the cut was made.
    public var offset: Int
    /// How many bytes were cut.
    public var bytes: Int
    /// Whole entries of an unfinished (never acknowledged) batch among them.
    public var unacknowledgedEntries: Int
    /// Where the cut bytes were saved.
    public var savedTo: String

    public var description: String {
        "recovered from a torn tail: cut \(bytes) never-acknowledged bytes (\(unacknowledgedEntries) whole entries of an unfinished batch) from \(segment) at byte \(offset); saved to \(savedTo)"
    }
}

/// A signed submission waiting to be appended.
public struct PendingEntry: Sendable, Hashable {
    public var submission: Submission
    public var signature: [UInt8]
    public init(submission: Submission, signature: [UInt8]) {
        self.submission = submission
        self.signature = signature
    }
}

/// An entry the store wrote, with its hash.
public struct AppendedEntry: Sendable, Hashable {
    public var entry: Entry
    public var hash: [UInt8]
    /// Where its frame is: the segment's first sequence number and the frame's byte offset in it.
    public var location: FrameLocation

    public init(entry: Entry, hash: [UInt8], location: FrameLocation) {
        self.entry = entry
        self.hash = hash
        self.location = location
    }
}

/// Where a frame lives: the segment (named by its first sequence number), byte offset and frame length.
public struct FrameLocation: Sendable, Hashable {
    public var segment: UInt64
    public var offset: Int
    public var length: Int

    public init(segment: UInt64, offset: Int, length: Int) {
        self.segment = segment
        self.offset = offset
        self.length = length
    }
}

/// The single writer of a data directory: holds the lock, recovers a torn tail, appends durably.
///
/// An append is acknowledged (returns) only after `fdatasync`; all entries of one `append` call share one
/// sync and form one batch, which survives a crash whole or not at all.
public final class SegmentWriter {
    public let layout: StoreLayout
    /// Segments roll over once they would exceed this many bytes (64 MiB by default).
    public var segmentLimit: Int
    /// The newest entry, or nil for an empty ledger.
    public private(set) var head: Head?
    /// What recovery did on open, if anything.
    public private(set) var recovery: RecoveryReport?
    /// Why the last append could not update `HEAD` (the append itself succeeded), if it could not.
    public private(set) var headWriteError: (any Error)?

    private var lockFD: Int32 = -1
    private var segmentFD: Int32 = -1
    private var segment: SegmentFile?
    private var segmentSize = 0

    /// Opens `layout` for writing. With `create`, makes the directory and refuses an existing ledger.
    public init(layout: StoreLayout, create: Bool = false, segmentLimit: Int = 64 << 20) throws {
        self.layout = layout
        self.segmentLimit = segmentLimit
        if create {
            try POSIX.makeDirectory(layout.directory)
        } else if !layout.exists {
            throw StoreError.noLedger(directory: layout.directory)
        }
        try acquireLock()
        do {
            if create {
                guard try layout.segments().isEmpty else { throw StoreError.alreadyExists(directory: layout.directory) }
                try POSIX.makeDirectory(layout.logDirectory)
                try POSIX.syncDirectory(layout.directory)
            }
            try recover()
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Releases the segment and the lock.
    public func close() {
        if segmentFD >= 0 { Glibc.close(segmentFD); segmentFD = -1 }
        if lockFD >= 0 { Glibc.close(lockFD); lockFD = -1 }
    }

    private func acquireLock() throws {
        let fd = try POSIX.open(layout.lockFile, O_RDWR | O_CREAT, 0o644)
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let text = String(decoding: (try? POSIX.readFile(layout.lockFile)) ?? [], as: UTF8.self)
            Glibc.close(fd)
            guard code == EWOULDBLOCK else { throw StoreIOError("lock", path: layout.lockFile, errno: code) }
            throw StoreError.locked(pid: Int32(text.trimmingCharacters()), directory: layout.directory)
        }
        lockFD = fd
        _ = ftruncate(fd, 0)
        _ = lseek(fd, 0, SEEK_SET)
        try POSIX.writeAll(fd, Array("\(getpid())\n".utf8), path: layout.lockFile)
    }

    // MARK: Recovery

    private struct FrameInfo {
        var offset: Int
        var length: Int
        var batchEnd: Bool
        var entry: Entry?
        var decodeError: String?
        var storedHash: [UInt8]
        var computedHash: [UInt8]
    }

    private func recover() throws {
        var segments = try layout.segments()
        while let last = segments.last {
            var frames: [FrameInfo] = []
            var problem: ScanProblem?
            let scanner = SegmentScanner(layout: layout)
            let hasher = SHA256()
            _ = try scanner.scanSegment(last, onProblem: { problem = $0 }, onFrame: { frame in
                let computed = EntryFormat.entryHash(ofCanonicalBytes: frame.entryBytes, using: hasher)
                var info = FrameInfo(offset: frame.offset, length: frame.length, batchEnd: frame.flags & Frame.flagBatchEnd != 0,
                                     storedHash: Array(frame.storedHash), computedHash: computed)
                do { info.entry = try Entry(canonicalBytes: frame.entryBytes) } catch { info.decodeError = "\(error)" }
                frames.append(info)
                return true
            })
            // A segment whose header never made it to disk: keep its bytes aside and look at the previous one.
            if case .incompleteTail(_, 0, let bytes) = problem, frames.isEmpty {
                let saved = try saveTail(of: last, from: 0)
                recovery = RecoveryReport(segment: last.name, offset: 0, bytes: bytes, unacknowledgedEntries: 0, savedTo: saved)
                guard unlink(last.path) == 0 else { throw StoreIOError("remove torn segment", path: last.path) }
                try POSIX.syncDirectory(layout.logDirectory)
                segments.removeLast()
                continue
            }
            try recoverTail(of: last, frames: frames, problem: problem)
            if let lastGood = try headOf(segments: segments) { head = lastGood }
            try openSegment(last)
            return
        }
    }

    /// Checks the last segment and cuts a torn, never-acknowledged tail; refuses any other damage.
    private func recoverTail(of segment: SegmentFile, frames: [FrameInfo], problem: ScanProblem?) throws {
        let lastBatchEnd = frames.lastIndex { $0.batchEnd }
        let keptCount = lastBatchEnd.map { $0 + 1 } ?? 0
        let cutOffset = lastBatchEnd.map { frames[$0].offset + frames[$0].length } ?? SegmentHeader.size
        var previous: FrameInfo?
        for (index, frame) in frames.enumerated() {
            let expectedSeq = previous?.entry.map { $0.seq + 1 } ?? frame.entry?.seq ?? segment.nameSeq
            if let error = frame.decodeError {
                throw StoreError.damaged(seq: expectedSeq, segment: segment.name, offset: frame.offset, reason: "entry does not decode: \(error)")
            }
            guard frame.storedHash == frame.computedHash else {
                throw StoreError.damaged(seq: expectedSeq, segment: segment.name, offset: frame.offset,
                                         reason: "entry hash stored in the frame does not match the entry's bytes")
            }
            let entry = frame.entry!
            if index == 0, entry.seq != segment.nameSeq {
                throw StoreError.damaged(seq: segment.nameSeq, segment: segment.name, offset: frame.offset,
                                         reason: "segment should start with entry \(segment.nameSeq) but holds entry \(entry.seq)")
            }
            if let previous, let previousEntry = previous.entry {
                guard entry.seq == previousEntry.seq + 1 else {
                    throw StoreError.damaged(seq: previousEntry.seq + 1, segment: segment.name, offset: frame.offset,
                                             reason: "expected entry \(previousEntry.seq + 1), found entry \(entry.seq)")
                }
                guard entry.prevHash == previous.computedHash else {
                    throw StoreError.damaged(seq: entry.seq, segment: segment.name, offset: frame.offset,
                                             reason: "previous-entry hash does not match entry \(previousEntry.seq)")
                }
            }
            previous = frame
        }
        switch problem {
        case .badHeader(_, let reason):
            throw StoreError.damaged(seq: segment.nameSeq, segment: segment.name, offset: 0, reason: "segment header: \(reason)")
        case .malformedFrame(_, let offset, let reason):
            let seq = frames.last?.entry.map { $0.seq + 1 } ?? segment.nameSeq
            throw StoreError.damaged(seq: seq, segment: segment.name, offset: offset, reason: reason)
        default:
            break
        }
        let size = try fileSize(segment.path)
        guard size > cutOffset else { return }
        let saved = try saveTail(of: segment, from: cutOffset)
        let fd = try POSIX.open(segment.path, O_WRONLY)
        defer { Glibc.close(fd) }
        guard ftruncate(fd, off_t(cutOffset)) == 0 else { throw StoreIOError("cut the torn tail of", path: segment.path) }
        try POSIX.fsync(fd, path: segment.path)
        recovery = RecoveryReport(segment: segment.name, offset: cutOffset, bytes: size - cutOffset,
                                  unacknowledgedEntries: frames.count - keptCount, savedTo: saved)
    }

    private func fileSize(_ path: String) throws -> Int {
        let fd = try POSIX.open(path, O_RDONLY)
        defer { Glibc.close(fd) }
        return try POSIX.fileSize(fd, path: path)
    }

    /// Copies the bytes of `segment` from `offset` to the end into `recovered/`, durably, and returns the copy's path.
    private func saveTail(of segment: SegmentFile, from offset: Int) throws -> String {
        try POSIX.makeDirectory(layout.recoveredDirectory)
        let bytes = try POSIX.readFile(segment.path)
        var path = layout.recoveredDirectory + "/\(segment.name).at-\(offset).torn"
        var counter = 1
        while POSIX.exists(path) {
            path = layout.recoveredDirectory + "/\(segment.name).at-\(offset).\(counter).torn"
            counter += 1
        }
        try POSIX.writeFileAtomically(path, Array(bytes[min(offset, bytes.count)...]), mode: 0o600, sync: true)
        try POSIX.syncDirectory(layout.recoveredDirectory)
        return path
    }

    /// The last entry of the newest segment that holds one.
    private func headOf(segments: [SegmentFile]) throws -> Head? {
        let scanner = SegmentScanner(layout: layout)
        for segment in segments.reversed() {
            var found: Head?
            var failure: String?
            _ = try scanner.scanSegment(segment, onProblem: { _ in }, onFrame: { frame in
                do {
                    let entry = try Entry(canonicalBytes: frame.entryBytes)
                    found = Head(seq: entry.seq, hash: Array(frame.storedHash), appendedAt: entry.appendedAt)
                } catch {
                    failure = "\(error)"
                }
                return true
            })
            if let failure {
                throw StoreError.damaged(seq: found.map { $0.seq + 1 } ?? segment.nameSeq, segment: segment.name, offset: 0,
                                         reason: "entry does not decode: \(failure)")
            }
            if let found { return found }
        }
        return nil
    }

    private func openSegment(_ file: SegmentFile) throws {
        if segmentFD >= 0 { Glibc.close(segmentFD) }
        segmentFD = try POSIX.open(file.path, O_WRONLY | O_APPEND)
        segment = file
        segmentSize = try POSIX.fileSize(segmentFD, path: file.path)
    }

    private func createSegment(firstSeq: UInt64) throws {
        let path = layout.logDirectory + "/" + StoreLayout.segmentName(firstSeq: firstSeq)
        let fd = try POSIX.open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0o644)
        do {
            try POSIX.writeAll(fd, SegmentHeader.encode(firstSeq: firstSeq), path: path)
            try POSIX.fsync(fd, path: path)
            try POSIX.syncDirectory(layout.logDirectory)
        } catch {
            Glibc.close(fd)
            throw error
        }
        if segmentFD >= 0 { Glibc.close(segmentFD) }
        segmentFD = fd
        segment = SegmentFile(path: path, nameSeq: firstSeq)
        segmentSize = SegmentHeader.size
    }

    // MARK: Append

    /// The frames of a batch are written in blocks of about this many bytes (one write each), then synced once.
    static let writeBlockBytes = 1 << 20

    /// Appends `pending` as one batch, durably; returns the entries as written.
    ///
    /// `now` is the append time in ms since the epoch; append times never go backwards.
    public func append(_ pending: [PendingEntry], now: Int64) throws -> [AppendedEntry] {
        guard !pending.isEmpty else { return [] }
        guard lockFD >= 0 else { throw StoreIOError("append to", path: layout.directory, reason: "the writer is closed") }
        let appendedAt = max(now, head?.appendedAt ?? now)
        var nextSeq = head.map { $0.seq + 1 } ?? 0
        var previousHash = head?.hash ?? EntryFormat.zeroHash
        var appended: [AppendedEntry] = []
        appended.reserveCapacity(pending.count)
        // First the entries, their hashes and their frames' offsets (the batch's size decides the segment); the
        // frames are then encoded again and written a block at a time, so a large batch is never framed whole in
        // memory. The bytes written are the same.
        var offsets: [Int] = []
        offsets.reserveCapacity(pending.count)
        var batchSize = 0
        for item in pending {
            let entry = Entry(seq: nextSeq, appendedAt: appendedAt, prevHash: previousHash,
                              submission: item.submission, signature: item.signature)
            let bytes = entry.canonicalBytes
            let hash = EntryFormat.entryHash(ofCanonicalBytes: bytes)
            offsets.append(batchSize)
            batchSize += Frame.size(entryByteCount: bytes.count)
            appended.append(AppendedEntry(entry: entry, hash: hash, location: FrameLocation(segment: 0, offset: 0, length: 0)))
            previousHash = hash
            nextSeq += 1
        }
        let firstSeq = appended[0].entry.seq
        if segment == nil || (segmentSize > SegmentHeader.size && segmentSize + batchSize > segmentLimit) {
            try createSegment(firstSeq: firstSeq)
        }
        for index in appended.indices {
            let end = index + 1 < offsets.count ? offsets[index + 1] : batchSize
            appended[index].location = FrameLocation(segment: segment!.nameSeq, offset: segmentSize + offsets[index], length: end - offsets[index])
        }
        let path = segment!.path
        let sizeBefore = segmentSize
        do {
            var block: [UInt8] = []
            block.reserveCapacity(min(batchSize, Self.writeBlockBytes + Self.writeBlockBytes / 2))
            for (index, entry) in appended.enumerated() {
                Frame.encode(canonicalBytes: entry.entry.canonicalBytes, hash: entry.hash, batchEnd: index == appended.count - 1, into: &block)
                if block.count >= Self.writeBlockBytes || index == appended.count - 1 {
                    try POSIX.writeAll(segmentFD, block, path: path)
                    block.removeAll(keepingCapacity: true)
                }
            }
            try POSIX.fdatasync(segmentFD, path: path)
        } catch {
            // Nothing was acknowledged: take back whatever part reached the file.
            _ = ftruncate(segmentFD, off_t(sizeBefore))
            _ = Glibc.fsync(segmentFD)
            throw error
        }
        segmentSize += batchSize
        let last = appended[appended.count - 1]
        head = Head(seq: last.entry.seq, hash: last.hash, appendedAt: last.entry.appendedAt)
        // The batch is durable and acknowledged: a failure to update the advisory HEAD record must not
        // turn it into an error (the caller would believe nothing was written). It is kept for the caller.
        do {
            try HeadRecord(seq: last.entry.seq, hash: last.hash).write(to: layout)
            headWriteError = nil
        } catch {
            headWriteError = error
        }
        return appended
    }
}

/// The `HEAD` file: the last acknowledged entry, so a verifier notices whole entries cut off the end.
public struct HeadRecord: Sendable, Hashable {
    public var seq: UInt64
    public var hash: [UInt8]

    public init(seq: UInt64, hash: [UInt8]) {
        self.seq = seq
        self.hash = hash
    }

    /// `"<seq> <hash hex>\n"`.
    public var text: String { "\(seq) \(Hex.encode(hash))\n" }

    /// Reads `HEAD`; nil when absent. A malformed file is an error.
    public static func read(from layout: StoreLayout) throws -> HeadRecord? {
        guard POSIX.exists(layout.headFile) else { return nil }
        let text = String(decoding: try POSIX.readFile(layout.headFile), as: UTF8.self)
        let parts = text.trimmingCharacters().split(separator: " ")
        guard parts.count == 2, let seq = UInt64(parts[0]), let hash = Hex.decode(String(parts[1])), hash.count == 32 else {
            throw StoreIOError("read", path: layout.headFile, reason: "expected \"<seq> <64 hex digits>\"")
        }
        return HeadRecord(seq: seq, hash: hash)
    }

    func write(to layout: StoreLayout) throws {
        try POSIX.writeFileAtomically(layout.headFile, Array(text.utf8), sync: false)
    }
}

extension String {
    func trimmingCharacters() -> String {
        String(unicodeScalars.drop { $0.properties.isWhitespace }.reversed().drop { $0.properties.isWhitespace }.reversed().map(Character.init))
    }
}
