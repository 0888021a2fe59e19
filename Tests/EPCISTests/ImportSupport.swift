import Custody
import EPCIS
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import Testing

/// A copied test document read as EPCIS.
func document(_ path: String) throws -> EPCISDocument {
    try EPCISDocument.read(try resource(path), source: path)
}

/// A JSON text read as an EPCIS document named `name`.
func document(json: String, name: String = "test.jsonld") throws -> EPCISDocument {
    try EPCISDocument.read(Array(json.utf8), source: name)
}

/// A fresh ledger in a temporary directory with the partners of the GS1 US DSCSA example: the manufacturer
/// (GS1 Pharma, company prefix 030001), the wholesaler (GS1 Drug Distributor) and a 3PL.
final class PharmaLedger {
    static let manufacturer = "0300011111116"
    static let wholesaler = "0399999999991"
    static let logistics = "0614141000012"
    let directory: String
    let layout: StoreLayout
    let ledger: Ledger
    let manufacturerKey: PrivateKey
    let wholesalerKey: PrivateKey
    let logisticsKey: PrivateKey

    init() throws {
        directory = FileManager.default.temporaryDirectory.path + "/epcis-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        layout = StoreLayout(directory: directory + "/ledger")
        let operatorKey = try PrivateKey.generate(.ed25519)
        ledger = try Ledger.create(layout: layout, origin: "example.com/epcis-tests", operatorKey: operatorKey)
        manufacturerKey = try .generate(.ed25519)
        wholesalerKey = try .generate(.p256)
        logisticsKey = try .generate(.ed25519)
        let partners: [(String, String, PartnerRole, String, [String], PrivateKey)] = [
            (Self.manufacturer, "GS1 Pharma", .manufacturer, "1 Biopharm Ct, Suite A, Thousand Oaks, CA 91320, US", ["030001"], manufacturerKey),
            (Self.wholesaler, "GS1 Drug Distributor", .wholesaler, "230 Park Ave S, Room 378, New York, NY 10003-1502, US", [], wholesalerKey),
            (Self.logistics, "Fast Logistics", .thirdPartyLogistics, "5 Dock St, Memphis, TN 38118, US", [], logisticsKey),
        ]
        for (gln, name, role, address, prefixes, key) in partners {
            let body = PartnerRegisterBody(gln: gln, name: name, role: role, address: address, companyPrefixes: prefixes,
                                           key: KeyGrant(publicKey: key.publicKey, validFrom: 0))
            try ledger.append([try ledger.sign(BodyInput(type: OperatorBody.partnerRegister, body: body.json), with: operatorKey)])
        }
    }

    deinit {
        ledger.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The log's bytes (to prove a refusal wrote nothing).
    func logBytes() throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: layout.directory + "/log/00000000000000000000.seg")))
    }

    /// The body of entry `seq` as JSON.
    func bodyJSON(_ seq: UInt64) throws -> JSONValue {
        try JSONValue.parse(try #require(try LedgerReader(layout: layout).entry(seq)).entry.submission.body)
    }

    /// The custody body of entry `seq`.
    func body(_ seq: UInt64) throws -> CustodyBody {
        let entry = try #require(try LedgerReader(layout: layout).entry(seq))
        return try #require(try CustodyBody.parse(type: entry.entry.submission.bodyType, body: entry.entry.submission.body))
    }
}

/// A minimal EPCIS 2.0 JSON-LD document around `events` (JSON texts), with an optional header.
func epcisJSON(_ events: [String], header: String? = nil) -> String {
    """
    {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"gs1ushc": "http://epcis.gs1us.org/hc/ns"}],
     "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-01-02T03:04:05Z",
     \(header.map { "\"epcisHeader\": \($0)," } ?? "")
     "epcisBody": {"eventList": [\(events.joined(separator: ",\n"))]}}
    """
}

/// The transaction statement header of the GS1 US guideline.
let statementHeader = """
    {"gs1ushc:dscsaTransactionStatement": {"gs1ushc:affirmTransactionStatement": "true", "gs1ushc:legalNotice": "Seller complies."}}
    """
