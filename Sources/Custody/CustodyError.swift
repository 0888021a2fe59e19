/// Why a custody event was refused: a stable code, a sentence, the identifier and the conflicting entry.
public struct CustodyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rule or check that refused the event.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case badBody = "bad-body"
        case badIdentifier = "bad-identifier"
        case notManufacturer = "not-manufacturer"
        case alreadyCommissioned = "already-commissioned"
        case unknownUnit = "unknown-unit"
        case alreadyInParent = "already-in-parent"
        case notInParent = "not-in-parent"
        case containmentCycle = "containment-cycle"
        case insideContainer = "inside-container"
        case notOwner = "not-owner"
        case notPossessor = "not-possessor"
        case decommissioned = "decommissioned"
        case inTransit = "in-transit"
        case unknownPartner = "unknown-partner"
        case wrongRole = "wrong-role"
        case sellerMismatch = "seller-mismatch"
        case noOpenShipment = "no-open-shipment"
        case notReceiver = "not-receiver"
        case returnNotToSeller = "return-not-to-seller"
        case expiredNeedsOverride = "expired-needs-override"
        case transactionInfoMismatch = "ti-mismatch"
        case historyMismatch = "th-mismatch"
    }

    public var code: Code
    public var message: String
    /// The identifier concerned (canonical element string), when there is one.
    public var unit: String?
    /// The entry the event conflicts with, when there is one.
    public var conflictingSeq: UInt64?

    public init(_ code: Code, _ message: String, unit: String? = nil, conflictingSeq: UInt64? = nil) {
        self.code = code
        self.message = message
        self.unit = unit
        self.conflictingSeq = conflictingSeq
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
