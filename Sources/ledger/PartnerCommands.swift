import ArgumentParser
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore

struct PartnerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner",
        abstract: "Register trading partners and manage their keys (operator-signed registry entries).",
        subcommands: [PartnerAddCommand.self, PartnerKeyCommand.self, PartnerListCommand.self]
    )
}

/// The operator key option shared by registry commands.
struct OperatorKeyOption: ParsableArguments {
    @Option(name: .customLong("operator-key"), help: ArgumentHelp("The operator's private key (default: DIR/operator.key).", valueName: "FILE"))
    var path: String?

    func load(_ data: DataOptions) throws -> PrivateKey {
        try KeyFiles.readPrivateKey(path ?? data.operatorKeyPath)
    }
}

/// Validity options shared by key grants.
struct ValidityOptions: ParsableArguments {
    @Option(name: .customLong("valid-from"), help: "First time the key may sign (ISO 8601; default: now).")
    var validFrom: String?
    @Option(name: .customLong("valid-until"), help: "Time from which the key may no longer sign (ISO 8601; default: no end).")
    var validUntil: String?

    func grant(_ key: PublicKey) throws -> KeyGrant {
        let from = try parseTime(validFrom, option: "--valid-from") ?? systemClock()
        let until = try parseTime(validUntil, option: "--valid-until")
        if let until, until <= from { throw CommandFailure(status: Status.usage, "--valid-until must be later than --valid-from") }
        return KeyGrant(publicKey: key, validFrom: from, validUntil: until)
    }
}

/// Signs an operator body and appends it.
func appendOperatorBody(type: String, body: JSONValue, data: DataOptions, operatorKey: OperatorKeyOption) throws -> AppendedEntry {
    let key = try operatorKey.load(data)
    let ledger = try Ledger.open(layout: data.layout, checkpointKey: key)
    defer { ledger.close() }
    if let recovery = ledger.recovery { FileHandleOutput.standardError("ledger: \(recovery)") }
    let pending = try ledger.sign(BodyInput(type: type, body: body), with: key, source: type)
    return try ledger.append([pending], sources: [type])[0]
}

struct PartnerAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a trading partner with its first public key.",
        discussion: """
        Roles: manufacturer, repackager, wholesaler, dispenser, 3pl.

        Example:
          ledger partner add --gln 0614141000005 --name "Acme Pharma" --role manufacturer \\
            --address "1 Main St, Springfield, IL 62701, US" --key acme.key.pub --prefix 0614141
        """
    )

    @OptionGroup var options: DataOptions
    @OptionGroup var operatorKey: OperatorKeyOption
    @Option(help: "The partner's GLN-13.") var gln: String
    @Option(help: "Business name.") var name: String
    @Option(help: "Role: manufacturer, repackager, wholesaler, dispenser or 3pl.") var role: String
    @Option(help: "Business address, one line.") var address: String
    @Option(help: ArgumentHelp("The partner's public key (PEM).", valueName: "PUB")) var key: String
    @Option(name: .customLong("prefix"), help: "A GS1 company prefix of the partner (repeatable).") var prefixes: [String] = []
    @OptionGroup var validity: ValidityOptions

    func run() throws {
        guard let partnerRole = PartnerRole(rawValue: role) else {
            throw CommandFailure(status: Status.usage, "--role \"\(role)\" is not one of: \(PartnerRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let publicKey = try KeyFiles.readPublicKey(key)
        let body = PartnerRegisterBody(gln: gln, name: name, role: partnerRole, address: address,
                                       companyPrefixes: prefixes, key: try validity.grant(publicKey))
        // Round-trip through the parser so the CLI refuses exactly what the ledger would.
        _ = try PartnerRegisterBody(body: body.json.canonicalBytes)
        let entry = try appendOperatorBody(type: OperatorBody.partnerRegister, body: body.json, data: options, operatorKey: operatorKey)
        print("registered \(gln) \(name) (\(partnerRole.rawValue)) with key \(publicKey.keyID) at entry \(entry.entry.seq)")
    }
}

struct PartnerKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Add or revoke a partner's signing key.",
        subcommands: [PartnerKeyAddCommand.self, PartnerKeyRevokeCommand.self]
    )
}

struct PartnerKeyAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a public key to a registered partner.",
        discussion: """
        Example:
          ledger partner key add --gln 0614141000005 --key acme-2027.key.pub --valid-from 2027-01-01
        """
    )

    @OptionGroup var options: DataOptions
    @OptionGroup var operatorKey: OperatorKeyOption
    @Option(help: "The partner's GLN-13.") var gln: String
    @Option(help: ArgumentHelp("The new public key (PEM).", valueName: "PUB")) var key: String
    @OptionGroup var validity: ValidityOptions

    func run() throws {
        let publicKey = try KeyFiles.readPublicKey(key)
        let body = PartnerKeyAddBody(gln: gln, key: try validity.grant(publicKey))
        _ = try PartnerKeyAddBody(body: body.json.canonicalBytes)
        let entry = try appendOperatorBody(type: OperatorBody.partnerKeyAdd, body: body.json, data: options, operatorKey: operatorKey)
        print("added key \(publicKey.keyID) to \(gln) at entry \(entry.entry.seq)")
    }
}

struct PartnerKeyRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a partner's key: entries after the revocation may not use it.",
        discussion: """
        Example:
          ledger partner key revoke --gln 0614141000005 --key-id 3f2a9c0d11e4b7a2 --reason "laptop stolen"
        """
    )

    @OptionGroup var options: DataOptions
    @OptionGroup var operatorKey: OperatorKeyOption
    @Option(help: "The partner's GLN-13.") var gln: String
    @Option(name: .customLong("key-id"), help: "The key id (16 hex digits, as `ledger partner list` shows).") var keyID: String
    @Option(help: "Why the key is revoked.") var reason: String

    func run() throws {
        let body = PartnerKeyRevokeBody(gln: gln, keyID: keyID, reason: reason)
        _ = try PartnerKeyRevokeBody(body: body.json.canonicalBytes)
        let entry = try appendOperatorBody(type: OperatorBody.partnerKeyRevoke, body: body.json, data: options, operatorKey: operatorKey)
        print("revoked key \(keyID) of \(gln) at entry \(entry.entry.seq)")
    }
}

struct PartnerListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List registered partners and their keys, as the registry stands now.",
        discussion: """
        Example:
          ledger partner list --json
        """
    )

    @OptionGroup var options: DataOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let registry = try Ledger.replayRegistry(layout: options.layout, trustAnchor: nil)
        let partners = registry.partners.values.sorted { $0.gln < $1.gln }
        let keys = registry.keys.values.sorted { $0.addedSeq < $1.addedSeq }
        if json {
            let list: [JSONValue] = partners.map { partner in
                let partnerKeys: [JSONValue] = keys.filter { $0.owner == partner.gln }.map { key in
                    var members: [String: JSONValue] = [
                        "keyID": .string(key.keyID), "algorithm": .string(key.publicKey.algorithm.rawValue),
                        "validFrom": .string(Timestamp.iso8601(key.validFrom)), "addedSeq": .integer(Int64(key.addedSeq)),
                        "publicKey": .string(Base64.encode(key.publicKey.spkiDER)),
                    ]
                    if let until = key.validUntil { members["validUntil"] = .string(Timestamp.iso8601(until)) }
                    if let revoked = key.revokedSeq { members["revokedSeq"] = .integer(Int64(revoked)) }
                    return .object(members)
                }
                return .object([
                    "gln": .string(partner.gln), "name": .string(partner.name), "role": .string(partner.role.rawValue),
                    "address": .string(partner.address), "companyPrefixes": .array(partner.companyPrefixes.map { .string($0) }),
                    "registeredSeq": .integer(Int64(partner.registeredSeq)), "keys": .array(partnerKeys),
                ])
            }
            print(JSONValue.object(["origin": .string(registry.origin), "operatorKeyID": .string(registry.operatorKey.keyID),
                                    "partners": .array(list)]).prettyString)
            return
        }
        print("origin \(registry.origin), operator key \(registry.operatorKey.keyID)")
        for partner in partners {
            print("\(partner.gln)  \(partner.role.rawValue)  \(partner.name)  (\(partner.address))")
            for key in keys where key.owner == partner.gln {
                var status = key.revokedSeq.map { "revoked at entry \($0)" } ?? "active"
                if let until = key.validUntil { status += ", valid until \(Timestamp.iso8601(until))" }
                print("    key \(key.keyID) \(key.publicKey.algorithm.rawValue), added at entry \(key.addedSeq), \(status)")
            }
        }
    }
}
