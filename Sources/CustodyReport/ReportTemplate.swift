/// The HTML page of a report, as a Mustache template. Only escaping double braces: every value is text to the
/// browser, whatever a party wrote into its name. No script, no external stylesheet, font or image.
enum ReportTemplate {
    static let html = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Custody report: {{title}}</title>
<style>
  body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1d2733; margin: 24px; font-size: 13px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 16px; border-bottom: 2px solid #1d4e89; padding-bottom: 3px; margin-top: 26px; }
  table { border-collapse: collapse; width: 100%; margin: 6px 0; }
  th, td { border: 1px solid #c8d0da; padding: 4px 6px; text-align: left; vertical-align: top; }
  th { background: #eef2f7; }
  table.kv th { width: 220px; }
  .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 11px; word-break: break-all; }
  .meta { color: #56606b; }
  .conflict, tr.conflict td { color: #b00020; }
  tr.conflict td { background: #fdecee; }
  .notice { border: 1px solid #d9a400; background: #fff8e0; padding: 6px 10px; }
  .findings li { color: #b00020; margin-bottom: 4px; }
  .ok { color: #1b7a35; }
  .flag { color: #b00020; font-weight: bold; }
  svg text { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11px; fill: #1d2733; }
  svg .lane { stroke: #c8d0da; stroke-width: 1; }
  svg .own { stroke: #1d4e89; stroke-width: 2.5; }
  svg .poss { stroke: #7a8591; stroke-width: 2; stroke-dasharray: 5 4; }
  svg .conflict { stroke: #b00020; fill: #b00020; }
  svg text.label { stroke: none; }
  svg text.label.red { fill: #b00020; font-weight: bold; }
  svg .box { fill: none; stroke: #8a5a00; stroke-width: 1.5; stroke-dasharray: 3 3; }
  svg .bar { fill: #1d4e89; }
  svg .bar.alarm { fill: #b00020; }
  pre { white-space: pre-wrap; }
  @media print {
    body { margin: 0; font-size: 11px; }
    section { page-break-before: always; break-before: page; }
    section.first { page-break-before: auto; break-before: auto; }
    table, svg { page-break-inside: avoid; break-inside: avoid; }
  }
</style>
</head>
<body>
<header>
  <h1>DSCSA custody report: {{title}}</h1>
  <div class="meta">Ledger {{origin}} · generated {{generatedAt}} · report SHA-256 <span class="mono">{{reportHash}}</span></div>
  {{#hasNotice}}<p class="notice">{{notice}}</p>{{/hasNotice}}
</header>

<section class="first" id="request">
  <h2>Request</h2>
  {{#request}}
  <table class="kv">
    <tr><th>Request id</th><td>{{requestId}}</td></tr>
    <tr><th>Requester</th><td>{{requester}}</td></tr>
    <tr><th>Reason</th><td>{{reason}}</td></tr>
    <tr><th>Received</th><td>{{receivedAt}}</td></tr>
    <tr><th>Due</th><td><strong>{{dueAt}}</strong> ({{dueRule}})</td></tr>
    {{#responder}}<tr><th>Responder</th><td>{{name}} · GLN {{gln}} · {{address}} · {{role}}</td></tr>{{/responder}}
  </table>
  {{/request}}
</section>

<section id="product">
  <h2>Product identity</h2>
  {{#product}}
  <table class="kv">
    <tr><th>GTIN</th><td class="mono">{{gtin}}</td></tr>
    {{#serial}}<tr><th>Serial</th><td class="mono">{{serial}}</td></tr>{{/serial}}
    {{#sscc}}<tr><th>SSCC</th><td class="mono">{{sscc}}</td></tr>{{/sscc}}
    <tr><th>NDC (10 / 11 digits)</th><td>{{ndc10}} / {{ndc11}}</td></tr>
    <tr><th>Lot · expiry</th><td>{{lot}} · {{expiry}}</td></tr>
    <tr><th>Product</th><td>{{name}} {{strength}}, {{dosageForm}}, {{containerSize}}</td></tr>
    {{#manufacturer}}<tr><th>Manufacturer</th><td>{{manufacturer}} (commissioned at entry {{commissionedSeq}})</td></tr>{{/manufacturer}}
  </table>
  {{/product}}
  {{#isLot}}<p>{{count}} serials in this lot.</p>{{/isLot}}
</section>

{{#isSerial}}
<section id="chain">
  <h2>Chain of custody</h2>
  {{#chain}}
  <svg xmlns="http://www.w3.org/2000/svg" width="{{width}}" height="{{height}}" viewBox="0 0 {{width}} {{height}}" role="img" aria-label="Chain of custody">
    <defs>
      <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1d4e89"/></marker>
      <marker id="arrow-grey" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7a8591"/></marker>
      <marker id="arrow-red" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b00020"/></marker>
    </defs>
    {{#lanes}}
    <line class="lane" x1="220" y1="{{y}}" x2="{{x2}}" y2="{{y}}"/>
    <text x="8" y="{{textY}}">{{name}}</text>
    {{/lanes}}
    {{#arrows}}
    {{#point}}<circle class="{{cls}}" cx="{{x}}" cy="{{y1}}" r="5" fill="#7a8591"/>{{/point}}
    {{^point}}<line class="{{cls}}" x1="{{x}}" y1="{{y1}}" x2="{{x}}" y2="{{y2}}" marker-end="url(#{{marker}})"/>{{/point}}
    <text class="{{labelClass}}" x="{{labelX}}" y="{{labelY}}">{{label}}</text>
    <text x="{{labelX}}" y="{{dateY}}" class="meta">{{date}}</text>
    {{/arrows}}
    {{#boxes}}
    <rect class="box" x="{{x}}" y="{{y}}" width="{{width}}" height="24" rx="6"/>
    <text x="{{textX}}" y="{{textY}}">{{label}}</text>
    {{/boxes}}
    {{#end}}<text class="{{labelClass}}" x="{{x}}" y="{{y}}">■ {{state}}</text>{{/end}}
  </svg>
  {{/chain}}
  <p class="meta">Lanes are parties; solid arrows are ownership hops, dashed arrows and dots possession (shipping, receiving); boxes are the containers the unit travelled in; red marks a conflict.</p>
  {{#terminal}}<p>Terminal state: <strong class="{{#alarm}}flag{{/alarm}}">{{state}}</strong>{{#seq}} (entry {{seq}}){{/seq}}; owner {{owner}}, held by {{possessor}}. {{note}}</p>{{/terminal}}
</section>

<section id="ownership">
  <h2>Ownership hops (manufacturer → current owner)</h2>
  <table>
    <tr><th>Entry</th><th>Seller</th><th>Buyer</th><th>Transaction / shipment</th><th>References · products</th><th>Transaction statement</th></tr>
    {{#ownership}}
    <tr class="{{#conflict}}conflict{{/conflict}}">
      <td>{{seq}} {{kind}}<br><span class="meta">{{via}}</span></td>
      {{#seller}}<td>{{name}}<br><span class="meta">GLN {{gln}}<br>{{address}}</span></td>{{/seller}}
      {{#buyer}}<td>{{name}}<br><span class="meta">GLN {{gln}}<br>{{address}}</span></td>{{/buyer}}
      <td>{{date}}{{#shipmentDate}}<br>shipped {{shipmentDate}}{{/shipmentDate}}{{#late}} <span class="flag">(more than 24 h later)</span>{{/late}}{{#directPurchase}}<br>direct purchase from the manufacturer{{/directPurchase}}</td>
      <td>{{references}}<br><span class="meta">{{quantity}}</span></td>
      <td>{{#affirmedBy}}affirmed by {{affirmedBy}}<br><span class="meta">{{affirmedAt}}</span>{{/affirmedBy}}</td>
    </tr>
    {{/ownership}}
  </table>
  <h2>Possession hops (shipping and receiving, 3PLs)</h2>
  <table>
    <tr><th>Entry</th><th>What</th><th>When</th><th>Possession only</th></tr>
    {{#possession}}<tr class="{{#conflict}}conflict{{/conflict}}"><td>{{seq}} {{kind}}</td><td>{{what}}</td><td>{{time}}</td><td>{{#possessionOnly}}yes{{/possessionOnly}}</td></tr>{{/possession}}
  </table>
  <h2>Aggregation lineage</h2>
  <table>
    <tr><th>Container</th><th>Holding</th><th>Packed (entry)</th><th>Unpacked (entry)</th></tr>
    {{#lineage}}<tr><td class="mono">{{container}}</td><td class="mono">{{holding}}</td><td>{{packed}}</td><td>{{unpacked}}</td></tr>{{/lineage}}
  </table>
  <h2>Every entry that touched it</h2>
  <table>
    <tr><th>Entry</th><th>Type</th><th>Time</th><th>Signer</th><th>Movement</th></tr>
    {{#movements}}<tr class="{{#conflict}}conflict{{/conflict}}"><td>{{seq}}</td><td>{{type}}</td><td>{{time}}</td><td>{{signer}}</td><td>{{how}}</td></tr>{{/movements}}
  </table>
</section>
{{/isSerial}}

{{#isLot}}
<section id="lot">
  <h2>Where the lot is now</h2>
  {{#chart}}
  <svg xmlns="http://www.w3.org/2000/svg" width="820" height="{{height}}" viewBox="0 0 820 {{height}}" role="img" aria-label="Totals per holder and per state">
    {{#rows}}
    {{#heading}}<text x="0" y="{{textY}}" font-weight="bold">{{label}}</text>{{/heading}}
    {{^heading}}<text x="0" y="{{textY}}">{{label}}</text><rect class="bar{{#alarm}} alarm{{/alarm}}" x="250" y="{{y}}" width="{{width}}" height="20"/><text x="{{countX}}" y="{{textY}}">{{count}}</text>{{/heading}}
    {{/rows}}
  </svg>
  {{/chart}}
  <table>
    <tr><th>Serial</th><th>State</th><th>Owner</th><th>Holder</th><th>Container</th><th>Latest entry</th></tr>
    {{#units}}<tr><td class="mono">{{unit}}</td><td>{{state}}</td><td>{{owner}}</td><td>{{possessor}}</td><td class="mono">{{container}}</td><td>{{seq}}</td></tr>{{/units}}
  </table>
</section>
{{/isLot}}

<section id="findings">
  <h2>Gaps and conflicts</h2>
  {{#hasFindings}}<ul class="findings">{{#findings}}<li><strong>{{kind}}</strong>{{#seq}} (entry {{seq}}){{/seq}}: {{detail}}</li>{{/findings}}</ul>{{/hasFindings}}
  {{#noFindings}}<p class="ok">None found: every hop follows the one before it, every receipt matches its shipment, and the TI agrees with commissioning.</p>{{/noFindings}}
</section>

<section id="evidence">
  <h2>Integrity evidence</h2>
  {{#evidence}}
  <p>Every entry below is proven by an RFC 9162 inclusion proof against the operator's signed checkpoint (tree size {{treeSize}}); signatures were checked at report time against the partner registry as it stood at each entry.</p>
  <table>
    <tr><th>Entry</th><th>Type</th><th>Entry hash</th><th>Signer · key</th><th>Signature</th><th>Proof</th></tr>
    {{#entries}}<tr class="{{#bad}}conflict{{/bad}}"><td>{{seq}}</td><td>{{type}}</td><td class="mono">{{hash}}</td><td>{{signer}}<br><span class="mono">{{keyID}}</span></td><td>{{signature}}</td><td>{{proofLength}} hashes</td></tr>{{/entries}}
  </table>
  <h2>Signed checkpoint</h2>
  <pre class="mono">{{checkpoint}}</pre>
  <p>Last nightly audit: {{#auditFound}}clean {{auditClean}}, {{auditEntries}} entries checked, {{auditFindings}} findings, at {{auditTime}}{{/auditFound}}{{#auditMissing}}{{auditNote}}{{/auditMissing}}</p>
  {{/evidence}}
  <p>Check the JSON form of this report without the ledger: <span class="mono">ledger verify-report REPORT.json --operator-key OPERATOR_KEY</span>. Report SHA-256 (RFC 8785 canonical JSON without <span class="mono">reportHash</span>): <span class="mono">{{reportHash}}</span></p>
</section>
</body>
</html>
"""#
}
