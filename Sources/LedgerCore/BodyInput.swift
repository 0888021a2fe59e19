import Custody
import LedgerFormat

/// The body types a ledger accepts, by signer kind. Bodies are JSON objects; their schemas are versioned.
public enum BodyTypes {
    /// Custody events signed by trading partners.
    public static let custody: Set<String> = Set(CustodyBodyType.allCases.map(\.rawValue))
    /// Every accepted body type.
    public static var all: Set<String> { custody.union(OperatorBody.all) }
}

/// A body as a user writes it in a file: a JSON object with `"type"`, an optional `"version"` (default 1)
/// and the body's own members.
public struct BodyInput: Sendable, Hashable {
    public var type: String
    public var version: UInt16
    /// The body's members in canonical JSON (RFC 8785): exactly what is signed and stored.
    public var canonicalBody: [UInt8]

    public init(type: String, version: UInt16 = 1, body: JSONValue) {
        self.type = type
        self.version = version
        self.canonicalBody = body.canonicalBytes
    }

    /// Parses a body file's bytes; `source` names it in errors.
    public init(bytes: [UInt8], source: String) throws(InputError) {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw InputError(source: source, reason: error.description) }
        guard case .object(var members) = value else {
            throw InputError(source: source, reason: "must be a JSON object with a \"type\" member, not \(value.kindName)")
        }
        guard let typeValue = members.removeValue(forKey: "type") else {
            throw InputError(source: source, reason: "missing \"type\" (one of: \(BodyTypes.all.sorted().joined(separator: ", ")))")
        }
        guard case .string(let type) = typeValue, BodyTypes.all.contains(type) else {
            throw InputError(source: source, reason: "unknown body type \(typeValue.canonicalString) (one of: \(BodyTypes.all.sorted().joined(separator: ", ")))")
        }
        var version: UInt16 = 1
        if let versionValue = members.removeValue(forKey: "version") {
            guard case .integer(let number) = versionValue, number == 1 else {
                throw InputError(source: source, reason: "field version: this ledger knows version 1 of \(type), not \(versionValue.canonicalString)")
            }
            version = UInt16(number)
        }
        self.type = type
        self.version = version
        if BodyTypes.custody.contains(type) { members = Self.normalizingIdentifiers(members) }
        self.canonicalBody = JSONValue.object(members).canonicalBytes
    }
}

/// Input the ledger refuses before writing anything: which input, and why.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input: a file name, or `input 2` for the second of a batch.
    public var source: String
    public var reason: String
    /// A stable code, e.g. `bad-signature`, when the refusal has one.
    public var code: String?

    public init(source: String, reason: String, code: String? = nil) {
        self.source = source
        self.reason = reason
        self.code = code
    }

    public var description: String { "\(source): \(reason)" }
}
