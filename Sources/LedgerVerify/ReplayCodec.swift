import Custody

/// A replay record in the scratch store that cannot be decoded: which record, which field, why.
public struct ReplayCodecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The record: a unit, lot or shipment key.
    public var record: String
    /// The field being read.
    public var field: String
    /// What was wrong with it.
    public var reason: String

    /// An error naming the record, the field and the reason.
    public init(record: String, field: String, reason: String) {
        self.record = record
        self.field = field
        self.reason = reason
    }

    public var description: String { "replay scratch record \(record), field \(field): \(reason)" }
}

/// The compact binary form of the custody replay's state in the verifier's scratch store.
///
/// Unsigned integers are LEB128 varints; strings a varint length and their UTF-8 bytes. A unit record names
/// its lot by commission sequence number (the lot itself is stored once, under that number); a record's
/// transfers are stored as differences from the previous one. Every decoder refuses short, overlong or
/// inconsistent bytes with a `ReplayCodecError` instead of trusting them.
public enum ReplayCodec {
    // Flags of a unit record: which optional fields follow.
    static let hasLot: UInt64 = 1, hasPossessor: UInt64 = 2, hasShipment: UInt64 = 4, hasParent: UInt64 = 8,
               hasParentSince: UInt64 = 16, hasLastSeller: UInt64 = 32, isDecommissioned: UInt64 = 64
    static let knownFlags: UInt64 = 127
    static let reasons = DecommissionReason.allCases
    static let kinds = CustodyBodyType.allCases

    // MARK: Identifiers

    /// The store key of a unit: 1, the GTIN's length and digits, then the serial; or 2 and the SSCC's digits.
    public static func key(_ id: UnitID) -> [UInt8] {
        var writer = VarintWriter()
        writeID(id, &writer)
        return writer.bytes
    }

    /// The unit whose key is `bytes`.
    public static func unitID(key bytes: UnsafeRawBufferPointer) throws(ReplayCodecError) -> UnitID {
        var reader = VarintReader(bytes, record: "unit key")
        let id = try reader.unitID("key")
        try reader.end()
        return id
    }

    static func writeID(_ id: UnitID, _ writer: inout VarintWriter) {
        switch id {
        case .sgtin(let gtin, let serial):
            writer.varint(1)
            writer.string(gtin)
            writer.raw(serial.utf8)
        case .sscc(let digits):
            writer.varint(2)
            writer.raw(digits.utf8)
        }
    }

    // MARK: Unit records

    /// A unit record without its lot's contents (only the lot's commission sequence number).
    public static func encode(_ record: UnitRecord) -> [UInt8] {
        var writer = VarintWriter()
        var flags: UInt64 = 0
        if record.lot != nil { flags |= hasLot }
        if record.possessor != nil { flags |= hasPossessor }
        if record.shipment != nil { flags |= hasShipment }
        if record.parent != nil { flags |= hasParent }
        if record.parentSince != nil { flags |= hasParentSince }
        if record.lastSeller != nil { flags |= hasLastSeller }
        if case .decommissioned = record.status { flags |= isDecommissioned }
        writer.varint(flags)
        writer.nested { writeID(record.id, &$0) }
        writer.varint(record.createdSeq)
        if let lot = record.lot { writer.varint(lot.commissionSeq) }
        writer.string(record.owner)
        if let possessor = record.possessor { writer.string(possessor) }
        if let shipment = record.shipment { writer.string(shipment) }
        if let parent = record.parent { writer.nested { writeID(parent, &$0) } }
        if let since = record.parentSince { writer.varint(since) }
        if case .decommissioned(let reason, let seq) = record.status {
            writer.varint(UInt64(reasons.firstIndex(of: reason)!))
            writer.varint(seq)
        }
        if let seller = record.lastSeller { writer.string(seller) }
        writer.varint(record.ownerSince)
        writer.varint(UInt64(record.children.count))
        for child in record.children { writer.nested { writeID(child, &$0) } }
        writer.varint(UInt64(record.transfers.count))
        var previous: UInt64 = 0
        for seq in record.transfers {
            // Transfers are appended in log order; a decrease (never made by the rules) is kept exactly all the same.
            writer.varint(seq &- previous)
            previous = seq
        }
        return writer.bytes
    }

    /// Decodes a unit record, fetching its lot by commission sequence number through `lot`.
    public static func decodeUnit(_ bytes: UnsafeRawBufferPointer,
                                  lot: (UInt64) throws(ReplayCodecError) -> LotInfo) throws(ReplayCodecError) -> UnitRecord {
        var reader = VarintReader(bytes, record: "unit")
        let flags = try reader.varint("flags")
        guard flags & ~knownFlags == 0 else { throw reader.error("flags", "unknown flags \(flags)") }
        let id = try reader.nestedID("id")
        reader.record = "unit \(id)"
        let createdSeq = try reader.varint("createdSeq")
        let lotInfo = flags & hasLot != 0 ? try lot(try reader.varint("lot")) : nil
        let owner = try reader.string("owner")
        var record = UnitRecord(id: id, createdSeq: createdSeq, lot: lotInfo, owner: owner,
                                possessor: flags & hasPossessor != 0 ? try reader.string("possessor") : nil, ownerSince: 0)
        if flags & hasShipment != 0 { record.shipment = try reader.string("shipment") }
        if flags & hasParent != 0 { record.parent = try reader.nestedID("parent") }
        if flags & hasParentSince != 0 { record.parentSince = try reader.varint("parentSince") }
        if flags & isDecommissioned != 0 {
            let reason = try reader.varint("status")
            guard reason < reasons.count else { throw reader.error("status", "unknown decommission reason \(reason)") }
            record.status = .decommissioned(reasons[Int(reason)], seq: try reader.varint("status seq"))
        }
        if flags & hasLastSeller != 0 { record.lastSeller = try reader.string("lastSeller") }
        record.ownerSince = try reader.varint("ownerSince")
        let children = try reader.count("children")
        record.children.reserveCapacity(children)
        for _ in 0..<children { record.children.insert(try reader.nestedID("children")) }
        let transfers = try reader.count("transfers")
        record.transfers.reserveCapacity(transfers)
        var seq: UInt64 = 0
        for _ in 0..<transfers {
            seq = seq &+ (try reader.varint("transfers"))
            record.transfers.append(seq)
        }
        try reader.end()
        return record
    }

    // MARK: Lots

    /// A lot's GTIN, lot number, expiry and product master (its commission sequence number is its key).
    public static func encode(_ lot: LotInfo) -> [UInt8] {
        var writer = VarintWriter()
        for text in [lot.gtin, lot.lot, lot.expiry, lot.product.name, lot.product.strength, lot.product.dosageForm, lot.product.containerSize] {
            writer.string(text)
        }
        if let ndc = lot.product.ndc {
            writer.varint(1)
            writer.string(ndc)
        } else {
            writer.varint(0)
        }
        return writer.bytes
    }

    /// Decodes the lot commissioned by entry `seq`.
    public static func decodeLot(_ bytes: UnsafeRawBufferPointer, seq: UInt64) throws(ReplayCodecError) -> LotInfo {
        var reader = VarintReader(bytes, record: "lot of entry \(seq)")
        let gtin = try reader.string("gtin"), lot = try reader.string("lot"), expiry = try reader.string("expiry")
        let name = try reader.string("name"), strength = try reader.string("strength")
        let form = try reader.string("dosageForm"), size = try reader.string("containerSize")
        let ndc: String?
        switch try reader.varint("ndc") {
        case 0: ndc = nil
        case 1: ndc = try reader.string("ndc")
        case let other: throw reader.error("ndc", "presence marker \(other) is neither 0 nor 1")
        }
        try reader.end()
        return LotInfo(gtin: gtin, lot: lot, expiry: expiry,
                       product: ProductMaster(name: name, strength: strength, dosageForm: form, containerSize: size, ndc: ndc),
                       commissionSeq: seq)
    }

    // MARK: Shipments

    /// An open shipment without its hash (its key).
    public static func encode(_ shipment: OpenShipment) -> [UInt8] {
        var writer = VarintWriter()
        writer.varint(shipment.seq)
        writer.varint(UInt64(kinds.firstIndex(of: shipment.kind)!))
        writer.string(shipment.from)
        writer.string(shipment.to)
        writer.varint(UInt64(shipment.items.count))
        for item in shipment.items { writer.nested { writeID(item, &$0) } }
        return writer.bytes
    }

    /// Decodes the open shipment made by the entry with hash `hash`.
    public static func decodeShipment(_ bytes: UnsafeRawBufferPointer, hash: String) throws(ReplayCodecError) -> OpenShipment {
        var reader = VarintReader(bytes, record: "shipment \(hash)")
        let seq = try reader.varint("seq")
        let kind = try reader.varint("kind")
        guard kind < kinds.count else { throw reader.error("kind", "unknown body type \(kind)") }
        let from = try reader.string("from"), to = try reader.string("to")
        let count = try reader.count("items")
        var items: [UnitID] = []
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try reader.nestedID("items")) }
        try reader.end()
        return OpenShipment(hash: hash, seq: seq, kind: kinds[Int(kind)], from: from, to: to, items: items)
    }
}

/// Appends varints and length-prefixed strings.
struct VarintWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(96) }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func raw<Bytes: Collection>(_ value: Bytes) where Bytes.Element == UInt8 { bytes.append(contentsOf: value) }

    mutating func string(_ value: String) {
        varint(UInt64(value.utf8.count))
        raw(value.utf8)
    }

    /// Bytes written by `body`, after their length.
    mutating func nested(_ body: (inout VarintWriter) -> Void) {
        var inner = VarintWriter()
        body(&inner)
        varint(UInt64(inner.bytes.count))
        raw(inner.bytes)
    }
}

/// Reads what `VarintWriter` wrote, refusing short or overlong input.
struct VarintReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0
    var record: String

    init(_ bytes: UnsafeRawBufferPointer, record: String) {
        self.bytes = bytes
        self.record = record
    }

    func error(_ field: String, _ reason: String) -> ReplayCodecError {
        ReplayCodecError(record: record, field: field, reason: reason)
    }

    mutating func varint(_ field: String) throws(ReplayCodecError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw error(field, "ends inside a number at byte \(offset)") }
            let byte = bytes[offset]
            offset += 1
            guard shift < 64, shift < 63 || byte <= 1 else { throw error(field, "a number longer than 64 bits at byte \(offset - 1)") }
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// A length or count that fits in what is left.
    mutating func count(_ field: String) throws(ReplayCodecError) -> Int {
        let value = try varint(field)
        guard value <= UInt64(bytes.count - offset) else {
            throw error(field, "length \(value) runs past the end (\(bytes.count - offset) bytes left)")
        }
        return Int(value)
    }

    mutating func slice(_ field: String) throws(ReplayCodecError) -> UnsafeRawBufferPointer {
        let length = try count(field)
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
    }

    mutating func string(_ field: String) throws(ReplayCodecError) -> String {
        let utf8 = try slice(field)
        guard let text = String(validating: utf8, as: UTF8.self) else { throw error(field, "not UTF-8") }
        return text
    }

    /// An identifier filling the rest of the input (a key) or of a nested slice.
    mutating func unitID(_ field: String) throws(ReplayCodecError) -> UnitID {
        let tag = try varint(field)
        switch tag {
        case 1:
            let gtin = try string(field)
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            offset = bytes.count
            guard let serial = String(validating: rest, as: UTF8.self) else { throw error(field, "serial is not UTF-8") }
            return .sgtin(gtin: gtin, serial: serial)
        case 2:
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            offset = bytes.count
            guard let digits = String(validating: rest, as: UTF8.self) else { throw error(field, "SSCC is not UTF-8") }
            return .sscc(digits)
        default:
            throw error(field, "unknown identifier tag \(tag)")
        }
    }

    /// An identifier in a length-prefixed slice.
    mutating func nestedID(_ field: String) throws(ReplayCodecError) -> UnitID {
        var inner = VarintReader(try slice(field), record: record)
        return try inner.unitID(field)
    }

    func end() throws(ReplayCodecError) {
        guard offset == bytes.count else { throw error("end", "\(bytes.count - offset) bytes left over") }
    }
}
