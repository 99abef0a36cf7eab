#!/usr/bin/env bash
# report.html as people see it: headless Chromium renders the report of a run, a compare of three
# variants, a sweep, an optimisation, a ledger, a run with truck classes and a compare of the
# corridor (two borders, roads, e-queues) in a 1280-px window. A copy of each page gets a script that measures the
# layout once the page has loaded; the test fails when a table or chart has no size on screen,
# when anything reaches past the window, or when a table is wider than its box (cut off behind a
# scroll bar). Needs Debian's chromium (.ci/run installs it) and a built landport.
#
#   LANDPORT=target/release/landport bash tests/report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
landport=${LANDPORT:-target/release/landport}
chromium=${CHROMIUM:-chromium}
work=$(mktemp -d /tmp/landport-report.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$landport" run scenarios/alashankou-reformed.toml -n 2 --out "$work/run" --quiet
"$landport" compare scenarios/alashankou-legacy.toml scenarios/alashankou-reformed.toml \
  scenarios/variants/reformed-exit-24h.toml -n 2 --out "$work/compare" --quiet
"$landport" sweep scenarios/sweeps/reformed-inspection.toml --out "$work/sweep" --quiet 2>/dev/null
"$landport" optimize scenarios/optimize/alashankou-1.5x.toml --out "$work/optimize" --quiet
"$landport" ledger scenarios/ledgers/alashankou.toml --out "$work/ledger" --quiet
"$landport" run scenarios/variants/horgos-green-lane.toml -n 2 --out "$work/classes" --quiet
"$landport" compare scenarios/corridor/corridor.toml scenarios/corridor/dostyk-closed.toml -n 2 \
  --out "$work/corridor" --quiet 2>/dev/null

measure='<script>
window.addEventListener("load", () => {
  const width = window.innerWidth;
  const problems = [];
  const page = document.documentElement;
  if (page.scrollWidth > width) problems.push("the page is " + page.scrollWidth + " px wide");
  let tables = 0, charts = 0;
  for (const element of document.querySelectorAll("table, svg, figcaption, h2, .warnings")) {
    const name = element.tagName.toLowerCase();
    const box = element.getBoundingClientRect();
    if (name === "table") tables++;
    if (name === "svg") charts++;
    if (box.width <= 1 || box.height <= 1) problems.push(name + " " + (tables + charts) + " has no size");
    if (box.right > width + 0.5 || box.left < -0.5)
      problems.push(name + " reaches from " + Math.round(box.left) + " to " + Math.round(box.right) + " px");
    if (name === "table" && element.scrollWidth > element.parentElement.clientWidth + 0.5)
      problems.push("table " + tables + " is " + element.scrollWidth + " px in a " + element.parentElement.clientWidth + " px box");
  }
  const out = document.createElement("pre");
  out.id = "layout-check";
  out.textContent = JSON.stringify({ width, tables, charts, problems });
  document.body.appendChild(out);
});
</script>'

check() {
  local dir=$1 tables=$2 charts=$3
  local copy="$dir/report-measured.html"
  python3 - "$dir/report.html" "$copy" "$measure" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
assert "</body>" in page, "report.html has no </body>"
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", sys.argv[3] + "\n</body>"))
PY
  "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --window-size=1280,900 --virtual-time-budget=10000 \
    --dump-dom "file://$(realpath "$copy")" 2>/dev/null >"$dir/dom.html"
  python3 - "$dir/dom.html" "$tables" "$charts" "$dir" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
found = re.search(r'<pre id="layout-check">(.*?)</pre>', dom, re.S)
if not found:
    sys.exit(f"{sys.argv[4]}: the layout check did not run (no #layout-check in the rendered page)")
check = json.loads(html.unescape(found.group(1)))
want_tables, want_charts = int(sys.argv[2]), int(sys.argv[3])
problems = list(check["problems"])
if check["width"] != 1280:
    problems.append(f"window {check['width']} px, not 1280")
if check["tables"] < want_tables:
    problems.append(f"{check['tables']} tables, expected {want_tables}")
if check["charts"] < want_charts:
    problems.append(f"{check['charts']} charts, expected {want_charts}")
if problems:
    sys.exit(f"{sys.argv[4]}/report.html: " + "; ".join(problems))
print(f"{sys.argv[4]}/report.html: {check['tables']} tables and {check['charts']} charts visible, "
      f"nothing wider than {check['width']} px")
PY
}

# A run and a compare: results, stages, where the time goes; five charts. A sweep: its points,
# a chart per headline metric and, with two varied keys, a heatmap of the mean dwell.
check "$work/run" 3 5
check "$work/compare" 3 5
check "$work/sweep" 1 4
# An optimisation: the chosen decisions, the constraints, the cheapest points; a chart per
# constraint.
check "$work/optimize" 3 2
# A ledger: a table of shares for each of its ten metrics; a waterfall for the mean and the p95.
check "$work/ledger" 10 2
# A run with truck classes: the classes' table too, and their dwell and where their time goes.
check "$work/classes" 4 7
# The corridor: besides those, the roads and e-queues and the ports (sides of the borders).
check "$work/corridor" 6 8
echo "report test: report.html of a run, a compare, a sweep, an optimisation, a ledger, a run with truck classes and the corridor rendered in Chromium, all visible within 1280 px"
