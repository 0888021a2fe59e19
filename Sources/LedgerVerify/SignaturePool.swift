import Dispatch
import LedgerCrypto
import LedgerFormat
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Work a worker thread does for one entry: check its signature, or that its body is canonical JSON.
struct VerifyJob: Sendable {
    var seq: UInt64
    var storedHash: [UInt8]
    var location: FrameRef
    /// The key, the submission, the ledger's origin (the signing message is built on the worker) and the signature.
    var signature: (key: PublicKey, submission: Submission, origin: String, bytes: [UInt8])?
    /// A body's stored bytes (which parse), which must be the RFC 8785 form of what they parse to.
    var canonicalBody: [UInt8]?

    init(seq: UInt64, storedHash: [UInt8], location: FrameRef,
         signature: (key: PublicKey, submission: Submission, origin: String, bytes: [UInt8])? = nil,
         canonicalBody: [UInt8]? = nil) {
        self.seq = seq
        self.storedHash = storedHash
        self.location = location
        self.signature = signature
        self.canonicalBody = canonicalBody
    }

    /// The finding this job makes, if any; `checker` keeps the keys' OpenSSL contexts of this thread.
    func run(_ checker: SignatureChecker) -> (Finding?, checkedSignature: Bool) {
        if let canonicalBody, !JSONValue.isCanonicalEncoding(canonicalBody) {
            return (Finding(seq: seq, entryHash: Hex.encode(storedHash), kind: .body,
                            reason: "the body is not in canonical JSON form (RFC 8785)", location: location.description), false)
        }
        guard let signature else { return (nil, false) }
        if checker.isValid(signature.bytes, for: signature.submission.signingMessage(origin: signature.origin), by: signature.key) {
            return (nil, true)
        }
        return (Finding(seq: seq, entryHash: Hex.encode(storedHash), kind: .signature,
                        reason: "the signature of \(signature.submission.signer) with key \(signature.submission.keyID) does not verify (bad-signature)",
                        location: location.description), true)
    }
}

/// Checks signatures (and canonical bodies) on every core while the verifier's single pass reads on: jobs go out in batches, at
/// most `2 × workers` batches in flight (memory stays bounded whatever the ledger's size); failures come
/// back as findings.
final class SignaturePool: @unchecked Sendable {
    let workers: Int
    let batchSize: Int
    private let group = DispatchGroup()
    private let slots: DispatchSemaphore
    /// At most `workers` batches run at once (the other queued batches wait their turn, ready).
    private let running: DispatchSemaphore
    private let queue = DispatchQueue(label: "custody-ledger.verify.signatures", attributes: .concurrent)
    private let failures = Mutex<[Finding]>([])
    private let checkedCount = Mutex<UInt64>(0)
    private var pending: [VerifyJob] = []

    init(workers: Int = SignaturePool.cores, batchSize: Int = 512) {
        self.workers = max(1, workers)
        self.batchSize = batchSize
        slots = DispatchSemaphore(value: self.workers * 2)
        running = DispatchSemaphore(value: self.workers)
        pending.reserveCapacity(batchSize)
    }

    /// Online processors.
    static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

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
        queue.async { [self] in
            running.wait()
            defer { running.signal() }
            var found: [Finding] = []
            var checked: UInt64 = 0
            let checker = SignatureChecker()
            for job in batch {
                let (finding, signed) = job.run(checker)
                if let finding { found.append(finding) }
                if signed { checked += 1 }
            }
            if !found.isEmpty { failures.withLock { $0 += found } }
            checkedCount.withLock { $0 += checked }
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
