/// Why a body was refused: the body type, the field (a JSON path such as `key.validFrom`) and the reason.
public struct BodyError: Error, Sendable, Hashable, CustomStringConvertible {
    public var bodyType: String
    public var field: String
    public var reason: String
    public init(bodyType: String, field: String, reason: String) {
        self.bodyType = bodyType
        self.field = field
        self.reason = reason
    }
    public var description: String {
        field.isEmpty ? "\(bodyType) body: \(reason)" : "\(bodyType) body, field \(field): \(reason)"
    }
}

/// Typed access to a JSON object's members, with errors that name the body type and field path.
public struct BodyReader: Sendable {
    public let bodyType: String
    public let path: String
    public let members: [String: JSONValue]

    /// Wraps `value`, which must be a JSON object.
    public init(_ value: JSONValue, bodyType: String, path: String = "") throws(BodyError) {
        guard case .object(let members) = value else {
            throw BodyError(bodyType: bodyType, field: path, reason: "must be a JSON object, not \(value.kindName)")
        }
        self.bodyType = bodyType
        self.path = path
        self.members = members
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An error about `key`.
    public func error(_ key: String, _ reason: String) -> BodyError {
        BodyError(bodyType: bodyType, field: fieldPath(key), reason: reason)
    }

    /// Refuses members not in `allowed`, so a typo is an error rather than silently ignored data.
    /// A list, not a set: a handful of names is searched faster than a set literal is built on every body.
    public func allowOnly(_ allowed: [String]) throws(BodyError) {
        guard members.keys.contains(where: { !allowed.contains($0) }) else { return }
        if let unknown = members.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw error(unknown, "unknown field for \(bodyType) (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    public func optional(_ key: String) -> JSONValue? {
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    public func string(_ key: String, nonEmpty: Bool = true, maxLength: Int = 1024) throws(BodyError) -> String {
        guard let value = optional(key) else { throw error(key, "is required") }
        return try stringValue(value, key, nonEmpty: nonEmpty, maxLength: maxLength)
    }

    public func optionalString(_ key: String, maxLength: Int = 1024) throws(BodyError) -> String? {
        guard let value = optional(key) else { return nil }
        return try stringValue(value, key, nonEmpty: true, maxLength: maxLength)
    }

    /// `value` as a string; `key` (an element's path is built only for an error) names it in errors.
    func stringValue(_ value: JSONValue, _ key: @autoclosure () -> String, nonEmpty: Bool, maxLength: Int) throws(BodyError) -> String {
        guard case .string(let text) = value else { throw error(key(), "must be a string, not \(value.kindName)") }
        // Fast path: a printable ASCII first character means not blank (skips Unicode property lookups).
        if nonEmpty, !(text.utf8.first.map { $0 > 0x20 && $0 < 0x7F } ?? false), text.trimmingSpaces.isEmpty {
            throw error(key(), "must not be empty")
        }
        guard text.utf8.count <= maxLength else { throw error(key(), "is longer than \(maxLength) bytes") }
        return text
    }

    public func integer(_ key: String) throws(BodyError) -> Int64 {
        guard let value = optional(key) else { throw error(key, "is required") }
        guard case .integer(let number) = value else { throw error(key, "must be an integer, not \(value.kindName)") }
        return number
    }

    public func optionalInteger(_ key: String) throws(BodyError) -> Int64? {
        guard optional(key) != nil else { return nil }
        return try integer(key)
    }

    public func bool(_ key: String, default defaultValue: Bool) throws(BodyError) -> Bool {
        guard let value = optional(key) else { return defaultValue }
        guard case .bool(let flag) = value else { throw error(key, "must be true or false, not \(value.kindName)") }
        return flag
    }

    public func array(_ key: String, nonEmpty: Bool = true, maxCount: Int = 1_000_000) throws(BodyError) -> [JSONValue] {
        guard let value = optional(key) else { throw error(key, "is required") }
        guard case .array(let elements) = value else { throw error(key, "must be an array, not \(value.kindName)") }
        if nonEmpty, elements.isEmpty { throw error(key, "must not be empty") }
        guard elements.count <= maxCount else { throw error(key, "has more than \(maxCount) elements") }
        return elements
    }

    public func stringArray(_ key: String, nonEmpty: Bool = true, maxLength: Int = 1024) throws(BodyError) -> [String] {
        let elements = try array(key, nonEmpty: nonEmpty)
        var out: [String] = []
        out.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            out.append(try stringValue(element, "\(key)[\(index)]", nonEmpty: true, maxLength: maxLength))
        }
        return out
    }

    public func object(_ key: String) throws(BodyError) -> BodyReader {
        guard let value = optional(key) else { throw error(key, "is required") }
        return try BodyReader(value, bodyType: bodyType, path: fieldPath(key))
    }
}

extension String {
    var trimmingSpaces: Substring {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return Substring(scalars[first...last])
    }
}
