import Dispatch
import LedgerCrypto
import LedgerFormat
import LedgerStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Work a worker thread does for one entry: check its signature.
struct VerifyJob: Sendable {
    /// The entry's place in the log (its own number, unless its bytes were altered).
    var seq: UInt64
    /// The prepared frame, whose decoded entry holds the submission and the signature (one reference, no copy).
    var frame: PreparedFrame
    var key: PublicKey
    /// The ledger's origin: the signing message is written out on the worker.
    var origin: String

    /// The finding this job makes, if any; `checker` keeps the keys' OpenSSL contexts of this thread.
    func run(_ checker: SignatureChecker) -> Finding? {
        guard let entry = frame.entry else { preconditionFailure("a signature job is made only for a decoded entry") }
        let submission = entry.submission
        // The signing message is handed to the checker in pieces, never built (P-256 hashes them as they come).
        if checker.isValid(entry.signature, by: key, message: { submission.writeSigningMessage(origin: origin, to: $0) }) { return nil }
        return Finding(seq: seq, entryHash: Hex.encode(frame.storedHash), kind: .signature,
                       reason: "the signature of \(submission.signer) with key \(submission.keyID) does not verify (bad-signature)",
                       location: frame.location.description)
    }
}

/// Checks signatures on `workers` threads while the verifier reads on: jobs go out in batches, one serial
/// queue per worker taking turns, at most `2 × workers` batches in flight (memory stays bounded whatever the
/// ledger's size; a worker never waits inside a batch); failures come back as findings.
final class SignaturePool: @unchecked Sendable {
    let workers: Int
    let batchSize: Int
    private let group = DispatchGroup()
    private let slots: DispatchSemaphore
    private let queues: [DispatchQueue]
    /// One checker per queue, used only by that queue's blocks (one at a time): each key's OpenSSL context is
    /// set up once per queue, not once per batch.
    private let checkers: [CheckerBox]
    private var next = 0
    private let failures = Mutex<[Finding]>([])
    private let checkedCount = Mutex<UInt64>(0)
    private var pending: [VerifyJob] = []

    init(workers: Int = onlineProcessorCount, batchSize: Int = 512, keyTableThreshold: Int = 1_024) {
        self.workers = max(1, workers)
        self.batchSize = batchSize
        slots = DispatchSemaphore(value: self.workers * 2)
        queues = (0..<self.workers).map { DispatchQueue(label: "custody-ledger.verify.signatures.\($0)") }
        checkers = (0..<self.workers).map { _ in CheckerBox(SignatureChecker(keyTableThreshold: keyTableThreshold)) }
        pending.reserveCapacity(batchSize)
    }

    /// Queues one job; a full batch is handed to a worker (waiting for a free slot when all are busy).
    func submit(_ job: VerifyJob) {
        pending.append(job)
        if pending.count >= batchSize { flush() }
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending = []
        pending.reserveCapacity(batchSize)
        slots.wait()
        group.enter()
        let queue = queues[next]
        let checker = checkers[next]
        next = (next + 1) % queues.count
        queue.async { [self] in
            let found = batch.compactMap { $0.run(checker.checker) }
            if !found.isEmpty { failures.withLock { $0 += found } }
            checkedCount.withLock { $0 += UInt64(batch.count) }
            slots.signal()
            group.leave()
        }
    }

    /// Waits for every job; returns the failures (in no particular order) and how many were checked.
    func finish() -> (failures: [Finding], checked: UInt64) {
        flush()
        group.wait()
        return (failures.withLock { $0 }, checkedCount.withLock { $0 })
    }
}

/// A `SignatureChecker` handed to the serial queue that alone uses it.
private final class CheckerBox: @unchecked Sendable {
    let checker: SignatureChecker
    init(_ checker: SignatureChecker) { self.checker = checker }
}
