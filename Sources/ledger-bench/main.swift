// ledger-bench: measures the foundation's append and verify rates on generated ledgers.
//
//   ledger-bench append-single DIR COUNT ALG     COUNT appends of one entry each (one fdatasync each)
//   ledger-bench append-batched DIR COUNT BATCH ALG
//   ledger-bench verify DIR
//
// ALG is ed25519 or p256 (the partner key). DIR must not exist. Figures go to stdout as `name value unit`.
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
#if canImport(Glibc)
import Glibc
#endif

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
        let start = now()
        let report = try Verifier(layout: StoreLayout(directory: directory)).run()
        let elapsed = now() - start
        guard report.isClean else { fail("verify found \(report.findings.count) findings: \(report.findings.first!)") }
        print("verify_entries_per_s \(Int(Double(report.entriesChecked) / elapsed)) entries/s (\(report.entriesChecked) entries, \(report.bytesScanned / 1_048_576) MiB, \(String(format: elapsed)) s, single thread)")
    default:
        fail("unknown benchmark \(arguments[1])")
    }
} catch {
    fail("\(error)")
}

extension String {
    init(format value: Double) { self = String(Int(value * 1000) / 1000) + "." + String(Int(value * 1000) % 1000) }
}
