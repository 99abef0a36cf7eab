#!/usr/bin/env bash
# Time and peak memory of landport on heavy inputs (the README's "Bad input and faults" figures).
#
#   bash benches/memory.sh [LANDPORT]          # the shared-input cases, under a minute
#   bash benches/memory.sh [LANDPORT] million  # also a 1,000,000-point grid: some minutes, 7 GB of disk
#
# LANDPORT defaults to target/release/landport. Inputs are made in a temporary folder:
# - emp.toml: a two-stage port whose X-ray takes one of 400,000 empirical values (an 800 KB file),
#   and emp1.toml ... emp15.toml, each extending the one before and giving its own 400,000 values;
# - sweeps of 1 and of 100 points (2 replications each) over emp.toml and over emp15.toml;
# - million.toml: a grid of 1,000 × 1,000 points over a 4-day port, one replication a point.
set -euo pipefail
LANDPORT=$(realpath "${1:-target/release/landport}")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

python3 - <<'EOF'
import random
random.seed(1)
values = ",".join(str(random.randint(1, 9)) for _ in range(400000))
head = '''name = "emp"
seed = 7
replications = 2
horizon = "4 d"
[arrivals]
process = "poisson"
rate = "10 trucks per hour"
to = "gate"
[stages.gate]
servers = 1
service = { dist = "exponential", mean = "4 min" }
routes = [{ to = "xray" }]
[stages.xray]
servers = 1
routes = [{ to = "exit" }]
'''
with open("emp.toml", "w") as f:
    f.write(head + 'service = { dist = "empirical", unit = "s", values = [' + values + '] }\n')
parent = "emp.toml"
for i in range(1, 16):
    with open(f"emp{i}.toml", "w") as f:
        f.write(f'extends = "{parent}"\nname = "emp{i}"\n[stages.xray]\n'
                f'service = {{ dist = "empirical", unit = "s", values = [{values}] }}\n')
    parent = f"emp{i}.toml"
for base, stem in [("emp.toml", "one-file"), ("emp15.toml", "sixteen-files")]:
    one = '[[points]]\n"stages.gate.servers" = 1\n'
    hundred = "".join(f'[[points]]\n"stages.gate.servers" = {1 + i}\n' for i in range(100))
    for points, body in [("1", one), ("100", hundred)]:
        with open(f"{stem}-{points}.toml", "w") as f:
            f.write(f'scenario = "{base}"\nreplications = 2\n{body}')
with open("port.toml", "w") as f:
    f.write('''name = "four-days"
seed = 1
warmup = "1 d"
horizon = "4 d"
replications = 1
[arrivals]
process = "poisson"
rate = "2 trucks per hour"
to = "desk"
[stages.desk]
servers = 2
service = { dist = "exponential", mean = "20 min" }
routes = [{ to = "gate" }]
[stages.gate]
servers = 1
service = { dist = "constant", value = "3 min" }
routes = [{ to = "exit" }]
''')
with open("million.toml", "w") as f:
    f.write('scenario = "port.toml"\nreplications = 1\n[grid]\n'
            '"stages.desk.servers" = { from = 1, to = 1000 }\n"seed" = { from = 1, to = 1000 }\n')
EOF

measure() {
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o time.txt "$@" > /dev/null
  read -r seconds kilobytes < time.txt
  printf '%-44s %8.2f s %8.0f MB\n' "$label" "$seconds" "$((kilobytes / 1024))"
}

measure "validate emp.toml (400,000 values)" "$LANDPORT" validate emp.toml
measure "validate emp15.toml (16 files extending)" "$LANDPORT" validate emp15.toml
for stem in one-file sixteen-files; do
  for points in 1 100; do
    measure "sweep, $stem, $points points" \
      "$LANDPORT" sweep "$stem-$points.toml" --quiet --no-plots --out "out-$stem-$points"
  done
done

if [[ "${2:-}" == million ]]; then
  # The first run: when the journal holds its header and one record.
  start=$(date +%s.%N)
  /usr/bin/time -f "%e %M" -o time.txt "$LANDPORT" sweep million.toml --quiet --out out-million \
    > /dev/null &
  while [[ ! -f out-million/runs.jsonl || $(wc -l < out-million/runs.jsonl) -lt 2 ]]; do
    sleep 0.05
  done
  first=$(date +%s.%N)
  wait
  read -r seconds kilobytes < time.txt
  printf '%-44s %8.2f s %8.0f MB   first run after %.2f s\n' "sweep, 1,000,000 points" \
    "$seconds" "$((kilobytes / 1024))" "$(echo "$first - $start" | bc -l)"
  ls -l out-million | awk 'NR > 1 { printf "  %-12s %6.2f GB\n", $9, $5 / 1e9 }'
fi
