import EPCIS
import Foundation

/// The bytes of `Resources/<path>` (test resources copied from Apache-2.0 and MIT sources; see Resources/SOURCES.md).
func resource(_ path: String) throws -> [UInt8] {
    let base = Bundle.module.bundleURL
    let url = base.appendingPathComponent("Resources").appendingPathComponent(path)
    guard let data = FileManager.default.contents(atPath: url.path) else { throw MissingResource(path: path) }
    return [UInt8](data)
}

struct MissingResource: Error, CustomStringConvertible {
    var path: String
    var description: String { "test resource Resources/\(path) is missing" }
}

/// Reads `Resources/<path>` as EPCIS XML.
func readXML(_ path: String) throws -> EPCISDocument {
    try EPCISXMLReader.read(try resource(path), source: (path as NSString).lastPathComponent)
}

/// The error reading `bytes` as EPCIS XML throws, or nil when it reads.
func readError(_ bytes: [UInt8], source: String) -> EPCISError? {
    do { _ = try EPCISXMLReader.read(bytes, source: source) } catch { return error }
    return nil
}

/// The error parsing `text` as XML throws, or nil when it parses.
func parseError(_ text: String, limits: XMLLimits = XMLLimits()) -> EPCISError? {
    do { _ = try XMLTree.parse(Array(text.utf8), source: "t.xml", limits: limits) } catch { return error }
    return nil
}
