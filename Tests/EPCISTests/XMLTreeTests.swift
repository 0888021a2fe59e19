import EPCIS
import Testing

@Suite("safe XML parser")
struct XMLTreeTests {
    @Test("a DOCTYPE (with an external entity) is refused, nothing is fetched or expanded")
    func doctypeRefused() {
        let text = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<r>&x;</r>"
        #expect(parseError(text) == EPCISError(document: "t.xml", code: "xml-doctype-refused",
                                               reason: "line 2, column 1: <!DOCTYPE> with an external identifier or an internal subset is refused: DTDs and their entities are never read, expanded or fetched"))
    }

    @Test("a DOCTYPE with an external identifier is refused: nothing it points at is fetched")
    func doctypeExternalRefused() {
        #expect(parseError("<!DOCTYPE r SYSTEM \"http://example.com/r.dtd\">\n<r/>") ==
                EPCISError(document: "t.xml", code: "xml-doctype-refused",
                           reason: "line 1, column 1: <!DOCTYPE> with an external identifier or an internal subset is refused: DTDs and their entities are never read, expanded or fetched"))
        #expect(parseError("<!DOCTYPE r PUBLIC \"-//x//EN\" \"r.dtd\"><r/>")?.code == "xml-doctype-refused")
        #expect(parseError("<!DOCTYPE>\n<r/>")?.code == "xml-doctype-refused")
        #expect(parseError("<!DOCTYPE r\n<r/>")?.code == "xml-doctype-refused")
    }

    @Test("a bare DOCTYPE name (as GS1's masterdata example has) declares nothing and is skipped; a second one is refused")
    func bareDoctypeSkipped() throws {
        let tree = try XMLTree.parse(Array("<?xml version=\"1.0\"?>\n<!DOCTYPE project>\n<r><a>1</a></r>".utf8), source: "t.xml")
        #expect(tree.root.localName == "r")
        #expect(tree.root.children.map(\.text) == ["1"])
        #expect(parseError("<!DOCTYPE r><!DOCTYPE r><r/>") == EPCISError(document: "t.xml", code: "xml-doctype-refused",
                                                                          reason: "line 1, column 13: a second <!DOCTYPE>"))
        #expect(parseError("<r/><!DOCTYPE r>") == EPCISError(document: "t.xml", code: "xml-doctype-refused",
                                                              reason: "line 1, column 5: <!DOCTYPE> after the root element"))
    }

    @Test("a DOCTYPE inside the root element is refused too")
    func doctypeInContent() {
        #expect(parseError("<r>\n  <!DOCTYPE r></r>")?.code == "xml-doctype-refused")
    }

    @Test("an entity reference other than the five predefined ones is refused")
    func entityRefused() {
        #expect(parseError("<r>a &nbsp; b</r>") == EPCISError(document: "t.xml", code: "xml-entity-refused",
                                                             reason: "line 1, column 6: entity reference &nbsp; is refused: only &amp; &lt; &gt; &quot; &apos; and character references are read"))
    }

    @Test("a processing instruction other than the XML declaration is refused")
    func processingInstructionRefused() {
        #expect(parseError("<?xml version=\"1.0\"?><?xml-stylesheet href=\"a.xsl\"?><r/>") ==
                EPCISError(document: "t.xml", code: "xml-pi-refused", reason: "line 1, column 22: processing instruction <?xml-stylesheet ...?> is refused"))
        #expect(parseError("<r><?php echo 1; ?></r>")?.code == "xml-pi-refused")
    }

    @Test("an unclosed element is refused, naming it and where it opened")
    func unclosed() {
        #expect(parseError("<r>\n<a>text</a>\n<b>") == EPCISError(document: "t.xml", code: "xml-unclosed",
                                                                  reason: "line 3, column 1: element <b> is not closed before the end of the document"))
    }

    @Test("a mismatched end tag is refused")
    func mismatched() {
        #expect(parseError("<r>\n<a>text</b></r>") == EPCISError(document: "t.xml", code: "xml-mismatched-tag",
                                                                reason: "line 2, column 8: end tag </b> does not match start tag <a> (line 2)"))
    }

    @Test("an undeclared namespace prefix is refused")
    func undeclaredPrefix() {
        #expect(parseError("<r><ex:a>1</ex:a></r>") == EPCISError(document: "t.xml", code: "xml-namespace",
                                                                 reason: "line 1, column 4: namespace prefix ex of element <ex:a> is not declared"))
        #expect(parseError("<r ex:a=\"1\"/>")?.code == "xml-namespace")
    }

    @Test("a prefix bound to an empty URI is refused")
    func emptyNamespace() {
        #expect(parseError("<r xmlns:ex=\"\"/>") == EPCISError(document: "t.xml", code: "xml-namespace",
                                                              reason: "line 1, column 4: namespace prefix ex is bound to an empty URI, which XML 1.0 namespaces do not allow"))
    }

    @Test("nesting deeper than the limit is refused")
    func tooDeep() {
        let text = String(repeating: "<a>", count: 10) + String(repeating: "</a>", count: 10)
        #expect(parseError(text, limits: XMLLimits(maxDepth: 9)) == EPCISError(document: "t.xml", code: "xml-too-deep",
                                                                               reason: "line 1, column 28: elements are nested more than 9 deep"))
        #expect(parseError(text, limits: XMLLimits(maxDepth: 10)) == nil)
    }

    @Test("a document with more elements than the limit is refused; the defaults are 512 MiB and 10,000,000 elements")
    func tooManyElements() {
        #expect(parseError("<r><a/><b></b><c/></r>", limits: XMLLimits(maxElements: 3)) ==
                EPCISError(document: "t.xml", code: "xml-too-many-elements", reason: "line 1, column 15: the document has more than 3 elements"))
        #expect(parseError("<r><a/><b></b></r>", limits: XMLLimits(maxElements: 3)) == nil)
        #expect(XMLLimits().maxBytes == 512 * 1024 * 1024 && XMLLimits().maxBytes == EPCISJSONReader.maxBytes)
        #expect(XMLLimits().maxElements == 10_000_000)
    }

    @Test("a document larger than the limit is refused before parsing")
    func tooLarge() {
        #expect(parseError("<r>0123456789</r>", limits: XMLLimits(maxBytes: 10)) ==
                EPCISError(document: "t.xml", code: "xml-too-large", reason: "the document is 17 bytes, more than the limit of 10"))
    }

    @Test("duplicate attributes, unquoted values and text outside the root are refused")
    func otherSyntax() {
        #expect(parseError("<r a=\"1\" a=\"2\"/>")?.code == "xml-duplicate-attribute")
        #expect(parseError("<r a=1/>") == EPCISError(document: "t.xml", code: "xml-syntax", reason: "line 1, column 6: the value of attribute a must be quoted"))
        #expect(parseError("<r/>tail") == EPCISError(document: "t.xml", code: "xml-syntax", reason: "line 1, column 5: text after the end of the root element"))
        #expect(parseError("<r>&#0;</r>")?.code == "xml-bad-char-ref")
        #expect(parseError("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r/>")?.code == "xml-encoding")
        #expect(parseError("<r>\u{1}</r>")?.code == "xml-bad-char")
        #expect(parseError("<r>a & b</r>")?.code == "xml-syntax")
        #expect(parseError("<r/><r/>")?.code == "xml-syntax")
    }

    @Test("predefined entities, character references, CDATA and namespaces are read")
    func goodDocument() throws {
        let text = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- comment -->
        <p:r xmlns:p="urn:p" xmlns="urn:d" p:x="1 &amp; 2" y='&#x41;&#66;'>
          <c>&lt;a&gt; &quot;q&quot; &apos;s&apos;<![CDATA[ <raw> & ]]></c>
          <e xmlns=""/>
        </p:r>
        """
        let tree = try XMLTree.parse(Array(text.utf8), source: "g.xml")
        #expect(tree.root.namespace == "urn:p")
        #expect(tree.root.prefix == "p")
        #expect(tree.root.localName == "r")
        #expect(tree.root.attributes.map { "\($0.namespace)|\($0.localName)=\($0.value)" } == ["urn:p|x=1 & 2", "|y=AB"])
        #expect(tree.root.children.map(\.namespace) == ["urn:d", ""])
        #expect(tree.root.children[0].text == "<a> \"q\" 's' <raw> & ")
        #expect(tree.declarations.map(\.prefix) == ["p", "", ""])
        #expect(tree.location(tree.root.children[1].offset) == (line: 5, column: 3))
    }

    @Test("every truncation and many byte changes of a real document are read or refused with an EPCISError, never crash")
    func hostileBytes() throws {
        let bytes = try resource("event-hash/ReferenceEventHashAlgorithm.xml")
        let rootEnd = try #require(bytes.lastIndex(of: UInt8(ascii: ">")))
        var refused = 0
        for length in 0...rootEnd {
            do { _ = try EPCISXMLReader.read(Array(bytes[..<length]), source: "cut.xml") } catch { refused += 1 }
        }
        #expect(refused == rootEnd + 1)  // every cut before the root's end tag closes is refused
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15  // a fixed xorshift sequence: the same changes every run
        let specials: [UInt8] = Array("<>&;/=\"':!?[]- \n".utf8) + [0x00, 0xC3, 0xFF]
        for _ in 0..<500 {
            var changed = bytes
            for _ in 0..<3 {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                changed[Int(state % UInt64(changed.count))] = specials[Int((state >> 32) % UInt64(specials.count))]
            }
            do {
                let document = try EPCISXMLReader.read(changed, source: "changed.xml")
                for event in document.events { _ = EPCISEventHash.hashID(event, namespaces: document.namespaces) }
            } catch {
                #expect(!error.reason.isEmpty)
            }
        }
    }
}
