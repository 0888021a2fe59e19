import Custody
import CustodyIndex
import CustodyReport
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
#if canImport(Glibc)
import Glibc
#endif

/// Investigator report benchmarks on a `ChainGenerator` ledger (tools/bench-report.sh).
enum ReportBench {
    /// Gives one bottle of the chain 20 or more events: bottle 1 of pallet 0's first case (opened by pharmacy 0,
    /// not dispensed) goes back and forth between the pharmacy and the distributor (return, receive, sale,
    /// receive) until it has. Writes its identifier to `DIR/sample-20.txt`.
    static func extend(directory: String, seed: String) throws {
        let generator = ChainGenerator(directory: directory, units: 0, seed: seed)
        let layout = StoreLayout(directory: directory)
        let ledger = try Ledger.open(layout: layout, checkpointKey: try generator.key("operator"))
        defer { ledger.close() }
        let pharmacy = ChainGenerator.Party(gln: ChainGenerator.gln("089000000100"), name: "Pharmacy 0", role: .dispenser, key: try generator.key("p0"))
        let distributor = ChainGenerator.Party(gln: ChainGenerator.gln("086001234501"), name: "Regional Distributor", role: .wholesaler,
                                               key: try generator.key("d"))
        let bottle = ChainGenerator.bottle(1)
        func append(_ party: ChainGenerator.Party, _ type: String, _ body: JSONValue) throws -> AppendedEntry {
            try ledger.append([ledger.sign(ledger.completing(BodyInput(type: type, body: body)), with: party.key)])[0]
        }
        var events = try CustodyIndex(path: CustodyIndex.path(in: layout)).events(of: bottle).count
        while events < 20 {
            let back = try append(pharmacy, "return", ReturnBody(items: [bottle], to: distributor.gln, reason: "benchmark round trip").json)
            _ = try append(distributor, "receive", ReceiveBody(shipment: Hex.encode(back.hash)).json)
            let sale = try append(distributor, "transfer", .object([
                "items": .array([.string(bottle.canonical)]), "seller": distributor.info.json, "buyer": pharmacy.info.json,
                "transactionDate": .string("2026-01-03T10:00:00Z"), "statement": TransactionStatement(affirmedBy: "Bench Compliance").json]))
            _ = try append(pharmacy, "receive", ReceiveBody(shipment: Hex.encode(sale.hash)).json)
            events += 4
        }
        try bottle.canonical.write(to: directory + "/sample-20.txt")
        print("report_sample \(bottle.canonical): \(try CustodyIndex(path: CustodyIndex.path(in: layout)).events(of: bottle).count) events")
    }

    /// Times the serial report of the 20-event bottle and the lot report of case lot L0 (10,000 cases at 100,000
    /// bottles or more), each beside its floor: reading the cited entries from the log and checking their signatures.
    static func time(directory: String, seed: String) throws {
        let layout = StoreLayout(directory: directory)
        let unit = try UnitID(canonical: try readText(directory + "/sample-20.txt").trimmingCharacters(in: .whitespacesAndNewlines))
        let builder = ReportBuilder(layout: layout, now: 1_767_225_600_000)
        let request = ReportRequest(reason: .suspect, received: LocalTime(ms: 1_767_225_600_000, offsetMinutes: 0))
        var serialTimes: [Double] = []
        var report: JSONValue = .null
        var cpuStart = 0.0
        for round in 0..<60 {
            if round == 10 { cpuStart = cpuSeconds() }
            let start = seconds()
            report = try builder.serialReport(unit: unit, request: request)
            serialTimes.append(seconds() - start)
        }
        let cpuPerReport = (cpuSeconds() - cpuStart) / 50
        let measured = Array(serialTimes.dropFirst(10)).sorted()
        let entries = report["evidence"]?["entries"]?.arrayValue ?? []
        let floor = try readAndCheck(layout, entries)
        print("report_serial_p50 \(ms(measured[measured.count / 2])) ms, p99 \(ms(measured[measured.count * 99 / 100])) ms (\(report["movements"]?.arrayValue?.count ?? 0) events, \(entries.count) evidence entries, \(ReportFormat.fileBytes(report).count) bytes)")
        print("report_serial_cpu \(ms(cpuPerReport)) ms of CPU (user + system) per report: what wall time is on an idle core")
        print("report_serial_floor \(ms(floor)) ms (read the \(entries.count) cited entries from the log and check their signatures)")
        var lotTimes: [Double] = []
        var lot: JSONValue = .null
        for _ in 0..<3 {
            let lotStart = seconds()
            lot = try builder.lotReport(gtin: ChainGenerator.caseGTIN, lot: "L0", request: request)
            lotTimes.append(seconds() - lotStart)
        }
        let lotSeconds = lotTimes.sorted()[1]
        let lotEntries = lot["evidence"]?["entries"]?.arrayValue ?? []
        let lotFloor = try readAndCheck(layout, lotEntries)
        print("report_lot_median_of_3 \(ms(lotSeconds)) ms for \(lot["count"]?.integerValue ?? 0) serials (\(lotEntries.count) evidence entries, \(ReportFormat.fileBytes(lot).count) bytes)")
        print("report_lot_floor \(ms(lotFloor)) ms (read the \(lotEntries.count) cited entries and check their signatures)")
        let htmlStart = seconds()
        let html = try ReportHTML.render(report)
        print("report_serial_html \(ms(seconds() - htmlStart)) ms (\(html.utf8.count) bytes)")
        let verifyStart = seconds()
        let check = ReportVerifier.verify(ReportFormat.fileBytes(report), operatorKey: .publicKey(try ChainGenerator(directory: directory, units: 0, seed: seed).key("operator").publicKey))
        print("verify_report_serial \(ms(seconds() - verifyStart)) ms (\(check.valid ? "valid" : "INVALID: \(check.problems.first ?? "")"))")
    }

    /// Seconds (median of 5) to read each evidence entry where the index locates it and verify its signature once:
    /// the least any report with this evidence must do.
    static func readAndCheck(_ layout: StoreLayout, _ rows: [JSONValue]) throws -> Double {
        let reader = try LedgerReader(layout: layout)
        let index = try CustodyIndex(path: CustodyIndex.path(in: layout))
        let registry = try Ledger.replayRegistry(layout: layout, trustAnchor: nil)
        var times: [Double] = []
        for _ in 0..<5 {
            let start = seconds()
            for row in rows {
                guard let seq = row["seq"]?.integerValue, let location = try index.location(of: UInt64(seq)) else { continue }
                try registry.checkSignature(of: try reader.entry(at: location).entry)
            }
            times.append(seconds() - start)
        }
        return times.sorted()[2]
    }

    /// CPU seconds (user + system) this process has used.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }
}
