import Custody
import EPCISImport
import LedgerCrypto
import LedgerFormat
import LedgerStore

/// What kind of integrity failure a finding is.
public enum FindingKind: String, Sendable, Hashable, CaseIterable {
    /// Segment or frame bytes that cannot be read as frames.
    case framing
    /// An entry whose bytes do not decode.
    case decoding
    /// A sequence number out of place: missing, repeated or reordered entries.
    case sequence
    /// The hash stored with an entry does not match its bytes.
    case entryHash = "entry-hash"
    /// An entry's previous-entry hash does not match the entry before it.
    case chain
    /// The signature fails, or the key was not registered, valid or unrevoked for that entry.
    case signature
    /// An operator entry whose registry change is invalid (or a bad genesis).
    case registry
    /// A body that is not canonical JSON, or not a valid body of its type.
    case body
    /// A validly signed entry that breaks a custody rule (replayed from genesis).
    case custody
    /// The log ends before the last acknowledged entry recorded in HEAD, or disagrees with it.
    case truncation
    /// The log is not an extension of a signed checkpoint: its Merkle root at the checkpoint's size differs,
    /// or it holds fewer entries (rolled back, truncated, forked, rewritten and re-chained).
    case checkpoint
}

/// One integrity failure, naming the entry.
public struct Finding: Sendable, Hashable, CustomStringConvertible {
    public init(seq: UInt64, entryHash: String?, kind: FindingKind, reason: String, location: String?) {
        self.seq = seq
        self.entryHash = entryHash
        self.kind = kind
        self.reason = reason
        self.location = location
    }

    /// The entry concerned (for a missing entry, the one that should be there).
    public var seq: UInt64
    /// The entry's stored hash (hex), when it could be read.
    public var entryHash: String?
    public var kind: FindingKind
    public var reason: String
    /// Where in the files: `segment@offset`.
    public var location: String?

    public var description: String {
        var text = "entry \(seq): \(kind.rawValue): \(reason)"
        if let location { text += " [\(location)]" }
        return text
    }
}

/// Options of a verification run.
public struct VerifyOptions: Sendable {
    /// The operator's public key every check starts from; nil takes the genesis entry's word for it.
    public var trustAnchor: PublicKey?
    /// Stop collecting after this many findings (the run still ends with a count).
    public var maxFindings: Int

    /// Signed checkpoints (already signature-checked by the caller) the log must extend: its RFC 9162 root at
    /// each one's size must equal the checkpoint's.
    public var checkpoints: [Checkpoint]
    /// Entries below this sequence number are covered by a checkpoint verified earlier: their hashes, chain
    /// and Merkle root are still recomputed, the registry and custody rules replayed, but their signatures
    /// are not checked again (the nightly fast path, `verify --since`).
    public var signaturesFrom: UInt64

    /// Threads that check signatures (default: one per core). Frames are hashed, decoded and parsed ahead on every
    /// core, at most two batches a core in flight; one thread reads the log and checks the frames in order.
    public var workers: Int

    /// How much of the custody replay stays in memory before it spills to a scratch file; nil keeps it all in
    /// memory (about 260 bytes per identifier ever commissioned, see docs/AUDIT.md). The findings are the same either way.
    public var replay: ReplayBudget?

    /// A P-256 key gets its own table of multiples (`P256KeyTable`, about half the cost of each later verification)
    /// on a signature thread once it has signed this many of the entries checked there; `Int.max` verifies every
    /// P-256 signature with OpenSSL's `EVP_PKEY_verify` alone (for comparison). The findings are the same either way.
    public var p256KeyTableThreshold: Int

    public init(trustAnchor: PublicKey? = nil, maxFindings: Int = 100, checkpoints: [Checkpoint] = [], signaturesFrom: UInt64 = 0,
                workers: Int? = nil, replay: ReplayBudget? = nil, p256KeyTableThreshold: Int = 1_024) {
        self.trustAnchor = trustAnchor
        self.maxFindings = maxFindings
        self.checkpoints = checkpoints
        self.signaturesFrom = signaturesFrom
        self.workers = workers ?? onlineProcessorCount
        self.replay = replay
        self.p256KeyTableThreshold = p256KeyTableThreshold
    }
}

/// The outcome of a verification run.
public struct VerifyReport: Sendable {
    /// Entries read and checked.
    public var entriesChecked: UInt64 = 0
    /// Findings, in log order, at most `maxFindings`.
    public var findings: [Finding] = []
    /// Findings beyond `maxFindings`, counted but not kept.
    public var findingsOmitted = 0
    /// The last entry read.
    public var lastSeq: UInt64?
    /// Its hash (hex).
    public var lastHash: String?
    /// Bytes scanned.
    public var bytesScanned: UInt64 = 0
    /// Observations that are not failures (an unacknowledged tail being written, a missing HEAD file).
    public var notices: [String] = []
    /// The ledger's origin, from its genesis entry.
    public var origin: String?
    /// The RFC 9162 root of the whole log as read.
    public var rootHash: [UInt8]?
    /// Entries whose signatures were checked (all, unless `signaturesFrom` skipped a verified prefix).
    public var signaturesChecked: UInt64 = 0
    /// Times the custody replay spilled to its scratch file (0: it stayed within its memory budget).
    public var replaySpills = 0

    /// True when there is no finding.
    public var isClean: Bool { findings.isEmpty && findingsOmitted == 0 }
    /// The first finding: the first bad entry.
    public var firstFinding: Finding? { findings.first }
}

/// Re-verifies a ledger from its files and one trust anchor: framing, every entry hash, the chain,
/// every signature against the registry as it stood at that entry, canonical bodies, the custody rules
/// replayed from genesis (a valid signature on an impossible transfer is still a finding), and HEAD.
///
/// It keeps going after a finding and reports every one (up to `maxFindings`).
public struct Verifier {
    public let layout: StoreLayout
    public let options: VerifyOptions

    public init(layout: StoreLayout, options: VerifyOptions = VerifyOptions()) {
        self.layout = layout
        self.options = options
    }

    public func run() throws -> VerifyReport {
        var state = VerifyState(options: options)
        defer { state.spill?.close() }
        do {
            state.head = try HeadRecord.read(from: layout)
        } catch {
            state.report.notices.append("HEAD is unreadable (\(error)); whole entries cut off the end could not be noticed without a checkpoint")
        }
        let scanner = SegmentScanner(layout: layout)
        let segments = try layout.segments()
        guard !segments.isEmpty else { throw StoreError.noLedger(directory: layout.directory) }
        // This thread reads, copying runs of frames into blocks (one array each); workers hash, decode and parse
        // each frame of a block ahead (`PreparedFrame`); this thread then checks the prepared frames in log order
        // against the running state (chain, registry, custody). A block is one batch of the map.
        let pipeline = OrderedParallelMap<FrameBlockItem, PreparedItem>(workers: onlineProcessorCount, batchSize: 1,
                                                                        transform: PreparedItem.prepare)
        let lastSegment = segments[segments.count - 1]
        func consume(_ item: PreparedItem) throws {
            switch item {
            case .frames(let frames):
                for frame in frames {
                    state.check(frame)
                    try state.spillReplayIfNeeded()
                }
            case .problem(let problem, let segment): state.problem(problem, segment: segment, isLastSegment: segment == lastSegment)
            }
        }
        try scanner.scanBlocks(segments) { item in try pipeline.submit(item, consume: consume) }
        try pipeline.finish(consume: consume)
        state.report.lastHash = state.lastHash?.hex
        state.checkHead()
        state.checkCheckpoints(final: true)
        state.report.rootHash = state.frontier.root
        state.mergeSignatureFailures()
        return state.report
    }
}

/// Where a frame is, formatted only when a finding needs it (the reading pass does not build strings).
struct FrameRef: Sendable, CustomStringConvertible {
    let segment: SegmentFile
    let offset: Int
    var description: String { "\(segment.name)@\(offset)" }
}

/// The verifier's running state while it walks the log.
struct VerifyState {
    let options: VerifyOptions
    var report = VerifyReport()
    var expectedSeq: UInt64 = 0
    var previousHash = Digest32.zero
    /// The last entry's stored hash (hex-encoded into the report once, at the end).
    var lastHash: Digest32?
    var registry: Registry?
    /// The key and signer role found last in `registry` (most entries repeat the one before's signer and key).
    var lookups = RegistryLookupCache()
    var custody: CustodyState
    /// The custody replay's scratch store, when its memory is bounded.
    let spill: ReplaySpill?
    var genesisFailed = false
    var integrityBrokenAt: UInt64?
    var frontier = MerkleFrontier()
    let pool: SignaturePool
    /// Every finding kept (within the bounds `add` sets) until the end, when custody verdicts are filtered against
    /// integrity findings.
    var all: [Finding] = []
    /// How many of `all` are custody findings.
    var custodyFindings = 0
    var checkpointsDone = Set<Int>()
    var custodySuppressedNoticeGiven = false
    var head: HeadRecord?

    init(options: VerifyOptions) {
        self.options = options
        pool = SignaturePool(workers: options.workers, keyTableThreshold: options.p256KeyTableThreshold)
        spill = options.replay.map(ReplaySpill.init)
        custody = CustodyState(backing: spill)
    }

    mutating func add(_ seq: UInt64, _ hash: Digest32?, _ kind: FindingKind, _ reason: String, location: FrameRef) {
        keep(seq, hash?.hex, kind, reason, location: location.description)
    }

    mutating func add(_ seq: UInt64, _ hash: Digest32?, _ kind: FindingKind, _ reason: String, location: String? = nil) {
        keep(seq, hash?.hex, kind, reason, location: location)
    }

    mutating func add(_ seq: UInt64, _ hash: [UInt8], _ kind: FindingKind, _ reason: String, location: String? = nil) {
        keep(seq, Hex.encode(hash), kind, reason, location: location)
    }

    /// Keeps a finding; `hash` is the entry's stored hash in hex (hex is made only when a finding is).
    private mutating func keep(_ seq: UInt64, _ hash: String?, _ kind: FindingKind, _ reason: String, location: String?) {
        // Memory stays bounded on a ruined ledger: far more than can be reported is not kept. Custody verdicts,
        // which may all be withheld at the end, have a bound of their own, so they never crowd out the others.
        let kept = kind == .custody ? custodyFindings : all.count - custodyFindings
        guard kept < options.maxFindings * 4 + 1000 else {
            report.findingsOmitted += 1
            return
        }
        if kind == .custody { custodyFindings += 1 }
        all.append(Finding(seq: seq, entryHash: hash, kind: kind, reason: reason, location: location))
    }

    /// Joins the signature workers' findings with the reading pass's, in log order; withholds custody verdicts
    /// after the first integrity finding (they would only echo that damage); keeps `maxFindings`.
    mutating func mergeSignatureFailures() {
        let (failures, checked) = pool.finish()
        report.signaturesChecked += checked
        // Log order; within an entry, in the order of the checks (framing … signature … custody); a worker's
        // finding (signature, canonical form) before the reading pass's of the same kind (the body's meaning).
        let rank = Dictionary(uniqueKeysWithValues: FindingKind.allCases.enumerated().map { ($1, $0) })
        var findings = (failures + all).enumerated().sorted { ($0.element.seq, rank[$0.element.kind]!, $0.offset) < ($1.element.seq, rank[$1.element.kind]!, $1.offset) }
            .map(\.element)
        if let broken = findings.first(where: { $0.kind != .custody })?.seq {
            let before = findings.count
            findings.removeAll { $0.kind == .custody && $0.seq >= broken }
            if findings.count < before {
                report.notices.append("custody rules after entry \(broken) were not judged: the log's integrity is already broken there")
            }
        }
        if findings.count > options.maxFindings {
            report.findingsOmitted += findings.count - options.maxFindings
            findings.removeSubrange(options.maxFindings...)
        }
        report.findings = findings
    }

    mutating func problem(_ problem: ScanProblem, segment: SegmentFile, isLastSegment: Bool) {
        switch problem {
        case .incompleteTail(_, let offset, let bytes) where isLastSegment:
            report.notices.append("\(segment.name) ends with \(bytes) bytes of an incomplete, never-acknowledged frame at byte \(offset) (a write in progress or a torn tail that the next writer will cut)")
        case .incompleteTail(_, let offset, _):
            add(expectedSeq, nil, .framing, "\(problem); only the last segment may end inside a frame", location: "\(segment.name)@\(offset)")
        case .malformedFrame(_, let offset, _):
            add(expectedSeq, nil, .framing, "damaged frame: \(problem); the rest of this segment cannot be read", location: "\(segment.name)@\(offset)")
        case .badHeader:
            add(expectedSeq, nil, .framing, "\(problem); this segment cannot be read", location: "\(segment.name)@0")
        }
    }

    /// Checks one frame, in log order, from what a worker prepared.
    mutating func check(_ frame: PreparedFrame) {
        report.entriesChecked += 1
        report.bytesScanned += UInt64(frame.length)
        let location = frame.location
        let storedHash = frame.storedHash
        frontier.append(leaf: frame.leafHash)
        checkCheckpoints(final: false)
        guard frame.entry != nil else {
            add(expectedSeq, storedHash, .decoding, "entry does not decode: \(frame.decodeError!)", location: location)
            expectedSeq += 1
            previousHash = storedHash
            return
        }
        if frame.alteredHash != nil, frame.entry!.seq != expectedSeq {
            // The bytes were changed after hashing, so the sequence number they show is not to be trusted:
            // name the entry by its place in the log (which is also where the chain resumes).
            var renumbered = frame.entry!
            renumbered.seq = expectedSeq
            check(renumbered, frame)
        } else {
            // Read in place from the frame (no copy of the entry).
            check(frame.entry!, frame)
        }
    }

    /// Checks a decoded entry, numbered as the checks should name it, in log order.
    mutating func check(_ entry: Entry, _ frame: PreparedFrame) {
        let location = frame.location
        let storedHash = frame.storedHash
        let seq = entry.seq
        if seq != expectedSeq {
            let reason = seq > expectedSeq
                ? "expected entry \(expectedSeq) but found entry \(seq): entr\(seq - expectedSeq == 1 ? "y \(expectedSeq) is" : "ies \(expectedSeq)…\(seq - 1) are") missing or out of order"
                : "expected entry \(expectedSeq) but found entry \(seq) again: a duplicated or reordered entry"
            add(min(seq, expectedSeq), storedHash, .sequence, reason, location: location)
        }
        if let computedHash = frame.alteredHash {
            add(seq, storedHash, .entryHash, "the stored entry hash does not match the entry's bytes (computed \(Hex.encode(computedHash))): the entry was altered", location: location)
        }
        if entry.previousDigest != previousHash {
            add(seq, storedHash, .chain, "previous-entry hash \(entry.previousDigest.hex) does not match the hash of the entry before it (\(previousHash.hex))", location: location)
        }
        if let head, head.seq == seq, !storedHash.matches(head.hash) {
            add(seq, storedHash, .truncation, "HEAD records entry \(seq) with hash \(Hex.encode(head.hash)), but the log holds a different entry \(seq): the tail was rewritten", location: location)
        }
        let custody = checkBody(entry, frame.body, storedHash, location)
        checkSignature(entry, frame)
        if let custody { checkCustody(entry, custody, storedHash, location) }
        expectedSeq = seq + 1  // resynchronise on what was found (FORMAT.md §9): one misplaced entry, not a cascade
        // Chain on from the stored hash: one altered entry gives one set of findings, not a cascade.
        previousHash = storedHash
        report.lastSeq = seq
        lastHash = storedHash
    }

    /// Reports a body that is not canonical JSON of a known type; returns what the custody rules need (the
    /// parsed custody body, or why it is not one), or nil.
    mutating func checkBody(_ entry: Entry, _ body: PreparedBody?, _ hash: Digest32, _ location: FrameRef) -> PreparedCustody? {
        switch body {
        case nil:
            return nil
        case .unknownType:
            add(entry.seq, hash, .body, "unknown body type \"\(entry.submission.bodyType)\"", location: location)
            return nil
        case .invalid(let reason):
            add(entry.seq, hash, .body, reason, location: location)
            return nil
        case .parsed(let canonical, let custody):
            if !canonical { add(entry.seq, hash, .body, "the body is not in canonical JSON form (RFC 8785)", location: location) }
            return custody
        }
    }

    mutating func checkSignature(_ entry: Entry, _ frame: PreparedFrame) {
        let hash = frame.storedHash
        let location = frame.location
        if entry.seq == 0, registry == nil, !genesisFailed {
            do {
                registry = try Registry(genesis: entry, trustAnchor: options.trustAnchor)
                report.origin = registry?.origin
            } catch {
                genesisFailed = true
                add(0, hash, error.code == "bad-signature" ? .signature : .registry,
                    "\(error.message); no signature after it can be checked", location: location)
            }
            return
        }
        // `registry!` below reads the registry in place (a `let` of it would copy it, retaining what it holds).
        guard registry != nil else { return }
        // Only operator entries change the registry (and have their signatures checked here, in order).
        let isOperatorBody = OperatorBody.contains(entry.submission.bodyType)
        do {
            let key = try lookups.authorizedKey(for: entry, in: registry!)
            if entry.seq >= options.signaturesFrom {
                if isOperatorBody {
                    // Registry changes apply only when validly signed: check them here, in order.
                    try registry!.checkSignature(of: entry)
                    report.signaturesChecked += 1
                } else {
                    pool.submit(VerifyJob(seq: entry.seq, frame: frame, key: key, origin: registry!.origin))
                }
            }
        } catch {
            add(entry.seq, hash, .signature, "\(error.message) (\(error.code))", location: location)
            return
        }
        guard isOperatorBody else { return }
        do {
            var changed = registry!
            try changed.apply(entry)
            registry = changed
        } catch {
            add(entry.seq, hash, .registry, "\(error.message) (\(error.code))", location: location)
        }
    }

    mutating func checkCustody(_ entry: Entry, _ parsed: PreparedCustody, _ hash: Digest32, _ location: FrameRef) {
        // The registry and the body are read in place, not copied out (a copy retains every string they hold).
        guard registry != nil else { return }
        switch parsed.body {
        case .failure(let error):
            add(entry.seq, hash, .body, "\(error)", location: location)
        case .success(let body):
            if let json = parsed.keptEventJSON {
                do throws(KeptEventError) {
                    try KeptEventCheck.check(body, type: entry.submission.bodyType, json: json, signer: entry.submission.signer, custody: custody, registry: registry!)
                } catch {
                    add(entry.seq, hash, .custody, "\(entry.submission.bodyType) body, \(error) (\(error.code))", location: location)
                }
            }
            let role = lookups.role(of: entry.submission.signer, in: registry!)
            do throws(CustodyError) {
                try custody.apply(body, entry: entry, hash: hash, registry: registry!, signerRole: role)
            } catch {
                var reason = "\(error.message) (\(error.code.rawValue))"
                if let conflicting = error.conflictingSeq { reason += "; conflicts with entry \(conflicting)" }
                add(entry.seq, hash, .custody, reason, location: location)
            }
        }
    }

    /// Compares the streaming root with each checkpoint when the log reaches its size (or reports a log
    /// shorter than a checkpoint at the end).
    mutating func checkCheckpoints(final: Bool) {
        for (number, checkpoint) in options.checkpoints.enumerated() where !checkpointsDone.contains(number) {
            if frontier.size == checkpoint.size {
                checkpointsDone.insert(number)
                if frontier.root != checkpoint.rootHash {
                    add(checkpoint.size == 0 ? 0 : checkpoint.size - 1, nil, .checkpoint,
                        "the first \(checkpoint.size) entries have Merkle root \(Hex.encode(frontier.root)), but the signed checkpoint of size \(checkpoint.size) says \(Hex.encode(checkpoint.rootHash)): history before it was rewritten (or forked)")
                }
            } else if final, frontier.size < checkpoint.size {
                checkpointsDone.insert(number)
                add(frontier.size, nil, .checkpoint,
                    "the log holds \(frontier.size) entries, but a signed checkpoint covers \(checkpoint.size): entries were removed (rollback or truncation)")
            }
        }
    }

    mutating func checkHead() {
        guard let head else {
            report.notices.append("no HEAD file: whole entries cut off the end could not be noticed without a checkpoint")
            return
        }
        guard let lastSeq = report.lastSeq else {
            add(head.seq, head.hash, .truncation, "HEAD records entry \(head.seq), but the log holds no entry")
            return
        }
        if head.seq > lastSeq {
            add(lastSeq + 1, nil, .truncation, "HEAD records entry \(head.seq) (\(Hex.encode(head.hash))) as acknowledged, but the log ends at entry \(lastSeq): entries \(lastSeq + 1)…\(head.seq) were cut off")
        }
    }
}
