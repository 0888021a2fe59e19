import Custody
import LedgerCrypto
import LedgerFormat
import LedgerStore

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
    let storedHash: Digest32
    let location: FrameRef
    /// The frame's length in bytes.
    let length: Int
    let leafHash: Digest32
    /// The entry hash computed from the bytes, when it differs from the stored one (the entry was altered).
    let alteredHash: Digest32?
    /// The decoded entry; nil when the bytes do not decode (`decodeError` says why).
    let entry: Entry?
    let decodeError: DecodeError?
    /// Nil when the entry does not decode.
    let body: PreparedBody?

    /// Prepares one frame of a block from its bytes there (read in place, not copied).
    init(_ span: FrameBlock.Span, segment: SegmentFile, entryBytes: UnsafeRawBufferPointer, storedHash: UnsafeRawBufferPointer) {
        let stored = Digest32(storedHash)
        self.storedHash = stored
        location = FrameRef(segment: segment, offset: span.offset)
        length = span.length
        leafHash = Merkle.leafDigest(entryBytes)
        let computed = EntryFormat.entryDigest(ofCanonicalBytes: entryBytes)
        alteredHash = computed == stored ? nil : computed
        do throws(DecodeError) {
            let entry = try Entry(canonicalBytes: entryBytes)
            body = Self.prepareBody(entry.submission)
            decodeError = nil
            self.entry = consume entry
        } catch {
            entry = nil
            decodeError = error
            body = nil
        }
    }

    /// Prepares every frame of a block, in order.
    static func prepare(_ block: FrameBlock) -> [PreparedFrame] {
        var frames: [PreparedFrame] = []
        frames.reserveCapacity(block.spans.count)
        block.forEachFrame { span, entryBytes, storedHash in
            frames.append(PreparedFrame(span, segment: block.segment, entryBytes: entryBytes, storedHash: storedHash))
        }
        return frames
    }

    static func prepareBody(_ submission: Submission) -> PreparedBody {
        let type = submission.bodyType
        let custodyType = CustodyBodyType(rawValue: type)
        // Nearly every commission: one pass over the bytes, no `JSONValue` (the fast path answers only when it
        // is sure of the same answer as below).
        if custodyType == .commission, let body = CommissionBody(plainCanonical: submission.body) {
            return .parsed(canonical: true, custody: PreparedCustody(body: .success(.commission(body)), keptEventJSON: nil))
        }
        guard custodyType != nil || OperatorBody.contains(type) else { return .unknownType }
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

/// A scanned item after preparation: a block's frames prepared, damage passed through in place.
enum PreparedItem: Sendable {
    case frames([PreparedFrame])
    case problem(ScanProblem, segment: SegmentFile)

    /// Prepares a scanned item (a function, not an initializer: it borrows the item rather than taking a copy).
    static func prepare(_ item: FrameBlockItem) -> PreparedItem {
        switch item {
        case .frames(let block): .frames(PreparedFrame.prepare(block))
        case .problem(let problem, let segment): .problem(problem, segment: segment)
        }
    }
}
