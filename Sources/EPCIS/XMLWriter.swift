/// Writes a document in the EPCIS 2.0 JSON shape as EPCIS 2.0 XML (`urn:epcglobal:epcis:xsd:2`), the inverse of
/// what `EPCISXMLReader` reads: standard fields as their XML elements, `prefix:name` extensions as elements in
/// the namespace the document's `@context` declares for the prefix, header master data as `EPCISMasterData`.
///
/// Structures the ledger never exports from its own bodies and that need XML attributes (sensor data) are
/// refused with the event and field named, rather than written wrongly.
public enum EPCISXMLWriter {
    /// The XML text of `document` (an `EPCISDocument` object in the 2.0 JSON shape).
    public static func write(_ document: EPCISNode) throws(EPCISError) -> String {
        var namespaces: [String: String] = EPCISDocument.standardPrefixes
        for element in document["@context"]?.arrayValue ?? [] {
            for member in element.members ?? [] { if let iri = member.value.stringValue { namespaces[member.key] = iri } }
        }
        for prefix in namespaces.keys.sorted() where !isNCName(prefix[...]) || prefix.lowercased().hasPrefix("xml") {
            throw EPCISError(document: "export", field: "@context.\(prefix)", code: "not-writable-as-xml",
                             reason: "the prefix \(prefix) is not an XML namespace prefix (an NCName not starting with xml)")
        }
        var writer = Writer(namespaces: namespaces)
        var declarations = "xmlns:epcis=\"urn:epcglobal:epcis:xsd:2\""
        for prefix in namespaces.keys.sorted() where prefix != "epcis" {
            declarations += " xmlns:\(prefix)=\"\(escape(namespaces[prefix]!))\""
        }
        writer.out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        writer.out += "<epcis:EPCISDocument \(declarations) schemaVersion=\"2.0\" creationDate=\"\(escape(document["creationDate"]?.stringValue ?? ""))\">\n"
        if let header = document["epcisHeader"] {
            writer.out += "  <EPCISHeader>\n"
            for member in header.members ?? [] {
                if member.key == "epcisMasterData" {
                    writer.masterData(member.value)
                } else {
                    try writer.generic(member.key, member.value, indent: 2, field: "epcisHeader.\(member.key)", event: nil)
                }
            }
            writer.out += "  </EPCISHeader>\n"
        }
        writer.out += "  <EPCISBody>\n    <EventList>\n"
        for (index, event) in (document["epcisBody"]?["eventList"]?.arrayValue ?? []).enumerated() {
            try writer.event(event, index: index)
        }
        writer.out += "    </EventList>\n  </EPCISBody>\n</epcis:EPCISDocument>\n"
        return writer.out
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for char in text {
            switch char {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(char)
            }
        }
        return out
    }

    struct Writer {
        let namespaces: [String: String]
        var out = ""

        init(namespaces: [String: String]) { self.namespaces = namespaces }

        func pad(_ indent: Int) -> String { String(repeating: "  ", count: indent) }

        mutating func leaf(_ name: String, _ text: String, indent: Int, attributes: String = "") {
            out += "\(pad(indent))<\(name)\(attributes)>\(escape(text))</\(name)>\n"
        }

        func text(_ value: EPCISNode) -> String? {
            switch value {
            case .string(let text): text
            case .number(let text): text
            case .bool(let flag): flag ? "true" : "false"
            default: nil
            }
        }

        mutating func masterData(_ value: EPCISNode) {
            out += "    <EPCISMasterData>\n      <VocabularyList>\n"
            for vocabulary in value["vocabularyList"]?.arrayValue ?? [] {
                out += "        <Vocabulary type=\"\(escape(vocabulary["type"]?.stringValue ?? ""))\">\n          <VocabularyElementList>\n"
                for element in vocabulary["vocabularyElementList"]?.arrayValue ?? [] {
                    out += "            <VocabularyElement id=\"\(escape(element["id"]?.stringValue ?? ""))\">\n"
                    for attribute in element["attributes"]?.arrayValue ?? [] {
                        leaf("attribute", attribute["attribute"].flatMap(text) ?? "", indent: 7,
                             attributes: " id=\"\(escape(attribute["id"]?.stringValue ?? ""))\"")
                    }
                    out += "            </VocabularyElement>\n"
                }
                out += "          </VocabularyElementList>\n        </Vocabulary>\n"
            }
            out += "      </VocabularyList>\n    </EPCISMasterData>\n"
        }

        mutating func event(_ event: EPCISNode, index: Int) throws(EPCISError) {
            let eventID = event["eventID"]?.stringValue
            func fail(_ field: String, _ reason: String) -> EPCISError {
                EPCISError(document: "export", eventIndex: index, eventID: eventID, field: field, code: "not-writable-as-xml", reason: reason)
            }
            guard let type = event["type"]?.stringValue else { throw fail("type", "is missing") }
            guard isNCName(type[...]) else { throw fail("type", "\(type) is not an XML element name") }
            out += "      <\(type)>\n"
            for member in event.members ?? [] where member.key != "type" {
                let key = member.key, value = member.value
                switch key {
                case "epcList", "childEPCs", "inputEPCList", "outputEPCList":
                    out += "        <\(key)>\n"
                    for epc in value.arrayValue ?? [] { leaf("epc", text(epc) ?? "", indent: 5) }
                    out += "        </\(key)>\n"
                case "quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList":
                    out += "        <\(key)>\n"
                    for element in value.arrayValue ?? [] {
                        out += "          <quantityElement>\n"
                        for part in element.members ?? [] {
                            guard isQName(part.key) else { throw fail("\(key).\(part.key)", "\(part.key) is not an XML element name") }
                            leaf(part.key, text(part.value) ?? "", indent: 6)
                        }
                        out += "          </quantityElement>\n"
                    }
                    out += "        </\(key)>\n"
                case "readPoint", "bizLocation":
                    out += "        <\(key)>\n"
                    for part in value.members ?? [] { try generic(part.key, part.value, indent: 5, field: "\(key).\(part.key)", event: index) }
                    out += "        </\(key)>\n"
                case "bizTransactionList", "sourceList", "destinationList":
                    let item = key == "bizTransactionList" ? "bizTransaction" : key == "sourceList" ? "source" : "destination"
                    out += "        <\(key)>\n"
                    for element in value.arrayValue ?? [] {
                        let type = element["type"]?.stringValue.map { " type=\"\(escape($0))\"" } ?? ""
                        leaf(item, element[item].flatMap(text) ?? "", indent: 5, attributes: type)
                    }
                    out += "        </\(key)>\n"
                case "ilmd":
                    out += "        <ilmd>\n"
                    for part in value.members ?? [] { try generic(part.key, part.value, indent: 5, field: "ilmd.\(part.key)", event: index) }
                    out += "        </ilmd>\n"
                case "sensorElementList", "persistentDisposition", "errorDeclaration", "@context":
                    throw fail(key, "has no XML form in this writer; export as epcis-json")
                default:
                    if !key.contains(":"), text(value) == nil { throw fail(key, "has no XML form in this writer; export as epcis-json") }
                    try generic(key, value, indent: 4, field: key, event: index)
                }
            }
            out += "      </\(type)>\n"
        }

        /// A field or extension: a leaf as text, an object as child elements, an array as repeated elements.
        mutating func generic(_ key: String, _ value: EPCISNode, indent: Int, field: String, event: Int?) throws(EPCISError) {
            guard isQName(key) else {
                throw EPCISError(document: "export", eventIndex: event, field: field, code: "not-writable-as-xml",
                                 reason: "\(key) is not an XML element name (an NCName or prefix:NCName)")
            }
            if let colon = key.firstIndex(of: ":"), namespaces[String(key[..<colon])] == nil {
                throw EPCISError(document: "export", eventIndex: event, field: field, code: "not-writable-as-xml",
                                 reason: "the prefix of \(key) is not declared in the document's @context")
            }
            switch value {
            case .array(let elements):
                for element in elements { try generic(key, element, indent: indent, field: field, event: event) }
            case .object(let members):
                out += "\(pad(indent))<\(key)>\n"
                for member in members where member.key != "#text" {
                    try generic(member.key, member.value, indent: indent + 1, field: "\(field).\(member.key)", event: event)
                }
                out += "\(pad(indent))</\(key)>\n"
            case .null:
                out += "\(pad(indent))<\(key)/>\n"
            default:
                leaf(key, text(value) ?? "", indent: indent)
            }
        }
    }
}
