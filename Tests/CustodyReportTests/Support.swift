import Custody
import CustodyReport
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import Testing

/// The time the test demo ledgers are built at, and reports made: 2026-11-30T12:00:00Z.
let reportNow: Int64 = Timestamp.parse("2026-11-30T12:00:00Z")!

/// Runs `body` with a fresh temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory.path + "/report-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// The demo ledger (`ledger demo`), built at `reportNow`.
struct DemoLedger {
    let layout: StoreLayout
    let operatorKey: PublicKey

    init(in directory: String) throws {
        layout = StoreLayout(directory: directory + "/data")
        try FileManager.default.createDirectory(atPath: layout.directory, withIntermediateDirectories: true)
        _ = try DemoScenario(layout: layout, clock: { reportNow }).run()
        operatorKey = try KeyFiles.readPublicKey(layout.directory + "/operator.key.pub")
    }

    var builder: ReportBuilder { ReportBuilder(layout: layout, now: reportNow) }

    /// A request received on the Friday after Thanksgiving 2026, in New York time.
    static let request = ReportRequest(requestID: "FDA-2026-0117", requester: "FDA ORA Division 2", reason: .suspect,
                                       received: LocalTime(iso8601: "2026-11-27T09:30:00-05:00")!)

    func report(_ unit: UnitID, request: ReportRequest = DemoLedger.request) throws -> JSONValue {
        try builder.serialReport(unit: unit, request: request)
    }

    /// The private key of demo party `gln`.
    func key(_ gln: String) throws -> PrivateKey { try KeyFiles.readPrivateKey("\(layout.directory)/demo-keys/\(gln).key") }

    /// Appends `bodies` signed by `signer` with the bare store writer, bypassing every check the ledger makes (as a
    /// faulty or colluding operator could), then brings the Merkle tree level and signs a checkpoint over it with
    /// the operator key, so the entries are as provable as any other. `ledger verify` flags the custody rule broken.
    func forceAppend(_ bodies: [BodyInput], signer: String) throws {
        let key = try key(signer)
        let writer = try SegmentWriter(layout: layout)
        defer { writer.close() }
        let pending = try bodies.map { input in
            let submission = Submission(signer: signer, keyID: key.publicKey.keyID, algorithm: key.algorithm, signedAt: reportNow,
                                        bodyType: input.type, bodyVersion: input.version, body: input.canonicalBody)
            return PendingEntry(submission: submission, signature: try submission.sign(with: key, origin: DemoScenario.origin))
        }
        let appended = try writer.append(pending, now: reportNow)
        let merkle = try MerkleStore(layout: layout, logSize: appended.last!.entry.seq + 1)
        let operatorKey = try KeyFiles.readPrivateKey(layout.directory + "/operator.key")
        let note = try Checkpoint(origin: DemoScenario.origin, size: merkle.size, rootHash: try merkle.root()).signed(with: operatorKey)
        try Data(note.utf8).write(to: URL(fileURLWithPath: CheckpointFiles.latestPath(in: layout)))
    }
}

extension JSONValue {
    /// The member at a dotted path with `[n]` indices, e.g. `ownership[1].seller.gln`.
    func at(_ path: String) -> JSONValue? {
        var current: JSONValue? = self
        for part in path.split(separator: ".") {
            var name = Substring(part)
            var indices: [Int] = []
            while let open = name.lastIndex(of: "["), name.hasSuffix("]") {
                indices.insert(Int(name[name.index(after: open)..<name.index(before: name.endIndex)])!, at: 0)
                name = name[..<open]
            }
            if !name.isEmpty { current = current?[String(name)] }
            for index in indices {
                guard let array = current?.arrayValue, index < array.count else { return nil }
                current = array[index]
            }
        }
        return current
    }

    /// A copy with the member at `path` replaced by `value`.
    func replacing(_ path: String, with value: JSONValue) -> JSONValue {
        var parts = path.split(separator: ".").map(String.init)
        let head = parts.removeFirst()
        var name = head
        var index: Int?
        if let open = head.firstIndex(of: "["), head.hasSuffix("]") {
            index = Int(head[head.index(after: open)..<head.index(before: head.endIndex)])!
            name = String(head[..<open])
        }
        guard case .object(var members) = self else { return self }
        let child = members[name] ?? .null
        if let index, case .array(var items) = child {
            items[index] = parts.isEmpty ? value : items[index].replacing(parts.joined(separator: "."), with: value)
            members[name] = .array(items)
        } else {
            members[name] = parts.isEmpty ? value : child.replacing(parts.joined(separator: "."), with: value)
        }
        return .object(members)
    }

    /// A copy of this object with member `name` set to `value`.
    func replacingMember(_ name: String, with value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        members[name] = value
        return .object(members)
    }

    /// Resealed with a fresh report hash, as a forger who knows the format would.
    var resealed: JSONValue {
        guard case .object(var members) = self else { return self }
        members["reportHash"] = .string(ReportFormat.hash(of: self))
        return .object(members)
    }
}

/// `s` as a JSON string.
func str(_ s: String) -> JSONValue { .string(s) }
