import Foundation
import LedgerCore
import LedgerCrypto
import Testing

/// The permission bits of `path`.
func permissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? Int)
}

func setPermissions(_ path: String, _ mode: Int) throws {
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
}

/// Checks that `error`'s text shows no part of the PEM file `pem`: no line of it, no run of 12 base64 characters.
func expectNoKeyMaterial(in error: (any Error)?, pem: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let text = error.map { "\($0)" } ?? ""
    #expect(!text.isEmpty, sourceLocation: sourceLocation)
    #expect(!text.contains("-----BEGIN"), "\(text)", sourceLocation: sourceLocation)
    let base64 = Array(pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined())
    #expect(base64.count > 24, sourceLocation: sourceLocation)
    for start in stride(from: 0, to: base64.count - 12, by: 3) {
        let window = String(base64[start..<start + 12])
        guard !text.contains(window) else {
            Issue.record("error text contains key file text \(window): \(text)", sourceLocation: sourceLocation)
            return
        }
    }
}

@Suite("KeyFiles: private and public key files")
struct KeyFilesTests {
    @Test("a written private key has mode 0600, its public key 0644, and both read back",
          arguments: SignatureAlgorithm.allCases)
    func writeAndRead(algorithm: SignatureAlgorithm) throws {
        try withTemporaryDirectory { directory in
            let key = try PrivateKey.generate(algorithm)
            let path = directory + "/partner.key"
            try KeyFiles.write(key, to: path)
            #expect(try permissions(path) == 0o600)
            #expect(try permissions(path + ".pub") == 0o644)
            let read = try KeyFiles.readPrivateKey(path)
            #expect(read.algorithm == algorithm)
            #expect(read.publicKey == key.publicKey)
            #expect(try KeyFiles.readPublicKey(path + ".pub") == key.publicKey)
            let message = Array("custody".utf8)
            #expect(key.publicKey.isValidSignature(try read.signature(for: message), for: message))
        }
    }

    @Test("a private key that group or others can read is refused as too open", arguments: [0o644, 0o640, 0o604, 0o660, 0o601])
    func tooOpen(mode: Int) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/operator.key"
            try KeyFiles.write(try PrivateKey.generate(.ed25519), to: path)
            try setPermissions(path, mode)
            let error = #expect(throws: KeyFileError.self) { try KeyFiles.readPrivateKey(path) }
            #expect(error?.path == path)
            #expect(error?.reason.contains("too open") == true)
            #expect(error?.reason.contains(String(mode, radix: 8)) == true)
            try setPermissions(path, 0o400)
            #expect(throws: Never.self) { try KeyFiles.readPrivateKey(path) }
        }
    }

    @Test("writing over an existing key or public key file is refused and changes nothing")
    func noOverwrite() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/operator.key"
            let first = try PrivateKey.generate(.ed25519)
            try KeyFiles.write(first, to: path)
            let before = try Disk.snapshot(directory)
            let error = #expect(throws: KeyFileError.self) { try KeyFiles.write(try PrivateKey.generate(.ed25519), to: path) }
            #expect(error?.path == path)
            #expect(error?.reason.contains("already exists") == true)
            #expect(try Disk.snapshot(directory) == before)
            #expect(try KeyFiles.readPrivateKey(path).publicKey == first.publicKey)

            // Only the public half is in the way: the private key must not be written either.
            let other = directory + "/other.key"
            try Disk.write(other + ".pub", Array("keep me".utf8))
            let blocked = #expect(throws: KeyFileError.self) { try KeyFiles.write(try PrivateKey.generate(.p256), to: other) }
            #expect(blocked?.path == other + ".pub")
            #expect(!Disk.exists(other))
            #expect(try Disk.read(other + ".pub") == Array("keep me".utf8))
        }
    }

    @Test("a bad private key file gives an error that never shows the file's PEM text", arguments: SignatureAlgorithm.allCases)
    func badPrivateKeyHidesPEM(algorithm: SignatureAlgorithm) throws {
        try withTemporaryDirectory { directory in
            let pem = try PrivateKey.generate(algorithm).pemPKCS8()
            var lines = pem.split(separator: "\n").map(String.init)
            lines[1] = String(lines[1].reversed())  // damage the DER inside
            let damaged = lines.joined(separator: "\n") + "\n"
            var cut = Array(lines.dropLast())  // no END line, and the last base64 line cut in half
            cut[cut.count - 1] = String(cut[cut.count - 1].prefix(cut[cut.count - 1].count / 2))
            let truncated = cut.joined(separator: "\n") + "\n"
            for (name, text) in [("damaged.key", damaged), ("truncated.key", truncated)] {
                let path = directory + "/" + name
                try Disk.write(path, Array(text.utf8))
                try setPermissions(path, 0o600)
                let error = #expect(throws: KeyFileError.self) { try KeyFiles.readPrivateKey(path) }
                #expect(error?.reason.contains("not a PEM Ed25519 or P-256 private key") == true)
                expectNoKeyMaterial(in: error, pem: text)
            }
        }
    }

    @Test("reading a private key file as a public key gives an error that never shows the private key")
    func privateKeyAsPublicKeyHidesPEM() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/operator.key"
            let key = try PrivateKey.generate(.ed25519)
            try KeyFiles.write(key, to: path)
            let error = #expect(throws: KeyFileError.self) { try KeyFiles.readPublicKey(path) }
            expectNoKeyMaterial(in: error, pem: try key.pemPKCS8())

            // And the other way round: a public key where a private key belongs.
            try setPermissions(path + ".pub", 0o600)
            let swapped = #expect(throws: KeyFileError.self) { try KeyFiles.readPrivateKey(path + ".pub") }
            expectNoKeyMaterial(in: swapped, pem: key.publicKey.pem)
        }
    }
}

@Suite("OperatorKey: the operator's public key as a checker gives it")
struct OperatorKeyTests {
    @Test("a readable file is a PEM public key, anything else a verifier key; both give the same checkpoint verifier")
    func read() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/operator-key-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = try PrivateKey.generate(.ed25519)
        try KeyFiles.write(key, to: directory + "/operator.key")
        let fromFile = try OperatorKey.read(directory + "/operator.key.pub")
        #expect(fromFile.publicKey.rawRepresentation == key.publicKey.rawRepresentation)
        let verifier = try fromFile.verifier(origin: "example.org/log")
        let fromText = try OperatorKey.read(verifier.description)
        #expect(try fromText.verifier(origin: "ignored: the verifier key names itself").description == verifier.description)
        #expect(fromText.publicKey.rawRepresentation == key.publicKey.rawRepresentation)
        // Neither a readable file nor a verifier key.
        #expect(throws: (any Error).self) { try OperatorKey.read(directory + "/missing.pub") }
    }
}
