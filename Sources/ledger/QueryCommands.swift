import ArgumentParser
import Custody
import CustodyIndex
import LedgerCore
import LedgerFormat
import LedgerStore

struct CustodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custody",
        abstract: "The complete chain of custody of a serial, case or pallet.",
        discussion: """
        The identifier may be in any GS1 form. Lists commissioning (lot, expiry, product), every container \
        the unit was in, and every entry that touched it, directly or through a container while it was \
        inside (a unit shipped on a pallet shows the pallet's shipment), with owner and holder before and \
        after, the TI and TS of transfers, the entry hash, the signer and whether the signature verifies. \
        For a container, also its contents over time.

        Example:
          ledger custody '(01)00312345678906(21)AMX1004' --json
        """
    )

    @OptionGroup var options: DataOptions
    @Argument(help: "The serial (SGTIN) or SSCC, in any GS1 form.") var identifier: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let unit = try unitID(parsing: identifier)
        let query = try CustodyQuery(layout: options.layout)
        let report = try query.custody(of: unit)
        if json {
            print(report.prettyString)
            return
        }
        printCustody(report)
    }

    func printCustody(_ report: JSONValue) {
        if let notice = report["notice"]?.stringValue { print("notice: \(notice)") }
        print("\(report["unit"]?.stringValue ?? "")  (\(report["kind"]?.stringValue ?? ""))")
        if let commissioning = report["commissioning"] {
            let product = commissioning["product"]
            print("  product: \(product?["name"]?.stringValue ?? "") \(product?["strength"]?.stringValue ?? ""), \(product?["dosageForm"]?.stringValue ?? ""), \(product?["containerSize"]?.stringValue ?? "")")
            print("  lot \(commissioning["lot"]?.stringValue ?? ""), expiry \(commissioning["expiry"]?.stringValue ?? ""), commissioned at entry \(commissioning["seq"]?.integerValue ?? 0)")
        }
        if let current = report["current"] {
            print("  now: \(current["state"]?.stringValue ?? ""), owned by \(name(current["owner"])), held by \(name(current["possessor"]))"
                  + (current["container"]?.stringValue.map { ", inside \($0)" } ?? ""))
        }
        for container in report["containers"]?.arrayValue ?? [] {
            print("  in \(container["parent"]?.stringValue ?? "") from entry \(container["fromSeq"]?.integerValue ?? 0) to \(container["toSeq"]?.integerValue.map(String.init) ?? "now")")
        }
        for child in report["contents"]?.arrayValue ?? [] {
            print("  contained \(child["child"]?.stringValue ?? "") from entry \(child["fromSeq"]?.integerValue ?? 0) to \(child["toSeq"]?.integerValue.map(String.init) ?? "now")")
        }
        print("  events:")
        for event in report["events"]?.arrayValue ?? [] {
            let via = event["via"]?.stringValue.map { " via \($0)" } ?? ""
            print("    \(event["seq"]?.integerValue ?? 0)  \(event["appendedAt"]?.stringValue ?? "")  \(event["type"]?.stringValue ?? "")\(via) by \(name(event["signer"]))  signature \(event["signature"]?.stringValue ?? "")")
            print("        owner \(name(event["ownerBefore"])) → \(name(event["ownerAfter"])); holder \(name(event["possessorBefore"])) → \(name(event["possessorAfter"])); \(event["stateAfter"]?.stringValue ?? "")")
            print("        entry \(event["entryHash"]?.stringValue ?? "")")
        }
    }

    func name(_ party: JSONValue?) -> String {
        guard let party, party != .null else { return "nobody" }
        return party["name"]?.stringValue ?? party["gln"]?.stringValue ?? "?"
    }
}

struct LotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lot",
        abstract: "Every serial of a lot and where it is now, with totals per owner, holder and state (for a recall).",
        discussion: """
        Example:
          ledger lot 00312345678906 LOT2026A --json
        """
    )

    @OptionGroup var options: DataOptions
    @Argument(help: "The GTIN-14.") var gtin: String
    @Argument(help: "The lot number.") var lot: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let report = try CustodyQuery(layout: options.layout).lot(gtin: gtin, lot: lot)
        if json {
            print(report.prettyString)
            return
        }
        if let notice = report["notice"]?.stringValue { print("notice: \(notice)") }
        print("GTIN \(gtin) lot \(lot): \(report["count"]?.integerValue ?? 0) identifiers")
        for (title, key) in [("by state", "byState"), ("by owner", "byOwner"), ("by holder", "byPossessor")] {
            let totals = (report[key]?.objectValue ?? [:]).sorted { $0.key < $1.key }
            print("  \(title): " + totals.map { "\($0.key) \($0.value.integerValue ?? 0)" }.joined(separator: ", "))
        }
        for unit in report["units"]?.arrayValue ?? [] {
            print("  \(unit["unit"]?.stringValue ?? "")  \(unit["state"]?.stringValue ?? "")  owner \(unit["owner"]?.stringValue ?? "")  holder \(unit["possessor"]?.stringValue ?? "in transit")")
        }
    }
}

struct HoldingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holdings",
        abstract: "What a partner owns and what it holds now.",
        discussion: """
        Example:
          ledger holdings 0860012345670 --json
        """
    )

    @OptionGroup var options: DataOptions
    @Argument(help: "The partner's GLN-13.") var gln: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        if let problem = validateGLN(gln) { throw CommandFailure(status: Status.usage, "GLN \(gln) \(problem)") }
        let report = try CustodyQuery(layout: options.layout).holdings(gln: gln)
        if json {
            print(report.prettyString)
            return
        }
        if let notice = report["notice"]?.stringValue { print("notice: \(notice)") }
        print("\(gln) \(report["name"]?.stringValue ?? ""): owns \(report["ownedCount"]?.integerValue ?? 0), holds \(report["heldCount"]?.integerValue ?? 0)")
        for (title, key) in [("owns", "owned"), ("holds", "held")] {
            for unit in report[key]?.arrayValue ?? [] {
                print("  \(title) \(unit["unit"]?.stringValue ?? "")  \(unit["state"]?.stringValue ?? "")" + (unit["container"]?.stringValue.map { " in \($0)" } ?? ""))
            }
        }
    }
}

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Maintain the derived custody index (ledger-data/index.sqlite).",
        subcommands: [IndexRebuildCommand.self]
    )
}

struct IndexRebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild the custody index from the log (the log is the only source of truth).",
        discussion: """
        Takes the writer lock, deletes the index and replays every entry through the custody rules.

        Example:
          ledger index rebuild
        """
    )

    @OptionGroup var options: DataOptions

    func run() throws {
        let writer = try SegmentWriter(layout: options.layout)
        defer { writer.close() }
        let start = systemClock()
        let (index, _, _, catchUp) = try Ledger.openIndex(layout: options.layout, trustAnchor: nil, forceRebuild: true)
        let stats = try index.statistics()
        let seconds = Double(systemClock() - start) / 1000
        print("rebuilt the index from \(catchUp.entries) entries in \(format3(seconds)) s: \(stats.units) identifiers, \(stats.events) unit events, \(stats.bytes) bytes")
    }
}
