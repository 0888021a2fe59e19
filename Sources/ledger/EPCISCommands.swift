import ArgumentParser
import Custody
import EPCIS
import LedgerCore
import LedgerFormat

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import GS1 EPCIS documents as custody entries signed with a partner key.",
        discussion: """
        Each FILE is an EPCIS document: 2.0 JSON / JSON-LD, 2.0 XML or 1.2 XML. Commissioning, packing/unpacking, shipping \
        (a sale when source and destination owning_party differ, else a move of possession), receiving, \
        returning and decommissioning/dispensing/destroying events become commission, aggregate/disaggregate, \
        transfer/ship, receive, return and decommission entries; other events are reported as skipped. \
        Every body is signed by the partner the key is registered to, and events by another party are refused. \
        A document imports whole or not at all; documents are imported one after another and the first refused \
        one stops the command (exit 2). Nothing is ever fetched (no JSON-LD context, no XML entity or DTD). See docs/EPCIS.md.

        Example:
          ledger import --key acme.key shipment.jsonld
          ledger import --key acme.key --dry-run --json shipment.jsonld
        """
    )

    @OptionGroup var options: DataOptions
    @Option(help: ArgumentHelp("The importing partner's private key (mode 0600); it signs every entry.", valueName: "KEY"))
    var key: String
    @Flag(name: .customLong("dry-run"), help: "Check everything and report what would be appended; write nothing.")
    var dryRun = false
    @Flag(help: "Print one JSON report per document (each event: type, eventHash, what is appended or why not).")
    var json = false
    @Argument(help: ArgumentHelp("EPCIS documents.", valueName: "FILE"))
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one EPCIS document FILE") }
    }

    func run() throws {
        let signingKey = try KeyFiles.readPrivateKey(key)
        let ledger = try Ledger.open(layout: options.layout, checkpointKey: dryRun ? nil : try options.checkpointKey())
        defer { ledger.close() }
        if let recovery = ledger.recovery { FileHandleOutput.standardError("ledger: \(recovery)") }
        // One document in memory at a time: each is read, parsed and imported (or refused) before the next.
        for file in files {
            let document = try EPCISDocument.read(try readInputFile(file, limit: EPCISJSONReader.maxBytes), source: file)
            let report = try ledger.importEPCIS(document, key: signingKey, dryRun: dryRun)
            print(json ? report.json.canonicalString : Self.text(report))
            if let refusal = report.refusal { throw CommandFailure(status: Status.usage, "refused: \(refusal)") }
        }
    }

    static func text(_ report: EPCISImportReport) -> String {
        var lines: [String] = []
        let appended = report.events.filter { if case .appended = $0.status { true } else { false } }.count
        let skipped = report.events.filter { if case .skipped = $0.status { true } else { false } }.count
        let verb = report.refusal != nil ? "refused, nothing written" : report.dryRun ? "would append \(appended) entries (dry run)" : "appended \(appended) entries"
        lines.append("\(report.document) (\(report.syntax.rawValue), \(report.events.count) events): \(verb), \(skipped) skipped")
        for event in report.events {
            let id = event.eventID.map { " \($0)" } ?? ""
            switch event.status {
            case .appended(let type, let seq, let hash):
                lines.append("  event \(event.index + 1) \(event.eventType)\(id): \(report.dryRun ? "would be entry" : "entry") \(seq) \(type.rawValue) \(hash.prefix(16))…: \(event.summary)")
            case .skipped(let reason): lines.append("  event \(event.index + 1) \(event.eventType)\(id): skipped: \(reason)")
            case .refused(let code, let reason): lines.append("  event \(event.index + 1) \(event.eventType)\(id): REFUSED [\(code)]: \(reason)")
            case .notReached: lines.append("  event \(event.index + 1) \(event.eventType)\(id): not examined")
            }
        }
        return lines.joined(separator: "\n")
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the custody of a serial (or of a lot) as an EPCIS 2.0 document (JSON-LD or XML).",
        discussion: """
        The document covers the unit's containment family (every container it was in and everything ever \
        inside them) and every entry that touched them, in ledger order. An entry imported from EPCIS gives \
        back its kept event; any other entry the event `ledger import` maps to the same body. The header \
        carries the product and party master data and the transaction statement. See docs/EPCIS.md.

        Example:
          ledger export 'urn:epc:id:sgtin:030001.0012345.11' > custody.jsonld
          ledger export --lot 00300010123455 A123 --format epcis-xml > lot.xml
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case epcisJSON = "epcis-json"
        case epcisXML = "epcis-xml"
    }

    @OptionGroup var options: DataOptions
    @Argument(help: "The serial (SGTIN) or SSCC, in any GS1 form.") var identifier: String?
    @Option(name: .customLong("lot"), parsing: .upToNextOption, help: ArgumentHelp("Export a whole lot instead.", valueName: "GTIN LOT"))
    var lot: [String] = []
    @Option(help: "The output format: epcis-json (EPCIS 2.0 JSON-LD) or epcis-xml (EPCIS 2.0 XML).") var format: Format = .epcisJSON

    func validate() throws {
        guard (identifier == nil) != lot.isEmpty else { throw ValidationError("give a SERIAL or --lot GTIN LOT (one of them)") }
        guard lot.isEmpty || lot.count == 2 else { throw ValidationError("--lot takes two values: GTIN LOT") }
    }

    func run() throws {
        let query = try CustodyQuery(layout: options.layout)
        if let notice = query.staleness { FileHandleOutput.standardError("ledger: notice: \(notice)") }
        let units: [UnitID]
        if let identifier {
            units = [try unitID(parsing: identifier)]
        } else {
            units = try query.index.lot(gtin: lot[0], lot: lot[1]).map(\.id)
            guard !units.isEmpty else { throw CommandFailure(status: Status.usage, "no serial of GTIN \(lot[0]) lot \(lot[1]) is in the ledger") }
        }
        let document = try query.epcisExport(units: units, creationDate: Timestamp.iso8601(systemClock()))
        print(format == .epcisJSON ? document.prettyJSON : try EPCISXMLWriter.write(document), terminator: format == .epcisJSON ? "\n" : "")
    }
}
