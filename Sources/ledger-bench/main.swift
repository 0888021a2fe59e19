// ledger-bench: measures the foundation's append and verify rates on generated ledgers.
//
//   ledger-bench append-single DIR COUNT ALG     COUNT appends of one entry each (one fdatasync each)
//   ledger-bench append-batched DIR COUNT BATCH ALG
//   ledger-bench verify DIR [WORKERS] [hash-only|full|one-shot] [REPLAY_MIB]   REPLAY_MIB bounds the custody replay (spills past it);
//     one-shot: P-256 signatures through EVP_PKEY_verify alone, no key tables
//   ledger-bench epcis-import DIR EVENTS     a generated EPCIS document of EVENTS events imported as one batch
//   ledger-bench epcis-xml-generate FILE EVENTS   a DSCSA-style EPCIS 1.2 XML document (tools/bench-epcis-xml.sh)
//   ledger-bench epcis-xml FILE                   read it, hash every event, beside a plain byte scan
//
// ALG is ed25519 or p256 (the partner key). DIR must not exist. Figures go to stdout as `name value unit`.
import Custody
import CustodyIndex
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// CPU seconds of `clock` (`CLOCK_THREAD_CPUTIME_ID` for this thread, `CLOCK_PROCESS_CPUTIME_ID` for all of them).
func cpuSeconds(_ clock: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func fail(_ message: String) -> Never {
    print("ledger-bench: \(message)")
    exit(2)
}

/// Creates a ledger with one partner and returns it with the partner's key.
func makeLedger(_ directory: String, _ algorithm: SignatureAlgorithm) throws -> (Ledger, PrivateKey) {
    let operatorKey = try PrivateKey.generate(.ed25519)
    let ledger = try Ledger.create(layout: StoreLayout(directory: directory), origin: "bench.example/ledger", operatorKey: operatorKey)
    let partner = try PrivateKey.generate(algorithm)
    let body = PartnerRegisterBody(gln: "0614141000005", name: "Bench Pharma", role: .manufacturer, address: "1 Bench St",
                                   companyPrefixes: ["0614141"], key: KeyGrant(publicKey: partner.publicKey, validFrom: 0))
    try ledger.append([ledger.sign(BodyInput(type: OperatorBody.partnerRegister, body: body.json), with: operatorKey)])
    return (ledger, partner)
}

/// A realistic commission body of about 200 bytes.
func body(_ index: Int) -> BodyInput {
    BodyInput(type: "commission", body: .object([
        "gtin": .string("00312345678906"),
        "serials": .array([.string("SN\(100_000_000 + index)")]),
        "lot": .string("LOT\(index / 10_000)"),
        "expiry": .string("2028-06-30"),
        "product": .object(["name": .string("Amoxicillin Capsules USP"), "strength": .string("500 mg"),
                            "dosageForm": .string("capsule"), "containerSize": .string("bottle of 100 capsules")]),
    ]))
}

func presign(_ ledger: Ledger, _ key: PrivateKey, _ count: Int) throws -> [PendingEntry] {
    try (0..<count).map { try ledger.sign(body($0), with: key) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: see the comment at the top of Sources/ledger-bench/main.swift") }
let directory = arguments[2]
func algorithm(_ text: String) -> SignatureAlgorithm {
    guard let algorithm = SignatureAlgorithm(rawValue: text) else { fail("unknown algorithm \(text)") }
    return algorithm
}

do {
    switch arguments[1] {
    case "append-single":
        guard arguments.count == 5, let count = Int(arguments[3]) else { fail("append-single DIR COUNT ALG") }
        let (ledger, key) = try makeLedger(directory, algorithm(arguments[4]))
        let pending = try presign(ledger, key, count)
        let start = now()
        for item in pending { try ledger.append([item]) }
        let elapsed = now() - start
        print("append_single_\(arguments[4])_entries_per_s \(Int(Double(count) / elapsed)) entries/s (\(count) appends, one fdatasync each)")
    case "append-batched":
        guard arguments.count == 6, let count = Int(arguments[3]), let batch = Int(arguments[4]) else { fail("append-batched DIR COUNT BATCH ALG") }
        let (ledger, key) = try makeLedger(directory, algorithm(arguments[5]))
        let pending = try presign(ledger, key, count)
        let start = now()
        var index = 0
        while index < pending.count {
            try ledger.append(Array(pending[index..<min(index + batch, pending.count)]))
            index += batch
        }
        let elapsed = now() - start
        print("append_batched_\(arguments[5])_entries_per_s \(Int(Double(count) / elapsed)) entries/s (\(count) entries in batches of \(batch))")
    case "verify":
        // verify DIR [WORKERS] [hash-only|full|one-shot] [REPLAY_MIB]
        let workers = arguments.count > 3 ? Int(arguments[3]) : nil
        let hashOnly = arguments.count > 4 && arguments[4] == "hash-only"
        let oneShot = arguments.count > 4 && arguments[4] == "one-shot"
        let replay = try arguments.count > 5 ? ReplayBudget(memoryMiB: Int(arguments[5]) ?? 0) : nil
        let start = now()
        var options = VerifyOptions(signaturesFrom: hashOnly ? UInt64.max : 0, workers: workers, replay: replay)
        if oneShot { options.p256KeyTableThreshold = .max }
        let report = try Verifier(layout: StoreLayout(directory: directory), options: options).run()
        let elapsed = now() - start
        guard report.isClean else { fail("verify found \(report.findings.count) findings: \(report.findings.first!)") }
        var mode = hashOnly ? "hashes, chain, Merkle root, bodies, registry and custody; no signatures" : "everything, \(options.workers) signature workers"
        if oneShot { mode += ", P-256 without key tables" }
        mode += replay == nil ? "; custody replay in memory" : "; custody replay within \(arguments[5]) MiB, \(report.replaySpills) spills"
        print("verify\(hashOnly ? "_hash_only" : oneShot ? "_one_shot" : "")_entries_per_s \(Int(Double(report.entriesChecked) / elapsed)) entries/s, \(Int(Double(report.bytesScanned) / elapsed / 1_048_576)) MiB/s (\(report.entriesChecked) entries, \(report.bytesScanned / 1_048_576) MiB, \(String(format: elapsed)) s; \(mode); peak memory \(peakMemoryMiB()) MiB)")
    case "verify-generate":
        // verify-generate DIR COUNT ALG: a ledger of COUNT commission entries, signed in parallel, written in
        // 10,000-entry batches straight through the store (the rules hold: every serial is new).
        guard arguments.count == 5, let count = Int(arguments[3]) else { fail("verify-generate DIR COUNT ALG") }
        let (ledger, key) = try makeLedger(directory, algorithm(arguments[4]))
        let origin = ledger.origin
        let signer = ledger.registry.partner(forKey: key.publicKey.keyID)!.gln
        ledger.close()
        let writer = try SegmentWriter(layout: StoreLayout(directory: directory))
        let start = now()
        var index = 0
        while index < count {
            let chunk = min(10_000, count - index)
            let base = index
            let signed = Mutex<[PendingEntry?]>(Array(repeating: nil, count: chunk))
            DispatchQueue.concurrentPerform(iterations: 8) { part in
                var local: [(Int, PendingEntry)] = []
                for offset in stride(from: part, to: chunk, by: 8) {
                    let input = body(base + offset)
                    let submission = Submission(signer: signer, keyID: key.publicKey.keyID, algorithm: key.algorithm, signedAt: 0,
                                                bodyType: input.type, bodyVersion: 1, body: input.canonicalBody)
                    local.append((offset, PendingEntry(submission: submission, signature: try! submission.sign(with: key, origin: origin))))
                }
                signed.withLock { all in for (offset, entry) in local { all[offset] = entry } }
            }
            _ = try writer.append(signed.withLock { $0.map { $0! } }, now: 1_767_225_600_000)
            index += chunk
        }
        writer.close()
        print("generated \(count) \(arguments[4]) entries in \(Int(now() - start)) s")
    case "index-generate":
        // index-generate DIR UNITS SEED: builds the chain ledger (and its index, updated on every append).
        guard arguments.count == 5, let units = Int(arguments[3]) else { fail("index-generate DIR UNITS SEED") }
        let start = now()
        let samples = try ChainGenerator(directory: directory, units: units, seed: arguments[4]).run { print("  \($0) (\(Int(now() - start)) s)") }
        let index = try CustodyIndex(path: CustodyIndex.path(in: StoreLayout(directory: directory)))
        let stats = try index.statistics()
        print("generate_units \(units) bottles, \(stats.units) identifiers, \(stats.events) unit events, \(stats.entries) entries in \(Int(now() - start)) s")
        print("index_bytes_per_unit \(stats.bytes / max(1, stats.units)) bytes (\(stats.bytes / 1_048_576) MiB for \(stats.units) identifiers)")
        print("generate_peak_memory \(peakMemoryMiB()) MiB")
        try samples.map(\.canonical).joined(separator: "\n").write(to: directory + "/samples.txt")
    case "report-extend":
        // report-extend DIR SEED: gives one bottle of a generated chain 20 or more events.
        guard arguments.count == 4 else { fail("report-extend DIR SEED") }
        try ReportBench.extend(directory: directory, seed: arguments[3])
    case "report-time":
        // report-time DIR SEED: serial and lot report times (after report-extend).
        guard arguments.count == 4 else { fail("report-time DIR SEED") }
        try ReportBench.time(directory: directory, seed: arguments[3])
    case "index-query":
        // index-query DIR: custody lookups of the sample bottles (10 events each).
        let layout = StoreLayout(directory: directory)
        let index = try CustodyIndex(path: CustodyIndex.path(in: layout))
        let samples = try readText(directory + "/samples.txt").split(separator: "\n").map { try UnitID(canonical: String($0)) }
        // Every sample once: its first lookup in this process (SQLite's page cache cold, the OS's warm). Then
        // every sample is warm, whatever the number of samples, and the sizes compare like with like.
        let (firstP50, firstP99, _) = try timeLookups(index, samples, rounds: samples.count)
        print("custody_lookup_first_p50 \(Int(firstP50)) µs, p99 \(Int(firstP99)) µs (each sample's first lookup in this process)")
        let (p50, p99, events) = try timeLookups(index, samples, rounds: 5000)
        print("custody_lookup_p50 \(Int(p50)) µs, p99 \(Int(p99)) µs (index: events, containers, state; \(events) events; \(samples.count) sample bottles, each looked up before)")
        let query = try CustodyQuery(layout: layout)
        let (fullP50, fullP99, _) = try timeLookups(index, samples, rounds: 300, full: query)
        print("custody_report_p50 \(Int(fullP50)) µs, p99 \(Int(fullP99)) µs (full report: reads each entry from the log and verifies its signature)")
    case "index-rebuild":
        let layout = StoreLayout(directory: directory)
        let writer = try SegmentWriter(layout: layout)
        let start = now()
        let startCPU = (thread: cpuSeconds(CLOCK_THREAD_CPUTIME_ID), process: cpuSeconds(CLOCK_PROCESS_CPUTIME_ID))
        let (index, _, _, catchUp) = try Ledger.openIndex(layout: layout, trustAnchor: nil, forceRebuild: true)
        let elapsed = now() - start
        let replayCPU = cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - startCPU.thread
        let totalCPU = cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - startCPU.process
        writer.close()
        let stats = try index.statistics()
        print("rebuild \(catchUp.entries) entries, \(stats.events) unit events in \(String(format: elapsed)) s: \(Int(Double(stats.events) / elapsed)) unit-events/s")
        // On a loaded machine the wall clock says little. The replay thread and the index's writer thread work
        // side by side, so on two idle cores the rebuild takes at least the larger of their CPU times (the
        // writer's is the process's minus the replay's, near enough): the rate over it is the best two cores give.
        let critical = max(replayCPU, totalCPU - replayCPU)
        print("rebuild_cpu \(String(format: totalCPU)) s in all, \(String(format: replayCPU)) s on the replay thread, "
              + "\(String(format: totalCPU - replayCPU)) s on others: \(Int(Double(stats.events) / critical)) unit-events per CPU second of the busier")
        print("rebuild_peak_memory \(peakMemoryMiB()) MiB")
    case "epcis-xml-generate":
        guard arguments.count == 4, let events = Int(arguments[3]) else { fail("epcis-xml-generate FILE EVENTS") }
        try epcisXMLGenerate(directory, events: events)
    case "epcis-xml":
        try epcisXMLBench(directory)
    case "merkle":
        // merkle DIR: builds the stored tree from the log, then times proofs, their verification and a checkpoint.
        let layout = StoreLayout(directory: directory)
        let count = try LedgerReader(layout: layout).count()
        var start = now()
        let store = try MerkleStore(layout: layout, logSize: count)
        print("merkle_build \(Int(Double(count) / (now() - start))) leaves/s (\(count) entries hashed into the stored tree in \(String(format: now() - start)) s)")
        var generator = SystemRandomNumberGenerator()
        var times: (gen: [Double], verify: [Double], consistencyGen: [Double], consistencyVerify: [Double]) = ([], [], [], [])
        let root = try store.root()
        for _ in 0..<2000 {
            let index = UInt64.random(in: 0..<count, using: &generator)
            start = now()
            let proof = try Merkle.inclusionProof(of: store, index: index, size: count)
            times.gen.append(now() - start)
            let leaf = try store.node(level: 0, index: index)
            start = now()
            guard Merkle.verifyInclusion(leafHash: leaf, index: index, size: count, proof: proof, root: root) else { fail("inclusion proof failed") }
            times.verify.append(now() - start)
            let first = UInt64.random(in: 1...count, using: &generator)
            start = now()
            let consistency = try Merkle.consistencyProof(of: store, first: first, second: count)
            times.consistencyGen.append(now() - start)
            let firstRoot = try store.root(size: first)
            start = now()
            guard Merkle.verifyConsistency(first: first, second: count, firstRoot: firstRoot, secondRoot: root, proof: consistency) else { fail("consistency proof failed") }
            times.consistencyVerify.append(now() - start)
        }
        func p(_ values: [Double], _ q: Double) -> Int { Int(values.sorted()[Int(Double(values.count - 1) * q)] * 1e6) }
        print("inclusion_proof \(count) leaves: generate p50 \(p(times.gen, 0.5)) µs p99 \(p(times.gen, 0.99)) µs; verify p50 \(p(times.verify, 0.5)) µs p99 \(p(times.verify, 0.99)) µs")
        print("consistency_proof: generate p50 \(p(times.consistencyGen, 0.5)) µs p99 \(p(times.consistencyGen, 0.99)) µs; verify p50 \(p(times.consistencyVerify, 0.5)) µs p99 \(p(times.consistencyVerify, 0.99)) µs")
        let key = try PrivateKey.generate(.ed25519)
        var checkpointTimes: [Double] = []
        for _ in 0..<200 {
            start = now()
            let note = try Checkpoint(origin: "bench.example/ledger", size: store.size, rootHash: try store.root()).signed(with: key)
            try note.write(to: directory + "/checkpoint.bench")
            checkpointTimes.append(now() - start)
        }
        print("checkpoint_per_batch p50 \(p(checkpointTimes, 0.5)) µs p99 \(p(checkpointTimes, 0.99)) µs (root from stored nodes + Ed25519 signature + file write, at \(count) leaves)")
    case "epcis-import":
        // epcis-import DIR EVENTS: a generated EPCIS document of EVENTS events imported as one batch.
        guard arguments.count == 4, let events = Int(arguments[3]) else { fail("epcis-import DIR EVENTS") }
        try epcisImportBench(directory: directory, events: events)
    default:
        fail("unknown benchmark \(arguments[1])")
    }
} catch {
    fail("\(error)")
}

extension String {
    /// `value` with three decimals (`1.050`, not `1.50`).
    init(format value: Double) {
        let millis = Int((value * 1000).rounded())
        let fraction = String(millis % 1000)
        self = String(millis / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

extension String {
    func write(to path: String) throws {
        try Files.writeAtomically(path, Array(utf8), sync: false)
    }
}
