extension JSONValue {
    /// Whether `bytes`, a JSON text that `parse` accepts, are exactly the canonical form of the value they
    /// parse to: `isCanonicalEncoding(b)` is `(try JSONValue.parse(b)).canonicalBytes == b`, judged by the parser
    /// in its one pass (`parseNotingCanonical`) without building the encoding. False for bytes `parse` refuses.
    ///
    /// The canonical form (RFC 8785 for the ledger's integer-only JSON) has no whitespace; integers in plain
    /// decimal, `0` never signed; strings with raw UTF-8, escaping only `"`, `\` and control characters
    /// (`\b \t \n \f \r`, else `\u00xx` in lowercase hex); object members in UTF-16 order of their names.
    public static func isCanonicalEncoding(_ bytes: [UInt8]) -> Bool {
        (try? parseNotingCanonical(bytes))?.canonical ?? false
    }
}
