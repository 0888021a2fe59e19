import LedgerCrypto
import LedgerFormat
import Testing

@Suite("Entry byte format")
struct EntryTests {
    static let body = Array(#"{"gtin":"00312345678906","serials":["S1"]}"#.utf8)

    static func sample(algorithm: SignatureAlgorithm = .ed25519, seq: UInt64 = 7) -> Entry {
        let submission = Submission(signer: GLNs.acme, keyID: "0123456789abcdef", algorithm: algorithm,
                                    signedAt: -1, bodyType: "commission", bodyVersion: 1, body: body)
        return Entry(seq: seq, appendedAt: Times.at(3), prevHash: (0..<32).map { UInt8($0 * 3) },
                     submission: submission, signature: (0..<64).map { UInt8(255 - $0) })
    }

    /// The fields in order with their byte lengths in `sample()`.
    static var layout: [(field: String, length: Int)] {
        [("version", 1), ("seq", 8), ("appendedAt", 8), ("prevHash", 32),
         ("signer", 1 + 13), ("keyID", 1 + 16), ("algorithm", 1), ("signedAt", 8), ("bodyType", 1 + 10),
         ("bodyVersion", 2), ("body", 4 + body.count), ("signature", 2 + 64)]
    }

    @Test("canonical bytes decode back to the same entry", arguments: SignatureAlgorithm.allCases)
    func roundTrip(_ algorithm: SignatureAlgorithm) throws {
        let entry = Self.sample(algorithm: algorithm)
        let bytes = entry.canonicalBytes
        let decoded = try Entry(canonicalBytes: bytes)
        #expect(decoded == entry)
        #expect(decoded.canonicalBytes == bytes)
        #expect(decoded.hash == entry.hash)
        let fromBuffer = try bytes.withUnsafeBytes { raw in try Entry(canonicalBytes: raw) }
        #expect(fromBuffer == entry)
    }

    @Test("canonical bytes follow the documented layout")
    func layout() throws {
        let entry = Self.sample(algorithm: .p256, seq: 0x0102_0304_0506_0708)
        let bytes = entry.canonicalBytes
        #expect(bytes.count == Self.layout.reduce(0) { $0 + $1.length })
        #expect(bytes[0] == EntryFormat.version)
        #expect(Array(bytes[1..<9]) == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(Array(bytes[17..<49]) == entry.prevHash)
        #expect(bytes[49] == 13)
        #expect(String(decoding: bytes[50..<63], as: UTF8.self) == GLNs.acme)
        #expect(bytes[63] == 16)
        #expect(bytes[80] == 2, "algorithm code of P-256")
        #expect(Array(bytes[81..<89]) == [UInt8](repeating: 0xff, count: 8), "signedAt -1 in two's complement")
        #expect(Array(bytes.suffix(66).prefix(2)) == [0x00, 0x40])
        #expect(Array(bytes.suffix(64)) == entry.signature)
    }

    @Test("the signing message binds the origin and carries the same submission fields")
    func signingMessage() {
        let entry = Self.sample()
        let message = entry.submission.signingMessage(origin: "example.com/x")
        let domain = Array("custody-ledger/submission/v1".utf8) + [0]
        #expect(EntryFormat.submissionDomain == domain)
        #expect(Array(message.prefix(domain.count)) == domain)
        #expect(message[domain.count] == 13)
        #expect(String(decoding: message[(domain.count + 1)..<(domain.count + 14)], as: UTF8.self) == "example.com/x")
        let fields = Array(message[(domain.count + 14)...])
        let bytes = entry.canonicalBytes
        #expect(fields == Array(bytes[49..<(bytes.count - 66)]))
        #expect(entry.submission.signingMessage(origin: "example.com/y") != message)
    }

    @Test("the entry hash is SHA-256 over the domain tag and the entry bytes")
    func entryHash() {
        let entry = Self.sample()
        #expect(Hex.encode(EntryFormat.entryDomain) == "637573746f64792d6c65646765722f656e7472792f763100")
        #expect(entry.hash == SHA256.hash(EntryFormat.entryDomain + entry.canonicalBytes))
        let hasher = SHA256()
        let streamed = entry.canonicalBytes.withUnsafeBytes { EntryFormat.entryHash(ofCanonicalBytes: $0, using: hasher) }
        #expect(streamed == entry.hash)
        #expect(EntryFormat.entryHash(ofCanonicalBytes: entry.canonicalBytes) == entry.hash)
        var changed = entry
        changed.seq += 1
        #expect(changed.hash != entry.hash)
    }

    @Test("signatures made with Submission.sign verify over the signing message", arguments: SignatureAlgorithm.allCases)
    func signing(_ algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        var submission = Self.sample(algorithm: algorithm).submission
        submission.keyID = key.publicKey.keyID
        let signature = try submission.sign(with: key, origin: "o")
        #expect(signature.count == 64)
        #expect(key.publicKey.isValidSignature(signature, for: submission.signingMessage(origin: "o")))
        #expect(!key.publicKey.isValidSignature(signature, for: submission.signingMessage(origin: "p")))
        #expect(try submission.bodyJSON()["gtin"] == .string("00312345678906"))
    }

    @Test("the streamed signing message is signingMessage's bytes; SignatureChecker verifies it and refuses a one-byte change in any field",
          arguments: SignatureAlgorithm.allCases)
    func streamedSigningMessage(_ algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let checker = SignatureChecker()
        /// The streamed pieces, joined, and how many there were.
        func streamed(_ submission: Submission, _ origin: String) -> (bytes: [UInt8], pieces: Int) {
            var bytes: [UInt8] = []
            var pieces = 0
            submission.writeSigningMessage(origin: origin) { piece in
                bytes += piece
                pieces += 1
            }
            return (bytes, pieces)
        }
        func verifies(_ signature: [UInt8], _ submission: Submission, _ origin: String) -> Bool {
            checker.isValid(signature, by: key.publicKey) { submission.writeSigningMessage(origin: origin, to: $0) }
        }
        var submission = Self.sample(algorithm: algorithm).submission
        submission.keyID = key.publicKey.keyID
        let origin = "example.com/stream"
        let signature = try submission.sign(with: key, origin: origin)
        let small = streamed(submission, origin)
        #expect(small.bytes == submission.signingMessage(origin: origin))
        #expect(small.pieces == 2, "what precedes the body, then the body in place")
        #expect(verifies(signature, submission, origin))

        // One byte changed in each field (the text's last byte, the body's middle one), and in the origin.
        func changed(_ text: String) -> String {
            var bytes = Array(text.utf8)
            bytes[bytes.count - 1] ^= 0x01
            return String(decoding: bytes, as: UTF8.self)
        }
        var variants: [(field: String, submission: Submission, origin: String)] = [("origin", submission, changed(origin))]
        var variant = submission
        variant.signer = changed(submission.signer)
        variants.append(("signer", variant, origin))
        variant = submission
        variant.keyID = changed(submission.keyID)
        variants.append(("keyID", variant, origin))
        variant = submission
        variant.bodyType = changed(submission.bodyType)
        variants.append(("bodyType", variant, origin))
        variant = submission
        variant.body[submission.body.count / 2] ^= 0x01
        variants.append(("body", variant, origin))
        variant = submission
        variant.signedAt ^= 0x01
        variants.append(("signedAt", variant, origin))
        variant = submission
        variant.bodyVersion ^= 0x01
        variants.append(("bodyVersion", variant, origin))
        for (field, changedSubmission, changedOrigin) in variants {
            let message = changedSubmission.signingMessage(origin: changedOrigin)
            #expect(streamed(changedSubmission, changedOrigin).bytes == message, "\(field)")
            #expect(message.count == small.bytes.count && message != small.bytes, "\(field)")
            #expect(!verifies(signature, changedSubmission, changedOrigin), "\(field)")
            #expect(!key.publicKey.isValidSignature(signature, for: message), "\(field)")
        }
        // Still verifies after the refusals on the same checker.
        #expect(verifies(signature, submission, origin))

        // Strings of 255 UTF-8 bytes: more before the body than the stack buffer holds, so the message is built whole.
        var large = submission
        large.signer = String(repeating: "é", count: 127) + "s"
        large.keyID = String(repeating: "k", count: 255)
        large.bodyType = String(repeating: "t", count: 255)
        large.body = Array(repeating: UInt8(ascii: "a"), count: 5000)
        let longOrigin = String(repeating: "o", count: 254) + "!"
        let largeSignature = try large.sign(with: key, origin: longOrigin)
        let pieces = streamed(large, longOrigin)
        #expect(pieces.bytes == large.signingMessage(origin: longOrigin))
        let expectedCount = 29 + 4 * 256 + 1 + 8 + 2 + 4 + 5000
        #expect(pieces.bytes.count == expectedCount)
        #expect(pieces.pieces == 1)
        #expect(verifies(largeSignature, large, longOrigin))
        large.body[4999] ^= 0x01
        #expect(!verifies(largeSignature, large, longOrigin))
    }

    @Test("truncation anywhere names the field being read")
    func truncationNamesTheField() throws {
        let bytes = Self.sample().canonicalBytes
        var start = 0
        var checked = 0
        for (field, length) in Self.layout {
            for cut in start..<(start + length) {
                let error = try #require(decodeError(Array(bytes.prefix(cut))), "cut at \(cut)")
                #expect(error.field == field, "cut at \(cut)")
                #expect(error.reason.hasPrefix("needs "), "cut at \(cut): \(error.reason)")
                checked += 1
            }
            start += length
        }
        #expect(checked == bytes.count)
        let error = try #require(decodeError(Array(bytes.prefix(5))))
        #expect(error == DecodeError(field: "seq", reason: "needs 8 bytes but only 4 remain"))
        #expect(error.description == "field seq: needs 8 bytes but only 4 remain")
    }

    @Test("unknown format versions are refused", arguments: [0, 2, 255] as [UInt8])
    func unknownVersion(_ version: UInt8) {
        var bytes = Self.sample().canonicalBytes
        bytes[0] = version
        #expect(decodeError(bytes) == DecodeError(field: "version", reason: "unknown entry format version \(version) (this program reads version 1)"))
    }

    @Test("unknown algorithm codes are refused", arguments: [0, 3, 255] as [UInt8])
    func unknownAlgorithm(_ code: UInt8) {
        var bytes = Self.sample().canonicalBytes
        bytes[80] = code
        #expect(decodeError(bytes) == DecodeError(field: "algorithm", reason: "unknown signature algorithm code \(code)"))
        #expect(SignatureAlgorithm(code: code) == nil)
    }

    @Test("algorithm codes are 1 for Ed25519 and 2 for P-256")
    func algorithmCodes() {
        #expect(SignatureAlgorithm.ed25519.code == 1)
        #expect(SignatureAlgorithm.p256.code == 2)
        #expect(SignatureAlgorithm(code: 1) == .ed25519)
        #expect(SignatureAlgorithm(code: 2) == .p256)
    }

    @Test("trailing bytes are refused")
    func trailingBytes() {
        let bytes = Self.sample().canonicalBytes
        #expect(decodeError(bytes + [0]) == DecodeError(field: "signature", reason: "1 unexpected bytes after the last field"))
        #expect(decodeError(bytes + [1, 2, 3])?.reason == "3 unexpected bytes after the last field")
    }

    @Test("a body length over the limit is refused before reading it")
    func bodyOverLimit() {
        let bytes = Self.sample().canonicalBytes
        let bodyLengthOffset = 1 + 8 + 8 + 32 + 14 + 17 + 1 + 8 + 11 + 2
        func withBodyLength(_ length: Int) -> [UInt8] {
            var copy = Array(bytes.prefix(bodyLengthOffset))
            copy += (0..<4).map { UInt8(truncatingIfNeeded: length >> (24 - 8 * $0)) }
            return copy + [0x7b, 0x7d]
        }
        #expect(Array(bytes[bodyLengthOffset..<bodyLengthOffset + 4]) == [0, 0, 0, UInt8(Self.body.count)])
        let over = EntryFormat.maxBodyBytes + 1
        #expect(decodeError(withBodyLength(over)) == DecodeError(field: "body", reason: "length \(over) exceeds the limit of \(EntryFormat.maxBodyBytes) bytes"))
        #expect(decodeError(withBodyLength(Int(UInt32.max)))?.field == "body")
        // Exactly at the limit is allowed: it fails only for want of bytes.
        #expect(decodeError(withBodyLength(EntryFormat.maxBodyBytes)) == DecodeError(field: "body", reason: "needs \(EntryFormat.maxBodyBytes) bytes but only 2 remain"))
        #expect(EntryFormat.maxBodyBytes == 16_777_216)
    }

    @Test("strings that are not UTF-8 are refused, naming the field")
    func invalidUTF8() {
        var bytes = Self.sample().canonicalBytes
        bytes[50] = 0xFF
        #expect(decodeError(bytes) == DecodeError(field: "signer", reason: "is not valid UTF-8"))
        var typeBytes = Self.sample().canonicalBytes
        typeBytes[1 + 8 + 8 + 32 + 14 + 17 + 1 + 8 + 1] = 0xC0
        #expect(decodeError(typeBytes) == DecodeError(field: "bodyType", reason: "is not valid UTF-8"))
    }

    @Test("the genesis vector of docs/FORMAT.md §10 is reproduced")
    func formatVectorEntryZero() throws {
        let operatorKey = try PrivateKey(ed25519Seed: Array(UInt8(0x00)...UInt8(0x1f)))
        #expect(operatorKey.publicKey.keyID == "a050837d85070582")
        let body = GenesisBody(origin: "example.com/vectors", operatorKey: operatorKey.publicKey).json.canonicalBytes
        #expect(String(decoding: body, as: UTF8.self)
            == #"{"operatorKey":"MCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=","origin":"example.com/vectors"}"#)
        let submission = Submission(signer: "operator", keyID: operatorKey.publicKey.keyID, algorithm: .ed25519,
                                    signedAt: 1_767_225_600_000, bodyType: "ledger.genesis", bodyVersion: 1, body: body)
        let entry = Entry(seq: 0, appendedAt: 1_767_225_600_000, prevHash: EntryFormat.zeroHash, submission: submission,
                          signature: try submission.sign(with: operatorKey, origin: "example.com/vectors"))
        // Signature checked independently with Python's `cryptography` package.
        #expect(Hex.encode(entry.signature) == "675b41f68e219beb4c436475eeb3640ca026903f2cd2e1814b3db79dc5eaeaba"
            + "c339b5a8809f29644e6005b562e328920d9dc86ddd04648c19dcd4d663b7fc07")
        #expect(Hex.encode(entry.hash) == "243512771457ed5771b2e1bd709582526dff4d3bc233eef53f0d4e0995f426e6")
    }
}

@Suite("Byte primitives")
struct BytePrimitiveTests {
    @Test("the writer is big-endian and the reader reads back what it wrote")
    func roundTrip() throws {
        var writer = ByteWriter()
        writer.u8(0xAB)
        writer.u16(0x0102)
        writer.u32(0x0304_0506)
        writer.u64(0x0708_090A_0B0C_0D0E)
        writer.i64(-2)
        writer.str8("héllo")
        writer.bytes16([9, 8])
        writer.bytes32([7])
        #expect(writer.bytes.prefix(15) == [0xAB, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        let bytes = writer.bytes
        let read = try bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            let a = try reader.u8("a")
            let b = try reader.u16("b")
            let c = try reader.u32("c")
            let d = try reader.u64("d")
            let e = try reader.i64("e")
            let f = try reader.str8("f")
            let g = try reader.bytes16("g")
            let h = try reader.bytes32("h", max: 1)
            return (a, b, c, d, e, f, g, h, reader.remaining, reader.offset)
        }
        #expect(read.0 == 0xAB)
        #expect(read.1 == 0x0102)
        #expect(read.2 == 0x0304_0506)
        #expect(read.3 == 0x0708_090A_0B0C_0D0E)
        #expect(read.4 == -2)
        #expect(read.5 == "héllo")
        #expect(read.6 == [9, 8])
        #expect(read.7 == [7])
        #expect(read.8 == 0)
        #expect(read.9 == bytes.count)
    }

    @Test("str8 reads ASCII and UTF-8 as String(validating:) does and refuses what is not UTF-8")
    func str8() {
        let samples: [[UInt8]] = [[], Array("operator".utf8), [0x00, 0x7F], Array("héllo 😀".utf8), [0x41, 0xFF], [0xC0, 0x80],
                                  [0xE2, 0x82], [0xED, 0xA0, 0x80], [0x7F, 0x80]]
        for sample in samples {
            let read: Result<String, DecodeError> = ([UInt8(sample.count)] + sample).withUnsafeBytes { raw in
                var reader = ByteReader(raw)
                do throws(DecodeError) { return .success(try reader.str8("s")) } catch { return .failure(error) }
            }
            if let expected = String(validating: sample, as: UTF8.self) {
                #expect(read == .success(expected), "\(sample)")
            } else {
                #expect(read == .failure(DecodeError(field: "s", reason: "is not valid UTF-8")), "\(sample)")
            }
        }
    }
}
