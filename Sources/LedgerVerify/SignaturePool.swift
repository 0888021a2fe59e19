import Dispatch
import LedgerCrypto
import LedgerFormat
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One signature to check: everything a worker needs, nothing shared.
struct SignatureJob: Sendable {
    var seq: UInt64
    var storedHash: [UInt8]
    var location: String
    var key: PublicKey
    var message: [UInt8]
    var signature: [UInt8]
    var signer: String
    var keyID: String
}

/// Checks signatures on every core while the verifier's single pass reads on: jobs go out in batches, at
/// most `2 × workers` batches in flight (memory stays bounded whatever the ledger's size); failures come
/// back as findings.
final class SignaturePool: @unchecked Sendable {
    let workers: Int
    let batchSize: Int
    private let group = DispatchGroup()
    private let slots: DispatchSemaphore
    private let queue = DispatchQueue(label: "custody-ledger.verify.signatures", attributes: .concurrent)
    private let failures = Mutex<[Finding]>([])
    private let checkedCount = Mutex<UInt64>(0)
    private var pending: [SignatureJob] = []

    init(workers: Int = SignaturePool.cores, batchSize: Int = 512) {
        self.workers = max(1, workers)
        self.batchSize = batchSize
        slots = DispatchSemaphore(value: self.workers * 2)
        pending.reserveCapacity(batchSize)
    }

    /// Online processors.
    static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Queues one job; a full batch is handed to a worker (waiting for a free slot when all are busy).
    func submit(_ job: SignatureJob) {
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
            var found: [Finding] = []
            for job in batch where !job.key.isValidSignature(job.signature, for: job.message) {
                found.append(Finding(seq: job.seq, entryHash: Hex.encode(job.storedHash), kind: .signature,
                                     reason: "the signature of \(job.signer) with key \(job.keyID) does not verify (bad-signature)",
                                     location: job.location))
            }
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
