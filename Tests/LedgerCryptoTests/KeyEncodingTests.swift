import LedgerCrypto
import Testing

@Suite("Key encodings, refusals and identifiers")
struct KeyEncodingTests {
    static let onlyOursPrivate = CryptoError("use the private key", reason: "only Ed25519 and ECDSA P-256 keys are accepted")
    static let onlyOursPublic = CryptoError("use the public key", reason: "only Ed25519 and ECDSA P-256 keys are accepted")

    @Test("PKCS#8 private PEM → parse → the same public key, and it still signs", arguments: SignatureAlgorithm.allCases)
    func privatePEMRoundTrip(_ algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let pem = try key.pemPKCS8()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(pem.hasSuffix("-----END PRIVATE KEY-----\n"))
        let parsed = try PrivateKey(pem: pem)
        #expect(parsed.algorithm == algorithm)
        #expect(parsed.publicKey == key.publicKey)
        #expect(try parsed.pemPKCS8() == pem)
        let message = Array("round trip".utf8)
        #expect(key.publicKey.isValidSignature(try parsed.signature(for: message), for: message))
    }

    @Test("SPKI public PEM → parse → equal key", arguments: SignatureAlgorithm.allCases)
    func publicPEMRoundTrip(_ algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm).publicKey
        let pem = key.pem
        #expect(pem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(pem.hasSuffix("-----END PUBLIC KEY-----\n"))
        let parsed = try PublicKey(pem: pem)
        #expect(parsed == key)
        #expect(parsed.algorithm == algorithm)
        #expect(parsed.spkiDER == key.spkiDER)
        #expect(parsed.hashValue == key.hashValue)
        #expect(try PublicKey(spkiDER: key.spkiDER) == key)
    }

    @Test("keys written by the openssl tool are read, including the traditional EC form")
    func opensslInterop() throws {
        let keys = try OpenSSLKeys.shared.get()
        let ed = try PrivateKey(pem: keys.ed25519PrivatePEM)
        #expect(ed.algorithm == .ed25519)
        #expect(ed.publicKey == (try PublicKey(pem: keys.ed25519PublicPEM)))
        #expect(keys.p256TraditionalPEM.contains("BEGIN EC PRIVATE KEY"))
        let p256 = try PrivateKey(pem: keys.p256TraditionalPEM)
        #expect(p256.algorithm == .p256)
        #expect(p256.publicKey == (try PublicKey(pem: keys.p256PublicPEM)))
    }

    @Test("an encrypted private key is refused without asking for a passphrase")
    func encryptedPEM() throws {
        let keys = try OpenSSLKeys.shared.get()
        #expect(keys.ed25519EncryptedPEM.contains("BEGIN ENCRYPTED PRIVATE KEY"))
        let error = try #require(thrownError { try PrivateKey(pem: keys.ed25519EncryptedPEM) } as? CryptoError)
        #expect(error.operation == "parse a PEM private key")
    }

    @Test("an RSA key is refused")
    func rsaRefused() throws {
        let keys = try OpenSSLKeys.shared.get()
        #expect(throws: Self.onlyOursPrivate) { try PrivateKey(pem: keys.rsaPrivatePEM) }
        #expect(throws: Self.onlyOursPublic) { try PublicKey(pem: keys.rsaPublicPEM) }
    }

    @Test("a secp384r1 key is refused")
    func secp384Refused() throws {
        let keys = try OpenSSLKeys.shared.get()
        #expect(keys.secp384PrivatePEM.contains("BEGIN PRIVATE KEY"))
        #expect(throws: Self.onlyOursPrivate) { try PrivateKey(pem: keys.secp384PrivatePEM) }
        #expect(throws: Self.onlyOursPublic) { try PublicKey(pem: keys.secp384PublicPEM) }
    }

    @Test("garbage PEM is refused with OpenSSL's reason", arguments: [
        "",
        "not a key",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n",
    ])
    func garbagePEM(_ text: String) throws {
        let privateError = try #require(thrownError { try PrivateKey(pem: text) } as? CryptoError)
        #expect(privateError.operation == "parse a PEM private key")
        #expect(!privateError.reason.isEmpty)
        #expect(privateError.description.hasPrefix("cannot parse a PEM private key: "))
        let publicError = try #require(thrownError { try PublicKey(pem: text) } as? CryptoError)
        #expect(publicError.operation == "parse a PEM public key" || publicError.operation == "parse a DER public key (SubjectPublicKeyInfo)")
    }

    @Test("a public PEM is not a private key, and a private PEM is not a public key")
    func wrongPEMKind() throws {
        let key = try PrivateKey.generate(.ed25519)
        #expect((thrownError { try PrivateKey(pem: key.publicKey.pem) } as? CryptoError)?.operation == "parse a PEM private key")
        #expect((thrownError { try PublicKey(pem: try key.pemPKCS8()) } as? CryptoError)?.operation == "parse a PEM public key")
    }

    @Test("SPKI DER with trailing bytes, truncated or empty is refused")
    func badSPKI() throws {
        let der = try PrivateKey.generate(.ed25519).publicKey.spkiDER
        for bad in [der + [0], Array(der.dropLast()), [], [0x30, 0x00]] {
            let error = try #require(thrownError { try PublicKey(spkiDER: bad) } as? CryptoError, "\(Hex.encode(bad))")
            #expect(error.operation == "parse a DER public key (SubjectPublicKeyInfo)")
        }
    }

    static let notCanonical = CryptoError("use the public key", reason: "its SubjectPublicKeyInfo is not canonical DER (P-256 points must be uncompressed)")

    @Test("a compressed P-256 point is refused, so a key has one SPKI and one key id")
    func compressedPointRefused() throws {
        // `openssl ec -pubout -conv_form compressed` of a key whose uncompressed SPKI follows.
        let compressed = hex("3039301306072a8648ce3d020106082a8648ce3d03010703220003174a45504c73acf288b26e39bc3329b3af5ae49ce0ebcba10f54cb86b2730cbb")
        let uncompressed = hex("3059301306072a8648ce3d020106082a8648ce3d03010703420004174a45504c73acf288b26e39bc3329b3af5ae49ce0ebcba10f54cb86b2730cbb"
            + "9469718d0a54f4c4768480a66e72ccfa778e67554dbfbdf3f0fa186f71c31dfd")
        #expect(throws: Self.notCanonical) { try PublicKey(spkiDER: compressed) }
        let key = try PublicKey(spkiDER: uncompressed)
        #expect(key.rawRepresentation == Array(uncompressed.suffix(65)))
        let pem = "-----BEGIN PUBLIC KEY-----\n\(Base64.encode(compressed))\n-----END PUBLIC KEY-----\n"
        #expect(throws: Self.notCanonical) { try PublicKey(pem: pem) }
    }

    @Test("a BER-encoded SPKI (long-form length) is refused", arguments: SignatureAlgorithm.allCases)
    func berRefused(_ algorithm: SignatureAlgorithm) throws {
        let der = try PrivateKey.generate(algorithm).publicKey.spkiDER
        #expect(der[1] < 0x80)
        let longForm = [0x30, 0x81] + der.dropFirst(1)
        #expect(throws: Self.notCanonical) { try PublicKey(spkiDER: longForm) }
    }

    @Test("keyID is 16 lowercase hex digits: the first 8 bytes of SHA-256(SPKI DER)", arguments: SignatureAlgorithm.allCases)
    func keyIDDerivation(_ algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm).publicKey
        #expect(key.keyID.count == 16)
        #expect(key.keyID.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(key.keyID == Hex.encode(SHA256.hash(key.spkiDER).prefix(8)))
        #expect(key.description == "\(algorithm.rawValue) key \(key.keyID)")
    }

    @Test("keyID of published keys, computed independently (Python hashlib)")
    func keyIDKnownAnswers() throws {
        // RFC 8032 TEST 1 public key.
        let ed = try PublicKey(ed25519Raw: hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
        #expect(ed.keyID == "06e3fd8fda29bb60")
        // The Wycheproof ecdsa_secp256r1_sha256 test key.
        let point = try #require(VectorFile.shared.p256Verify.first?.publicKeyUncompressedHex)
        let p256 = try PublicKey(p256Uncompressed: hex(point))
        #expect(p256.keyID == "0959b8a32ced68a7")
        #expect(p256.spkiDER.count == 91)
        #expect(Hex.encode(p256.rawRepresentation) == point)
    }

    @Test("a private key's description and reflection never show key material", arguments: SignatureAlgorithm.allCases)
    func privateKeyDescription(_ algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let pem = try key.pemPKCS8()
        let base64Lines = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }
        #expect(!base64Lines.isEmpty)
        var dumped = ""
        dump(key, to: &dumped)
        for text in [key.description, "\(key)", String(reflecting: key), dumped] {
            #expect(!text.contains("BEGIN"))
            #expect(!text.contains("PRIVATE KEY"))
            for line in base64Lines { #expect(!text.contains(line)) }
        }
        #expect(key.description == "\(algorithm.rawValue) private key for \(key.publicKey.keyID) (material not shown)")
    }

    @Test("a seeded key's description does not contain its seed")
    func seedNotShown() throws {
        let seed = Array(UInt8(0x00)...UInt8(0x1f))
        let key = try PrivateKey(ed25519Seed: seed)
        var dumped = ""
        dump(key, to: &dumped)
        for text in [key.description, String(reflecting: key), dumped] {
            #expect(!text.contains(Hex.encode(seed)))
            #expect(!text.contains(Base64.encode(seed)))
        }
    }

    @Test("CryptoError reads as a sentence")
    func cryptoErrorDescription() {
        let error = CryptoError("use an Ed25519 seed", reason: "it must be 32 bytes, not 3")
        #expect(error.description == "cannot use an Ed25519 seed: it must be 32 bytes, not 3")
        #expect(error.operation == "use an Ed25519 seed")
    }

    @Test("algorithms declare 64-byte signatures")
    func algorithmProperties() {
        #expect(SignatureAlgorithm.allCases == [.ed25519, .p256])
        #expect(SignatureAlgorithm.allCases.allSatisfy { $0.signatureByteCount == 64 })
        #expect(SignatureAlgorithm(rawValue: "ed25519") == .ed25519)
        #expect(SignatureAlgorithm(rawValue: "p256") == .p256)
        #expect(SignatureAlgorithm(rawValue: "rsa") == nil)
    }
}
