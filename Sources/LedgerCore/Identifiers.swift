import Custody
import GS1
import LedgerFormat

/// Everything `ledger id` says about one identifier read in any GS1 form.
public enum IdentifierReport {
    /// The company-prefix length for EPC URIs: `explicit`, else the longest registered company prefix
    /// of a partner that the identifier's key starts with.
    public static func companyPrefixLength(for identifier: GS1Identifier, explicit: Int?, registry: Registry?) -> Int? {
        if let explicit { return explicit }
        guard let registry else { return nil }
        let payload: String
        switch identifier {
        case .sgtin(let sgtin, _, _): payload = String(sgtin.gtin.digits.dropFirst())
        case .gtin(let gtin, _, _): payload = String(gtin.digits.dropFirst())
        case .sscc(let sscc): payload = String(sscc.digits.dropFirst())
        case .gln(let gln): payload = gln.digits
        case .sgln(let sgln): payload = sgln.gln.digits
        }
        let prefixes = registry.partners.values.flatMap(\.companyPrefixes).filter { payload.hasPrefix($0) }
        return prefixes.map(\.count).max()
    }

    /// The JSON `ledger id --json` prints: kind, every form, and the parts (gtin, serial, lot, expiry as an ISO date…).
    public static func json(for identifier: GS1Identifier, input: String, companyPrefixLength: Int?, host: String = "https://id.gs1.org") -> JSONValue {
        var members: [String: JSONValue] = [
            "input": .string(input),
            "kind": .string(identifier.kind),
            "elementString": .string(identifier.elementString),
            "rawElementString": .string(identifier.rawElementString),
            "digitalLink": .string(identifier.digitalLink(host: host)),
        ]
        if let length = companyPrefixLength {
            members["companyPrefixLength"] = .integer(Int64(length))
            do throws(GS1Error) {
                members["epcURI"] = .string(try identifier.epcURI(companyPrefixLength: length))
            } catch {
                members["epcURIError"] = .string(error.description)
            }
        } else {
            members["epcURIError"] = .string("an EPC URI needs the company-prefix length: give --prefix-length N or register the partner's company prefix")
        }
        if let gtin = identifier.gtin {
            members["gtin"] = .string(gtin.digits)
            if let ndc = gtin.ndcDigits { members["ndcDigits"] = .string(ndc) }
        }
        if let serial = identifier.serial { members["serial"] = .string(serial.value) }
        if let lot = identifier.lot { members["lot"] = .string(lot.value) }
        if let expiry = identifier.expiry { members["expiry"] = .string(expiry.date.description) }
        switch identifier {
        case .sscc(let sscc): members["sscc"] = .string(sscc.digits)
        case .gln(let gln): members["gln"] = .string(gln.digits)
        case .sgln(let sgln): members["gln"] = .string(sgln.gln.digits)
        default: break
        }
        if let key = identifier.key { members["key"] = .string(key) }
        if let unit = UnitID(identifier) { members["ledgerID"] = .string(unit.canonical) }
        return .object(members)
    }
}

/// Reads an identifier a user typed in any GS1 form as the ledger keys it.
public func unitID(parsing text: String) throws -> UnitID {
    if let unit = try? UnitID(canonical: text) { return unit }
    let identifier: GS1Identifier
    do { identifier = try GS1Identifier.parse(text) } catch { throw InputError(source: "identifier", reason: error.description, code: error.code.rawValue) }
    guard let unit = UnitID(identifier) else {
        throw InputError(source: "identifier", reason: "\"\(text)\" is a \(identifier.kind), not a serialised package (SGTIN) or logistic unit (SSCC)",
                         code: "not-a-unit")
    }
    return unit
}

extension BodyInput {
    /// The identifier fields of custody bodies, which accept any GS1 form in input files.
    static let identifierFields: Set<String> = ["items", "children", "parent"]

    /// Rewrites identifiers given as EPC URIs, Digital Links or element strings into the ledger's canonical
    /// element-string form. Strings that do not parse are left alone, for the body parser to report.
    static func normalizingIdentifiers(_ members: [String: JSONValue]) -> [String: JSONValue] {
        var members = members
        for field in identifierFields {
            switch members[field] {
            case .string(let text)?: members[field] = .string(normalized(text))
            case .array(let elements)?:
                members[field] = .array(elements.map { element in
                    guard case .string(let text) = element else { return element }
                    return .string(normalized(text))
                })
            default: break
            }
        }
        return members
    }

    static func normalized(_ text: String) -> String {
        if (try? UnitID(canonical: text)) != nil { return text }
        guard let identifier = try? GS1Identifier.parse(text), let unit = UnitID(identifier) else { return text }
        return unit.canonical
    }
}
