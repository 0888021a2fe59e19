import EPCIS
import LedgerCrypto
import LedgerStore
#if canImport(Glibc)
import Glibc
#endif

/// A deterministic EPCIS 1.2 XML document of `events` events in the shape of the GS1 US DSCSA example:
/// commissioning ObjectEvents of 10 SGTINs with lot/expiry ILMD, AggregationEvents packing them into cases,
/// and shipping ObjectEvents with po/desadv and owning-party source/destination, in a 2:1:1 mix.
func epcisXMLDocument(events: Int) -> [UInt8] {
    var out = """
    <?xml version="1.0" encoding="UTF-8"?>
    <epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:cbvmda="urn:epcglobal:cbv:mda" xmlns:gs1ushc="http://epcis.gs1us.org/hc/ns" schemaVersion="1.2" creationDate="2026-11-30T08:45:16Z">
    <EPCISHeader><gs1ushc:dscsaTransactionStatement><gs1ushc:affirmTransactionStatement>true</gs1ushc:affirmTransactionStatement></gs1ushc:dscsaTransactionStatement></EPCISHeader>
    <EPCISBody><EventList>

    """
    out.reserveCapacity(events * 1100)
    for index in 0..<events {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let time = "<eventTime>2026-11-\(10 + index % 18)T\(two(index / 3600 % 24)):\(two(index / 60 % 60)):\(two(index % 60)).123-05:00</eventTime>\n    <eventTimeZoneOffset>-05:00</eventTimeZoneOffset>\n"
        let place = "<readPoint><id>urn:epc:id:sgln:030001.111111.0</id></readPoint>\n    <bizLocation><id>urn:epc:id:sgln:030001.111111.0</id></bizLocation>\n"
        let units = (0..<10).map { "      <epc>urn:epc:id:sgtin:030001.0012345.\(index * 10 + $0)</epc>\n" }.joined()
        switch index % 4 {
        case 0, 1:
            out += "  <ObjectEvent>\n    \(time)    <epcList>\n\(units)    </epcList>\n    <action>ADD</action>\n    <bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>\n    <disposition>urn:epcglobal:cbv:disp:active</disposition>\n    \(place)    <extension><ilmd><cbvmda:lotNumber>A\(index % 97)</cbvmda:lotNumber><cbvmda:itemExpirationDate>2028-03-27</cbvmda:itemExpirationDate></ilmd></extension>\n  </ObjectEvent>\n"
        case 2:
            out += "  <AggregationEvent>\n    \(time)    <parentID>urn:epc:id:sgtin:030001.1012345.\(index)</parentID>\n    <childEPCs>\n\(units)    </childEPCs>\n    <action>ADD</action>\n    <bizStep>urn:epcglobal:cbv:bizstep:packing</bizStep>\n    <disposition>urn:epcglobal:cbv:disp:in_progress</disposition>\n    \(place)  </AggregationEvent>\n"
        default:
            out += "  <ObjectEvent>\n    \(time)    <epcList><epc>urn:epc:id:sgtin:030001.1012345.\(index - 1)</epc></epcList>\n    <action>OBSERVE</action>\n    <bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>\n    <disposition>urn:epcglobal:cbv:disp:in_transit</disposition>\n    \(place)    <bizTransactionList><bizTransaction type=\"urn:epcglobal:cbv:btt:po\">urn:epcglobal:cbv:bt:0399999999991:PO\(index)</bizTransaction><bizTransaction type=\"urn:epcglobal:cbv:btt:desadv\">urn:epcglobal:cbv:bt:0300011111215:DEL\(index)</bizTransaction></bizTransactionList>\n    <extension><sourceList><source type=\"urn:epcglobal:cbv:sdt:owning_party\">urn:epc:id:sgln:030001.111111.0</source></sourceList><destinationList><destination type=\"urn:epcglobal:cbv:sdt:owning_party\">urn:epc:id:sgln:039999.999999.0</destination></destinationList></extension>\n  </ObjectEvent>\n"
        }
    }
    out += "</EventList></EPCISBody></epcis:EPCISDocument>\n"
    return Array(out.utf8)
}

/// `epcis-xml-generate FILE EVENTS`: writes the document above.
func epcisXMLGenerate(_ path: String, events: Int) throws {
    let bytes = epcisXMLDocument(events: events)
    try Files.writeAtomically(path, bytes, sync: false)
    print("epcis_xml_generated \(events) events, \(bytes.count) bytes in \(path)")
}

/// `epcis-xml FILE`: times reading the file into an `EPCISDocument` (best of 3) beside a plain pass over the
/// same bytes (counting `<`, the floor any parser has to stay above), then the CBV 2.0 hash of every event.
func epcisXMLBench(_ path: String) throws {
    let bytes = try Files.read(path, limit: 1 << 31)
    var best = Double.infinity
    var document: EPCISDocument?
    for _ in 0..<3 {
        let start = now()
        document = try EPCISXMLReader.read(bytes, source: path)
        best = min(best, now() - start)
    }
    guard let document else { return }
    var scanBest = Double.infinity
    var tags = 0
    for _ in 0..<3 {
        let start = now()
        tags = bytes.withUnsafeBufferPointer { buffer in buffer.reduce(0) { $0 + ($1 == UInt8(ascii: "<") ? 1 : 0) } }
        scanBest = min(scanBest, now() - start)
    }
    let mib = Double(bytes.count) / 1_048_576
    print("epcis_xml_read \(document.events.count) events, \(bytes.count) bytes in \(String(format: best)) s: \(Int(Double(document.events.count) / best)) events/s, \(Int(mib / best)) MiB/s")
    print("epcis_xml_scan_floor one pass counting \(tags) '<' in \(String(format: scanBest)) s: \(Int(mib / scanBest)) MiB/s")
    var start = now()
    var last = ""
    for event in document.events { last = EPCISEventHash.hashID(event, namespaces: document.namespaces) }
    let hashSeconds = now() - start
    print("epcis_event_hash \(document.events.count) events in \(String(format: hashSeconds)) s: \(Int(Double(document.events.count) / hashSeconds)) events/s (last \(last.prefix(30))…)")
    start = now()
    _ = SHA256.hash(bytes)
    print("epcis_sha256_of_document SHA-256 of all \(bytes.count) bytes in \(String(format: now() - start)) s")
    print("epcis_peak_memory \(peakMemoryMiB()) MiB")
}
