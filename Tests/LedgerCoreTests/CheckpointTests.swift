import Custody
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

@Suite("Verifiable log: stored Merkle tree, checkpoints, receipts, verify --since")
struct CheckpointTests {
    static func latestCheckpoint(_ test: TestLedger) throws -> Checkpoint {
        let note = try #require(try CheckpointFiles.latest(in: test.layout))
        return try Checkpoint(note: note, verifier: NoteVerifierKey(name: TestLedger.origin, publicKey: test.operatorKey.publicKey))
    }

    @Test("a checkpoint is signed after every batch; its root is the RFC 9162 root of the log as the verifier recomputes it")
    func checkpointPerBatch() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            let checkpoint = try Self.latestCheckpoint(test)
            #expect(checkpoint.size == 10)
            #expect(checkpoint.rootHash == (try test.ledger.merkle.root()))
            test.ledger.close()
            let report = try Verifier(layout: test.layout, options: VerifyOptions(trustAnchor: test.operatorKey.publicKey, checkpoints: [checkpoint])).run()
            #expect(report.isClean)
            #expect(report.rootHash == checkpoint.rootHash)
            let history = try String(contentsOfFile: CheckpointFiles.historyPath(in: test.layout), encoding: .utf8)
            #expect(history.split(separator: "\n").count == 9)  // genesis, two registrations, six appends
        }
    }

    @Test("the Merkle store catches up after a crash that lost its tail, and cuts back what the log no longer has")
    func merkleCatchUp() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            let root = try test.ledger.merkle.root()
            test.ledger.close()
            let level0 = MerkleStore.directory(in: test.layout) + "/level-00"
            let bytes = try Disk.read(level0)
            try Disk.write(level0, Array(bytes.prefix(32 * 4)))
            let reopened = try MerkleStore(layout: test.layout, logSize: 10)
            #expect(reopened.size == 10)
            #expect(try reopened.root() == root)
            let shorter = try MerkleStore(layout: test.layout, logSize: 7)
            #expect(shorter.size == 7)
            #expect(try shorter.root() == (try MerkleStore(layout: test.layout, logSize: 7).root()))
        }
    }

    @Test("a suffix rewritten and re-chained, even signed with the real keys, fails against an older checkpoint")
    func rewrittenSuffix() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            let old = try Self.latestCheckpoint(test)
            test.ledger.close()
            // The forger holds every key, cuts the log after entry 6 and writes a different, valid history.
            let frames = try frameLocations(test.layout)
            var file = try SegmentSurgery(frames[7].path)
            file.bytes.removeSubrange(frames[7].frame.lowerBound...)
            try file.save()
            CustodyIndex_remove(test.layout)
            let forged = try Ledger.open(layout: test.layout, checkpointKey: test.operatorKey, clock: { testNow })
            try forged.append([forged.sign(commission("LOT-FORGED"), with: test.alpha.key)])
            try forged.append([forged.sign(commission("LOT-FORGED-2"), with: test.alpha.key)])
            try forged.append([forged.sign(commission("LOT-FORGED-3"), with: test.alpha.key)])
            forged.close()
            // On its own the forged ledger is perfectly consistent…
            #expect(try test.verify().isClean)
            // …but it does not extend what the operator signed before.
            let report = try Verifier(layout: test.layout, options: VerifyOptions(trustAnchor: test.operatorKey.publicKey,
                                                                                 checkpoints: [old], signaturesFrom: old.size)).run()
            try expectFirstFinding(report, seq: 9, kind: .checkpoint, reasonContains: "rewritten")
        }
    }

    @Test("a rollback (entries removed) fails against an older checkpoint")
    func rollback() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            let old = try Self.latestCheckpoint(test)
            test.ledger.close()
            let frames = try frameLocations(test.layout)
            var file = try SegmentSurgery(frames[8].path)
            file.bytes.removeSubrange(frames[8].frame.lowerBound...)
            try file.save()
            try Disk.write(test.layout.headFile, Array("7 \(Hex.encode(Array(repeating: 0, count: 32)))\n".utf8))
            let report = try Verifier(layout: test.layout, options: VerifyOptions(trustAnchor: test.operatorKey.publicKey, checkpoints: [old])).run()
            #expect(report.findings.contains { $0.kind == .checkpoint && $0.seq == 8 && $0.reason.contains("removed") })
        }
    }

    @Test("verify --since checks signatures only after the checkpoint, and still catches a bad one there")
    func sinceFastPath() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            let old = try Self.latestCheckpoint(test)
            try test.ledger.append([test.ledger.sign(commission("LOT-11"), with: test.alpha.key)])
            test.ledger.close()
            let fast = try Verifier(layout: test.layout, options: VerifyOptions(trustAnchor: test.operatorKey.publicKey,
                                                                               checkpoints: [old], signaturesFrom: old.size)).run()
            #expect(fast.isClean)
            #expect(fast.signaturesChecked == 1)
            let stranger = try PrivateKey.generate(.ed25519)
            _ = try test.forceAppend([test.forged(commission("LOT-12"), signer: test.alpha.gln, key: stranger)])
            let caught = try Verifier(layout: test.layout, options: VerifyOptions(trustAnchor: test.operatorKey.publicKey,
                                                                                 checkpoints: [old], signaturesFrom: old.size)).run()
            try expectFirstFinding(caught, seq: 11, kind: .signature)
        }
    }

    @Test("receipts verify with only the operator key; every altered field fails")
    func receipts() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            test.ledger.close()
            let receipt = try Proofs.receipt(layout: test.layout, seq: 6)
            let verifier = try NoteVerifierKey(name: TestLedger.origin, publicKey: test.operatorKey.publicKey)
            let verified = try Proofs.verifyReceipt(receipt, verifier: verifier)
            #expect(verified.entry.seq == 6 && verified.entry.submission.bodyType == "transfer")
            guard case .object(let members) = receipt else { Issue.record("receipt is not an object"); return }
            func altered(_ key: String, _ change: (JSONValue) -> JSONValue) -> JSONValue {
                var copy = members
                copy[key] = change(members[key]!)
                return .object(copy)
            }
            func flipBase64(_ value: JSONValue) -> JSONValue {
                var bytes = Base64.decode(value.stringValue!)!
                bytes[bytes.count / 2] ^= 1
                return .string(Base64.encode(bytes))
            }
            let tampered: [(String, JSONValue)] = [
                ("entry", altered("entry", flipBase64)),
                ("entryHash", altered("entryHash") { _ in .string(String(repeating: "0", count: 64)) }),
                ("seq", altered("seq") { _ in .integer(5) }),
                ("treeSize", altered("treeSize") { _ in .integer(9) }),
                ("inclusionProof", altered("inclusionProof") { value in .array(value.arrayValue!.enumerated().map { $0.offset == 0 ? flipBase64($0.element) : $0.element }) }),
                ("checkpoint", altered("checkpoint") { value in .string(value.stringValue!.replacingOccurrences(of: "\n10\n", with: "\n11\n")) }),
            ]
            for (field, receipt) in tampered {
                #expect(throws: InputError.self, "\(field)") { try Proofs.verifyReceipt(receipt, verifier: verifier) }
            }
            let stranger = try NoteVerifierKey(name: TestLedger.origin, publicKey: try PrivateKey.generate(.ed25519).publicKey)
            #expect(throws: InputError.self) { try Proofs.verifyReceipt(receipt, verifier: stranger) }
        }
    }
}

/// Removes the derived index so a forged log is indexed from scratch.
func CustodyIndex_remove(_ layout: StoreLayout) {
    for suffix in ["", "-wal", "-shm"] { unlink(layout.directory + "/index.sqlite" + suffix) }
}
