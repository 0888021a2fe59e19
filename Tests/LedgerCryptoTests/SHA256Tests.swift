import LedgerCrypto
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    static let vectors = VectorFile.shared.sha256

    @Test("the vector file holds every published vector")
    func vectorFileIsComplete() {
        let file = VectorFile.shared
        #expect(file.sha256.count == 5)
        #expect(file.ed25519.count == 5)
        #expect(file.p256Verify.count == 32)
        #expect(file.p256VerifyRaw.count == 8)
        #expect(file.sha256.contains { $0.repeatCount == 1_000_000 })
        #expect(file.p256Verify.contains { $0.valid } && file.p256Verify.contains { !$0.valid })
        #expect(file.p256VerifyRaw.contains { $0.valid } && file.p256VerifyRaw.contains { !$0.valid })
    }

    @Test("one-shot hash matches the FIPS 180 vector", arguments: VectorFile.shared.sha256)
    func oneShot(_ vector: VectorFile.SHA256Vector) {
        let message = vector.message
        #expect(Hex.encode(SHA256.hash(message)) == vector.digestHex)
        #expect(Hex.encode(message.withUnsafeBytes { SHA256.hash($0) }) == vector.digestHex)
        #expect(Hex.encode(SHA256.hash(message[...])) == vector.digestHex)
    }

    @Test("streaming in uneven chunks matches the FIPS 180 vector", arguments: VectorFile.shared.sha256)
    func streamingUnevenChunks(_ vector: VectorFile.SHA256Vector) {
        let message = vector.message
        let chunkSizes = [1, 3, 63, 64, 65, 127, 1000, 0, 7, 4099]
        let hasher = SHA256()
        var index = 0
        var chunk = 0
        var updates = 0
        while index < message.count {
            let size = min(chunkSizes[chunk % chunkSizes.count], message.count - index)
            if chunk % 2 == 0 {
                hasher.update(message[index..<index + size])
            } else {
                message.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[index..<index + size])) }
            }
            index += size
            chunk += 1
            updates += 1
        }
        #expect(Hex.encode(hasher.finalize()) == vector.digestHex)
        if message.count > 200 { #expect(updates > 3) }
    }

    @Test("the million-'a' vector from a non-contiguous collection and from 1000-byte blocks")
    func millionA() throws {
        let vector = try #require(Self.vectors.first { $0.repeatCount == 1_000_000 })
        #expect(Hex.encode(SHA256.hash(repeatElement(UInt8(ascii: "a"), count: 1_000_000))) == vector.digestHex)
        let hasher = SHA256()
        let block = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(block) }
        #expect(Hex.encode(hasher.finalize()) == vector.digestHex)
    }

    @Test("hash(parts:) equals the hash of the concatenation, including empty parts", arguments: VectorFile.shared.sha256)
    func parts(_ vector: VectorFile.SHA256Vector) {
        let message = vector.message
        let cuts = [0, 0, 1, message.count / 3, message.count / 2, message.count].map { min($0, message.count) }
        var parts: [[UInt8]] = []
        for (start, end) in zip(cuts, cuts.dropFirst()) { parts.append(Array(message[start..<end])) }
        parts.append([])
        #expect(Hex.encode(SHA256.hash(parts: parts)) == vector.digestHex)
        #expect(Hex.encode(SHA256.hash(parts: [message])) == vector.digestHex)
    }

    @Test("hash(parts:) of nothing is the empty-message digest")
    func partsOfNothing() {
        #expect(Hex.encode(SHA256.hash(parts: [])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(SHA256.hash(parts: [[], []])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("a hasher is reusable after finalize, and reset discards what was fed")
    func reuse() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        let hasher = SHA256()
        hasher.update(Array("abc".utf8))
        #expect(Hex.encode(hasher.finalize()) == abc)
        hasher.update(Array("abc".utf8))
        #expect(Hex.encode(hasher.finalize()) == abc)
        #expect(Hex.encode(hasher.finalize()) == empty)
        hasher.update(Array("garbage".utf8))
        hasher.reset()
        hasher.update(Array("a".utf8))
        hasher.update(Array("bc".utf8))
        #expect(Hex.encode(hasher.finalize()) == abc)
        #expect(SHA256.byteCount == 32)
    }

    @Test("one-shot hashing in the middle of a stream does not disturb the stream")
    func oneShotDoesNotDisturbStreams() {
        let hasher = SHA256()
        hasher.update(Array("ab".utf8))
        #expect(Hex.encode(SHA256.hash(Array("xyz".utf8))) != Hex.encode(SHA256.hash(Array("abc".utf8))))
        _ = SHA256.hash(parts: [Array("noise".utf8)])
        hasher.update(Array("c".utf8))
        #expect(Hex.encode(hasher.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("one-shot hashing is correct from many threads at once")
    func concurrentOneShot() async {
        let expected = Self.vectors.filter { $0.repeatCount == 1 }.map { ($0.message, $0.digestHex) }
        let results = await withTaskGroup(of: Bool.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var ok = true
                    for round in 0..<200 {
                        let (message, digest) = expected[(task + round) % expected.count]
                        ok = ok && Hex.encode(SHA256.hash(message)) == digest
                    }
                    return ok
                }
            }
            var all: [Bool] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(expected.count == 4)
        #expect(results.count == 16)
        #expect(results.allSatisfy { $0 })
    }
}
