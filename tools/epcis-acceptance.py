#!/usr/bin/env python3
"""EPCIS acceptance: every public sample document imports or is refused for a specific reason; the GS1 US
DSCSA example imports into a custody chain whose TI matches the document; import -> export -> import is stable.

Usage: tools/epcis-acceptance.py [--ledger PATH] [--samples DIR] [--write-doc]
  --ledger   the ledger binary (default .build/debug/ledger; build it first with `swift build`)
  --samples  the sample folder (default /work/shared/epcis-samples; read in place, never copied: some are GPL)
  --write-doc  replace the table between the acceptance markers in docs/EPCIS.md
Exits 1 when a document is neither imported nor refused with a code, or a check fails.
"""
import argparse, json, os, re, subprocess, sys, tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANUFACTURER, WHOLESALER = "0300011111116", "0399999999991"


def run(ledger, args, cwd):
    return subprocess.run([ledger] + args, cwd=cwd, capture_output=True, text=True)


def must(result, what):
    if result.returncode != 0:
        sys.exit(f"FAIL: {what}: exit {result.returncode}: {result.stderr.strip()}")
    return result


def make_ledger(ledger, directory):
    """A ledger with the two partners of the GS1 US DSCSA example (the manufacturer signs the imports)."""
    must(run(ledger, ["init", "--data", "data"], directory), "init")
    for key, gln, name, role, address, extra in [
        ("mfg", MANUFACTURER, "GS1 Pharma", "manufacturer", "1 Biopharm Ct, Suite A, Thousand Oaks, CA 91320, US", ["--prefix", "030001"]),
        ("wd", WHOLESALER, "GS1 Drug Distributor", "wholesaler", "230 Park Ave S, Room 378, New York, NY 10003-1502, US", []),
    ]:
        must(run(ledger, ["keygen", "--out", key + ".key"], directory), "keygen")
        must(run(ledger, ["partner", "add", "--data", "data", "--gln", gln, "--name", name, "--role", role,
                          "--address", address, "--key", key + ".key.pub"] + extra, directory), "partner add")


def outcomes(ledger, samples, directory):
    rows, failures = [], []
    files = sorted(os.path.relpath(os.path.join(d, f), samples) for d, _, fs in os.walk(samples) for f in fs if f != "SOURCES.md")
    for relative in files:
        path = os.path.join(samples, relative)
        result = run(ledger, ["import", "--data", "data", "--key", "mfg.key", "--dry-run", "--json", path], directory)
        report = json.loads(result.stdout) if result.stdout.startswith("{") else None
        syntax = report["syntax"] if report else ""
        events = len(report["events"]) if report else ""
        if result.returncode == 0 and report:
            counts = {}
            for event in report["events"]:
                key = event.get("bodyType") or "skipped"
                counts[key] = counts.get(key, 0) + 1
            outcome = "imports"
            detail = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no events"
            skipped = sorted({e["reason"] for e in report["events"] if e["outcome"] == "skipped"})
            if skipped:
                detail += "; skipped: " + " / ".join(skipped)
        elif result.returncode == 2:
            message = result.stderr.strip().removeprefix("ledger: error: refused: ").removeprefix(path)
            code = re.search(r"\[([a-z0-9-]+)\]$", message)
            if not code:
                failures.append(f"{relative}: refused without a code: {result.stderr.strip()}")
            outcome = "refused"
            detail = message.lstrip(", :")
        else:
            failures.append(f"{relative}: exit {result.returncode}: {result.stderr.strip()}")
            outcome, detail = "FAILED", result.stderr.strip()
        rows.append((relative, syntax, events, outcome, detail.replace("|", "\\|")))
    return rows, failures


def check_us_pharma(ledger, samples, directory):
    """Imports the GS1 US example for real and compares the transfer's TI with the document itself."""
    path = os.path.join(samples, "openepcis/1.2-xml_GS1_US_Pharma_Example_2_2_1_1.xml")
    must(run(ledger, ["import", "--data", "data", "--key", "mfg.key", path], directory), "import US Pharma example")
    must(run(ledger, ["verify", "--data", "data"], directory), "verify after import")
    entries = [json.loads(line) for line in must(run(ledger, ["log", "--data", "data", "--json"], directory), "log").stdout.splitlines()]
    transfer = [e for e in entries if e["type"] == "transfer"][0]["body"]
    tree = ET.parse(path)
    mda = "urn:epcglobal:cbv:mda#"
    attrs = {el.get("id"): {a.get("id").removeprefix(mda): a.text for a in el.findall("attribute")} for el in tree.iter("VocabularyElement")}
    def party(sgln):
        a = attrs[sgln]
        address = ", ".join([a["streetAddressOne"], a["streetAddressTwo"], a["city"], a["state"] + " " + a["postalCode"], a["countryCode"]])
        return a["name"], address
    shipping = [e for e in tree.iter("ObjectEvent") if e.findtext("bizStep", "").endswith(":shipping")][0]
    sources = {s.get("type").split(":")[-1]: s.text for s in shipping.iter("source")}
    destinations = {d.get("type").split(":")[-1]: d.text for d in shipping.iter("destination")}
    product = attrs["urn:epc:idpat:sgtin:030001.0012345.*"]
    ilmd = [e for e in tree.iter("ObjectEvent") if e.find(".//ilmd") is not None][0]
    ns = {"cbvmda": "urn:epcglobal:cbv:mda"}
    expected = {
        "seller": party(sources["owning_party"]), "buyer": party(destinations["owning_party"]),
        "name": product["regulatedProductName"], "strength": product["strengthDescription"], "dosageForm": product["dosageFormType"],
        "containerSize": product["netContentDescription"], "ndc": product["additionalTradeItemIdentification"],
        "lot": ilmd.find(".//cbvmda:lotNumber", ns).text, "expiry": ilmd.find(".//cbvmda:itemExpirationDate", ns).text,
        "quantity": sum(1 for e in tree.iter("ObjectEvent") for epc in e.iter("epc") if ".0012345." in epc.text and e.findtext("bizStep", "").endswith(":commissioning")),
        "po": [b.text for b in shipping.iter("bizTransaction") if b.get("type").endswith(":po")][0],
        "asn": [b.text for b in shipping.iter("bizTransaction") if b.get("type").endswith(":desadv")][0],
    }
    line = transfer["products"][0]
    actual = {
        "seller": (transfer["seller"]["name"], transfer["seller"]["address"]), "buyer": (transfer["buyer"]["name"], transfer["buyer"]["address"]),
        "name": line["name"], "strength": line["strength"], "dosageForm": line["dosageForm"], "containerSize": line["containerSize"],
        "ndc": line["ndc"], "lot": line["lot"], "expiry": line["expiry"], "quantity": line["quantity"],
        "po": transfer["references"]["po"], "asn": transfer["references"]["asn"],
    }
    problems = [f"TI {k}: ledger {actual[k]!r}, document {expected[k]!r}" for k in expected if actual[k] != expected[k]]
    affirmed = tree.find(".//{http://epcis.gs1us.org/hc/ns}affirmTransactionStatement").text == "true"
    if not (affirmed and all(transfer["statement"][s] for s in ["authorized", "noAlteredTransactionHistory"])):
        problems.append("TS not affirmed in the entry as in the header")
    if transfer["transactionDate"] != "2023-04-01T02:48:16-05:00":
        problems.append(f"transactionDate {transfer['transactionDate']} is not the shipping event time in its offset")
    return problems, transfer


def check_round_trip(ledger, directory, other):
    first = must(run(ledger, ["export", "--data", "data", "urn:epc:id:sgtin:030001.0012345.11"], directory), "export").stdout
    with open(os.path.join(other, "custody.jsonld"), "w") as f:
        f.write(first)
    must(run(ledger, ["import", "--data", "data", "--key", "mfg.key", "custody.jsonld"], other), "re-import of the export")
    second = must(run(ledger, ["export", "--data", "data", "urn:epc:id:sgtin:030001.0012345.11"], other), "second export").stdout
    strip = lambda text: [l for l in text.splitlines() if '"creationDate"' not in l]
    bodies = lambda d: [e["body"] for e in (json.loads(l) for l in must(run(ledger, ["log", "--data", "data", "--json"], d), "log").stdout.splitlines()) if e["signer"] == MANUFACTURER]
    problems = []
    if strip(first) != strip(second):
        problems.append("export -> import -> export is not stable")
    if bodies(directory) != bodies(other):
        problems.append("the re-imported bodies differ from the imported ones")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ledger", default=os.path.join(ROOT, ".build/debug/ledger"))
    parser.add_argument("--samples", default="/work/shared/epcis-samples")
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    ledger = os.path.abspath(args.ledger)
    with tempfile.TemporaryDirectory() as work:
        first, second = os.path.join(work, "a"), os.path.join(work, "b")
        os.makedirs(first), os.makedirs(second)
        make_ledger(ledger, first)
        make_ledger(ledger, second)
        rows, failures = outcomes(ledger, args.samples, first)
        ti_problems, transfer = check_us_pharma(ledger, args.samples, first)
        trip_problems = check_round_trip(ledger, first, second)
    table = ["| file | syntax | events | outcome | what happens / why refused |", "|---|---|---|---|---|"]
    table += [f"| `{f}` | {s} | {n} | {o} | {d} |" for f, s, n, o, d in rows]
    imported = sum(1 for r in rows if r[3] == "imports")
    refused = sum(1 for r in rows if r[3] == "refused")
    summary = (f"{len(rows)} files: {imported} import, {refused} refused with a specific reason, {len(failures)} failures. "
               f"US Pharma example TI matches the document: {'yes' if not ti_problems else 'NO'}. "
               f"Round trip import -> export -> import stable: {'yes' if not trip_problems else 'NO'}.")
    print("\n".join(table))
    print()
    print(summary)
    if args.write_doc:
        doc = os.path.join(ROOT, "docs/EPCIS.md")
        text = open(doc).read()
        block = "<!-- acceptance-begin -->\n" + summary + "\n\n" + "\n".join(table) + "\n<!-- acceptance-end -->"
        text = re.sub(r"<!-- acceptance-begin -->.*<!-- acceptance-end -->", lambda _: block, text, flags=re.S)
        open(doc, "w").write(text)
    problems = failures + ti_problems + trip_problems
    for problem in problems:
        print("FAIL: " + problem, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
