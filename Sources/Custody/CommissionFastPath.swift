import LedgerFormat

extension CommissionBody {
    /// The body read straight from `bytes` when they are, in the canonical form, a commission body the general
    /// path accepts and whose every string is printable ASCII without escapes, no `epcis` member and no `null`s
    /// (the shape of nearly every commission); nil in every other case, which the caller then parses the
    /// general way (`JSONValue.parse`, `JSONValue.isCanonicalEncoding`, `CustodyBody.parse`).
    ///
    /// A non-nil answer means exactly what the general path would conclude: the bytes parse, they are the
    /// canonical encoding, and `CustodyBody.parse(type: "commission", …)` returns `.commission` of this body.
    /// It is decided in one pass without building a `JSONValue` (the verifier asks it of every commission).
    package init?(plainCanonical bytes: [UInt8]) {
        guard let body = bytes.withUnsafeBufferPointer({ buffer -> CommissionBody? in
            var scan = PlainCanonicalScan(bytes: buffer)
            return scan.commission()
        }) else { return nil }
        self = body
    }
}

/// A reader of the one spelling the canonical form gives a plain commission body: members in their sorted
/// order without whitespace, strings of printable ASCII with nothing to escape. It gives up (nil) at the
/// first byte that departs from that spelling or value that a check of the general path would refuse.
private struct PlainCanonicalScan {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    static let quote = UInt8(ascii: "\"")

    /// The most serials the general path reads (`BodyReader.array`'s default bound).
    static let maxSerials = 1_000_000

    /// Skips `byte` when it is next.
    mutating func skip(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Skips `"name":` when it is next.
    mutating func member(_ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        guard bytes.count - index >= count + 3, bytes[index] == Self.quote, bytes[index + count + 1] == Self.quote,
              bytes[index + count + 2] == UInt8(ascii: ":") else { return false }
        for offset in 0..<count where bytes[index + 1 + offset] != name.utf8Start[offset] { return false }
        index += count + 3
        return true
    }

    /// A string of 1...`maxLength` printable ASCII bytes without `"` or `\`, not starting with a space: as
    /// written, its canonical form, and what `BodyReader.string(_:maxLength:)` accepts as non-empty.
    mutating func string(maxLength: Int) -> String? {
        guard skip(Self.quote) else { return nil }
        let start = index
        while index < bytes.count, bytes[index] != Self.quote {
            let byte = bytes[index]
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        let count = index - start
        guard index < bytes.count, count >= 1, count <= maxLength, bytes[start] != 0x20 else { return nil }
        index += 1
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<(start + count)]), as: UTF8.self)
    }

    /// `"name":"…",` or, for the last member, without the comma.
    mutating func stringMember(_ name: StaticString, maxLength: Int, last: Bool = false) -> String? {
        guard member(name), let text = string(maxLength: maxLength), last || skip(UInt8(ascii: ",")) else { return nil }
        return text
    }

    /// The members in canonical order: eventTime?, expiry, gtin, lot, product, serials (an `epcis` member,
    /// which would sort first, is left to the general path).
    mutating func commission() -> CommissionBody? {
        guard skip(UInt8(ascii: "{")) else { return nil }
        var eventTime: String?
        if member("eventTime") {
            // `readTime`: an ISO 8601 date-time (longer than a date).
            guard let text = string(maxLength: 40), skip(UInt8(ascii: ",")), text.utf8.count > 10, Timestamp.parse(text) != nil else { return nil }
            eventTime = text
        }
        // `readISODate`: exactly `YYYY-MM-DD` (ASCII, so characters are bytes).
        guard let expiry = stringMember("expiry", maxLength: 10), expiry.utf8.count == 10, Timestamp.parse(expiry) != nil,
              let gtin = stringMember("gtin", maxLength: 14), gtin.utf8.count == 14, UnitID.checkDigitValid(gtin),
              let lot = stringMember("lot", maxLength: 20), UnitID.serialProblem(lot) == nil,
              member("product"), let product = product(), skip(UInt8(ascii: ",")),
              member("serials"), let serials = serials(),
              skip(UInt8(ascii: "}")), index == bytes.count else { return nil }
        return CommissionBody(gtin: gtin, serials: serials, lot: lot, expiry: expiry, product: product, eventTime: eventTime)
    }

    /// `ProductMaster` in canonical order: containerSize, dosageForm, name, ndc?, strength.
    mutating func product() -> ProductMaster? {
        guard skip(UInt8(ascii: "{")),
              let containerSize = stringMember("containerSize", maxLength: 100),
              let dosageForm = stringMember("dosageForm", maxLength: 100),
              let name = stringMember("name", maxLength: 200) else { return nil }
        var ndc: String?
        if member("ndc") {
            guard let text = string(maxLength: 13), skip(UInt8(ascii: ",")) else { return nil }
            ndc = text
        }
        guard let strength = stringMember("strength", maxLength: 100, last: true), skip(UInt8(ascii: "}")) else { return nil }
        return ProductMaster(name: name, strength: strength, dosageForm: dosageForm, containerSize: containerSize, ndc: ndc)
    }

    /// A non-empty array of distinct valid serials.
    mutating func serials() -> [String]? {
        guard skip(UInt8(ascii: "[")) else { return nil }
        var serials: [String] = []
        repeat {
            guard serials.count < Self.maxSerials, let serial = string(maxLength: 20), UnitID.serialProblem(serial) == nil else { return nil }
            serials.append(serial)
        } while skip(UInt8(ascii: ","))
        guard skip(UInt8(ascii: "]")) else { return nil }
        if serials.count > 1 {
            // Few serials (the usual case): compare pairwise rather than build a set.
            if serials.count <= 16 {
                for later in 1..<serials.count where serials[..<later].contains(serials[later]) { return nil }
            } else {
                var seen = Set<String>()
                seen.reserveCapacity(serials.count)
                for serial in serials where !seen.insert(serial).inserted { return nil }
            }
        }
        return serials
    }
}
