import Custody
import CustodyIndex
import EPCISImport
import LedgerCrypto
import LedgerFormat
import LedgerStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The milliseconds-since-epoch clock the ledger stamps entries with.
public typealias Clock = @Sendable () -> Int64

/// The system clock in milliseconds since the Unix epoch.
public let systemClock: Clock = {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}

/// An open ledger with its single writer: checks every submission against the registry and appends.
///
/// Reads go through `LedgerReader`, which needs no lock. Every submission of a batch is checked before
/// anything is written; a refused batch writes nothing.
public final class Ledger {
    public let layout: StoreLayout
    /// Who may sign, as of the newest entry.
    public private(set) var registry: Registry
    /// Where every identifier stands, as of the newest entry (an overlay over `index`).
    public internal(set) var custody: CustodyState
    /// The persistent custody index, updated after every append.
    public let index: CustodyIndex
    /// The index as `custody` reads it (remembering identifiers it does not hold until the next commit).
    let lookups: IndexLookups
    /// The stored RFC 9162 Merkle tree over the entries, extended after every append.
    public let merkle: MerkleStore
    /// The operator key that signs a checkpoint after every append batch, when this process has it.
    public let checkpointKey: PrivateKey?
    /// The latest signed checkpoint written by this process.
    public private(set) var latestCheckpoint: String?
    /// Why the index could not be updated after an append (the append itself is durable); the ledger
    /// refuses further appends until reopened, which catches the index up from the log.
    public private(set) var indexError: (any Error)?
    let writer: SegmentWriter
    let clock: Clock

    /// What the writer's recovery did on open (a torn tail cut), if anything.
    public var recovery: RecoveryReport? { writer.recovery }
    /// The newest entry.
    public var head: Head? { writer.head }
    /// Why the last append could not update the advisory `HEAD` file, if it could not (the append succeeded).
    public var headWriteError: (any Error)? { writer.headWriteError }
    /// The ledger's origin.
    public var origin: String { registry.origin }

    /// Creates a ledger in `layout` whose genesis entry names `origin` and the operator's key.
    public static func create(layout: StoreLayout, origin: String, operatorKey: PrivateKey, clock: @escaping Clock = systemClock) throws -> Ledger {
        if let problem = GenesisBody.originProblem(origin) { throw InputError(source: "origin", reason: problem) }
        guard operatorKey.algorithm == .ed25519 else {
            throw InputError(source: "operator key", reason: "must be Ed25519 (checkpoints are Ed25519 signed notes)")
        }
        let writer = try SegmentWriter(layout: layout, create: true)
        let now = clock()
        let body = GenesisBody(origin: origin, operatorKey: operatorKey.publicKey).json
        let submission = Submission(signer: Submission.operatorSigner, keyID: operatorKey.publicKey.keyID, algorithm: .ed25519,
                                    signedAt: now, bodyType: OperatorBody.genesis, bodyVersion: 1, body: body.canonicalBytes)
        let signature = try submission.sign(with: operatorKey, origin: origin)
        let appended = try writer.append([PendingEntry(submission: submission, signature: signature)], now: now)
        let registry = try Registry(genesis: appended[0].entry, trustAnchor: operatorKey.publicKey)
        let indexPath = CustodyIndex.path(in: layout)
        CustodyIndex.remove(at: indexPath)
        let index = try CustodyIndex(path: indexPath)
        let lookups = IndexLookups(index: index)
        var custody = CustodyState(backing: lookups, recordsEvents: true)
        try index.commit(entries: appended, changes: custody.takeChanges())
        lookups.committed()
        try? removeTree(MerkleStore.directory(in: layout))
        let merkle = try MerkleStore(layout: layout, logSize: 1)
        let ledger = Ledger(layout: layout, registry: registry, custody: custody, index: index, lookups: lookups, merkle: merkle,
                            checkpointKey: operatorKey, writer: writer, clock: clock)
        try ledger.writeCheckpoint()
        return ledger
    }

    /// Opens an existing ledger for appending: takes the lock, recovers a torn tail, replays the registry.
    /// With `trustAnchor`, the genesis entry must name that operator key.
    /// With `checkpointKey` (the operator's private key), a signed checkpoint is written after every append batch.
    public static func open(layout: StoreLayout, trustAnchor: PublicKey? = nil, checkpointKey: PrivateKey? = nil,
                            clock: @escaping Clock = systemClock) throws -> Ledger {
        let writer = try SegmentWriter(layout: layout)
        // openIndex leaves the index level with the log, so the custody overlay starts empty above it.
        let (index, registry, _, _) = try openIndex(layout: layout, trustAnchor: trustAnchor)
        let lookups = IndexLookups(index: index)
        let custody = CustodyState(backing: lookups, recordsEvents: true)
        if let checkpointKey, checkpointKey.publicKey != registry.operatorKey {
            throw InputError(source: "operator key", reason: "key \(checkpointKey.publicKey.keyID) is not this ledger's operator key \(registry.operatorKey.keyID)",
                             code: "wrong-operator-key")
        }
        let merkle = try MerkleStore(layout: layout, logSize: writer.head.map { $0.seq + 1 } ?? 0)
        return Ledger(layout: layout, registry: registry, custody: custody, index: index, lookups: lookups, merkle: merkle,
                      checkpointKey: checkpointKey, writer: writer, clock: clock)
    }

    /// Signs and stores a checkpoint of the whole log: `DIR/checkpoint` (latest) and a line in `DIR/checkpoints.log`.
    func writeCheckpoint() throws {
        guard let key = checkpointKey else { return }
        let note = try Checkpoint(origin: origin, size: merkle.size, rootHash: try merkle.root()).signed(with: key)
        try CheckpointFiles.store(note, size: merkle.size, in: layout)
        latestCheckpoint = note
    }

    /// What `openIndex` did to bring the index level with the log.
    public struct IndexCatchUp: Sendable {
        /// Entries applied from the log that the index did not yet reflect.
        public var entries: Int
        /// Whether the index was missing, unreadable or disagreed with the log and was rebuilt from scratch.
        public var rebuilt: Bool
        /// Why it was rebuilt.
        public var reason: String?
    }

    /// Opens the custody index of `layout` and brings it level with the log: the registry comes from the
    /// operator entries the index locates, then every entry after the indexed head is replayed through the
    /// custody rules into the index. An index that disagrees with the log (a different hash at its head)
    /// is rebuilt; the log is the only source of truth. The caller must hold the writer lock.
    /// A rebuild from scratch hands the index's writer thread batches of at most `batchEntries` entries (and
    /// about 16 unit events an entry); smaller batches only cost more hand-overs.
    public static func openIndex(layout: StoreLayout, trustAnchor: PublicKey?, forceRebuild: Bool = false, batchEntries: Int = 4096,
                                 progress: ((UInt64) -> Void)? = nil) throws -> (CustodyIndex, Registry, CustodyState, IndexCatchUp) {
        let path = CustodyIndex.path(in: layout)
        let reader = try LedgerReader(layout: layout)
        var rebuildReason: String? = forceRebuild ? "rebuild requested" : nil
        var index: CustodyIndex?
        var indexed: (seq: UInt64, hash: [UInt8])?
        if rebuildReason == nil {
            do {
                let opened = try CustodyIndex(path: path)
                guard try !opened.bulkLoadInterrupted() else { throw IndexError("a rebuild of it was interrupted before it finished") }
                indexed = try opened.indexedHead()
                if let head = indexed {
                    guard let location = try opened.location(of: head.seq), try reader.entry(at: location).hash == head.hash else {
                        throw IndexError("its entry \(head.seq) is not the log's entry \(head.seq)")
                    }
                }
                index = opened
            } catch {
                rebuildReason = "\(error)"
            }
        }
        if rebuildReason != nil {
            CustodyIndex.remove(at: path)
            index = try CustodyIndex(path: path)
            indexed = nil
        }
        let custodyIndex = index!
        var registry: Registry?
        for location in try custodyIndex.operatorEntryLocations() {
            try applyOperatorEntry(try reader.entry(at: location).entry, to: &registry, trustAnchor: trustAnchor)
        }
        // From scratch, the replay runs in memory and streams into the index through a writer thread
        // (`BulkLoadPipeline`); catching up a few entries goes through the index itself.
        let bulk = indexed == nil ? try BulkLoadPipeline(index: custodyIndex) : nil
        var custody = CustodyState(backing: bulk == nil ? custodyIndex : nil, recordsEvents: true)
        var pending: [AppendedEntry] = []
        var applied = 0
        func flush() throws {
            guard !pending.isEmpty else { return }
            if let bulk {
                let (events, containment, epcisEvents) = custody.takeEvents()
                try bulk.load(entries: pending, events: events, containment: containment, epcisEvents: epcisEvents)
            } else {
                try custodyIndex.commit(entries: pending, changes: custody.takeChanges())
            }
            progress?(pending.last!.entry.seq)
            pending.removeAll(keepingCapacity: true)
        }
        do {
            // Entries are decoded and their bodies parsed on the other cores, ahead of the replay.
            try reader.forEachPrepared(fromSeq: indexed.map { $0.seq + 1 } ?? 0, workers: onlineProcessorCount, prepare: parseCustodyBody) { appended, body in
                try replayEntry(appended, parsed: body, registry: &registry, custody: &custody, trustAnchor: trustAnchor)
                pending.append(appended)
                applied += 1
                // Batches small enough that the writer thread starts early and the queue's memory stays small.
                if pending.count >= batchEntries || custody.events.count >= batchEntries * 16 { try flush() }
                return true
            }
            try flush()
        } catch {
            bulk?.abandon()
            throw error
        }
        if let bulk {
            try bulk.finish(state: custody)
            custody = CustodyState(backing: custodyIndex, recordsEvents: true)
        }
        guard let registry else { throw StoreError.noLedger(directory: layout.directory) }
        return (custodyIndex, registry, custody, IndexCatchUp(entries: applied, rebuilt: rebuildReason != nil, reason: rebuildReason))
    }

    /// Replays one logged entry: an operator entry into the registry (its signature checked), a custody
    /// entry (when `replayCustody`) through the rules into `custody`, naming the entry if it breaks one.
    /// `parsed` is the custody body already parsed (`parseCustodyBody`), when it was.
    static func replayEntry(_ appended: AppendedEntry, parsed: Result<CustodyBody?, BodyError>? = nil, registry: inout Registry?,
                            custody: inout CustodyState, replayCustody: Bool = true, trustAnchor: PublicKey?) throws {
        let entry = appended.entry
        if entry.seq == 0 || OperatorBody.all.contains(entry.submission.bodyType) {
            try applyOperatorEntry(entry, to: &registry, trustAnchor: trustAnchor)
        } else if replayCustody, let current = registry,
                  let body = try parsed?.get() ?? CustodyBody.parse(type: entry.submission.bodyType, body: entry.submission.body) {
            do throws(CustodyError) {
                try custody.apply(body, entry: entry, hash: appended.hash, registry: current)
            } catch {
                throw InputError(source: "entry \(entry.seq)", reason: "breaks a custody rule: \(error.message)", code: error.code.rawValue)
            }
        }
    }

    /// The custody body of a logged entry, parsed (nil for other body types), for `replayEntry`.
    @Sendable static func parseCustodyBody(_ appended: AppendedEntry) -> Result<CustodyBody?, BodyError> {
        let submission = appended.entry.submission
        do throws(BodyError) { return .success(try CustodyBody.parse(type: submission.bodyType, body: submission.body)) } catch { return .failure(error) }
    }

    /// Applies operator entry `entry` to `registry`: the genesis entry creates it (checked against `trustAnchor`),
    /// later ones must be validly signed by the operator and valid registry changes.
    public static func applyOperatorEntry(_ entry: Entry, to registry: inout Registry?, trustAnchor: PublicKey?) throws {
        if entry.seq == 0 {
            registry = try Registry(genesis: entry, trustAnchor: trustAnchor)
        } else if var current = registry {
            try current.checkSignature(of: entry)
            try current.apply(entry)
            registry = current
        }
    }

    /// The registry as of the newest entry, replayed from the operator entries (checking their signatures).
    public static func replayRegistry(layout: StoreLayout, trustAnchor: PublicKey?) throws -> Registry {
        try replay(layout: layout, trustAnchor: trustAnchor, custody: false).0
    }

    /// The registry and the custody state as of the newest entry, replayed from the log. Operator
    /// signatures are checked; custody entries are re-applied through the rules, so a log that breaks
    /// them fails here with the entry named.
    public static func replay(layout: StoreLayout, trustAnchor: PublicKey?, custody replayCustody: Bool = true) throws -> (Registry, CustodyState) {
        var registry: Registry?
        var custody = CustodyState()
        try LedgerReader(layout: layout).forEach { appended in
            try replayEntry(appended, registry: &registry, custody: &custody, replayCustody: replayCustody, trustAnchor: trustAnchor)
            return true
        }
        guard let registry else { throw StoreError.noLedger(directory: layout.directory) }
        return (registry, custody)
    }

    init(layout: StoreLayout, registry: Registry, custody: CustodyState, index: CustodyIndex, lookups: IndexLookups, merkle: MerkleStore,
         checkpointKey: PrivateKey?, writer: SegmentWriter, clock: @escaping Clock) {
        self.layout = layout
        self.registry = registry
        self.custody = custody
        self.index = index
        self.lookups = lookups
        self.merkle = merkle
        self.checkpointKey = checkpointKey
        self.writer = writer
        self.clock = clock
    }

    /// Releases the writer lock.
    public func close() { writer.close() }

    /// A submission of `input` signed by `key`; the signer is the partner the registry gives the key to
    /// (or the operator, for the operator's key).
    public func sign(_ input: BodyInput, with key: PrivateKey, source: String = "input") throws -> PendingEntry {
        let keyID = key.publicKey.keyID
        let signer: String
        if keyID == registry.operatorKey.keyID {
            signer = Submission.operatorSigner
        } else if let partner = registry.partner(forKey: keyID) {
            signer = partner.gln
        } else {
            throw InputError(source: source, reason: "key \(keyID) is not registered to any partner (register it with `ledger partner add` or `ledger partner key add`)", code: "unknown-key")
        }
        let submission = Submission(signer: signer, keyID: keyID, algorithm: key.algorithm, signedAt: clock(),
                                    bodyType: input.type, bodyVersion: input.version, body: input.canonicalBody)
        return PendingEntry(submission: submission, signature: try submission.sign(with: key, origin: origin))
    }

    /// Checks every submission (body form, signer, key, signature, registry changes), then appends them as one
    /// durable batch. `sources` name the submissions in errors (file names); a refusal writes nothing.
    @discardableResult
    public func append(_ pending: [PendingEntry], sources: [String]? = nil) throws -> [AppendedEntry] {
        if let indexError {
            throw InputError(source: "ledger", reason: "the custody index fell behind after an earlier append (\(indexError)); reopen the ledger to catch it up",
                             code: "index-behind")
        }
        var scratch = registry
        let now = max(clock(), head?.appendedAt ?? 0)
        var seq = head.map { $0.seq + 1 } ?? 0
        var previousHash = head?.hash ?? EntryFormat.zeroHash
        custody.beginBatch()
        do {
            for (index, item) in pending.enumerated() {
                previousHash = try check(item, source: sources?[index] ?? "input \(index + 1)", seq: seq, now: now,
                                         previousHash: previousHash, registry: &scratch)
                seq += 1
            }
            return try write(pending, now: now, registry: scratch)
        } catch {
            custody.rollbackBatch()
            throw error
        }
    }

    /// Checks one submission of a batch (inside `custody.beginBatch()`) as entry `seq` appended at `now` after
    /// `previousHash`: form, registry rules against `registry` (the batch's scratch copy, updated), custody
    /// rules (applied to the batch's journaled state). Returns the entry's hash.
    func check(_ item: PendingEntry, source: String, seq: UInt64, now: Int64, previousHash: [UInt8], registry scratch: inout Registry) throws -> [UInt8] {
        try Self.checkForm(item.submission, source: source)
        // The entry exactly as the writer will write it, so its hash is known to the rules.
        let entry = Entry(seq: seq, appendedAt: now, prevHash: previousHash, submission: item.submission, signature: item.signature)
        let hash = entry.hash
        do {
            try scratch.checkSignature(of: entry)
            try scratch.apply(entry)
        } catch {
            throw InputError(source: source, reason: error.message, code: error.code)
        }
        let body: CustodyBody?
        do { body = try CustodyBody.parse(type: entry.submission.bodyType, body: entry.submission.body) } catch {
            throw InputError(source: source, reason: error.description, code: "bad-body")
        }
        if let body {
            if body.epcis != nil {
                // The kept EPCIS event must be the body's own (checked against the state the body applies to).
                do {
                    let json = try JSONValue.parse(entry.submission.body)
                    try KeptEventCheck.check(body, type: entry.submission.bodyType, json: json, signer: entry.submission.signer,
                                             custody: custody, registry: scratch)
                } catch let error as KeptEventError {
                    throw InputError(source: source, reason: "\(entry.submission.bodyType) body, \(error)", code: error.code)
                }
            }
            do { try custody.apply(body, entry: entry, hash: hash, registry: scratch) } catch {
                var reason = error.message
                if let unit = error.unit, !reason.contains(unit) { reason += " (\(unit))" }
                throw InputError(source: source, reason: reason, code: error.code.rawValue)
            }
        }
        return hash
    }

    /// Writes a checked batch (one sync), commits its custody changes, then updates the index, the Merkle
    /// store and the checkpoint. The caller rolls the custody batch back if this throws.
    func write(_ pending: [PendingEntry], now: Int64, registry scratch: Registry) throws -> [AppendedEntry] {
        let appended = try writer.append(pending, now: now)
        custody.commitBatch()
        registry = scratch
        // The remembered absences are stale from here on; forgotten before the commit, so a large batch's set
        // is not held through it (nothing looks units up in between).
        lookups.committed()
        do {
            try index.commit(entries: appended, changes: custody.takeChanges())
        } catch {
            indexError = error
        }
        do {
            try merkle.append(leafHashes: appended.map { Merkle.leafHash($0.entry.canonicalBytes) })
            try writeCheckpoint()
        } catch {
            indexError = error
        }
        return appended
    }

    /// Completes a body before signing where the ledger can: a transfer without `products` (TI) or
    /// `history` (TH) gets them computed from the custody state, exactly as `append` will check them.
    public func completing(_ input: BodyInput) -> BodyInput {
        guard input.type == CustodyBodyType.transfer.rawValue,
              case .object(var members)? = try? JSONValue.parse(input.canonicalBody),
              let items = members["items"]?.arrayValue?.compactMap({ $0.stringValue.flatMap { try? UnitID(canonical: $0) } }) else {
            return input
        }
        // Absent or empty: the ledger's computed value (an empty list is never a correct TI, and an empty TH
        // is correct only when the computed one is empty too).
        if members["products"]?.arrayValue?.isEmpty ?? true {
            members["products"] = .array(custody.transactionProducts(for: items).map(\.json))
        }
        if members["history"]?.arrayValue?.isEmpty ?? true {
            members["history"] = .array(custody.transactionHistory(for: items).map { .string($0) })
        }
        return BodyInput(type: input.type, version: input.version, body: .object(members))
    }

    /// Refuses submissions the ledger would not write: unknown body types, non-canonical or non-object bodies.
    static func checkForm(_ submission: Submission, source: String) throws {
        for (field, value) in [("signer", submission.signer), ("keyID", submission.keyID), ("bodyType", submission.bodyType)]
        where value.utf8.count > 255 {
            throw InputError(source: source, reason: "\(field) is longer than 255 bytes", code: "bad-submission")
        }
        guard BodyTypes.all.contains(submission.bodyType) else {
            throw InputError(source: source, reason: "unknown body type \"\(submission.bodyType)\"", code: "unknown-body-type")
        }
        guard submission.bodyType != OperatorBody.genesis else {
            throw InputError(source: source, reason: "a \(OperatorBody.genesis) body may appear only at entry 0", code: "duplicate-genesis")
        }
        guard submission.bodyVersion == 1 else {
            throw InputError(source: source, reason: "version \(submission.bodyVersion) of \(submission.bodyType) is unknown", code: "unknown-body-version")
        }
        let value: JSONValue, canonical: Bool
        do { (value, canonical) = try JSONValue.parseNotingCanonical(submission.body) } catch {
            throw InputError(source: source, reason: "body: \(error)", code: "bad-body")
        }
        guard case .object = value, canonical else {
            throw InputError(source: source, reason: "body must be a JSON object in canonical form (RFC 8785)", code: "bad-body")
        }
    }
}
