/// Reads EPCIS 2.0 XML (`urn:epcglobal:epcis:xsd:2`) and EPCIS 1.2 XML (`urn:epcglobal:epcis:xsd:1`)
/// documents, `EPCISDocument` or `EPCISQueryDocument`, into the EPCIS 2.0 JSON shape (`EPCISDocument`).
///
/// 1.2's `<extension>` and `<baseExtension>` wrappers are flattened (an ObjectEvent's
/// `extension/ilmd` becomes `ilmd`, `baseExtension/eventID` becomes `eventID`, a TransformationEvent
/// in the EventList's `extension` is an event like the others). Elements in other namespaces (user
/// extensions, the SBDH, GS1 US `gs1ushc:` elements) are kept under `prefix:localName` keys with the
/// prefix declared in `EPCISDocument.namespaces`. Whitespace around values is trimmed and the order
/// of an event's fields is not enforced; an unknown unqualified field, a missing `eventTime` or
/// `action`, an action other than ADD/OBSERVE/DELETE or a non-numeric quantity is refused with an
/// `EPCISError` naming the event and the field.
public enum EPCISXMLReader {
    /// EPCIS 2.0 XML namespace.
    public static let namespace20 = "urn:epcglobal:epcis:xsd:2"
    /// EPCIS 1.x XML namespace.
    public static let namespace12 = "urn:epcglobal:epcis:xsd:1"
    static let queryNamespace20 = "urn:epcglobal:epcis-query:xsd:2"
    static let queryNamespace12 = "urn:epcglobal:epcis-query:xsd:1"
    static let xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

    /// Reads a whole document from its bytes; `source` (a file name) names it in errors.
    public static func read(_ bytes: [UInt8], source: String, limits: XMLLimits = XMLLimits()) throws(EPCISError) -> EPCISDocument {
        let tree = try XMLTree.parse(bytes, source: source, limits: limits)
        var mapper = XMLMapper(tree: tree, source: source)
        return try mapper.document()
    }
}

/// Turns the element tree into the 2.0 JSON shape.
struct XMLMapper {
    let tree: XMLDocumentTree
    let source: String
    /// prefix → URI, as it will be published in `EPCISDocument.namespaces`.
    var namespaces: [String: String] = [:]
    /// URI → the prefix used for keys in that namespace.
    var prefixes: [String: String] = [:]
    var eventIndex: Int?
    var eventID: String?

    init(tree: XMLDocumentTree, source: String) {
        self.tree = tree
        self.source = source
        for (prefix, uri) in tree.declarations where !prefix.isEmpty && namespaces[prefix] == nil {
            namespaces[prefix] = uri
            if prefixes[uri] == nil { prefixes[uri] = prefix }
        }
    }

    // MARK: Errors

    func fail(_ element: XMLNodeElement?, field: String?, code: String, _ reason: String) -> EPCISError {
        var reason = reason
        if let element { reason = "line \(tree.location(element.offset).line): " + reason }
        return EPCISError(document: source, eventIndex: eventIndex, eventID: eventID, field: field, code: code, reason: reason)
    }

    static func isEPCIS(_ namespace: String) -> Bool {
        namespace == EPCISXMLReader.namespace20 || namespace == EPCISXMLReader.namespace12
            || namespace == EPCISXMLReader.queryNamespace20 || namespace == EPCISXMLReader.queryNamespace12
    }

    /// An EPCIS-defined element: unqualified (as the XSDs write them) or, leniently, in an EPCIS namespace.
    static func isStandard(_ element: XMLNodeElement) -> Bool { element.namespace.isEmpty || isEPCIS(element.namespace) }

    // MARK: Document

    mutating func document() throws(EPCISError) -> EPCISDocument {
        let root = tree.root
        let syntax: EPCISDocument.Syntax
        switch (root.namespace, root.localName) {
        case (EPCISXMLReader.namespace20, "EPCISDocument"), (EPCISXMLReader.queryNamespace20, "EPCISQueryDocument"): syntax = .xml20
        case (EPCISXMLReader.namespace12, "EPCISDocument"), (EPCISXMLReader.queryNamespace12, "EPCISQueryDocument"): syntax = .xml12
        default:
            let name = root.localName + (root.namespace.isEmpty ? " in no namespace" : " in namespace \(root.namespace)")
            throw fail(root, field: nil, code: "not-epcis",
                       "the root element is \(name), not EPCISDocument in \(EPCISXMLReader.namespace20) or \(EPCISXMLReader.namespace12) (or EPCISQueryDocument in \(EPCISXMLReader.queryNamespace20) or \(EPCISXMLReader.queryNamespace12))")
        }
        var header: EPCISNode?
        var eventList: XMLNodeElement?
        for child in root.children {
            guard Self.isStandard(child) else { continue }
            switch child.localName {
            case "EPCISHeader": header = try self.header(child)
            case "EPCISBody": eventList = try findEventList(child)
            case "extension": continue
            default:
                throw fail(child, field: nil, code: "unknown-field", "element <\(child.localName)> is not part of an EPCIS document")
            }
        }
        guard let eventList else {
            throw fail(root, field: nil, code: "missing-field", "the document has no EPCISBody/EventList")
        }
        var events: [EPCISNode] = []
        var elements: [XMLNodeElement] = []
        collectEvents(eventList, into: &elements)
        events.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            eventIndex = index
            eventID = nil
            events.append(try event(element))
        }
        eventIndex = nil
        eventID = nil
        return EPCISDocument(source: source, syntax: syntax, namespaces: namespaces, header: header, events: events)
    }

    /// EPCISBody/EventList, or EPCISBody/QueryResults/resultsBody/EventList in a query document.
    func findEventList(_ body: XMLNodeElement) throws(EPCISError) -> XMLNodeElement? {
        for child in body.children {
            if child.localName == "EventList", Self.isStandard(child) { return child }
            if child.localName == "QueryResults", Self.isStandard(child) {
                for part in child.children where part.localName == "resultsBody" {
                    for list in part.children where list.localName == "EventList" { return list }
                }
            }
        }
        return nil
    }

    static let eventTypes: Set<String> = ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"]

    /// Events in document order, 1.2's `<extension>` wrappers (TransformationEvent) flattened.
    func collectEvents(_ list: XMLNodeElement, into events: inout [XMLNodeElement]) {
        for child in list.children where Self.isStandard(child) {
            if child.localName == "extension" { collectEvents(child, into: &events) } else { events.append(child) }
        }
    }

    // MARK: Keys

    /// `prefix:local` for a namespaced name (a prefix registered for its URI), the bare local name otherwise.
    mutating func key(namespace: String, prefix: String, localName: String) -> String {
        if namespace.isEmpty { return localName }
        if !prefix.isEmpty, namespaces[prefix] == namespace { return prefix + ":" + localName }
        if let known = prefixes[namespace] { return known + ":" + localName }
        let stem = prefix.isEmpty ? "ns" : prefix
        var candidate = stem
        var number = 1
        while namespaces[candidate] != nil {
            candidate = stem + String(number)
            number += 1
        }
        namespaces[candidate] = namespace
        prefixes[namespace] = candidate
        return candidate + ":" + localName
    }

    mutating func key(_ element: XMLNodeElement) -> String {
        key(namespace: element.namespace, prefix: element.prefix, localName: element.localName)
    }

    // MARK: Generic content (extensions, SBDH, master data values)

    /// An element's content in the JSON shape: a string for a leaf, else an object of its attributes
    /// and children (repeated children become an array; leaf text beside children or attributes goes
    /// under `#text`). `xsi:type` numeric and boolean leaves become numbers and booleans.
    mutating func generic(_ element: XMLNodeElement, skipAttribute: String? = nil) -> EPCISNode {
        let attributes = element.attributes.filter { $0.namespace != EPCISXMLReader.xsiNamespace && !($0.namespace.isEmpty && $0.localName == skipAttribute) }
        let text = element.text.trimmingWhitespace
        if element.children.isEmpty && attributes.isEmpty {
            if let type = element.attributes.first(where: { $0.namespace == EPCISXMLReader.xsiNamespace && $0.localName == "type" })?.value {
                let local = type.split(separator: ":").last.map(String.init) ?? type
                switch local {
                case "integer", "int", "long", "short", "decimal", "double", "float", "nonNegativeInteger", "positiveInteger":
                    if isNumber(text) { return .number(text) }
                case "boolean":
                    if text == "true" || text == "1" { return .bool(true) }
                    if text == "false" || text == "0" { return .bool(false) }
                default: break
                }
            }
            return .string(text)
        }
        var members: [EPCISNode.Member] = []
        for attribute in attributes {
            members.append(.init(key(namespace: attribute.namespace, prefix: attribute.prefix, localName: attribute.localName), .string(attribute.value.trimmingWhitespace)))
        }
        if !text.isEmpty { members.append(.init("#text", .string(text))) }
        appendGeneric(element.children, to: &members)
        return .object(members)
    }

    /// Appends each child, generically converted, under its key; a key seen twice turns into an array
    /// at its first position. (A single generic element is never an array, so an array value already
    /// under the key is one of repeats.)
    mutating func appendGeneric(_ children: [XMLNodeElement], to members: inout [EPCISNode.Member]) {
        for child in children {
            let name = key(child)
            let node = generic(child)
            if let index = members.firstIndex(where: { $0.key == name }) {
                if case .array(let items) = members[index].value {
                    members[index].value = .array(items + [node])
                } else {
                    members[index].value = .array([members[index].value, node])
                }
            } else {
                members.append(.init(name, node))
            }
        }
    }

    // MARK: Header

    mutating func header(_ element: XMLNodeElement) throws(EPCISError) -> EPCISNode {
        var members: [EPCISNode.Member] = []
        var vocabularies: [EPCISNode] = []
        try headerContent(element, members: &members, vocabularies: &vocabularies)
        if !vocabularies.isEmpty {
            members.append(.init("epcisMasterData", .object([.init("vocabularyList", .array(vocabularies))])))
        }
        return .object(members)
    }

    mutating func headerContent(_ element: XMLNodeElement, members: inout [EPCISNode.Member], vocabularies: inout [EPCISNode]) throws(EPCISError) {
        for child in element.children {
            if Self.isStandard(child) {
                switch child.localName {
                case "extension": try headerContent(child, members: &members, vocabularies: &vocabularies)
                case "EPCISMasterData":
                    for list in child.children where Self.isStandard(list) && list.localName == "VocabularyList" {
                        for vocabulary in list.children where Self.isStandard(vocabulary) && vocabulary.localName == "Vocabulary" {
                            vocabularies.append(try self.vocabulary(vocabulary))
                        }
                    }
                default:
                    throw fail(child, field: "epcisHeader", code: "unknown-field", "element <\(child.localName)> is not part of an EPCIS header")
                }
            } else {
                appendGeneric([child], to: &members)
            }
        }
    }

    mutating func vocabulary(_ element: XMLNodeElement) throws(EPCISError) -> EPCISNode {
        guard let type = element.attribute("type")?.trimmingWhitespace, !type.isEmpty else {
            throw fail(element, field: "epcisHeader.epcisMasterData.vocabularyList", code: "missing-field", "a Vocabulary has no type attribute")
        }
        var items: [EPCISNode] = []
        for list in element.children where list.localName == "VocabularyElementList" {
            for item in list.children where item.localName == "VocabularyElement" {
                guard let id = item.attribute("id")?.trimmingWhitespace, !id.isEmpty else {
                    throw fail(item, field: "epcisHeader.epcisMasterData.vocabularyList", code: "missing-field", "a VocabularyElement has no id attribute")
                }
                var attributes: [EPCISNode] = []
                var children: [EPCISNode] = []
                var extra: [EPCISNode.Member] = []
                for part in item.children {
                    if Self.isStandard(part) && part.localName == "attribute" {
                        let attributeID = (part.attribute("id") ?? "").trimmingWhitespace
                        let value: EPCISNode = part.children.isEmpty ? .string(part.text.trimmingWhitespace) : generic(part, skipAttribute: "id")
                        attributes.append(.object([.init("id", .string(attributeID)), .init("attribute", value)]))
                    } else if Self.isStandard(part) && part.localName == "children" {
                        children += part.children.map { .string($0.text.trimmingWhitespace) }
                    } else if !Self.isStandard(part) {
                        appendGeneric([part], to: &extra)
                    }
                }
                var members: [EPCISNode.Member] = [.init("id", .string(id))]
                if !attributes.isEmpty { members.append(.init("attributes", .array(attributes))) }
                if !children.isEmpty { members.append(.init("children", .array(children))) }
                items.append(.object(members + extra))
            }
        }
        return .object([.init("type", .string(type)), .init("vocabularyElementList", .array(items))])
    }

    // MARK: Events

    mutating func event(_ element: XMLNodeElement) throws(EPCISError) -> EPCISNode {
        let type = element.localName
        guard Self.eventTypes.contains(type) else {
            throw fail(element, field: nil, code: "unknown-event-type",
                       "<\(type)> is not an EPCIS event (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent)")
        }
        eventID = findEventID(element)
        var members: [EPCISNode.Member] = [.init("type", .string(type))]
        try eventFields(element, into: &members)
        guard let time = members.first(where: { $0.key == "eventTime" })?.value.stringValue else {
            throw fail(element, field: "eventTime", code: "missing-field", "the \(type) has no eventTime, which every event must have")
        }
        guard EPCISTime.parse(time) != nil else {
            throw fail(element, field: "eventTime", code: "bad-time", "eventTime \"\(time)\" is not an xsd:dateTime with a time zone (YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm))")
        }
        if type != "TransformationEvent" {
            guard members.contains(where: { $0.key == "action" }) else {
                throw fail(element, field: "action", code: "missing-field", "the \(type) has no action (ADD, OBSERVE or DELETE)")
            }
        }
        return .object(members)
    }

    func findEventID(_ element: XMLNodeElement) -> String? {
        for child in element.children where Self.isStandard(child) {
            if child.localName == "eventID" { return child.text.trimmingWhitespace }
            if child.localName == "baseExtension" || child.localName == "extension", let id = findEventID(child) { return id }
        }
        return nil
    }

    static let stringFields: Set<String> = ["eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "parentID", "bizStep",
                                            "disposition", "transformationID", "certificationInfo"]
    static let epcLists: Set<String> = ["epcList", "childEPCs", "inputEPCList", "outputEPCList"]
    static let quantityLists: Set<String> = ["quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"]

    mutating func eventFields(_ element: XMLNodeElement, into members: inout [EPCISNode.Member]) throws(EPCISError) {
        for child in element.children {
            guard Self.isStandard(child) else {
                appendGeneric([child], to: &members)
                continue
            }
            let name = child.localName
            if name == "extension" || name == "baseExtension" {
                try eventFields(child, into: &members)
                continue
            }
            if members.contains(where: { $0.key == name }) {
                throw fail(child, field: name, code: "duplicate-field", "\(name) appears twice in the event")
            }
            let value: EPCISNode
            switch name {
            case "action":
                let action = child.text.trimmingWhitespace
                guard action == "ADD" || action == "OBSERVE" || action == "DELETE" else {
                    throw fail(child, field: "action", code: "bad-action", "action \"\(action)\" is not ADD, OBSERVE or DELETE")
                }
                value = .string(action)
            case "eventTimeZoneOffset":
                let offset = child.text.trimmingWhitespace
                guard EPCISTime.isOffset(offset) else {
                    throw fail(child, field: name, code: "bad-time", "eventTimeZoneOffset \"\(offset)\" is not ±hh:mm")
                }
                value = .string(offset)
            case _ where Self.stringFields.contains(name):
                value = .string(child.text.trimmingWhitespace)
            case _ where Self.epcLists.contains(name):
                value = .array(child.children.filter { $0.localName == "epc" }.map { .string($0.text.trimmingWhitespace) })
            case _ where Self.quantityLists.contains(name):
                var items: [EPCISNode] = []
                for (index, item) in child.children.enumerated() where item.localName == "quantityElement" {
                    items.append(try quantityElement(item, field: "\(name)[\(index)]"))
                }
                value = .array(items)
            case "readPoint", "bizLocation":
                value = try idObject(child, field: name)
            case "bizTransactionList":
                value = .array(typedList(child, item: "bizTransaction"))
            case "sourceList":
                value = .array(typedList(child, item: "source"))
            case "destinationList":
                value = .array(typedList(child, item: "destination"))
            case "ilmd":
                var ilmd: [EPCISNode.Member] = []
                try flattenedGeneric(child, into: &ilmd)
                value = .object(ilmd)
            case "persistentDisposition":
                var parts: [EPCISNode.Member] = []
                for part in child.children where part.localName == "set" || part.localName == "unset" {
                    let text = EPCISNode.string(part.text.trimmingWhitespace)
                    if let index = parts.firstIndex(where: { $0.key == part.localName }), case .array(let items) = parts[index].value {
                        parts[index].value = .array(items + [text])
                    } else {
                        parts.append(.init(part.localName, .array([text])))
                    }
                }
                value = .object(parts)
            case "errorDeclaration":
                value = try errorDeclaration(child)
            case "sensorElementList":
                var elements: [EPCISNode] = []
                for (index, sensor) in child.children.enumerated() where sensor.localName == "sensorElement" {
                    elements.append(try sensorElement(sensor, field: "sensorElementList[\(index)]"))
                }
                value = .array(elements)
            default:
                throw fail(child, field: name, code: "unknown-field",
                           "<\(name)> is not a field of an EPCIS event; user extensions must be in a namespace of their own")
            }
            members.append(.init(name, value))
        }
    }

    /// Content where 1.2 `<extension>` wrappers are dropped and everything else is generic.
    mutating func flattenedGeneric(_ element: XMLNodeElement, into members: inout [EPCISNode.Member]) throws(EPCISError) {
        for child in element.children {
            if Self.isStandard(child) && child.localName == "extension" {
                try flattenedGeneric(child, into: &members)
            } else {
                appendGeneric([child], to: &members)
            }
        }
    }

    mutating func quantityElement(_ element: XMLNodeElement, field: String) throws(EPCISError) -> EPCISNode {
        var members: [EPCISNode.Member] = []
        for part in element.children {
            switch Self.isStandard(part) ? part.localName : "" {
            case "epcClass", "uom": members.append(.init(part.localName, .string(part.text.trimmingWhitespace)))
            case "quantity":
                // xsi:nil="true": the quantity is absent (the XSD declares it nillable).
                if part.attributes.contains(where: { $0.namespace == EPCISXMLReader.xsiNamespace && $0.localName == "nil" && $0.value.trimmingWhitespace == "true" }),
                   part.text.trimmingWhitespace.isEmpty { continue }
                let text = part.text.trimmingWhitespace
                guard isNumber(text) else {
                    throw fail(part, field: field + ".quantity", code: "bad-quantity", "quantity \"\(text)\" is not a number")
                }
                members.append(.init("quantity", .number(text)))
            default:
                appendGeneric([part], to: &members)
            }
        }
        guard members.contains(where: { $0.key == "epcClass" }) else {
            throw fail(element, field: field + ".epcClass", code: "missing-field", "a quantityElement has no epcClass")
        }
        return .object(members)
    }

    mutating func idObject(_ element: XMLNodeElement, field: String) throws(EPCISError) -> EPCISNode {
        var members: [EPCISNode.Member] = []
        try flattenedGeneric(element, into: &members)
        guard let id = members.first(where: { $0.key == "id" }), id.value.stringValue?.isEmpty == false else {
            throw fail(element, field: field + ".id", code: "missing-field", "\(field) has no id")
        }
        return .object(members)
    }

    /// `[{type, <item>}]` from `<item type="...">value</item>` elements (type omitted when absent).
    mutating func typedList(_ element: XMLNodeElement, item: String) -> [EPCISNode] {
        var result: [EPCISNode] = []
        for child in element.children where child.localName == item {
            var members: [EPCISNode.Member] = []
            if let type = child.attribute("type") { members.append(.init("type", .string(type.trimmingWhitespace))) }
            members.append(.init(item, .string(child.text.trimmingWhitespace)))
            result.append(.object(members))
        }
        return result
    }

    mutating func errorDeclaration(_ element: XMLNodeElement) throws(EPCISError) -> EPCISNode {
        var members: [EPCISNode.Member] = []
        for part in element.children {
            switch Self.isStandard(part) ? part.localName : "" {
            case "declarationTime", "reason": members.append(.init(part.localName, .string(part.text.trimmingWhitespace)))
            case "correctiveEventIDs":
                members.append(.init("correctiveEventIDs", .array(part.children.map { .string($0.text.trimmingWhitespace) })))
            case "extension":
                try flattenedGeneric(part, into: &members)
            default:
                appendGeneric([part], to: &members)
            }
        }
        guard members.contains(where: { $0.key == "declarationTime" }) else {
            throw fail(element, field: "errorDeclaration.declarationTime", code: "missing-field", "errorDeclaration has no declarationTime")
        }
        return .object(members)
    }

    static let sensorNumbers: Set<String> = ["value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"]

    mutating func sensorElement(_ element: XMLNodeElement, field: String) throws(EPCISError) -> EPCISNode {
        var members: [EPCISNode.Member] = []
        var reports: [EPCISNode] = []
        for part in element.children {
            switch Self.isStandard(part) ? part.localName : "" {
            case "sensorMetadata":
                members.append(.init("sensorMetadata", try sensorAttributes(part, field: field + ".sensorMetadata")))
            case "sensorReport":
                reports.append(try sensorAttributes(part, field: field + ".sensorReport[\(reports.count)]"))
            case "extension":
                try flattenedGeneric(part, into: &members)
            default:
                appendGeneric([part], to: &members)
            }
        }
        if !reports.isEmpty { members.append(.init("sensorReport", .array(reports))) }
        return .object(members)
    }

    mutating func sensorAttributes(_ element: XMLNodeElement, field: String) throws(EPCISError) -> EPCISNode {
        var members: [EPCISNode.Member] = []
        for attribute in element.attributes {
            let value = attribute.value.trimmingWhitespace
            if attribute.namespace.isEmpty && Self.sensorNumbers.contains(attribute.localName) {
                guard isNumber(value) else {
                    throw fail(element, field: field + "." + attribute.localName, code: "bad-number", "\(attribute.localName) \"\(value)\" is not a number")
                }
                members.append(.init(attribute.localName, .number(value)))
            } else if attribute.namespace.isEmpty && attribute.localName == "booleanValue" {
                guard value == "true" || value == "false" else {
                    throw fail(element, field: field + ".booleanValue", code: "bad-boolean", "booleanValue \"\(value)\" is not true or false")
                }
                members.append(.init("booleanValue", .bool(value == "true")))
            } else {
                members.append(.init(key(namespace: attribute.namespace, prefix: attribute.prefix, localName: attribute.localName), .string(value)))
            }
        }
        try flattenedGeneric(element, into: &members)
        return .object(members)
    }
}

/// An xsd:decimal or xsd:double literal (`12`, `-0.5`, `1E3`, `.5`).
func isNumber(_ text: String) -> Bool {
    var bytes = Array(text.utf8)[...]
    if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
    var digits = 0, dot = false, exponent = false, exponentDigits = 0
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): if exponent { exponentDigits += 1 } else { digits += 1 }
        case UInt8(ascii: ".") where !dot && !exponent: dot = true
        case UInt8(ascii: "e"), UInt8(ascii: "E"):
            guard !exponent, digits > 0 else { return false }
            exponent = true
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard exponent, exponentDigits == 0 else { return false }
        default: return false
        }
    }
    return digits > 0 && (!exponent || exponentDigits > 0)
}
