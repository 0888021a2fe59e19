import COpenSSL

/// An error from the cryptography layer: what was attempted, and OpenSSL's reason when it gave one.
public struct CryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was being done, e.g. "parse PEM private key".
    public var operation: String
    /// Why it failed: OpenSSL's reason string, or our own explanation.
    public var reason: String

    public init(_ operation: String, reason: String) {
        self.operation = operation
        self.reason = reason
    }

    /// Builds an error from OpenSSL's thread-local error queue, draining it.
    static func openSSL(_ operation: String) -> CryptoError {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return CryptoError(operation, reason: reasons.isEmpty ? "OpenSSL reported no reason" : reasons.joined(separator: "; "))
    }

    public var description: String { "cannot \(operation): \(reason)" }
}
