import Custody
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

@Suite("ledger demo scenario")
struct DemoTests {
    typealias Demo = DemoScenario

    /// Builds the demo in a temporary directory and returns its replayed registry and custody state.
    static func built(_ body: (StoreLayout, [DemoScenario.Step], Registry, CustodyState) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            let layout = StoreLayout(directory: directory + "/data")
            try FileManager.default.createDirectory(atPath: layout.directory, withIntermediateDirectories: true)
            let steps = try DemoScenario(layout: layout).run()
            let (registry, custody) = try Ledger.replay(layout: layout, trustAnchor: nil)
            try body(layout, steps, registry, custody)
        }
    }

    @Test("the demo verifies clean from its operator key, with real signatures of both algorithms")
    func verifiesClean() throws {
        try Self.built { layout, steps, registry, _ in
            let anchor = try KeyFiles.readPublicKey(layout.directory + "/operator.key.pub")
            let report = try Verifier(layout: layout, options: VerifyOptions(trustAnchor: anchor)).run()
            #expect(report.isClean, "\(report.findings)")
            #expect(report.entriesChecked == 25)
            #expect(steps.count == 16)
            #expect(Set(registry.keys.values.map(\.publicKey.algorithm)) == [.ed25519, .p256])
            // Partner private keys are 0600 files.
            for party in Demo.parties {
                let attributes = try FileManager.default.attributesOfItem(atPath: "\(layout.directory)/demo-keys/\(party.gln).key")
                #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            }
        }
    }

    @Test("dispensed, stolen and returned bottles end in the right state, owner and holder")
    func terminalStates() throws {
        try Self.built { _, _, _, custody in
            let dispensed = try #require(custody.units[Demo.unit(1)])
            #expect(dispensed.stateName == "dispensed")
            #expect(dispensed.owner == Demo.pharmacyA.gln)
            #expect(dispensed.parent == nil)
            let stolen = try #require(custody.units[Demo.unit(2)])
            #expect(stolen.stateName == "stolen")
            let active = try #require(custody.units[Demo.unit(3)])
            #expect(active.stateName == "active" && active.owner == Demo.pharmacyA.gln && active.possessor == Demo.pharmacyA.gln)
            let returned = try #require(custody.units[Demo.unit(4)])
            #expect(returned.stateName == "active")
            #expect(returned.owner == Demo.wholesaler.gln)
            #expect(returned.possessor == Demo.wholesaler.gln)
            #expect(returned.lastSeller == Demo.pharmacyB.gln)
            #expect(returned.transfers.count == 3)  // manufacturer → wholesaler → pharmacy B → back
            #expect(custody.shipments.isEmpty)
        }
    }

    @Test("the split case is empty at the wholesaler; the intact case went to pharmacy B with its six bottles")
    func cases() throws {
        try Self.built { _, _, _, custody in
            let split = try #require(custody.units[Demo.caseID(1)])
            #expect(split.children.isEmpty)
            #expect(split.owner == Demo.wholesaler.gln)
            let intact = try #require(custody.units[Demo.caseID(2)])
            #expect(intact.children == Set((7...12).map(Demo.unit)))
            #expect(intact.owner == Demo.pharmacyB.gln && intact.possessor == Demo.pharmacyB.gln)
            for number in 7...12 {
                let bottle = try #require(custody.units[Demo.unit(number)])
                #expect(bottle.parent == Demo.caseID(2))
                #expect(bottle.owner == Demo.pharmacyB.gln)
            }
            let pallet = try #require(custody.units[Demo.pallet])
            #expect(pallet.children.isEmpty)
        }
    }

    @Test("ownership and possession were tracked apart through the 3PL, and TH links each sale to the previous one")
    func logisticsAndHistory() throws {
        try Self.built { layout, _, _, custody in
            let reader = try LedgerReader(layout: layout)
            var transfers: [AppendedEntry] = []
            var receiptByLogistics: AppendedEntry?
            try reader.forEach { entry in
                if entry.entry.submission.bodyType == "transfer" { transfers.append(entry) }
                if entry.entry.submission.bodyType == "receive", entry.entry.submission.signer == Demo.logistics.gln { receiptByLogistics = entry }
                return true
            }
            #expect(transfers.count == 3)
            let sale = try #require(transfers.first)
            let saleBody = try TransferBody(BodyReader(JSONValue.parse(sale.entry.submission.body), bodyType: "transfer"))
            #expect(saleBody.via == Demo.logistics.gln)
            #expect(saleBody.products.map(\.quantity) == [12])
            #expect(saleBody.history.isEmpty)
            // The 3PL received (possession) but never owned.
            #expect(receiptByLogistics != nil)
            #expect(custody.units.values.allSatisfy { $0.owner != Demo.logistics.gln })
            // The wholesaler's sale to pharmacy A names the manufacturer's sale as its history.
            let second = try TransferBody(BodyReader(JSONValue.parse(transfers[1].entry.submission.body), bodyType: "transfer"))
            #expect(second.history == [Hex.encode(sale.hash)])
            #expect(second.products.map(\.quantity) == [3])
            let third = try TransferBody(BodyReader(JSONValue.parse(transfers[2].entry.submission.body), bodyType: "transfer"))
            #expect(third.products.map(\.quantity) == [9])  // bottles 4–6 and the six inside the case
            #expect(third.shipmentDate != nil)
        }
    }
}
