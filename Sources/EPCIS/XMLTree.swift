/// A small, safe, non-validating XML 1.0 parser with namespaces, written for EPCIS documents.
///
/// What it accepts: UTF-8 (or ASCII) input, an optional XML declaration, comments, CDATA sections,
/// the five predefined entities (`&amp; &lt; &gt; &quot; &apos;`) and character references, and a
/// document type declaration that is a bare name before the root (`<!DOCTYPE project>`, which can
/// declare nothing and points at nothing; it is skipped).
/// What it refuses, with the line and column: any other `<!DOCTYPE` (an external identifier or an
/// internal subset: so no DTD, no external or internal entity, nothing is ever fetched or expanded),
/// any other entity reference, processing
/// instructions other than the XML declaration, an encoding other than UTF-8, undeclared namespace
/// prefixes, and documents deeper or larger than `XMLLimits`.
public enum XMLTree {
    /// Parses `bytes` into an element tree; `source` (a file name) goes into errors.
    public static func parse(_ bytes: [UInt8], source: String, limits: XMLLimits = XMLLimits()) throws(EPCISError) -> XMLDocumentTree {
        guard bytes.count <= limits.maxBytes else {
            throw EPCISError(document: source, code: "xml-too-large",
                             reason: "the document is \(bytes.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        var parser = XMLByteParser(bytes: bytes, source: source, limits: limits)
        let root = try parser.parseDocument()
        return XMLDocumentTree(root: root, declarations: parser.declarations, lineStarts: XMLLineIndex(bytes))
    }
}

/// Bounds on what `XMLTree.parse` reads.
public struct XMLLimits: Sendable, Hashable {
    /// The largest document, in bytes.
    public var maxBytes: Int
    /// The deepest element nesting (the root is depth 1).
    public var maxDepth: Int
    /// The most attributes on one element.
    public var maxAttributes: Int
    /// The most elements in one document (each is an object in memory).
    public var maxElements: Int

    /// Defaults: 512 MiB (the JSON reader's and the CLI's limit), depth 64, 256 attributes per element,
    /// 10,000,000 elements.
    public init(maxBytes: Int = EPCISJSONReader.maxBytes, maxDepth: Int = 64, maxAttributes: Int = 256, maxElements: Int = 10_000_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxAttributes = maxAttributes
        self.maxElements = maxElements
    }
}

/// A parsed document: the root element, every namespace declaration in document order, and a way
/// to turn a byte offset back into a line and column.
public struct XMLDocumentTree: Sendable {
    /// The root element.
    public var root: XMLNodeElement
    /// Every `xmlns:prefix="uri"` declaration in document order (prefix "" for a default namespace).
    public var declarations: [(prefix: String, uri: String)]
    let lineStarts: XMLLineIndex

    /// The 1-based line and column (in bytes) of a byte offset.
    public func location(_ offset: Int) -> (line: Int, column: Int) { lineStarts.location(offset) }
}

/// One element: its expanded name, the prefix it was written with, attributes, child elements and
/// the character data directly inside it (text segments concatenated; CDATA included).
///
/// A class, immutable once parsed, so that walking a large tree shares nodes instead of copying them.
public final class XMLNodeElement: Sendable {
    /// The namespace URI ("" when the element is in no namespace).
    public let namespace: String
    /// The prefix as written ("" when none).
    public let prefix: String
    /// The local name.
    public let localName: String
    /// Attributes in document order (namespace declarations excluded).
    public let attributes: [XMLNodeAttribute]
    /// Child elements in document order.
    public let children: [XMLNodeElement]
    /// The character data directly inside this element, entities decoded, segments of whitespace alone
    /// (indentation between child elements) dropped; "" when there is none.
    public let text: String
    /// Byte offset of the element's `<`, for error locations.
    public let offset: Int

    init(_ open: OpenElement, text: String) {
        namespace = open.namespace
        prefix = open.prefix
        localName = open.localName
        attributes = open.attributes
        children = open.children
        self.text = text
        offset = open.offset
    }

    /// The value of the unqualified attribute `name`, or nil.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.namespace.isEmpty && $0.localName == name }?.value
    }
}

/// An element while its content is read.
struct OpenElement {
    var namespace: String
    var prefix: String
    var localName: String
    var attributes: [XMLNodeAttribute]
    var children: [XMLNodeElement]
    var offset: Int
}

/// One attribute of an element.
public struct XMLNodeAttribute: Sendable {
    /// The namespace URI ("" for an unprefixed attribute).
    public var namespace: String
    /// The prefix as written ("" when none).
    public var prefix: String
    /// The local name.
    public var localName: String
    /// The value, entities decoded and whitespace normalised as XML 1.0 §3.3.3 says.
    public var value: String
}

/// Byte offsets where lines start, built only when an error needs a location.
struct XMLLineIndex: Sendable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func location(_ offset: Int) -> (line: Int, column: Int) {
        var line = 1, lineStart = 0
        var index = 0
        let end = min(offset, bytes.count)
        while index < end {
            if bytes[index] == 0x0A { line += 1; lineStart = index + 1 }
            index += 1
        }
        return (line, end - lineStart + 1)
    }
}

private let xmlNamespaceURI = "http://www.w3.org/XML/1998/namespace"
private let xmlnsNamespaceURI = "http://www.w3.org/2000/xmlns/"

/// The byte-level parser behind `XMLTree.parse`.
struct XMLByteParser {
    let bytes: [UInt8]
    let source: String
    let limits: XMLLimits
    var position = 0
    /// Namespace bindings in scope, innermost last; `scopes` holds how many each open element added.
    var bindings: [(prefix: String, uri: String)] = [("xml", xmlNamespaceURI)]
    var declarations: [(prefix: String, uri: String)] = []
    /// Whether the prolog held a (bare) document type declaration already.
    var sawDoctype = false
    /// Start tags read so far (bounded by `limits.maxElements`).
    var elementCount = 0

    init(bytes: [UInt8], source: String, limits: XMLLimits) {
        self.bytes = bytes
        self.source = source
        self.limits = limits
    }

    // MARK: Errors

    func error(_ code: String, at offset: Int, _ reason: String) -> EPCISError {
        let (line, column) = XMLLineIndex(bytes).location(offset)
        return EPCISError(document: source, code: code, reason: "line \(line), column \(column): \(reason)")
    }

    // MARK: Document

    mutating func parseDocument() throws(EPCISError) -> XMLNodeElement {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            throw error("xml-encoding", at: 0, "UTF-16 documents are not read; convert the document to UTF-8")
        }
        if matches("<?xml"), position + 5 < bytes.count, isSpace(bytes[position + 5]) {
            try parseXMLDeclaration()
        }
        var root: XMLNodeElement?
        while true {
            skipSpaces()
            guard position < bytes.count else { break }
            guard bytes[position] == UInt8(ascii: "<") else {
                throw error("xml-syntax", at: position, root == nil
                            ? "text before the root element (an XML document starts with \"<\")"
                            : "text after the end of the root element")
            }
            if matches("<!--") {
                try skipComment()
            } else if matches("<!DOCTYPE") || matches("<!doctype") {
                try skipBareDoctype(beforeRoot: root == nil)
            } else if matches("<?") {
                throw processingInstructionError()
            } else if root != nil {
                throw error("xml-syntax", at: position, "a second root element; a document has exactly one")
            } else {
                root = try parseElement()
            }
        }
        guard let root else { throw error("xml-syntax", at: bytes.count, "the document has no root element") }
        return root
    }

    /// Skips a document type declaration that is only a name (`<!DOCTYPE project>`): with no external
    /// identifier and no internal subset it can declare no entity and point at nothing. Anything more is refused.
    mutating func skipBareDoctype(beforeRoot: Bool) throws(EPCISError) {
        let start = position
        let refused = "<!DOCTYPE> with an external identifier or an internal subset is refused: DTDs and their entities are never read, expanded or fetched"
        guard beforeRoot, !sawDoctype else {
            throw error("xml-doctype-refused", at: start, beforeRoot ? "a second <!DOCTYPE>" : "<!DOCTYPE> after the root element")
        }
        var end = start + 9
        var name = 0
        while end < bytes.count, bytes[end] != UInt8(ascii: ">") {
            let byte = bytes[end]
            if isSpace(byte) {
                if name > 0 { name = -1 }
            } else if name >= 0, byte != UInt8(ascii: "["), byte != UInt8(ascii: "\""), byte != UInt8(ascii: "'"), byte != UInt8(ascii: "<") {
                name += 1
            } else {
                throw error("xml-doctype-refused", at: start, refused)
            }
            end += 1
        }
        guard end < bytes.count, name != 0, isSpace(bytes[start + 9]) else {
            throw error("xml-doctype-refused", at: start, end < bytes.count ? refused : "<!DOCTYPE is not closed with \">\"")
        }
        sawDoctype = true
        position = end + 1
    }

    func processingInstructionError() -> EPCISError {
        var end = position + 2
        while end < bytes.count, !isSpace(bytes[end]), bytes[end] != UInt8(ascii: "?"), end - position < 40 { end += 1 }
        let target = String(decoding: bytes[(position + 2)..<end], as: UTF8.self)
        if target.lowercased() == "xml" {
            return error("xml-syntax", at: position, "the XML declaration <?xml ...?> may only stand at the very start of the document")
        }
        return error("xml-pi-refused", at: position, "processing instruction <?\(target) ...?> is refused")
    }

    mutating func parseXMLDeclaration() throws(EPCISError) {
        let start = position
        guard let end = find("?>", from: position) else {
            throw error("xml-syntax", at: start, "the XML declaration is not closed with \"?>\"")
        }
        let text = String(decoding: bytes[(start + 5)..<end], as: UTF8.self)
        if let range = text.firstRange(of: "encoding") {
            let rest = text[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
            if let quote = rest.first, quote == "\"" || quote == "'" {
                let name = rest.dropFirst().prefix { $0 != quote }.lowercased()
                guard name == "utf-8" || name == "utf8" || name == "us-ascii" || name == "ascii" else {
                    throw error("xml-encoding", at: start, "encoding \"\(name)\" is not read; convert the document to UTF-8")
                }
            }
        }
        position = end + 2
    }

    // MARK: Elements

    mutating func parseElement() throws(EPCISError) -> XMLNodeElement {
        // An explicit stack instead of recursion: depth is bounded by limits, not by the thread's stack.
        var stack: [(element: OpenElement, qname: ArraySlice<UInt8>, bindingCount: Int, text: PendingText)] = []
        while true {
            // At `<` of a start tag.
            let start = position
            elementCount += 1
            if elementCount > limits.maxElements {
                throw error("xml-too-many-elements", at: start, "the document has more than \(limits.maxElements) elements")
            }
            let (open, qname, selfClosing) = try parseStartTag()
            if selfClosing {
                let element = XMLNodeElement(open.element, text: "")
                if stack.isEmpty { return element }
                bindings.removeLast(bindings.count - open.bindingCount)
                stack[stack.count - 1].element.children.append(element)
            } else {
                if stack.count + 1 > limits.maxDepth {
                    throw error("xml-too-deep", at: start, "elements are nested more than \(limits.maxDepth) deep")
                }
                stack.append((open.element, qname, open.bindingCount, PendingText()))
            }
            // Content until the next start tag, or the end tags that close elements.
            while true {
                guard !stack.isEmpty else { fatalError("unreachable: the root is returned when it closes") }
                try readText(into: &stack[stack.count - 1].text)
                guard position < bytes.count else {
                    let open = stack[stack.count - 1]
                    throw error("xml-unclosed", at: open.element.offset,
                                "element <\(String(decoding: open.qname, as: UTF8.self))> is not closed before the end of the document")
                }
                if matches("</") {
                    let endStart = position
                    position += 2
                    let nameStart = position
                    while position < bytes.count, !isSpace(bytes[position]), bytes[position] != UInt8(ascii: ">") { position += 1 }
                    let name = bytes[nameStart..<position]
                    skipSpaces()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: ">") else {
                        throw error("xml-syntax", at: endStart, "end tag </\(String(decoding: name, as: UTF8.self))> is not closed with \">\"")
                    }
                    position += 1
                    let closed = stack.removeLast()
                    guard name.elementsEqual(closed.qname) else {
                        throw error("xml-mismatched-tag", at: endStart,
                                    "end tag </\(String(decoding: name, as: UTF8.self))> does not match start tag <\(String(decoding: closed.qname, as: UTF8.self))> (line \(XMLLineIndex(bytes).location(closed.element.offset).line))")
                    }
                    let run = closed.text.single.map { bytes[$0] } ?? closed.text.buffer[...]
                    let element = XMLNodeElement(closed.element, text: try textString(run, at: closed.element.offset))
                    bindings.removeLast(bindings.count - closed.bindingCount)
                    if stack.isEmpty { return element }
                    stack[stack.count - 1].element.children.append(element)
                } else if matches("<!--") {
                    try skipComment()
                } else if matches("<![CDATA[") {
                    let cdataStart = position
                    guard let end = find("]]>", from: position + 9) else {
                        throw error("xml-syntax", at: cdataStart, "CDATA section is not closed with \"]]>\"")
                    }
                    stack[stack.count - 1].text.append(bytes[(position + 9)..<end], from: bytes)
                    position = end + 3
                } else if matches("<!DOCTYPE") || matches("<!doctype") {
                    throw error("xml-doctype-refused", at: position,
                                "<!DOCTYPE> is refused: DTDs and their entities are never read, expanded or fetched")
                } else if matches("<!") {
                    throw error("xml-syntax", at: position, "markup declaration \"<!\" is not allowed in element content")
                } else if matches("<?") {
                    throw processingInstructionError()
                } else {
                    break // a child start tag
                }
            }
        }
    }

    /// Character data up to the next `<`, entities decoded, appended to `text`; a segment of whitespace
    /// alone (indentation between tags) is skipped.
    mutating func readText(into text: inout PendingText) throws(EPCISError) {
        let count = bytes.count
        while position < count, isSpace(bytes[position]) { position += 1 }
        if position < count, bytes[position] == UInt8(ascii: "<") { return }
        var runStart = position
        while position < count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "<") { break }
            if byte == UInt8(ascii: "&") {
                text.append(bytes[runStart..<position], from: bytes)
                try decodeReference(into: &text.buffer)
                runStart = position
                continue
            }
            if byte == UInt8(ascii: ">"), position >= 2, bytes[position - 1] == UInt8(ascii: "]"), bytes[position - 2] == UInt8(ascii: "]") {
                throw error("xml-syntax", at: position - 2, "\"]]>\" is not allowed in text")
            }
            position += 1
        }
        if text.isEmpty { text.single = runStart..<position } else { text.append(bytes[runStart..<position], from: bytes) }
    }

    /// Decodes `&...;` at `position` (the five predefined entities and character references only).
    mutating func decodeReference(into text: inout [UInt8]) throws(EPCISError) {
        let start = position
        var end = position + 1
        while end < bytes.count, end - start < 40, bytes[end] != UInt8(ascii: ";"), bytes[end] != UInt8(ascii: "<"),
              bytes[end] != UInt8(ascii: "&"), !isSpace(bytes[end]) { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ";") else {
            throw error("xml-syntax", at: start, "\"&\" must start an entity or character reference ending in \";\" (write &amp; for a literal &)")
        }
        let name = bytes[(start + 1)..<end]
        position = end + 1
        switch String(decoding: name, as: UTF8.self) {
        case "amp": text.append(UInt8(ascii: "&"))
        case "lt": text.append(UInt8(ascii: "<"))
        case "gt": text.append(UInt8(ascii: ">"))
        case "quot": text.append(UInt8(ascii: "\""))
        case "apos": text.append(UInt8(ascii: "'"))
        case let reference where reference.hasPrefix("#"):
            let hex = reference.hasPrefix("#x")
            let digits = reference.dropFirst(hex ? 2 : 1)
            guard !digits.isEmpty, digits.count <= 8, let value = UInt32(digits, radix: hex ? 16 : 10),
                  let scalar = Unicode.Scalar(value), isXMLChar(value) else {
                throw error("xml-bad-char-ref", at: start, "character reference &\(reference); is not a character XML allows")
            }
            text.append(contentsOf: Array(String(Character(scalar)).utf8))
        case let other:
            throw error("xml-entity-refused", at: start,
                        "entity reference &\(other); is refused: only &amp; &lt; &gt; &quot; &apos; and character references are read")
        }
    }

    /// A start tag at `position`: the element with its attributes resolved, its qualified name, and
    /// whether it closed itself (`/>`). Namespace bindings it declares are pushed.
    mutating func parseStartTag() throws(EPCISError) -> (open: (element: OpenElement, bindingCount: Int), qname: ArraySlice<UInt8>, selfClosing: Bool) {
        let start = position
        position += 1
        let qname = try readName(what: "element name")
        let bindingCount = bindings.count
        var raw: [(qname: ArraySlice<UInt8>, value: String, offset: Int)] = []
        var selfClosing = false
        while true {
            let hadSpace = skipSpaces()
            guard position < bytes.count else {
                throw error("xml-unclosed", at: start, "start tag <\(String(decoding: qname, as: UTF8.self))> is not closed with \">\"")
            }
            let byte = bytes[position]
            if byte == UInt8(ascii: ">") { position += 1; break }
            if byte == UInt8(ascii: "/") {
                guard position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: ">") else {
                    throw error("xml-syntax", at: position, "\"/\" in a start tag must be followed by \">\"")
                }
                position += 2
                selfClosing = true
                break
            }
            guard hadSpace else {
                throw error("xml-syntax", at: position, "attributes must be separated by whitespace")
            }
            let attributeStart = position
            let name = try readName(what: "attribute name")
            skipSpaces()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else {
                throw error("xml-syntax", at: attributeStart, "attribute \(String(decoding: name, as: UTF8.self)) has no \"=\" and value")
            }
            position += 1
            skipSpaces()
            let value = try readAttributeValue(name: name)
            guard raw.count < limits.maxAttributes else {
                throw error("xml-too-many-attributes", at: start, "element has more than \(limits.maxAttributes) attributes")
            }
            if raw.contains(where: { $0.qname.elementsEqual(name) }) {
                throw error("xml-duplicate-attribute", at: attributeStart, "attribute \(String(decoding: name, as: UTF8.self)) appears twice")
            }
            raw.append((name, value, attributeStart))
        }
        // Namespace declarations first: they apply to the element's own name and attributes.
        for attribute in raw {
            let name = String(decoding: attribute.qname, as: UTF8.self)
            if name == "xmlns" {
                bindings.append(("", attribute.value))
                declarations.append(("", attribute.value))
            } else if name.hasPrefix("xmlns:") {
                let prefix = String(name.dropFirst(6))
                guard !attribute.value.isEmpty else {
                    throw error("xml-namespace", at: attribute.offset, "namespace prefix \(prefix) is bound to an empty URI, which XML 1.0 namespaces do not allow")
                }
                guard prefix != "xmlns", prefix != "xml" || attribute.value == xmlNamespaceURI,
                      attribute.value != xmlNamespaceURI || prefix == "xml", attribute.value != xmlnsNamespaceURI else {
                    throw error("xml-namespace", at: attribute.offset, "namespace prefix \(prefix) may not be bound to \(attribute.value)")
                }
                bindings.append((prefix, attribute.value))
                declarations.append((prefix, attribute.value))
            }
        }
        let (prefix, local) = try split(qname, at: start)
        guard let namespace = resolve(prefix, defaultApplies: true) else {
            throw error("xml-namespace", at: start, "namespace prefix \(prefix) of element <\(String(decoding: qname, as: UTF8.self))> is not declared")
        }
        var attributes: [XMLNodeAttribute] = []
        attributes.reserveCapacity(raw.count)
        for attribute in raw {
            let name = String(decoding: attribute.qname, as: UTF8.self)
            if name == "xmlns" || name.hasPrefix("xmlns:") { continue }
            let (attributePrefix, attributeLocal) = try split(attribute.qname, at: attribute.offset)
            guard let attributeNamespace = resolve(attributePrefix, defaultApplies: false) else {
                throw error("xml-namespace", at: attribute.offset, "namespace prefix \(attributePrefix) of attribute \(name) is not declared")
            }
            if !attributeNamespace.isEmpty,
               attributes.contains(where: { $0.namespace == attributeNamespace && $0.localName == attributeLocal }) {
                throw error("xml-duplicate-attribute", at: attribute.offset, "attribute {\(attributeNamespace)}\(attributeLocal) appears twice")
            }
            attributes.append(XMLNodeAttribute(namespace: attributeNamespace, prefix: attributePrefix, localName: attributeLocal, value: attribute.value))
        }
        let element = OpenElement(namespace: namespace, prefix: prefix, localName: local, attributes: attributes,
                                  children: [], offset: start)
        return ((element, bindingCount), qname, selfClosing)
    }

    /// The namespace URI bound to `prefix`; "" for no prefix when no default applies; nil when undeclared.
    func resolve(_ prefix: String, defaultApplies: Bool) -> String? {
        if prefix.isEmpty && !defaultApplies { return "" }
        for binding in bindings.reversed() where binding.prefix == prefix { return binding.uri }
        return prefix.isEmpty ? "" : nil
    }

    mutating func split(_ qname: ArraySlice<UInt8>, at offset: Int) throws(EPCISError) -> (String, String) {
        guard let colon = qname.firstIndex(of: UInt8(ascii: ":")) else { return ("", string(qname)) }
        let local = qname[(colon + 1)...]
        guard colon > qname.startIndex, !local.isEmpty, !local.contains(UInt8(ascii: ":")) else {
            throw error("xml-namespace", at: offset, "name \(String(decoding: qname, as: UTF8.self)) is not a valid qualified name (prefix:local)")
        }
        return (string(qname[..<colon]), string(local))
    }

    /// Element and attribute names seen so far, so each distinct name is one String shared by all elements.
    var names: [ArraySlice<UInt8>: String] = [:]

    mutating func string(_ name: ArraySlice<UInt8>) -> String {
        if let known = names[name] { return known }
        let text = String(decoding: name, as: UTF8.self)
        if names.count < 4096 { names[name] = text }
        return text
    }

    mutating func readName(what: String) throws(EPCISError) -> ArraySlice<UInt8> {
        let start = position
        guard position < bytes.count, isNameStart(bytes[position]) else {
            throw error("xml-syntax", at: start, "expected an \(what)")
        }
        position += 1
        while position < bytes.count, isNameChar(bytes[position]) { position += 1 }
        return bytes[start..<position]
    }

    mutating func readAttributeValue(name: ArraySlice<UInt8>) throws(EPCISError) -> String {
        let start = position
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else {
            throw error("xml-syntax", at: start, "the value of attribute \(String(decoding: name, as: UTF8.self)) must be quoted")
        }
        let quote = bytes[position]
        position += 1
        var value: [UInt8] = []
        var runStart = position
        while true {
            guard position < bytes.count else {
                throw error("xml-syntax", at: start, "the value of attribute \(String(decoding: name, as: UTF8.self)) is not closed")
            }
            let byte = bytes[position]
            if byte == quote { break }
            if byte == UInt8(ascii: "<") {
                throw error("xml-syntax", at: position, "\"<\" is not allowed in an attribute value")
            }
            if byte == UInt8(ascii: "&") {
                value.append(contentsOf: bytes[runStart..<position])
                try decodeReference(into: &value)
                runStart = position
                continue
            }
            if byte == 0x09 || byte == 0x0A || byte == 0x0D {
                value.append(contentsOf: bytes[runStart..<position])
                if !(byte == 0x0A && position > 0 && bytes[position - 1] == 0x0D) { value.append(0x20) }
                position += 1
                runStart = position
                continue
            }
            position += 1
        }
        value.append(contentsOf: bytes[runStart..<position])
        position += 1
        return try textString(value[...], at: start)
    }

    /// The text as a String ("" when it is all whitespace); refuses invalid UTF-8 and control characters.
    func textString(_ text: ArraySlice<UInt8>, at offset: Int) throws(EPCISError) -> String {
        var allSpace = true
        for byte in text where !isSpace(byte) {
            allSpace = false
            if byte < 0x20 {
                throw error("xml-bad-char", at: offset, "control character 0x\(String(byte, radix: 16)) is not allowed in XML text")
            }
        }
        if allSpace { return "" }
        guard let string = String(validating: text, as: UTF8.self) else {
            throw error("xml-encoding", at: offset, "the text is not valid UTF-8")
        }
        return string
    }

    mutating func skipComment() throws(EPCISError) {
        let start = position
        guard let end = find("-->", from: position + 4) else {
            throw error("xml-syntax", at: start, "comment is not closed with \"-->\"")
        }
        position = end + 3
    }

    // MARK: Bytes

    @discardableResult
    mutating func skipSpaces() -> Bool {
        let start = position
        while position < bytes.count, isSpace(bytes[position]) { position += 1 }
        return position > start
    }

    func matches(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let pointer = literal.utf8Start
        for index in 0..<count where bytes[position + index] != pointer[index] { return false }
        return true
    }

    func find(_ literal: StaticString, from start: Int) -> Int? {
        let count = literal.utf8CodeUnitCount
        let pointer = literal.utf8Start
        var index = start
        while index + count <= bytes.count {
            if bytes[index] == pointer[0] {
                var same = true
                for offset in 1..<count where bytes[index + offset] != pointer[offset] { same = false; break }
                if same { return index }
            }
            index += 1
        }
        return nil
    }
}

/// An element's character data while it is read: one run of the input when it is that (no copy), else a buffer.
struct PendingText {
    var single: Range<Int>?
    var buffer: [UInt8] = []

    var isEmpty: Bool { single == nil && buffer.isEmpty }

    mutating func append(_ run: ArraySlice<UInt8>, from bytes: [UInt8]) {
        if let single {
            buffer.append(contentsOf: bytes[single])
            self.single = nil
        }
        buffer.append(contentsOf: run)
    }
}

@inline(__always) func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }

@inline(__always) private func isNameStart(_ byte: UInt8) -> Bool {
    (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte >= 0x80
}

@inline(__always) private func isNameChar(_ byte: UInt8) -> Bool {
    isNameStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
}

/// Whether `text` is an XML NCName (a name without a colon), by the byte rules the reader applies to names.
func isNCName(_ text: Substring) -> Bool {
    let bytes = text.utf8
    guard let first = bytes.first, first != UInt8(ascii: ":"), isNameStart(first) else { return false }
    return bytes.allSatisfy { $0 != UInt8(ascii: ":") && isNameChar($0) }
}

/// Whether `text` is an XML QName: an NCName, or `prefix:local` with both parts NCNames.
func isQName(_ text: String) -> Bool {
    guard let colon = text.firstIndex(of: ":") else { return isNCName(text[...]) }
    return isNCName(text[..<colon]) && isNCName(text[text.index(after: colon)...])
}

private func isXMLChar(_ value: UInt32) -> Bool {
    value == 0x9 || value == 0xA || value == 0xD || (0x20...0xD7FF).contains(value) || (0xE000...0xFFFD).contains(value)
        || (0x10000...0x10FFFF).contains(value)
}
