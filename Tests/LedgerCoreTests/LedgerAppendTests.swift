import Custody
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

/// Appends `pending` expecting a refusal with `code`, and checks that nothing was written: same head,
/// same registry and custody state, every file of the data directory byte for byte the same.
@discardableResult
func expectRefusal(_ test: TestLedger, _ pending: [PendingEntry], code: String, source: String = "input 1",
                   sources: [String]? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> InputError? {
    let before = try Disk.snapshot(test.layout.directory)
    let head = test.ledger.head
    let partners = test.ledger.registry.partners
    let keys = test.ledger.registry.keys
    let units = test.ledger.custody.units
    let shipments = test.ledger.custody.shipments
    let indexed = try test.ledger.index.indexedHead()?.seq
    let error = #expect(throws: InputError.self, sourceLocation: sourceLocation) {
        try test.ledger.append(pending, sources: sources)
    }
    #expect(error?.code == code, "\(String(describing: error))", sourceLocation: sourceLocation)
    #expect(error?.source == source, sourceLocation: sourceLocation)
    #expect(test.ledger.head == head, sourceLocation: sourceLocation)
    #expect(test.ledger.registry.partners == partners, sourceLocation: sourceLocation)
    #expect(test.ledger.registry.keys == keys, sourceLocation: sourceLocation)
    #expect(test.ledger.custody.units == units, sourceLocation: sourceLocation)
    #expect(test.ledger.custody.shipments == shipments, sourceLocation: sourceLocation)
    #expect(try test.ledger.index.indexedHead()?.seq == indexed, "index unchanged", sourceLocation: sourceLocation)
    #expect(try Disk.snapshot(test.layout.directory) == before, "nothing written", sourceLocation: sourceLocation)
    return error
}

@Suite("Ledger: appends and refusals")
struct LedgerAppendTests {
    @Test("appends are checked, chained and durable; the ledger reopens with the same registry")
    func appendAndReopen() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            let head = try #require(test.ledger.head)
            #expect(test.ledger.origin == TestLedger.origin)
            #expect(test.ledger.registry.partners.keys.sorted() == [test.alpha.gln, test.beta.gln].sorted())
            #expect(test.ledger.registry.partner(forKey: test.beta.key.publicKey.keyID)?.role == .wholesaler)
            let entries = try LedgerReader(layout: test.layout)
            let receive = try #require(try entries.entry(7))
            #expect(receive.entry.submission.signer == test.beta.gln)
            #expect(receive.entry.submission.algorithm == .p256)
            #expect(receive.entry.submission.bodyType == "receive")
            #expect(receive.entry.appendedAt == testNow)
            let transfer = try #require(try entries.entry(6))
            #expect(receive.json["body"]?["shipment"]?.stringValue == Hex.encode(transfer.hash))
            test.ledger.close()

            let reopened = try Ledger.open(layout: test.layout, trustAnchor: test.operatorKey.publicKey, clock: { testNow + 1 })
            defer { reopened.close() }
            #expect(reopened.recovery == nil)
            #expect(reopened.head == head)
            #expect(reopened.registry.partners == test.ledger.registry.partners)
            #expect(reopened.registry.keys == test.ledger.registry.keys)
            let appended = try reopened.append([reopened.sign(commission("LOT-10"), with: test.alpha.key)])
            #expect(appended[0].entry.seq == 10)
            #expect(appended[0].entry.prevHash == head.hash)
            #expect(appended[0].entry.appendedAt == testNow + 1)
            #expect(try test.verify().isClean)
        }
    }

    @Test("opening with a different trust anchor is refused")
    func openWithWrongTrustAnchor() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            test.ledger.close()
            let impostor = try PrivateKey.generate(.ed25519)
            let error = #expect(throws: RegistryError.self) {
                try Ledger.open(layout: test.layout, trustAnchor: impostor.publicKey)
            }
            #expect(error?.code == "operator-key-mismatch")
        }
    }

    @Test("signing with a key registered to no one is refused before anything is built")
    func signWithUnknownKey() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let stranger = try PrivateKey.generate(.ed25519)
            let error = #expect(throws: InputError.self) {
                try test.ledger.sign(commission("LOT-1"), with: stranger, source: "lot.json")
            }
            #expect(error?.code == "unknown-key")
            #expect(error?.source == "lot.json")
            #expect(error?.reason.contains(stranger.publicKey.keyID) == true)
        }
    }

    @Test("refused: a key registered to no one")
    func unknownKey() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let stranger = try PrivateKey.generate(.p256)
            try expectRefusal(test, [test.forged(commission("LOT-1"), signer: test.beta.gln, key: stranger)], code: "unknown-key")
        }
    }

    @Test("refused: another partner's key")
    func wrongSigner() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            try expectRefusal(test, [test.forged(commission("LOT-1"), signer: test.beta.gln, key: test.alpha.key)], code: "wrong-signer")
        }
    }

    @Test("refused: a revoked key, while the partner's new key is accepted")
    func revokedKey() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let ledger = test.ledger
            let replacement = try PrivateKey.generate(.p256)
            let add = PartnerKeyAddBody(gln: test.alpha.gln, key: KeyGrant(publicKey: replacement.publicKey, validFrom: 0))
            let revoke = PartnerKeyRevokeBody(gln: test.alpha.gln, keyID: test.alpha.key.publicKey.keyID, reason: "rotated")
            try ledger.append([ledger.sign(BodyInput(type: OperatorBody.partnerKeyAdd, body: add.json), with: test.operatorKey)])
            try ledger.append([ledger.sign(BodyInput(type: OperatorBody.partnerKeyRevoke, body: revoke.json), with: test.operatorKey)])
            let error = try expectRefusal(test, [ledger.sign(commission("LOT-1"), with: test.alpha.key)], code: "revoked-key")
            #expect(error?.reason.contains("revoked at entry 4") == true)
            try ledger.append([ledger.sign(commission("LOT-1"), with: replacement)])
            #expect(try test.verify().isClean)
        }
    }

    @Test("refused: a key not yet valid at the append time")
    func keyNotYetValid() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let gamma = try TestPartner.make("000000000001", "Gamma Repack", .repackager, .ed25519)
            try test.ledger.append([test.ledger.sign(gamma.registration(validFrom: testNow + 3_600_000), with: test.operatorKey)])
            let error = try expectRefusal(test, [test.ledger.sign(commission("LOT-1"), with: gamma.key)], code: "key-not-yet-valid")
            #expect(error?.reason.contains(Timestamp.iso8601(testNow + 3_600_000)) == true)
        }
    }

    @Test("refused: a key past its validity")
    func keyExpired() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let gamma = try TestPartner.make("000000000001", "Gamma Repack", .repackager, .p256)
            try test.ledger.append([test.ledger.sign(gamma.registration(validFrom: 0, validUntil: testNow), with: test.operatorKey)])
            try expectRefusal(test, [test.ledger.sign(commission("LOT-1"), with: gamma.key)], code: "key-expired")
        }
    }

    @Test("refused: a signature that does not verify")
    func badSignature() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            var pending = try test.ledger.sign(commission("LOT-1"), with: test.alpha.key)
            pending.signature[3] ^= 0x01
            try expectRefusal(test, [pending], code: "bad-signature")
        }
    }

    @Test("refused: a body that is not a canonical JSON object",
          arguments: ["{\"b\":1,\"a\":2}", "{ \"a\":1}", "{\"a\":1}\n", "[1,2]", "\"text\"", "{\"a\":", "{\"a\":1.5}", ""])
    func badBody(body: String) throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            var input = try commission("LOT-1")
            input.canonicalBody = Array(body.utf8)
            try expectRefusal(test, [test.ledger.sign(input, with: test.alpha.key)], code: "bad-body")
        }
    }

    @Test("refused: an unknown body type")
    func unknownBodyType() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let input = BodyInput(type: "teleport", body: .object(["to": .string("mars")]))
            let error = try expectRefusal(test, [test.ledger.sign(input, with: test.alpha.key)], code: "unknown-body-type")
            #expect(error?.reason.contains("teleport") == true)
        }
    }

    @Test("refused: an unknown body version")
    func unknownBodyVersion() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            var input = try commission("LOT-1")
            input.version = 2
            try expectRefusal(test, [test.ledger.sign(input, with: test.alpha.key)], code: "unknown-body-version")
        }
    }

    @Test("refused: a second ledger.genesis")
    func secondGenesis() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let genesis = GenesisBody(origin: TestLedger.origin, operatorKey: test.operatorKey.publicKey)
            let input = BodyInput(type: OperatorBody.genesis, body: genesis.json)
            try expectRefusal(test, [test.ledger.sign(input, with: test.operatorKey)], code: "duplicate-genesis")
        }
    }

    @Test("refused: a partner signing partner.register")
    func partnerSignsRegistration() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let gamma = try TestPartner.make("000000000001", "Gamma Repack", .repackager, .ed25519)
            try expectRefusal(test, [test.ledger.sign(gamma.registration(), with: test.alpha.key)], code: "not-operator")
        }
    }

    @Test("refused: the operator signing a custody body")
    func operatorSignsCustody() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            try expectRefusal(test, [test.ledger.sign(commission("LOT-1"), with: test.operatorKey)], code: "operator-not-partner")
        }
    }

    @Test("refused: registering a partner twice")
    func partnerRegisteredTwice() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            var again = test.alpha
            again.key = try .generate(.ed25519)
            try expectRefusal(test, [test.ledger.sign(again.registration(), with: test.operatorKey)], code: "partner-exists")
        }
    }

    @Test("a batch whose third of three is bad writes nothing of the batch; the good two then append")
    func badThirdOfBatch() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let ledger = test.ledger
            // The second is valid only because the first registers gamma: checks run against the batch's own changes.
            let gamma = try TestPartner.make("000000000001", "Gamma Repack", .repackager, .p256)
            let register = try ledger.sign(gamma.registration(), with: test.operatorKey)
            let byGamma = try test.forged(commission("LOT-1"), signer: gamma.gln, key: gamma.key)
            let bad = try ledger.sign(BodyInput(type: "teleport", body: .object([:])), with: test.alpha.key)
            let error = try expectRefusal(test, [register, byGamma, bad], code: "unknown-body-type", source: "c.json",
                                          sources: ["a.json", "b.json", "c.json"])
            #expect(error.map { "\($0)" }?.hasPrefix("c.json: ") == true)
            #expect(ledger.registry.partners[gamma.gln] == nil)
            try expectRefusal(test, [register, byGamma, bad], code: "unknown-body-type", source: "input 3")
            var badSignature = try ledger.sign(commission("LOT-2"), with: test.alpha.key)
            badSignature.signature[0] ^= 0x80
            try expectRefusal(test, [register, byGamma, badSignature], code: "bad-signature", source: "input 3")

            let appended = try ledger.append([register, byGamma])
            #expect(appended.map(\.entry.seq) == [3, 4])
            #expect(ledger.registry.partners[gamma.gln]?.registeredSeq == 3)
            #expect(try test.verify().isClean)
        }
    }

    @Test("refused by a custody rule: the batch's earlier entries are rolled back out of the custody state")
    func custodyRuleRefusal() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let ledger = test.ledger
            try expectRefusal(test, [ledger.sign(commission("LOT-1"), with: test.alpha.key),
                                     ledger.sign(commission("LOT-1"), with: test.alpha.key)],
                              code: "already-commissioned", source: "input 2")
            #expect(ledger.custody.record(.sgtin(gtin: testGTIN, serial: "LOT-1-A")) == nil)
            try expectRefusal(test, [ledger.sign(commission("LOT-2"), with: test.beta.key)], code: "not-manufacturer")
            let appended = try ledger.append([ledger.sign(commission("LOT-1"), with: test.alpha.key)])
            #expect(appended[0].entry.seq == 3)
            #expect(ledger.custody.record(.sgtin(gtin: testGTIN, serial: "LOT-1-A"))?.owner == test.alpha.gln)
            #expect(ledger.custody.record(.sgtin(gtin: testGTIN, serial: "LOT-1-B")) != nil)
            #expect(try test.verify().isClean)
        }
    }

    @Test("a checked batch refused midway leaves the ledger usable: the next append takes the next seq")
    func usableAfterRefusal() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger(in: directory)
            let stranger = try PrivateKey.generate(.ed25519)
            try expectRefusal(test, [test.ledger.sign(commission("LOT-1"), with: test.alpha.key),
                                     test.forged(commission("LOT-2"), signer: test.alpha.gln, key: stranger)],
                              code: "unknown-key", source: "input 2")
            let appended = try test.ledger.append([test.ledger.sign(commission("LOT-3"), with: test.alpha.key)])
            #expect(appended[0].entry.seq == 3)
            #expect(try test.verify().isClean)
        }
    }
}

@Suite("Ledger: crash recovery through Ledger.open")
struct LedgerRecoveryTests {
    @Test("a torn tail is cut on open, saved, and the ledger verifies clean after the next append")
    func tornTail() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            test.ledger.close()
            let frames = try frameLocations(test.layout)
            var file = try SegmentSurgery(frames[9].path)
            let torn = Array(file.bytes[frames[9].frame].prefix(60))  // a crash 60 bytes into a frame
            file.bytes += torn
            try file.save()

            let before = try test.verify()
            #expect(before.isClean, "an unacknowledged tail is not a finding")
            #expect(before.notices.contains { $0.contains("60 bytes of an incomplete") })

            let ledger = try Ledger.open(layout: test.layout, trustAnchor: test.operatorKey.publicKey, clock: { testNow })
            defer { ledger.close() }
            let report = try #require(ledger.recovery)
            #expect(report.bytes == 60)
            #expect(report.offset == frames[9].frame.upperBound)
            #expect(try Disk.read(report.savedTo) == torn)
            #expect(ledger.head?.seq == 9)
            try ledger.append([ledger.sign(commission("LOT-10"), with: test.alpha.key)])
            let after = try test.verify()
            #expect(after.isClean)
            #expect(after.notices.isEmpty)
            #expect(after.lastSeq == 10)
        }
    }

    @Test("damage before the tail: Ledger.open refuses, naming the entry, and changes nothing")
    func damage() throws {
        try withTemporaryDirectory { directory in
            let test = try TestLedger.standard(in: directory)
            test.ledger.close()
            let frames = try frameLocations(test.layout)
            var file = try SegmentSurgery(frames[5].path)
            file.flip(frames[5].body.lowerBound + 3)
            try file.save()
            let before = try Disk.snapshot(test.layout.directory)
            let error = #expect(throws: StoreError.self) { try Ledger.open(layout: test.layout) }
            guard case .damaged(let seq, _, let offset, _)? = error else {
                Issue.record("expected StoreError.damaged, got \(String(describing: error))")
                return
            }
            #expect(seq == 5)
            #expect(offset == frames[5].frame.lowerBound)
            #expect(try Disk.snapshot(test.layout.directory) == before)
            try expectFirstFinding(try test.verify(), seq: 5, kind: .entryHash)
        }
    }
}
