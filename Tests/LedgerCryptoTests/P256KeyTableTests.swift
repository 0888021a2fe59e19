import Foundation
import LedgerCrypto
import Testing

/// Project Wycheproof's ECDSA P-256 / SHA-256 cases in P1363 form (`r ‖ s`), one group per public key.
struct WycheproofP1363: Decodable, Sendable {
    struct Group: Decodable, Sendable, CustomTestStringConvertible {
        struct Key: Decodable, Sendable { var uncompressed: String }
        struct Case: Decodable, Sendable {
            var tcId: Int
            var comment: String
            var msg: String
            var sig: String
            var result: String
        }
        var publicKey: Key
        var tests: [Case]
        var testDescription: String { "key \(publicKey.uncompressed.prefix(18))…, cases \(tests.map(\.tcId))" }
    }
    var numberOfTests: Int
    var testGroups: [Group]

    static let shared: Result<WycheproofP1363, Failure> = {
        do {
            guard let url = Bundle.module.url(forResource: "ecdsa_secp256r1_sha256_p1363_test", withExtension: "json",
                                              subdirectory: "Resources/wycheproof") else {
                return .failure(Failure(reason: "Resources/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json is not in the test bundle"))
            }
            return .success(try JSONDecoder().decode(WycheproofP1363.self, from: Data(contentsOf: url)))
        } catch {
            return .failure(Failure(reason: "the Wycheproof file does not load: \(error)"))
        }
    }()

    struct Failure: Error { var reason: String }

    static var groups: [Group] { (try? shared.get().testGroups) ?? [] }
}

private func digest(_ message: [UInt8]) -> Digest32 { message.withUnsafeBytes { SHA256.digest($0) } }

/// The order n of P-256's group, big-endian.
private let order = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")

@Suite("P-256 key tables")
struct P256KeyTableTests {
    @Test("all 262 Wycheproof P1363 cases load (a missing file fails here, not silently)")
    func wycheproofLoads() throws {
        let file = try WycheproofP1363.shared.get()
        #expect(file.testGroups.flatMap(\.tests).count == 262)
        #expect(file.numberOfTests == 262)
    }

    @Test("every Wycheproof case: the table, a checker using the table and OpenSSL's one-shot verify agree with the expected result",
          arguments: WycheproofP1363.groups)
    func wycheproof(_ group: WycheproofP1363.Group) throws {
        let key = try PublicKey(p256Uncompressed: hex(group.publicKey.uncompressed))
        let table = try #require(P256KeyTable(key))
        let checker = SignatureChecker(keyTableThreshold: 0)
        for test in group.tests {
            let message = hex(test.msg), signature = hex(test.sig)
            let valid = test.result == "valid"
            // The table alone (no one-shot re-check behind it): a false accept or a false reject shows here.
            if signature.count == 64 {
                #expect(table.verdict(signature, digest: digest(message)) == valid, "case \(test.tcId): \(test.comment)")
            } else {
                #expect(table.verdict(signature, digest: digest(message)) == false, "case \(test.tcId): \(test.comment)")
            }
            #expect(checker.isValid(signature, for: message, by: key) == valid, "case \(test.tcId): \(test.comment)")
            #expect(key.isValidSignature(signature, for: message) == valid, "case \(test.tcId): \(test.comment)")
        }
        // The checker counts only 64-byte signatures (the others are refused before any key work).
        #expect(checker.keyTablesBuilt == (group.tests.contains { hex($0.sig).count == 64 } ? 1 : 0))
    }

    @Test("the table agrees with OpenSSL on good signatures and on every kind of altered one")
    func agreesWithOpenSSL() throws {
        for _ in 0..<3 {
            let signer = try PrivateKey.generate(.p256)
            let key = signer.publicKey
            let other = try PrivateKey.generate(.p256).publicKey
            let table = try #require(P256KeyTable(key))
            let otherTable = try #require(P256KeyTable(other))
            for round in 0..<40 {
                let message = (0..<(round * 7 % 300)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ round) }
                let signature = try signer.signature(for: message)
                #expect(table.verdict(signature, digest: digest(message)) == true)
                #expect(otherTable.verdict(signature, digest: digest(message)) == false)
                // (r, n − s) is the same signature's other valid form: ECDSA accepts both, and so must the table.
                let negated = Array(signature[0..<32]) + subtract(order, Array(signature[32..<64]))
                #expect(table.verdict(negated, digest: digest(message)) == key.isValidSignature(negated, for: message))
                #expect(table.verdict(negated, digest: digest(message)) == true)
                var variants: [([UInt8], [UInt8])] = [(signature, message + [0])]
                for index in [0, 13, 31, 32, 45, 63] {
                    var flipped = signature
                    flipped[index] ^= UInt8(1 << (round % 8))
                    variants.append((flipped, message))
                }
                variants.append((Array(repeating: 0, count: 32) + signature[32...], message))
                variants.append((Array(signature[..<32]) + Array(repeating: 0, count: 32), message))
                variants.append((order + signature[32...], message))
                variants.append((Array(signature[..<32]) + order, message))
                variants.append((Array(repeating: 0xff, count: 64), message))
                variants.append((Array(signature[32...]) + signature[..<32], message))
                for (altered, text) in variants {
                    #expect(table.verdict(altered, digest: digest(text)) == false)
                    #expect(key.isValidSignature(altered, for: text) == false)
                }
            }
        }
    }

    @Test("a checker builds a key's table at its threshold, and its verdicts are the same before and after")
    func checkerThreshold() throws {
        let signer = try PrivateKey.generate(.p256)
        let key = signer.publicKey
        let checker = SignatureChecker(keyTableThreshold: 5)
        let ed = try PrivateKey.generate(.ed25519)
        for round in 0..<12 {
            let message = Array("entry \(round)".utf8)
            let signature = try signer.signature(for: message)
            #expect(checker.isValid(signature, for: message, by: key))
            var bad = signature
            bad[40] ^= 0x10
            #expect(!checker.isValid(bad, for: message, by: key))
            #expect(checker.isValid(try ed.signature(for: message), for: message, by: ed.publicKey))
            // Five uses (good and bad signatures alike) earn the table; Ed25519 keys never get one.
            #expect(checker.keyTablesBuilt == (round >= 2 ? 1 : 0), "after round \(round)")
        }
        let never = SignatureChecker(keyTableThreshold: .max)
        for round in 0..<20 {
            let message = [UInt8(round)]
            #expect(never.isValid(try signer.signature(for: message), for: message, by: key))
        }
        #expect(never.keyTablesBuilt == 0)
    }

    @Test("no table for an Ed25519 key; a wrong-sized signature is refused")
    func refusals() throws {
        #expect(P256KeyTable(try PrivateKey.generate(.ed25519).publicKey) == nil)
        let signer = try PrivateKey.generate(.p256)
        let table = try #require(P256KeyTable(signer.publicKey))
        let signature = try signer.signature(for: [1])
        #expect(table.verdict(signature, digest: digest([1])) == true)
        #expect(table.verdict(Array(signature.dropLast()), digest: digest([1])) == false)
        #expect(table.verdict(signature + [0], digest: digest([1])) == false)
        #expect(table.verdict([], digest: digest([1])) == false)
    }
}

/// a − b for 32-byte big-endian numbers with a ≥ b.
private func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
    var result = [UInt8](repeating: 0, count: 32)
    var borrow = 0
    for index in stride(from: 31, through: 0, by: -1) {
        var value = Int(a[index]) - Int(b[index]) - borrow
        borrow = value < 0 ? 1 : 0
        if value < 0 { value += 256 }
        result[index] = UInt8(value)
    }
    return result
}
