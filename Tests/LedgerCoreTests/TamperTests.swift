import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

/// The findings of `report` as `(seq, kind)` pairs, for exact comparisons.
func summary(_ report: VerifyReport) -> [String] {
    report.findings.map { "\($0.seq) \($0.kind.rawValue)" }
}

/// Builds the standard ten-entry ledger, closes it, lets `tamper` alter its files, and verifies it
/// against the operator key.
func tampered(_ tamper: (TestLedger, [FrameLocation]) throws -> Void) throws -> VerifyReport {
    try withTemporaryDirectory { directory in
        let test = try TestLedger.standard(in: directory)
        test.ledger.close()
        #expect(try test.verify().isClean)
        try tamper(test, try frameLocations(test.layout))
        return try test.verify()
    }
}

/// Checks that the first finding names entry `seq` with `kind`, and that every finding is about `allowed`.
func expectFirstFinding(_ report: VerifyReport, seq: UInt64, kind: FindingKind, reasonContains text: String? = nil,
                        onlyAbout allowed: ClosedRange<UInt64>? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
    let first = try #require(report.firstFinding, "no finding; notices: \(report.notices)", sourceLocation: sourceLocation)
    #expect(first.seq == seq, "\(report.findings)", sourceLocation: sourceLocation)
    #expect(first.kind == kind, "\(report.findings)", sourceLocation: sourceLocation)
    if let text {
        #expect(first.reason.contains(text), "\(first.reason)", sourceLocation: sourceLocation)
    }
    let allowed = allowed ?? seq...seq
    #expect(report.findings.allSatisfy { allowed.contains($0.seq) }, "findings beyond \(allowed): \(report.findings)",
            sourceLocation: sourceLocation)
    #expect(report.findingsOmitted == 0, sourceLocation: sourceLocation)
}

/// An entry to alter: one signed with partner alpha's Ed25519 key, one with beta's P-256 key.
struct Target: Sendable, CustomTestStringConvertible {
    var seq: UInt64
    var testDescription: String { "entry \(seq)" }
    static let both = [Target(seq: 4), Target(seq: 7)]
}

/// The offset of the last letter or digit in `frame`'s body: flipping its low bit keeps the body canonical JSON.
func lastAlphanumeric(in file: SegmentSurgery, _ frame: FrameLocation) throws -> Int {
    let isAlphanumeric = { (byte: UInt8) in (0x30...0x39).contains(byte) || (0x61...0x7a).contains(byte) || (0x41...0x5a).contains(byte) }
    return try #require(frame.body.reversed().first { isAlphanumeric(file.bytes[$0]) })
}

@Suite("Verifier: tamper campaign on a ten-entry ledger")
struct TamperTests {
    @Test("a clean ledger gives zero findings")
    func clean() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            let head = try #require(test.ledger.head)
            let report = try test.verify()  // while the ledger is open: the verifier needs no lock
            #expect(report.findings.isEmpty)
            #expect(report.isClean)
            #expect(report.entriesChecked == 10)
            #expect(report.lastSeq == 9)
            #expect(report.lastHash == Hex.encode(head.hash))
            #expect(report.origin == TestLedger.origin)
            #expect(report.notices.isEmpty)
            #expect(try Verifier(layout: test.layout).run().isClean, "clean without a trust anchor too")
        }
    }

    @Test("one byte flipped in a body: the stored entry hash no longer matches", arguments: Target.both)
    func bodyByte(target: Target) throws {
        let report = try tampered { _, frames in
            let frame = frames[Int(target.seq)]
            var file = try SegmentSurgery(frame.path)
            file.flip(try lastAlphanumeric(in: file, frame))
            try file.save()
        }
        try expectFirstFinding(report, seq: target.seq, kind: .entryHash)
        #expect(summary(report).contains("\(target.seq) signature"))
    }

    @Test("one byte flipped in a body and the stored hash recomputed: the signature fails, the chain breaks after it",
          arguments: Target.both)
    func bodyByteRehashed(target: Target) throws {
        let report = try tampered { _, frames in
            let frame = frames[Int(target.seq)]
            var file = try SegmentSurgery(frame.path)
            file.flip(try lastAlphanumeric(in: file, frame))
            file.rehash(frame)
            try file.save()
        }
        try expectFirstFinding(report, seq: target.seq, kind: .signature, reasonContains: "does not verify",
                               onlyAbout: target.seq...target.seq + 1)
        // The flipped character may also leave the body invalid for its type (a hash digit 'a' becomes '`').
        #expect(summary(report).filter { $0 != "\(target.seq) body" } == ["\(target.seq) signature", "\(target.seq + 1) chain"])
    }

    @Test("one byte flipped in a signature", arguments: Target.both)
    func signatureByte(target: Target) throws {
        let report = try tampered { _, frames in
            let frame = frames[Int(target.seq)]
            var file = try SegmentSurgery(frame.path)
            file.flip(frame.signature.lowerBound + 10)
            try file.save()
        }
        try expectFirstFinding(report, seq: target.seq, kind: .entryHash)
    }

    @Test("one byte flipped in a signature and the stored hash recomputed", arguments: Target.both)
    func signatureByteRehashed(target: Target) throws {
        let report = try tampered { _, frames in
            let frame = frames[Int(target.seq)]
            var file = try SegmentSurgery(frame.path)
            file.flip(frame.signature.lowerBound + 40)
            file.rehash(frame)
            try file.save()
        }
        try expectFirstFinding(report, seq: target.seq, kind: .signature, reasonContains: "(bad-signature)",
                               onlyAbout: target.seq...target.seq + 1)
        #expect(summary(report) == ["\(target.seq) signature", "\(target.seq + 1) chain"])
    }

    @Test("one byte flipped in a previous-entry hash", arguments: Target.both)
    func previousHashByte(target: Target) throws {
        let report = try tampered { _, frames in
            let frame = frames[Int(target.seq)]
            var file = try SegmentSurgery(frame.path)
            file.flip(frame.prevHash.lowerBound + 31)
            try file.save()
        }
        try expectFirstFinding(report, seq: target.seq, kind: .entryHash)
        #expect(summary(report) == ["\(target.seq) entry-hash", "\(target.seq) chain"])
    }

    @Test("one byte flipped in a previous-entry hash and the stored hash recomputed: the chain breaks there",
          arguments: Target.both)
    func previousHashByteRehashed(target: Target) throws {
        let report = try tampered { _, frames in
            let frame = frames[Int(target.seq)]
            var file = try SegmentSurgery(frame.path)
            file.flip(frame.prevHash.lowerBound)
            file.rehash(frame)
            try file.save()
        }
        try expectFirstFinding(report, seq: target.seq, kind: .chain, onlyAbout: target.seq...target.seq + 1)
        #expect(summary(report) == ["\(target.seq) chain", "\(target.seq + 1) chain"])
    }

    @Test("an entry deleted (its frame's bytes removed)", arguments: Target.both)
    func deletedEntry(target: Target) throws {
        let report = try tampered { _, frames in
            let frame = frames[Int(target.seq)]
            var file = try SegmentSurgery(frame.path)
            file.bytes.removeSubrange(frame.frame)
            try file.save()
        }
        try expectFirstFinding(report, seq: target.seq, kind: .sequence, reasonContains: "entry \(target.seq) is missing",
                               onlyAbout: target.seq...target.seq + 1)
        #expect(report.entriesChecked == 9)
    }

    @Test("two entries swapped", arguments: Target.both)
    func swappedEntries(target: Target) throws {
        let report = try tampered { _, frames in
            let (first, second) = (frames[Int(target.seq)], frames[Int(target.seq) + 1])
            var file = try SegmentSurgery(first.path)
            let swapped = Array(file.bytes[second.frame]) + Array(file.bytes[first.frame])
            file.bytes.replaceSubrange(first.frame.lowerBound..<second.frame.upperBound, with: swapped)
            try file.save()
        }
        try expectFirstFinding(report, seq: target.seq, kind: .sequence, onlyAbout: target.seq...target.seq + 2)
    }

    @Test("a duplicated entry", arguments: [UInt64(1), 5, 9])
    func duplicatedEntry(seq: UInt64) throws {
        let report = try tampered { _, frames in
            let frame = frames[Int(seq)]
            var file = try SegmentSurgery(frame.path)
            file.bytes.insert(contentsOf: file.bytes[frame.frame], at: frame.frame.upperBound)
            try file.save()
        }
        try expectFirstFinding(report, seq: seq, kind: .sequence, reasonContains: "again")
        #expect(report.entriesChecked == 11)
    }

    @Test("the tail truncated in the middle of the last frame: HEAD shows the entry is missing")
    func truncatedMidFrame() throws {
        let report = try tampered { _, frames in
            let last = frames[9]
            var file = try SegmentSurgery(last.path)
            file.bytes.removeSubrange((last.frame.lowerBound + last.frame.count / 2)...)
            try file.save()
        }
        try expectFirstFinding(report, seq: 9, kind: .truncation, reasonContains: "HEAD records entry 9")
        #expect(report.findings.count == 1)
        #expect(report.notices.contains { $0.contains("incomplete") })
        #expect(report.lastSeq == 8)
    }

    @Test("the tail truncated by whole entries: HEAD shows they are missing")
    func truncatedWholeEntries() throws {
        let report = try tampered { _, frames in
            var file = try SegmentSurgery(frames[8].path)
            file.bytes.removeSubrange(frames[8].frame.lowerBound...)
            try file.save()
        }
        try expectFirstFinding(report, seq: 8, kind: .truncation, reasonContains: "entries 8…9 were cut off")
        #expect(report.findings.count == 1)
        #expect(report.notices.isEmpty)
    }

    @Test("the last entry replaced by a different one: HEAD shows the tail was rewritten")
    func rewrittenTail() throws {
        let report = try tampered { test, frames in
            var file = try SegmentSurgery(frames[9].path)
            file.bytes.removeSubrange(frames[9].frame.lowerBound...)
            try file.save()
            let head = try HeadRecord.read(from: test.layout)
            _ = try test.forceAppend([test.forged(commission("LOT-X"), signer: test.alpha.gln, key: test.alpha.key)])
            try Disk.write(test.layout.headFile, Array(try #require(head).text.utf8))  // the old HEAD
        }
        try expectFirstFinding(report, seq: 9, kind: .truncation, reasonContains: "rewritten")
    }

    @Test("an entry signed by an unregistered key (written past the ledger's checks)")
    func unregisteredKey() throws {
        let report = try tampered { test, _ in
            let stranger = try PrivateKey.generate(.p256)
            _ = try test.forceAppend([test.forged(commission("LOT-10"), signer: test.alpha.gln, key: stranger)])
        }
        try expectFirstFinding(report, seq: 10, kind: .signature, reasonContains: "(unknown-key)")
    }

    @Test("an entry signed with another partner's key")
    func someoneElsesKey() throws {
        let report = try tampered { test, _ in
            _ = try test.forceAppend([test.forged(commission("LOT-10"), signer: test.beta.gln, key: test.alpha.key)])
        }
        try expectFirstFinding(report, seq: 10, kind: .signature, reasonContains: "(wrong-signer)")
    }

    @Test("an entry by a revoked key after its revocation (written past the ledger's checks)")
    func revokedKey() throws {
        let report = try tampered { test, _ in
            let ledger = try Ledger.open(layout: test.layout, trustAnchor: test.operatorKey.publicKey, clock: { testNow })
            let replacement = try PrivateKey.generate(.ed25519)
            let add = PartnerKeyAddBody(gln: test.alpha.gln, key: KeyGrant(publicKey: replacement.publicKey, validFrom: 0))
            let revoke = PartnerKeyRevokeBody(gln: test.alpha.gln, keyID: test.alpha.key.publicKey.keyID, reason: "laptop stolen")
            try ledger.append([ledger.sign(BodyInput(type: OperatorBody.partnerKeyAdd, body: add.json), with: test.operatorKey),
                               ledger.sign(BodyInput(type: OperatorBody.partnerKeyRevoke, body: revoke.json), with: test.operatorKey)])
            try ledger.append([ledger.sign(commission("LOT-12"), with: replacement)])
            ledger.close()
            _ = try test.forceAppend([test.forged(commission("LOT-13"), signer: test.alpha.gln, key: test.alpha.key)])
        }
        try expectFirstFinding(report, seq: 13, kind: .signature, reasonContains: "revoked at entry 11")
        #expect(report.entriesChecked == 14)
    }

    @Test("a key revoked between two entries it signed, with nothing between them: the first stands, the second is a finding")
    func revokedBetweenEntriesOfOneKey() throws {
        let report = try tampered { test, _ in
            let ledger = try Ledger.open(layout: test.layout, trustAnchor: test.operatorKey.publicKey, clock: { testNow })
            let revoke = PartnerKeyRevokeBody(gln: test.alpha.gln, keyID: test.alpha.key.publicKey.keyID, reason: "laptop stolen")
            try ledger.append([ledger.sign(commission("LOT-10"), with: test.alpha.key), ledger.sign(commission("LOT-11"), with: test.alpha.key)])
            try ledger.append([ledger.sign(BodyInput(type: OperatorBody.partnerKeyRevoke, body: revoke.json), with: test.operatorKey)])
            ledger.close()
            _ = try test.forceAppend([test.forged(commission("LOT-13"), signer: test.alpha.gln, key: test.alpha.key)])
        }
        try expectFirstFinding(report, seq: 13, kind: .signature, reasonContains: "revoked at entry 12")
        #expect(report.findings.count == 1)
        #expect(report.entriesChecked == 14)
    }

    @Test("a key used before and after the operator entry that adds it: only the entry before is a finding")
    func keyAddedBetweenEntriesOfOneKey() throws {
        let laptop = try PrivateKey.generate(.p256)
        let report = try tampered { test, _ in
            let add = PartnerKeyAddBody(gln: test.alpha.gln, key: KeyGrant(publicKey: laptop.publicKey, validFrom: 0))
            _ = try test.forceAppend([
                test.forged(commission("LOT-10"), signer: test.alpha.gln, key: laptop),
                test.forged(BodyInput(type: OperatorBody.partnerKeyAdd, body: add.json), signer: Submission.operatorSigner, key: test.operatorKey),
                test.forged(commission("LOT-12"), signer: test.alpha.gln, key: laptop),
            ])
        }
        try expectFirstFinding(report, seq: 10, kind: .signature, reasonContains: "key \(laptop.publicKey.keyID) is not registered (unknown-key)")
        #expect(report.findings.count == 1)
        #expect(report.entriesChecked == 13)
    }

    @Test("an operator body signed by a partner (written past the ledger's checks)")
    func operatorBodyByPartner() throws {
        let report = try tampered { test, _ in
            let gamma = try TestPartner.make("000000000001", "Gamma", .dispenser, .ed25519)
            _ = try test.forceAppend([test.forged(gamma.registration(), signer: test.alpha.gln, key: test.alpha.key)])
        }
        try expectFirstFinding(report, seq: 10, kind: .signature, reasonContains: "(not-operator)")
    }

    @Test("a custody body signed by the operator (written past the ledger's checks)")
    func custodyBodyByOperator() throws {
        let report = try tampered { test, _ in
            _ = try test.forceAppend([test.forged(commission("LOT-10"), signer: Submission.operatorSigner, key: test.operatorKey)])
        }
        try expectFirstFinding(report, seq: 10, kind: .signature, reasonContains: "(operator-not-partner)")
    }

    @Test("a body that is not canonical JSON (written past the ledger's checks)")
    func nonCanonicalBody() throws {
        let report = try tampered { test, _ in
            var input = try commission("LOT-10")
            input.canonicalBody = Array("{\"lot\": \"LOT-10\"}".utf8)
            _ = try test.forceAppend([test.forged(input, signer: test.alpha.gln, key: test.alpha.key)])
        }
        try expectFirstFinding(report, seq: 10, kind: .body, reasonContains: "canonical")
    }

    @Test("genesis checked against a wrong trust anchor")
    func wrongTrustAnchor() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            let impostor = try PrivateKey.generate(.ed25519)
            let report = try test.verify(trustAnchor: impostor.publicKey)
            try expectFirstFinding(report, seq: 0, kind: .registry, reasonContains: "the trust anchor is \(impostor.publicKey.keyID)")
            #expect(report.findings.count == 1)
        }
    }

    @Test("a genesis whose operator signature was altered (stored hash recomputed)")
    func genesisSignature() throws {
        let report = try tampered { _, frames in
            var file = try SegmentSurgery(frames[0].path)
            file.flip(frames[0].signature.lowerBound + 5)
            file.rehash(frames[0])
            try file.save()
        }
        try expectFirstFinding(report, seq: 0, kind: .signature, onlyAbout: 0...1)
        #expect(summary(report) == ["0 signature", "1 chain"])
    }
}
