import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The machine's online processors: how many threads a pass over the log can keep busy.
public var onlineProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

/// Transforms a stream of items on worker threads and hands the results back, in the order the items came,
/// to the thread that submits them.
///
/// Items go out in batches; at most `depth` batches are in flight, so memory stays bounded whatever the
/// stream's length. The submitting thread consumes the oldest batch as soon as it is needed ahead of new
/// work, and waits for it only then. Used to hash, decode and parse log frames on every core ahead of a
/// replay that must see them in log order (the verifier, the index rebuild).
public final class OrderedParallelMap<Input: Sendable, Output: Sendable> {
    private final class Batch: @unchecked Sendable {
        /// Emptied by the worker once transformed, so the inputs are freed there.
        var inputs: [Input]
        /// Written by the worker before `done` is signalled; read by the submitting thread after waiting on it.
        var outputs: [Output] = []
        let done = DispatchSemaphore(value: 0)
        init(_ inputs: [Input]) { self.inputs = inputs }
    }

    private let transform: @Sendable (Input) -> Output
    private let batchSize: Int
    private let depth: Int
    private var pending: [Input] = []
    /// Batches dispatched and not yet consumed, oldest first (at most `depth + 1`).
    private var inFlight: [Batch] = []
    private let queue = DispatchQueue(label: "custody-ledger.ordered-parallel-map", attributes: .concurrent)

    /// A map running `transform` on up to `2 × workers` batches of `batchSize` items at once.
    public init(workers: Int, batchSize: Int = 256, transform: @escaping @Sendable (Input) -> Output) {
        self.transform = transform
        self.batchSize = max(1, batchSize)
        depth = max(2, workers * 2)
        pending.reserveCapacity(self.batchSize)
    }

    /// Queues one item; hands the results that are due to `consume`, in order.
    public func submit(_ input: Input, consume: (Output) throws -> Void) rethrows {
        pending.append(input)
        guard pending.count >= batchSize else { return }
        dispatch()
        while inFlight.count > depth { try consumeOldest(consume) }
    }

    /// Transforms what is left and hands every remaining result to `consume`, in order.
    public func finish(consume: (Output) throws -> Void) rethrows {
        dispatch()
        while !inFlight.isEmpty { try consumeOldest(consume) }
    }

    private func dispatch() {
        guard !pending.isEmpty else { return }
        let batch = Batch(pending)
        pending = []
        pending.reserveCapacity(batchSize)
        inFlight.append(batch)
        let transform = transform
        queue.async {
            batch.outputs = batch.inputs.map(transform)
            batch.inputs = []
            batch.done.signal()
        }
    }

    private func consumeOldest(_ consume: (Output) throws -> Void) rethrows {
        let batch = inFlight.removeFirst()
        batch.done.wait()
        defer {
            // The results were made on a worker thread: free them on one too, where the allocator takes the memory
            // back into that thread's cache for the next batch, rather than on this thread, which only frees.
            queue.async { batch.outputs = [] }
        }
        for output in batch.outputs { try consume(output) }
    }
}
