import LedgerCrypto
import Testing

@Suite("Digest32: inline SHA-256 digests")
struct Digest32Tests {
    /// Inputs of lengths 0…299 (every SHA-256 block boundary up to 4 blocks and beyond), deterministic.
    static let inputs: [[UInt8]] = {
        let noise = pseudoRandomBytes(300 * 300, seed: 32)
        return (0..<300).map { length in Array(noise[length * 300..<length * 300 + length]) }
    }()

    @Test("the non-allocating SHA-256 entry points give the same bytes as the [UInt8] ones")
    func sameAsArrayHashes() {
        for (index, input) in Self.inputs.enumerated() {
            let other = Self.inputs[(index * 7 + 3) % Self.inputs.count]
            input.withUnsafeBytes { bytes in
                other.withUnsafeBytes { second in
                    #expect(SHA256.digest(bytes).bytes == SHA256.hash(input))
                    #expect(SHA256.digest(prefix: 0x00, bytes).bytes == SHA256.hash(prefix: 0x00, input))
                    #expect(SHA256.digest(bytes, second).bytes == SHA256.hash(parts: [input, other]))
                    #expect(SHA256.digest(prefix: 0x01, bytes, second).bytes == SHA256.hash(prefix: 0x01, input, other))
                }
            }
            let left = SHA256.hash(input), right = SHA256.hash(other)
            let node = SHA256.digest(prefix: 0x01, Digest32(bytes: left)!, Digest32(bytes: right)!)
            #expect(node.bytes == SHA256.hash(prefix: 0x01, left, right))
            let hasher = SHA256()
            hasher.update(input)
            #expect(hasher.finalizeDigest().bytes == SHA256.hash(input))
            hasher.update(other)
            #expect(hasher.finalize() == SHA256.hash(other), "finalizeDigest resets the hasher like finalize")
        }
    }

    @Test("the FIPS 180 vectors through the digest entry point", arguments: VectorFile.shared.sha256)
    func vectors(_ vector: VectorFile.SHA256Vector) {
        let digest = vector.message.withUnsafeBytes { SHA256.digest($0) }
        #expect(digest.hex == vector.digestHex)
        #expect(Hex.encode(digest) == vector.digestHex)
        #expect(digest.description == vector.digestHex)
    }

    @Test("bytes in, the same bytes out: init(bytes:), init(buffer), withUnsafeBytes, hex")
    func roundTrip() {
        for input in Self.inputs {
            let bytes = SHA256.hash(input)
            let digest = Digest32(bytes: bytes)!
            #expect(digest.bytes == bytes)
            #expect(digest.withUnsafeBytes { Array($0) } == bytes)
            #expect(bytes.withUnsafeBytes { Digest32($0) } == digest)
            #expect(digest.hex == Hex.encode(bytes))
            #expect(digest.matches(bytes))
        }
        #expect(Digest32.zero.bytes == [UInt8](repeating: 0, count: 32))
        #expect(Digest32.zero.hex == String(repeating: "0", count: 64))
    }

    @Test("only exactly 32 bytes make a digest")
    func wrongLengths() {
        for count in [0, 1, 31, 33, 64] {
            let bytes = [UInt8](repeating: 7, count: count)
            #expect(Digest32(bytes: bytes) == nil)
            #expect(!Digest32.zero.matches(bytes))
        }
    }

    @Test("equal exactly when every byte is equal, whichever byte differs")
    func equality() {
        let base = SHA256.hash(Self.inputs[40])
        let digest = Digest32(bytes: base)!
        #expect(digest == Digest32(bytes: base)!)
        var seen: Set<Digest32> = [digest]
        for position in 0..<32 {
            for bit in [0, 7] {
                var changed = base
                changed[position] ^= UInt8(1 << bit)
                let other = Digest32(bytes: changed)!
                #expect(other != digest, "byte \(position) bit \(bit)")
                #expect(!digest.matches(changed))
                #expect(other.bytes == changed)
                seen.insert(other)
            }
        }
        #expect(seen.count == 65, "every variant hashes as its own value")
        // Every input's digest differs from every other's.
        #expect(Set(Self.inputs.map { input in input.withUnsafeBytes { SHA256.digest($0) } }).count == Self.inputs.count)
    }
}
