import ArgumentParser
import GS1
import LedgerCore
import LedgerFormat

struct IdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id",
        abstract: "Read a GS1 identifier in any form and print every form and its parts.",
        discussion: """
        Accepts EPC URIs (urn:epc:id:sgtin:…, sscc, sgln, pgln), GS1 Digital Link URIs on any host, element \
        strings with parentheses, and the raw scanner form with GS (0x1D) separators (with or without a \
        ]d2 symbology identifier), and bare GTIN-14, SSCC-18 or GLN-13 digits. EPC URIs need the company-prefix \
        length: --prefix-length, else a registered partner's company prefix from the ledger in --data.

        Examples:
          ledger id 'https://id.gs1.org/01/00312345678906/10/L1/21/S1?17=271231' --prefix-length 7 --json
          ledger id urn:epc:id:sscc:0614141.1234567890
        """
    )

    @OptionGroup var options: DataOptions
    @Argument(help: "The identifier, in any form.") var identifier: String
    @Option(name: .customLong("prefix-length"), help: "The GS1 company-prefix length (6–12) for EPC URIs.") var prefixLength: Int?
    @Option(help: "The host of printed Digital Link URIs.") var host: String = "https://id.gs1.org"
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if let prefixLength, !(6...12).contains(prefixLength) { throw ValidationError("--prefix-length must be 6 to 12") }
    }

    func run() throws {
        let parsed: GS1Identifier
        let uriLength: Int?
        do throws(GS1Error) {
            if identifier.hasPrefix("urn:epc:") {
                let (value, length) = try GS1Identifier.parseEPCURI(identifier)
                (parsed, uriLength) = (value, length)
            } else {
                (parsed, uriLength) = (try GS1Identifier.parse(identifier), nil)
            }
        } catch {
            throw CommandFailure(status: Status.usage, "\(error)")
        }
        let registry = options.layout.exists ? try? Ledger.replayRegistry(layout: options.layout, trustAnchor: nil) : nil
        let length = IdentifierReport.companyPrefixLength(for: parsed, explicit: prefixLength ?? uriLength, registry: registry)
        let report = IdentifierReport.json(for: parsed, input: identifier, companyPrefixLength: length, host: host)
        if json {
            print(report.prettyString)
            return
        }
        for key in ["kind", "ledgerID", "gtin", "ndcDigits", "serial", "lot", "expiry", "sscc", "gln", "key",
                    "elementString", "digitalLink", "epcURI", "epcURIError"] {
            guard let value = report[key] else { continue }
            print("\(key): \(value.stringValue ?? value.canonicalString)")
        }
        print("rawElementString: \(parsed.rawElementString.replacingGS())")
    }
}

extension String {
    /// Shows the GS separator (0x1D) as `<GS>` for a terminal.
    func replacingGS() -> String { split(separator: "\u{1D}", omittingEmptySubsequences: false).joined(separator: "<GS>") }
}
