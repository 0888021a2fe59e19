import ArgumentParser
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
#if canImport(Glibc)
import Glibc
#endif

struct OperatorKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator-key",
        abstract: "Print the checkpoint verifier key in C2SP signed-note form (name+hash+base64).",
        discussion: """
        The name is the ledger's origin; checkpoints are signed notes under that name with the operator's Ed25519 key.

        Example:
          ledger operator-key > operator.vkey
        """
    )

    @OptionGroup var options: DataOptions

    func run() throws {
        let registry = try Ledger.replayRegistry(layout: options.layout, trustAnchor: nil)
        print(try NoteVerifierKey(name: registry.origin, publicKey: registry.operatorKey))
    }
}

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint (a C2SP tlog-checkpoint signed note).",
        discussion: """
        A checkpoint is written after every append made with the operator key available (DIR/operator.key).

        Example:
          ledger checkpoint > checkpoint-$(date +%F).txt
        """
    )

    @OptionGroup var options: DataOptions

    func run() throws {
        guard let note = try CheckpointFiles.latest(in: options.layout) else {
            throw CommandFailure(status: Status.usage, "no checkpoint in \(options.directory) yet")
        }
        print(note, terminator: "")
    }
}

struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "RFC 9162 inclusion and consistency proofs from the stored Merkle tree.",
        subcommands: [ProveInclusionCommand.self, ProveConsistencyCommand.self]
    )
}

struct ProveInclusionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inclusion",
        abstract: "The inclusion proof of an entry (default: in the tree of the latest checkpoint).",
        discussion: """
        Example:
          ledger prove inclusion 5 --json
        """
    )

    @OptionGroup var options: DataOptions
    @Argument(help: "The entry's sequence number (its leaf index).") var seq: UInt64
    @Option(help: "The tree size to prove against.") var size: UInt64?
    @Flag(help: "Print JSON (hashes in base64).") var json = false

    func run() throws {
        let proof = try Proofs.inclusion(layout: options.layout, seq: seq, size: size)
        if json { print(proof.prettyString); return }
        print("entry \(seq) in the tree of \(proof["treeSize"]?.integerValue ?? 0) entries, root \(proof["rootHash"]?.stringValue ?? "")")
        for hash in proof["inclusionProof"]?.arrayValue ?? [] { print("  \(hash.stringValue ?? "")") }
    }
}

struct ProveConsistencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consistency",
        abstract: "The consistency proof that the tree of OLD entries is a prefix of the tree of NEW entries.",
        discussion: """
        Example:
          ledger prove consistency 10 25 --json
        """
    )

    @OptionGroup var options: DataOptions
    @Argument(help: "The older tree size.") var old: UInt64
    @Argument(help: "The newer tree size.") var new: UInt64
    @Flag(help: "Print JSON (hashes in base64).") var json = false

    func run() throws {
        let proof = try Proofs.consistency(layout: options.layout, old: old, new: new)
        if json { print(proof.prettyString); return }
        print("tree \(old) (root \(proof["firstRoot"]?.stringValue ?? "")) ⊑ tree \(new) (root \(proof["secondRoot"]?.stringValue ?? ""))")
        for hash in proof["consistencyProof"]?.arrayValue ?? [] { print("  \(hash.stringValue ?? "")") }
    }
}

struct ReceiptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract: "A self-contained receipt for an entry: its bytes, the latest signed checkpoint and the inclusion proof.",
        discussion: """
        Example:
          ledger receipt 11 > r.json && ledger verify-receipt r.json --operator-key ledger-data/operator.key.pub
        """
    )

    @OptionGroup var options: DataOptions
    @Argument(help: "The entry's sequence number.") var seq: UInt64

    func run() throws {
        print(try Proofs.receipt(layout: options.layout, seq: seq).prettyString)
    }
}

struct VerifyReceiptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-receipt",
        abstract: "Check a receipt with nothing but the operator's public key (no ledger needed).",
        discussion: """
        Checks the checkpoint's Ed25519 signature, the entry's hash, and the inclusion proof of the entry's leaf \
        in the checkpoint's tree. Exit 0 valid, 1 invalid (naming what broke), 2 usage.

        Example:
          ledger verify-receipt r.json --operator-key operator.key.pub
        """
    )

    @Argument(help: "The receipt (JSON).") var file: String
    @OptionGroup var operatorKey: OperatorPublicKeyOption

    func run() throws {
        let json: JSONValue
        do { json = try JSONValue.parse(try readInputFile(file)) } catch let error as JSONError {
            throw CommandFailure(status: Status.integrity, "\(file): \(error)")
        }
        let verifier = try operatorKey.key().verifier(origin: json["origin"]?.stringValue ?? "")
        do {
            let verified = try Proofs.verifyReceipt(json, verifier: verifier)
            print("ok: entry \(verified.entry.seq) (\(verified.entry.submission.bodyType) by \(verified.entry.submission.signer)) is in \(verified.checkpoint.origin) at tree size \(verified.checkpoint.size)")
        } catch let error as InputError {
            throw CommandFailure(status: Status.integrity, "receipt \(file) is not valid: \(error)")
        }
    }
}
