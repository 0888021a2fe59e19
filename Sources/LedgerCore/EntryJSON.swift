import LedgerCrypto
import LedgerFormat
import LedgerStore

extension AppendedEntry {
    /// The entry as JSON for `show` and `log --json`: every field, the body parsed, binary fields in hex/base64.
    public var json: JSONValue {
        let submission = entry.submission
        let body = (try? JSONValue.parse(submission.body)) ?? .string(Base64.encode(submission.body))
        return .object([
            "seq": .integer(Int64(entry.seq)),
            "hash": .string(Hex.encode(hash)),
            "prevHash": .string(Hex.encode(entry.prevHash)),
            "appendedAt": .string(Timestamp.iso8601(entry.appendedAt)),
            "appendedAtMs": .integer(entry.appendedAt),
            "signer": .string(submission.signer),
            "keyID": .string(submission.keyID),
            "algorithm": .string(submission.algorithm.rawValue),
            "signedAt": .string(Timestamp.iso8601(submission.signedAt)),
            "type": .string(submission.bodyType),
            "version": .integer(Int64(submission.bodyVersion)),
            "body": body,
            "signature": .string(Base64.encode(entry.signature)),
        ])
    }

    /// One line for `ledger log`: seq, time, type, signer, short hash.
    public var summaryLine: String {
        let submission = entry.submission
        return "\(entry.seq)\t\(Timestamp.iso8601(entry.appendedAt))\t\(submission.bodyType)\t\(submission.signer)\t\(Hex.encode(hash.prefix(8)))"
    }
}
