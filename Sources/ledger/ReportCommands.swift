import ArgumentParser
import CustodyReport
import LedgerCore
import LedgerCrypto
import LedgerFormat
#if canImport(Glibc)
import Glibc
#endif

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "An investigator's custody report on a serial or a lot, with its own proof (JSON or HTML).",
        discussion: """
        The answer to an FDA or state request for TI, TS and history: the request envelope with the statutory \
        due time (1 business day and at most 48 hours; 2 business days for a dispenser; weekends and U.S. federal \
        holidays skipped), product identity, aggregation lineage, ownership and possession hops, the terminal \
        state, gaps and conflicts, and the evidence (each entry's receipt against one signed checkpoint, signature \
        results, the last nightly audit) sealed by the report's SHA-256. The JSON form is checked with \
        `ledger verify-report`; the HTML form is one self-contained page that prints to PDF.

        Examples:
          ledger report '(01)00312345678906(21)AMX1001' --request-id FDA-2026-0117 --requester "FDA ORA" \\
            --reason suspect --received 2026-11-27T09:30:00-05:00 --out report.json
          ledger report '(01)00312345678906(21)AMX1001' --format html --out report.html --json-out report.json
          ledger report --lot 00312345678906 LOT2026A --reason recall --out recall.json
        """
    )

    @OptionGroup var options: DataOptions
    @Argument(help: "The serial (SGTIN) or SSCC in any GS1 form; with --lot, the GTIN-14 and the lot number.")
    var identifiers: [String] = []
    @Flag(help: "Report on a whole lot: give GTIN and LOT.") var lot = false
    @Option(help: "Where to write the report (default: standard output).") var out: String?
    @Option(help: "json (default) or html.") var format: String = "json"
    @Option(name: .customLong("request-id"), help: "The investigator's request id.") var requestID: String?
    @Option(help: "Who asks, e.g. \"FDA ORA Division 2\".") var requester: String?
    @Option(help: "recall, suspect, illegitimate or audit.") var reason: String?
    @Option(help: "When the request was received, ISO 8601 with its offset (default: now, UTC).") var received: String?
    @Option(help: "The answering trading partner's GLN (default: the serial's current owner).") var responder: String?
    @Option(name: .customLong("json-out"), help: "With --format html: also write the same report's JSON here (what verify-report checks).")
    var jsonOut: String?
    @Option(name: .customLong("audit-history"), help: "The nightly audit's history.jsonl (default: DIR/audit/history.jsonl).")
    var auditHistory: String?

    func run() throws {
        guard ["json", "html"].contains(format) else {
            throw CommandFailure(status: Status.usage, "--format \(format): must be json or html")
        }
        var reportReason: ReportReason?
        if let reason {
            guard let value = ReportReason(rawValue: reason) else {
                throw CommandFailure(status: Status.usage, "--reason \(reason): must be one of \(ReportReason.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            reportReason = value
        }
        let now = systemClock()
        var receivedAt = LocalTime(ms: now, offsetMinutes: 0)
        if let received {
            guard let value = LocalTime(iso8601: received) else {
                throw CommandFailure(status: Status.usage, "--received \"\(received)\" is not an ISO 8601 time (e.g. 2026-11-27T09:30:00-05:00)")
            }
            receivedAt = value
        }
        if let responder, let problem = validateGLN(responder) {
            throw CommandFailure(status: Status.usage, "--responder \(responder) \(problem)")
        }
        for (name, value) in [("--request-id", requestID), ("--requester", requester)] {
            if let value, value.utf8.count > 200 || value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw CommandFailure(status: Status.usage, "\(name): at most 200 characters and no control characters")
            }
        }
        let request = ReportRequest(requestID: requestID, requester: requester, reason: reportReason, received: receivedAt, responder: responder)
        let builder = ReportBuilder(layout: options.layout, auditHistoryPath: auditHistory, now: now)
        let report: JSONValue
        if lot {
            guard identifiers.count == 2 else { throw CommandFailure(status: Status.usage, "--lot needs GTIN and LOT") }
            report = try builder.lotReport(gtin: identifiers[0], lot: identifiers[1], request: request)
        } else {
            guard identifiers.count == 1 else { throw CommandFailure(status: Status.usage, "give one serial (or --lot GTIN LOT)") }
            report = try builder.serialReport(unit: try unitID(parsing: identifiers[0]), request: request)
        }
        if let jsonOut {
            guard format == "html" else { throw CommandFailure(status: Status.usage, "--json-out goes with --format html") }
            try writeTextFile(String(decoding: ReportFormat.fileBytes(report), as: UTF8.self), to: jsonOut)
        }
        let text = format == "html" ? try ReportHTML.render(report) : String(decoding: ReportFormat.fileBytes(report), as: UTF8.self)
        if let out {
            try writeTextFile(text, to: out)
            FileHandleOutput.standardError("wrote \(out): \(format) report, SHA-256 \(report["reportHash"]?.stringValue ?? "")")
        } else {
            print(text, terminator: "")
        }
    }
}

struct VerifyReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-report",
        abstract: "Check a JSON custody report with nothing but the operator's public key (no ledger needed).",
        discussion: """
        Checks that the file is the report's canonical form and matches its reportHash; the checkpoint's \
        signature; every evidence entry against its inclusion proof; the partner registry replayed from the \
        operator entries and every partner signature; that every row cites a proven entry that names the unit; \
        and that the rows say what the signed entries say (docs/FORMAT.md §12.6). Members it cannot re-derive \
        (generatedAt, source, notice, the request's own fields, evidence.lastAudit, a serial report's contents, \
        a lot unit's container) are listed in a note on stderr. Exit 0 valid, 1 invalid (naming every member \
        that broke), 2 usage.

        Example:
          ledger verify-report report.json --operator-key operator.key.pub
        """
    )

    @Argument(help: "The report (JSON).") var file: String
    @OptionGroup var operatorKey: OperatorPublicKeyOption

    func run() throws {
        let bytes = try readInputFile(file)
        let key = try operatorKey.key()
        let check = ReportVerifier.verify(bytes, operatorKey: key)
        for note in check.notes { FileHandleOutput.standardError("note: \(note)") }
        guard check.valid else {
            for problem in check.problems { FileHandleOutput.standardError("\(file): \(problem)") }
            throw CommandFailure(status: Status.integrity, "report \(file) is not valid: \(check.problems.count) problem\(check.problems.count == 1 ? "" : "s"), first: \(check.problems[0])")
        }
        print("ok: \(check.summary)")
    }
}

/// `--operator-key`: the operator's public key as an investigator holds it.
struct OperatorPublicKeyOption: ParsableArguments {
    @Option(name: .customLong("operator-key"), help: "The operator's public key: a PEM file, or the name+hash+base64 verifier key.")
    var operatorKey: String

    /// A readable file is a PEM public key; anything else must be a C2SP verifier key (`ledger operator-key`).
    func key() throws -> OperatorKey {
        do { return try OperatorKey.read(operatorKey) } catch where access(operatorKey, R_OK) != 0 {
            throw CommandFailure(status: Status.usage, "--operator-key: neither a readable PEM file nor a verifier key (\(error))")
        }
    }
}
