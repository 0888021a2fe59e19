import Custody
import CustodyIndex
import EPCIS
import EPCISImport
import LedgerCrypto
import LedgerFormat
import LedgerStore

/// The outcome of importing one EPCIS document: each event's fate, and the entries appended.
public struct EPCISImportReport: Sendable {
    /// What became of one event.
    public enum Status: Sendable, Hashable {
        /// Appended (or, in a dry run, would be appended) as entry `seq` with `hash`.
        case appended(type: CustodyBodyType, seq: UInt64, hash: String)
        /// Not recorded, and why.
        case skipped(reason: String)
        /// Refused: the whole document is refused.
        case refused(code: String, reason: String)
        /// Not examined, because an earlier event was refused.
        case notReached
    }

    /// One event's line of the report.
    public struct Event: Sendable, Hashable {
        public var index: Int
        public var eventType: String
        public var eventID: String?
        public var eventHash: String?
        public var bizStep: String?
        public var status: Status
        /// What the event does in the ledger (or the refusal).
        public var summary: String
    }

    /// The document (file name).
    public var document: String
    public var syntax: EPCISDocument.Syntax
    public var dryRun: Bool
    public var events: [Event]
    /// The entries appended (empty in a dry run or when refused).
    public var appended: [AppendedEntry]
    /// Why the document was refused, if it was; nothing was written then.
    public var refusal: EPCISError?

    /// The report as JSON (for `--json`).
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "document": .string(document), "syntax": .string(syntax.rawValue), "dryRun": .bool(dryRun),
            "outcome": .string(refusal != nil ? "refused" : dryRun ? "would-import" : "imported"),
            "events": .array(events.map { event in
                var line: [String: JSONValue] = ["index": .integer(Int64(event.index)), "type": .string(event.eventType), "summary": .string(event.summary)]
                if let id = event.eventID { line["eventID"] = .string(id) }
                line["eventHash"] = event.eventHash.map { .string($0) } ?? .null
                if let step = event.bizStep { line["bizStep"] = .string(step) }
                switch event.status {
                case .appended(let type, let seq, let hash):
                    line["outcome"] = .string(dryRun ? "would-append" : "appended")
                    line["bodyType"] = .string(type.rawValue)
                    line["seq"] = .integer(Int64(seq))
                    line["entryHash"] = .string(hash)
                case .skipped(let reason):
                    line["outcome"] = .string("skipped")
                    line["reason"] = .string(reason)
                case .refused(let code, let reason):
                    line["outcome"] = .string("refused")
                    line["code"] = .string(code)
                    line["reason"] = .string(reason)
                case .notReached:
                    line["outcome"] = .string("not-reached")
                }
                return .object(line)
            }),
        ]
        if let refusal { members["error"] = .string(refusal.description) }
        return .object(members)
    }
}

extension Ledger {
    /// Imports an EPCIS document as one atomic batch signed by `key`'s partner: each event is mapped against
    /// the custody state after the document's earlier events and checked through every rule; the first
    /// refusal refuses the whole document and nothing is written. With `dryRun`, nothing is written either
    /// way and the report says what would have been appended.
    public func importEPCIS(_ document: EPCISDocument, key: PrivateKey, dryRun: Bool = false) throws -> EPCISImportReport {
        if let indexError {
            throw InputError(source: "ledger", reason: "the custody index fell behind after an earlier append (\(indexError)); reopen the ledger to catch it up",
                             code: "index-behind")
        }
        let keyID = key.publicKey.keyID
        guard let partner = registry.partner(forKey: keyID) else {
            throw InputError(source: document.source, reason: "key \(keyID) is not registered to any partner", code: "unknown-key")
        }
        var report = EPCISImportReport(document: document.source, syntax: document.syntax, dryRun: dryRun, events: [], appended: [], refusal: nil)
        var importer: EPCISImporter
        do { importer = try EPCISImporter(document: document, signer: partner.gln) } catch {
            report.refusal = error
            return report
        }
        let declared = Set(importer.declaredErroneous)
        // The index keeps event hash → entry for every entry that keeps an EPCIS event.
        if !declared.isEmpty { importer.recordedEvents = try index.recordedEvents(declared) }
        var scratch = registry
        let now = max(clock(), head?.appendedAt ?? 0)
        var seq = head.map { $0.seq + 1 } ?? 0
        var previousHash = head?.hash ?? EntryFormat.zeroHash
        var pending: [PendingEntry] = []
        custody.beginBatch()
        do {
            events: for index in document.events.indices {
                let planned: PlannedEvent
                do { planned = try importer.plan(index, custody: custody, registry: scratch) } catch {
                    report.refusal = error
                    break events
                }
                var line = EPCISImportReport.Event(index: index, eventType: planned.eventType, eventID: planned.eventID, eventHash: planned.eventHash,
                                                   bizStep: planned.bizStep, status: .notReached, summary: planned.summary)
                switch planned.action {
                case .skip(let reason):
                    line.status = .skipped(reason: reason)
                case .append(let type, let body):
                    let item = try sign(BodyInput(type: type.rawValue, body: body), with: key, source: document.source)
                    do {
                        previousHash = try check(item, source: document.source, seq: seq, now: now, previousHash: previousHash, registry: &scratch)
                    } catch let error as InputError {
                        report.refusal = EPCISError(document: document.source, eventIndex: index, eventID: planned.eventID,
                                                    code: error.code ?? "refused", reason: "\(planned.summary): \(error.reason)")
                        break events
                    }
                    line.status = .appended(type: type, seq: seq, hash: Hex.encode(previousHash))
                    pending.append(item)
                    seq += 1
                }
                report.events.append(line)
            }
            if let refusal = report.refusal {
                custody.rollbackBatch()
                report.events.append(EPCISImportReport.Event(index: refusal.eventIndex ?? 0, eventType: document.events[refusal.eventIndex ?? 0]["type"]?.stringValue ?? "?",
                                                             eventID: refusal.eventID, eventHash: nil, bizStep: nil,
                                                             status: .refused(code: refusal.code, reason: refusal.reason), summary: refusal.description))
                for later in (report.events.count)..<document.events.count {
                    let event = document.events[later]
                    report.events.append(EPCISImportReport.Event(index: later, eventType: event["type"]?.stringValue ?? "?", eventID: event["eventID"]?.stringValue,
                                                                 eventHash: nil, bizStep: nil, status: .notReached, summary: "not examined: an earlier event was refused"))
                }
                return report
            }
            if dryRun || pending.isEmpty {
                custody.rollbackBatch()
                return report
            }
            report.appended = try write(pending, now: now, registry: scratch)
            return report
        } catch {
            custody.rollbackBatch()
            throw error
        }
    }
}
