import Custody
import LedgerCrypto
import LedgerFormat
import LedgerStore

/// A frame as read from a segment, copied out of the reading buffer so a worker can prepare it.
struct RawFrame: Sendable {
    let entryBytes: [UInt8]
    let storedHash: [UInt8]
    let location: FrameRef
    let length: Int

    init(_ frame: borrowing ScannedFrame) {
        entryBytes = Array(frame.entryBytes)
        storedHash = Array(frame.storedHash)
        location = FrameRef(segment: frame.segment, offset: frame.offset)
        length = frame.length
    }
}

/// What the log yields, in order: frames, and damage between them.
enum ScanItem: Sendable {
    case frame(RawFrame)
    case problem(ScanProblem, segment: SegmentFile, isLastSegment: Bool)
}

/// A body as far as it can be judged without the ledger's state.
enum PreparedBody: Sendable {
    /// Not a body type the ledger knows.
    case unknownType
    /// Not JSON, or not a JSON object: the finding's reason.
    case invalid(String)
    /// A JSON object: whether its bytes are canonical, and for custody bodies the parsed body or why it is not one.
    case parsed(canonical: Bool, custody: PreparedCustody?)
}

/// A custody body as parsed, with its JSON when it keeps an EPCIS event (the kept-event check compares them).
/// A class, so the in-order checks take it from the prepared frame as one reference, not a copy of the body.
final class PreparedCustody: Sendable {
    let body: Result<CustodyBody, BodyError>
    let keptEventJSON: JSONValue?

    init(body: Result<CustodyBody, BodyError>, keptEventJSON: JSONValue?) {
        self.body = body
        self.keptEventJSON = keptEventJSON
    }
}

/// Everything about one frame that depends on the frame alone, worked out on a worker thread ahead of the
/// in-order checks: both hashes, the decoded entry, the body parsed and judged for form.
///
/// A class: it goes from the worker to the in-order thread and on to a signature thread, and each hand-over
/// is one reference rather than a copy of every field. The entry's bytes are not kept: once hashed, decoded
/// and parsed, nothing needs them.
final class PreparedFrame: Sendable {
    let storedHash: [UInt8]
    let location: FrameRef
    /// The frame's length in bytes.
    let length: Int
    let leafHash: [UInt8]
    /// The entry hash computed from the bytes, when it differs from the stored one (the entry was altered).
    let alteredHash: [UInt8]?
    /// The decoded entry; nil when the bytes do not decode (`decodeError` says why).
    let entry: Entry?
    let decodeError: DecodeError?
    /// Nil when the entry does not decode.
    let body: PreparedBody?

    init(_ raw: RawFrame) {
        storedHash = raw.storedHash
        location = raw.location
        length = raw.length
        leafHash = Merkle.leafHash(raw.entryBytes)
        let computed = EntryFormat.entryHash(ofCanonicalBytes: raw.entryBytes)
        alteredHash = computed == raw.storedHash ? nil : computed
        do throws(DecodeError) {
            let entry = try Entry(canonicalBytes: raw.entryBytes)
            body = Self.prepareBody(entry.submission)
            decodeError = nil
            self.entry = consume entry
        } catch {
            entry = nil
            decodeError = error
            body = nil
        }
    }

    static func prepareBody(_ submission: Submission) -> PreparedBody {
        let type = submission.bodyType
        let custodyType = CustodyBodyType(rawValue: type)
        // Nearly every commission: one pass over the bytes, no `JSONValue` (the fast path answers only when it
        // is sure of the same answer as below).
        if custodyType == .commission, let body = CommissionBody(plainCanonical: submission.body) {
            return .parsed(canonical: true, custody: PreparedCustody(body: .success(.commission(body)), keptEventJSON: nil))
        }
        guard custodyType != nil || OperatorBody.all.contains(type) else { return .unknownType }
        // One pass parses and judges the canonical form (the same verdict as `JSONValue.isCanonicalEncoding`).
        let value: JSONValue, canonical: Bool
        do { (value, canonical) = try JSONValue.parseNotingCanonical(submission.body) } catch {
            return .invalid("the body is not valid JSON: \(error)")
        }
        guard case .object = value else { return .invalid("the body is \(value.kindName), not a JSON object") }
        guard custodyType != nil else { return .parsed(canonical: canonical, custody: nil) }
        do throws(BodyError) {
            guard let body = try CustodyBody.parse(type: type, json: value) else { return .parsed(canonical: canonical, custody: nil) }
            return .parsed(canonical: canonical, custody: PreparedCustody(body: .success(body), keptEventJSON: body.epcis == nil ? nil : value))
        } catch {
            return .parsed(canonical: canonical, custody: PreparedCustody(body: .failure(error), keptEventJSON: nil))
        }
    }
}

/// A scanned item after preparation: frames prepared, damage passed through in place.
enum PreparedItem: Sendable {
    case frame(PreparedFrame)
    case problem(ScanProblem, segment: SegmentFile, isLastSegment: Bool)

    /// Prepares a scanned item (a function, not an initializer: it borrows the item rather than taking a copy).
    static func prepare(_ item: ScanItem) -> PreparedItem {
        switch item {
        case .frame(let raw): .frame(PreparedFrame(raw))
        case .problem(let problem, let segment, let isLast): .problem(problem, segment: segment, isLastSegment: isLast)
        }
    }
}
