#!/bin/sh
# End-to-end tests of `scaleplan report`, the HTML in a real headless browser
# (Debian's chromium, installed by `make deps`):
#   usage: sh tests/e2e-report.sh BIN SRCDIR
# - the HTML of each example is the same bytes on every run, names no address
#   (but the SVG namespaces), and its Content-Security-Policy forbids loads;
# - chromium opens it with every connection refused (a proxy on a closed port,
#   no name resolves): no console message, no request leaves the page (its
#   net log), and the page renders; its text holds the report's totals;
# - a screenshot is not blank (its pixels read with zlib), the page prints to
#   a PDF of A4 pages, with the print style no table is wider than the page,
#   and the tables sort when a header is clicked;
# - the checks catch what they look for: a page with an error and a request,
#   and a blank page, are told apart;
# - FOCUS rows follow the FOCUS 1.1 columns' types, allowed values and nulls,
#   and their costs add up to the report's totals;
# - no secret of a spec (a password, a token from the environment) reaches any
#   format.
# Every check prints "FAIL" with a name when it fails; a summary line ends the
# run, and the exit status is non-zero on any failure. The browser is started
# in a scratch folder and stopped by its PID on every exit path.
set -u
BIN=$1
SRC=$2
. "$SRC/tests/servers/lib.sh"
export NO_COLOR=1 SCALEPLAN_NOW=2027-01
pass=0
fail=0
CASE=setup
CHROME_PID=""
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sp-e2e-report.XXXXXX")
trap 'sp_stop $CHROME_PID; rm -rf "$ROOT"' EXIT
trap 'exit 1' INT TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL e2e-report/$CASE: $*"; }
# run EXPECTED_EXIT ARGS...: runs scaleplan, its output in $ROOT/out
run() {
    want=$1
    shift
    "$BIN" "$@" >"$ROOT/out" 2>"$ROOT/err"
    got=$?
    if [ "$got" = "$want" ]; then ok; else bad "scaleplan $* exited $got, expected $want: $(head -c 300 "$ROOT/err")"; fi
}
has() { if grep -q -- "$1" "$2"; then ok; else bad "$2 lacks '$1'"; fi; }
# check NAME COMMAND...: a check that passes when COMMAND exits 0 (its output shown otherwise)
check() {
    name=$1
    shift
    if "$@" >"$ROOT/check.out" 2>&1; then ok; else bad "$name: $(head -c 600 "$ROOT/check.out")"; fi
}

CHROME=$(command -v chromium || command -v chromium-browser || true)

# browse OUT ERR ARGS...: chromium headless, no sandbox (CI runs as root), a
# profile of its own in the scratch folder, every connection refused; waits
# up to 120 s, then stops it.
browse() {
    out=$1
    err=$2
    shift 2
    prof="$ROOT/profile.$$.$pass.$fail"
    rm -rf "$prof"
    HOME="$ROOT/home" XDG_CONFIG_HOME="$ROOT/home/.config" XDG_CACHE_HOME="$ROOT/home/.cache" \
        "$CHROME" --headless --no-sandbox --disable-gpu --user-data-dir="$prof" --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --disable-default-apps \
        --disable-extensions --proxy-server=127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND" \
        --enable-logging=stderr --v=0 "$@" >"$out" 2>"$err" &
    CHROME_PID=$!
    n=0
    while kill -0 "$CHROME_PID" 2>/dev/null; do
        n=$((n + 1))
        if [ $n -gt 1200 ]; then
            sp_stop "$CHROME_PID"
            CHROME_PID=""
            return 124
        fi
        sleep 0.1
    done
    wait "$CHROME_PID"
    rc=$?
    CHROME_PID=""
    return $rc
}

# ---- helpers in python3 (standard library only) -----------------------------

# The console messages the page logged (chromium's log lines "CONSOLE"): none allowed.
console_clean() {
    if grep -a "CONSOLE" "$1"; then return 1; fi
    return 0
}

# Requests the page made (net log: a request started for a page of file://)
# to anything but file: and data:. Chromium's own background requests are not
# the page's and are not counted.
page_requests() {
    python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
bad = set()
for e in d.get("events", []):
    p = e.get("params") or {}
    if types.get(e.get("type")) != "URL_REQUEST_START_JOB":
        continue
    nik = str(p.get("network_isolation_key", "")) + " " + str(p.get("site_for_cookies", ""))
    url = p.get("url", "")
    if "file://" in nik and not url.startswith(("file:", "data:")):
        bad.add(url)
for u in sorted(bad):
    print(u)
sys.exit(1 if bad else 0)
PY
}

# A screenshot that is not blank: decoded with zlib, many colours, and a fair
# share of pixels that are not the background's.
png_not_blank() {
    python3 - "$1" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
i, idat = 8, b""
while i < len(d):
    n = struct.unpack(">I", d[i:i + 4])[0]
    t, c = d[i + 4:i + 8], d[i + 8:i + 8 + n]
    i += 12 + n
    if t == b"IHDR":
        w, h, depth, ctype, _, _, inter = struct.unpack(">IIBBBBB", c)
    elif t == b"IDAT":
        idat += c
assert depth == 8 and ctype in (2, 6) and inter == 0, "unexpected PNG layout"
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = {}
p = 0
for y in range(h):
    f = raw[p]
    p += 1
    line = bytearray(raw[p:p + stride])
    p += stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1:
            line[x] = (line[x] + a) & 255
        elif f == 2:
            line[x] = (line[x] + b) & 255
        elif f == 3:
            line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp * 2):
        k = bytes(line[x:x + 3])
        colours[k] = colours.get(k, 0) + 1
    prev = line
total = sum(colours.values())
top = max(colours.values())
share = 1 - top / total
print("%dx%d, %d colours, %.1f%% of pixels not the background" % (w, h, len(colours), share * 100))
sys.exit(0 if len(colours) >= 16 and share >= 0.03 else 1)
PY
}

# The page's text (the DOM chromium dumped, tags dropped) holds each amount
# of the report's CSV asked for as "GROUPING,GROUP,PERIOD,PCT" (every row
# that matches: "total,,year,50" is each year's).
text_has_totals() {
    python3 - "$@" <<'PY'
import csv, html.parser, sys
from decimal import Decimal, ROUND_HALF_UP
dom, report_csv = sys.argv[1], sys.argv[2]
class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0
    def handle_starttag(self, tag, a):
        if tag in ("script", "style"):
            self.skip += 1
    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
    def handle_data(self, d):
        if not self.skip:
            self.parts.append(d)
t = Text()
t.feed(open(dom, encoding="utf-8").read())
text = " ".join(t.parts)
rows = list(csv.reader(l for l in open(report_csv) if not l.startswith("#")))
head = rows[0]
want = [tuple(a.split(",")) for a in sys.argv[3:]]
missing, n = [], 0
for g, name, period, pct in want:
    found = 0
    for r in rows[1:]:
        d = dict(zip(head, r))
        if (d["grouping"], d["group"], d["period"], d["percentile"]) == (g, name, period, pct):
            v = Decimal(d["cost"]).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            s = ("-$" if v < 0 else "$") + "{:,}".format(abs(int(v)))
            found += 1
            if s not in text:
                missing.append("%s %s %s %s p%s: %s" % (g, name, period, d["start"], pct, s))
    if not found:
        missing.append("no CSV row %s" % ",".join((g, name, period, pct)))
    n += found
for m in missing:
    print("not on the page:", m)
print("%d amounts looked for" % n)
sys.exit(1 if missing else 0)
PY
}

# ---- the HTML of each example ----------------------------------------------
mkdir -p "$ROOT/home"
for ex in saas-web ai-assistant fintech-payments; do
    CASE=html-$ex
    W="$ROOT/$ex"
    mkdir -p "$W"
    run 0 report -f html --paths 200 -o "$W/r.html" "$SRC/examples/$ex.yaml"
    run 0 report -f html --paths 200 --threads 1 -o "$W/r2.html" "$SRC/examples/$ex.yaml"
    check "same bytes with one thread or two, run after run" cmp "$W/r.html" "$W/r2.html"
    run 0 report -f csv --paths 200 -o "$W/r.csv" "$SRC/examples/$ex.yaml"
    # no address but the SVG namespaces; nothing to load
    check "addresses in the HTML" python3 - "$W/r.html" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
ok = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
found = [m.group(0) for m in re.finditer(r'(?i)(?:https?|ftp|wss?)://[^\s"\'<>)]*', s) if m.group(0) not in ok]
found += re.findall(r'(?i)<(?:img|iframe|object|embed|audio|video|source)\b[^>]*\bsrc=', s)
found += re.findall(r'(?i)<script\b[^>]*\bsrc=', s) + re.findall(r'(?i)@import|url\(', s)
found += [l for l in re.findall(r'(?i)<link\b[^>]*>', s) if 'href="data:' not in l]
print("\n".join(found))
sys.exit(1 if found else 0)
PY
    has "Content-Security-Policy\" content=\"default-src 'none'" "$W/r.html"

    if [ -z "$CHROME" ]; then
        bad "chromium is not installed (make deps installs it)"
        continue
    fi
    # the browser, with every connection refused: it renders, quietly, locally
    if browse "$W/dom.html" "$W/log.txt" --log-net-log="$W/net.json" --dump-dom "file://$W/r.html"; then ok; else
        bad "chromium --dump-dom exited $?: $(tail -c 400 "$W/log.txt")"
    fi
    check "console messages" console_clean "$W/log.txt"
    check "requests from the page" page_requests "$W/net.json"
    has '<section id="summary">' "$W/dom.html"
    has '<g id="graph0"' "$W/dom.html"
    # the totals, read back from the page's text: the horizon's band, every
    # year, on demand, the purchase options and the savings
    check "totals on the page" text_has_totals "$W/dom.html" "$W/r.csv" \
        "total,,horizon,50" "total,,horizon,10" "total,,horizon,90" "total,,year,50" \
        "total_on_demand,,horizon,50" "purchase,commitment,horizon,50" "purchase,on-demand,horizon,50" \
        "saving,all,horizon,50" "category,compute,horizon,50"
    # a screenshot that is not blank
    if browse "$W/shot.out" "$W/shot.log" --window-size=1280,1800 --screenshot="$W/shot.png" "file://$W/r.html"; then ok; else
        bad "chromium --screenshot exited $?"
    fi
    check "screenshot not blank" png_not_blank "$W/shot.png"
    check "console messages (screenshot)" console_clean "$W/shot.log"
    # it prints to PDF: several A4 pages (one example: each launch of the
    # browser takes seconds)
    [ "$ex" = saas-web ] || continue
    if browse "$W/pdf.out" "$W/pdf.log" --no-pdf-header-footer --print-to-pdf="$W/r.pdf" "file://$W/r.html"; then ok; else
        bad "chromium --print-to-pdf exited $?"
    fi
    check "a PDF of several pages" python3 - "$W/r.pdf" <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", d))
boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", d))
print("%d pages, media boxes %s" % (pages, boxes))
# A4 is 595.28 x 841.89 points
a4 = all(abs(float(w) - 595.28) < 1.5 and abs(float(h) - 841.89) < 1.5 for w, h in boxes)
sys.exit(0 if d.startswith(b"%PDF-") and pages >= 3 and boxes and a4 else 1)
PY
done

# ---- the tables sort in the browser -----------------------------------------
CASE=sort
W="$ROOT/saas-web"
if [ -n "$CHROME" ] && [ -f "$W/r.html" ]; then
    # the report's own page, with a script that clicks headers and notes the order
    python3 - "$W/r.html" "$W/sort.html" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
probe = """<script>
(function(){
function col(t, name){var c=t.tHead.rows[0].cells;for(var i=0;i<c.length;i++){if(c[i].textContent.indexOf(name)===0)return i;}return -1;}
function order(t){return Array.prototype.map.call(t.tBodies[0].rows,function(r){return r.cells[0].textContent;}).join('|');}
var t=document.querySelector('#components table'),out=[];
var h=col(t,'horizon p50'),n=col(t,'component');
t.tHead.rows[0].cells[h].querySelector('button').click();out.push('asc='+order(t));
t.tHead.rows[0].cells[h].querySelector('button').click();out.push('desc='+order(t));
t.tHead.rows[0].cells[n].querySelector('button').click();out.push('name='+order(t));
out.push('aria='+t.tHead.rows[0].cells[n].getAttribute('aria-sort'));
var p=document.createElement('pre');p.id='sorted';p.textContent=out.join('\\n');document.body.appendChild(p);
})();
</script>
</body>"""
open(sys.argv[2], "w", encoding="utf-8").write(s.replace("</body>", probe, 1))
PY
    if browse "$W/sort-dom.html" "$W/sort.log" --dump-dom "file://$W/sort.html"; then ok; else bad "chromium exited $?"; fi
    check "console messages" console_clean "$W/sort.log"
    check "sorted by a number and by a name" python3 - "$W/sort-dom.html" "$W/r.csv" <<'PY'
import csv, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<pre id="sorted">(.*?)</pre>', dom, re.S)
assert m, "the probe did not run"
got = dict(l.split("=", 1) for l in m.group(1).split("\n"))
rows = [r for r in csv.reader(l for l in open(sys.argv[2]) if not l.startswith("#"))]
cost = {r[1]: float(r[6]) for r in rows[1:] if r[0] == "component" and r[2] == "horizon" and r[5] == "50"}
tr = [float(r[6]) for r in rows[1:] if r[0] == "category" and r[1] == "transfer" and r[2] == "horizon" and r[5] == "50"][0]
if tr > 0:
    cost["internet egress"] = tr
asc = [n for n, v in sorted(cost.items(), key=lambda kv: kv[1])]
ok = got["asc"].split("|") == asc and got["desc"].split("|") == asc[::-1]
ok = ok and got["name"].split("|") == sorted(cost, key=str.lower) and got["aria"] == "ascending"
print(got)
print("expected ascending:", asc)
sys.exit(0 if ok else 1)
PY
fi

# ---- printed, every table fits an A4 page ----------------------------------------
CASE=print
W="$ROOT/saas-web"
if [ -n "$CHROME" ] && [ -f "$W/r.html" ]; then
    # the print style applied on screen, in a window as wide as an A4 page's
    # printable width (186 mm at 96 dpi: 703 px); a script measures each table
    python3 - "$W/r.html" "$W/print.html" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
assert "@media print{" in s, "no print style"
s = s.replace("@media print{", "@media all{", 1)
probe = """<script>
(function(){
var w=document.body.clientWidth,out=[];
Array.prototype.forEach.call(document.querySelectorAll('table,figure,svg.chart'),function(e){
  var r=e.getBoundingClientRect();if(r.right>w+1){out.push((e.id||e.tagName)+':'+Math.round(r.width));}});
var p=document.createElement('pre');p.id='print-probe';p.textContent='width='+w+'\\noverflow='+out.join(',');
document.body.appendChild(p);
})();
</script>
</body>"""
open(sys.argv[2], "w", encoding="utf-8").write(s.replace("</body>", probe, 1))
PY
    if browse "$W/print-dom.html" "$W/print.log" --window-size=703,1200 --dump-dom "file://$W/print.html"; then ok; else
        bad "chromium exited $?"
    fi
    check "console messages" console_clean "$W/print.log"
    check "nothing wider than the page" python3 - "$W/print-dom.html" <<'PY'
import re, sys
m = re.search(r'<pre id="print-probe">(.*?)</pre>', open(sys.argv[1], encoding="utf-8").read(), re.S)
assert m, "the probe did not run"
print(m.group(1))
sys.exit(0 if m.group(1).rstrip().endswith("overflow=") else 1)
PY
fi

# ---- the browser checks catch what they look for ----------------------------
CASE=controls
if [ -n "$CHROME" ]; then
    W="$ROOT/controls"
    mkdir -p "$W"
    cat >"$W/bad.html" <<'EOF'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>bad</title></head><body><p>a page that misbehaves</p>
<img src="http://example.invalid/pixel.png"><script>console.error("boom"); throw new Error("kaboom");</script></body></html>
EOF
    printf '<!DOCTYPE html><html><head><meta charset="utf-8"><title>blank</title></head><body></body></html>\n' >"$W/blank.html"
    browse "$W/bad.out" "$W/bad.log" --log-net-log="$W/bad-net.json" --dump-dom "file://$W/bad.html"
    if console_clean "$W/bad.log" >/dev/null; then bad "a console error went unseen"; else ok; fi
    if page_requests "$W/bad-net.json" >"$W/bad-req.txt"; then bad "a request from the page went unseen"; else ok; fi
    has "http://example.invalid/pixel.png" "$W/bad-req.txt"
    browse "$W/blank.out" "$W/blank.log" --window-size=1280,1800 --screenshot="$W/blank.png" "file://$W/blank.html"
    if png_not_blank "$W/blank.png" >/dev/null; then bad "a blank page passed as not blank"; else ok; fi
fi

# ---- FOCUS rows ---------------------------------------------------------------
for ex in saas-web ai-assistant fintech-payments; do
    CASE=focus-$ex
    W="$ROOT/focus-$ex"
    mkdir -p "$W"
    run 0 report -f csv --paths 200 -o "$W/r.csv" "$SRC/examples/$ex.yaml"
    for p in p10 p50 p90; do
        run 0 report -f focus --path $p --paths 200 -o "$W/$p.csv" "$SRC/examples/$ex.yaml"
        check "FOCUS 1.1 columns at $p" python3 - "$W/$p.csv" "$W/r.csv" "${p#p}" <<'PY'
import csv, json, re, sys
from decimal import Decimal
focus, report, pct = sys.argv[1], sys.argv[2], sys.argv[3]
rows = list(csv.reader(open(focus, newline="")))
head, body = rows[0], rows[1:]
errors = []
def err(i, msg):
    if len(errors) < 20:
        errors.append("row %d: %s" % (i + 2, msg))
FOCUS = ["BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
         "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
         "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
         "CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
         "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
         "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory", "PricingQuantity",
         "PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName",
         "ResourceType", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter",
         "SkuPriceDetails", "SkuPriceId", "Tags"]
if head[:len(FOCUS)] != FOCUS:
    errors.append("the FOCUS columns are not first, in order")
if not all(h.startswith("x_") for h in head[len(FOCUS):]):
    errors.append("a custom column without x_")
MANDATORY_NOT_NULL = ["BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
                      "ChargeCategory", "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost", "EffectiveCost",
                      "InvoiceIssuerName", "ListCost", "ProviderName", "PublisherName", "ServiceCategory",
                      "ServiceName", "ChargeFrequency", "ServiceSubcategory"]
ALLOWED = {
    "ChargeCategory": {"Usage", "Purchase", "Tax", "Credit", "Adjustment"},
    "ChargeClass": {"", "Correction"},
    "ChargeFrequency": {"One-Time", "Recurring", "Usage-Based"},
    "PricingCategory": {"", "Standard", "Dynamic", "Committed", "Other"},
    "CommitmentDiscountStatus": {"", "Used", "Unused"},
    "CommitmentDiscountCategory": {"", "Spend", "Usage"},
}
SUB = {"Compute": {"Virtual Machines"}, "Databases": {"Relational Databases", "NoSQL Databases", "Caching"},
       "AI and Machine Learning": {"Machine Learning"}, "Networking": {"Network Connectivity"}}
NUMERIC = ["BilledCost", "CommitmentDiscountQuantity", "ConsumedQuantity", "ContractedCost", "ContractedUnitPrice",
           "EffectiveCost", "ListCost", "ListUnitPrice", "PricingQuantity"]
num_re = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
date_re = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
billed = Decimal(0)
for i, r in enumerate(body):
    if len(r) != len(head):
        err(i, "%d fields" % len(r))
        continue
    d = dict(zip(head, r))
    for c in MANDATORY_NOT_NULL:
        if d[c] == "":
            err(i, c + " is null")
    for c, allowed in ALLOWED.items():
        if d[c] not in allowed:
            err(i, "%s '%s'" % (c, d[c]))
    if d["ServiceSubcategory"] not in SUB.get(d["ServiceCategory"], set()):
        err(i, "subcategory %s under %s" % (d["ServiceSubcategory"], d["ServiceCategory"]))
    for c in NUMERIC:
        if d[c] != "" and not num_re.match(d[c]):
            err(i, "%s '%s' is not a FOCUS number" % (c, d[c]))
    for c in ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"):
        if not date_re.match(d[c]):
            err(i, "%s '%s'" % (c, d[c]))
    if not (d["ChargePeriodStart"] < d["ChargePeriodEnd"]):
        err(i, "the charge period ends before it starts")
    if not re.match(r"^[A-Z]{3}$", d["BillingCurrency"]):
        err(i, "BillingCurrency")
    usage_or_purchase = d["ChargeCategory"] in ("Usage", "Purchase")
    for c in ("PricingCategory", "PricingQuantity", "PricingUnit", "ListUnitPrice", "ContractedUnitPrice", "SkuId",
              "SkuPriceId"):
        if usage_or_purchase and d[c] == "":
            err(i, c + " is null on a usage or purchase row")
    cd = d["CommitmentDiscountId"] != ""
    for c in ("CommitmentDiscountCategory", "CommitmentDiscountType", "CommitmentDiscountUnit",
              "CommitmentDiscountQuantity"):
        if (d[c] != "") != cd:
            err(i, "%s null while CommitmentDiscountId %s" % (c, "is not" if cd else "is"))
    if cd and d["ChargeCategory"] == "Usage" and d["CommitmentDiscountStatus"] == "":
        err(i, "a commitment's usage without a status")
    if not cd and d["CommitmentDiscountStatus"] != "":
        err(i, "a status without a commitment")
    consumed = d["ChargeCategory"] == "Usage" and d["CommitmentDiscountStatus"] != "Unused"
    if (d["ConsumedQuantity"] != "") != consumed or (d["ConsumedUnit"] != "") != consumed:
        err(i, "ConsumedQuantity/Unit null when they should not be, or the reverse")
    if d["PricingCategory"] == "Committed" and not cd:
        err(i, "Committed without a commitment")
    if d["ChargeCategory"] == "Purchase":
        if Decimal(d["EffectiveCost"]) != 0 or d["PricingCategory"] != "Standard" or d["ResourceId"] != d["CommitmentDiscountId"]:
            err(i, "a commitment's purchase row")
    if d["CommitmentDiscountStatus"] == "Used" and Decimal(d["BilledCost"]) != 0:
        err(i, "a used commitment billed again")
    if d["CommitmentDiscountStatus"] == "Unused" and d["ResourceId"] != d["CommitmentDiscountId"]:
        err(i, "an unused commitment's ResourceId")
    if (d["ResourceType"] != "") != (d["ResourceId"] != ""):
        err(i, "ResourceType and ResourceId")
    lc = Decimal(d["ListUnitPrice"]) * Decimal(d["PricingQuantity"])
    if abs(lc - Decimal(d["ListCost"])) > Decimal("0.00001"):
        err(i, "ListUnitPrice x PricingQuantity %s != ListCost %s" % (lc, d["ListCost"]))
    if d["ContractedCost"] != d["ListCost"] or d["ContractedUnitPrice"] != d["ListUnitPrice"]:
        err(i, "contracted and list differ with no negotiated discount")
    for c in ("Tags", "SkuPriceDetails"):
        if d[c] != "":
            o = json.loads(d[c])
            if not isinstance(o, dict) or any(isinstance(v, (dict, list)) for v in o.values()):
                err(i, c + " is not a flat JSON object")
    if d["Tags"] and not any(k.startswith("scaleplan/") for k in json.loads(d["Tags"])):
        err(i, "no scaleplan/ tag")
    if d["x_PathPercentile"] != pct:
        err(i, "x_PathPercentile")
    billed += Decimal(d["BilledCost"])
effective = sum(Decimal(dict(zip(head, r))["EffectiveCost"]) for r in body)
rep = [r for r in csv.reader(l for l in open(report) if not l.startswith("#"))]
total = [Decimal(r[6]) for r in rep[1:] if r[0] == "total" and r[2] == "horizon" and r[5] == pct][0]
# the rows add up to the report's total at that percentile (to the cent: the
# report rounds to cents, the rows keep micro-units)
if abs(billed - total) > Decimal("0.01") or abs(effective - total) > Decimal("0.01"):
    errors.append("billed %s, effective %s, the report's total %s" % (billed, effective, total))
print("%d rows, billed %s, total %s" % (len(body), billed, total))
print("\n".join(errors))
sys.exit(1 if errors else 0)
PY
    done
    run 0 report -f focus --path p50 --paths 200 -o "$W/again.csv" "$SRC/examples/$ex.yaml"
    check "FOCUS rows the same on every run" cmp "$W/p50.csv" "$W/again.csv"
done

# ---- no secret reaches a report --------------------------------------------------
CASE=secrets
W="$ROOT/secrets"
mkdir -p "$W"
sed -e 's#^provider: {kind: local}#provider: {kind: rest, url: "https://provisioning.invalid/api", headers: {Authorization: "Bearer ${SP_TEST_TOKEN}"}, username: ops, password: "${SP_TEST_PASSWORD}"}#' \
    -e 's#^state: {backend: local}#state: {backend: http, address: "https://state.invalid/acme", password: inline-pw-7f3a9c}#' \
    "$SRC/examples/saas-web.yaml" >"$W/scaleplan.yaml"
has "inline-pw-7f3a9c" "$W/scaleplan.yaml"
export SP_TEST_TOKEN=tok-4b1e88d2 SP_TEST_PASSWORD=pw-env-91c0 SCALEPLAN_HTTP_PASSWORD=pw-http-5d2e SCALEPLAN_REST_PASSWORD=pw-rest-0a7b
for f in text markdown csv html focus; do
    run 0 report -f $f --paths 50 -o "$W/out.$f" "$W/scaleplan.yaml"
    cat "$ROOT/err" >>"$W/out.$f"
done
if grep -l -e inline-pw-7f3a9c -e tok-4b1e88d2 -e pw-env-91c0 -e pw-http-5d2e -e pw-rest-0a7b "$W"/out.*; then
    bad "a secret is in a report"
else
    ok
fi
if grep -l -e "state.invalid" -e "provisioning.invalid" "$W/out.html" "$W/out.focus"; then
    bad "a server's address is in a report"
else
    ok
fi
unset SP_TEST_TOKEN SP_TEST_PASSWORD SCALEPLAN_HTTP_PASSWORD SCALEPLAN_REST_PASSWORD

echo "e2e-report: $pass passed, $fail failed"
[ $fail = 0 ]
