#!/usr/bin/env bash
# EPCIS XML reader benchmark: a deterministic DSCSA-style EPCIS 1.2 XML document of N events (commissioning of
# 10 SGTINs with lot/expiry, packing, shipping with po/desadv; about 1 KiB an event), read into EPCISDocument
# (best of 3), beside the floor of one plain pass over the same bytes, then the CBV 2.0 hash of every event.
# Usage: tools/bench-epcis-xml.sh [EVENTS]   (default 100000). Needs a release build (done here).
events=${1:-100000}
source "$(dirname "$0")/bench-common.sh"
$bench epcis-xml-generate "$work/events.xml" "$events"
$bench epcis-xml "$work/events.xml"
