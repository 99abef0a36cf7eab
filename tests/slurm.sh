#!/usr/bin/env bash
# A sweep on a real Slurm: starts a single-node cluster on this machine (munged, slurmctld and
# slurmd on localhost, a minimal slurm.conf), submits the job array `landport sweep --slurm`
# writes with `sbatch --wait`, merges the shards and checks that sweep.csv and sweep.json are byte
# for byte those of the same sweep run on one machine. Stops the daemons it started.
#
# Needs root and Debian's slurm-wlm and munge (`.ci/run` installs them); LANDPORT is the binary
# to test (default: target/release/landport).
set -euo pipefail
cd "$(dirname "$0")/.."
landport=$(realpath "${LANDPORT:-target/release/landport}")
sweep=scenarios/sweeps/reformed-inspection.toml
shards=4

work=$(mktemp -d /tmp/landport-slurm.XXXXXX)
export SLURM_CONF=$work/slurm.conf
host=$(hostname)
cpus=$(nproc)

# On exit: stop the daemons, wait for them to go, and remove the work folder.
stop() {
  local pids=()
  for pid_file in "$work"/slurmd.pid "$work"/slurmctld.pid "$work"/munged.pid; do
    if [[ -s $pid_file ]]; then
      pids+=("$(cat "$pid_file")")
    fi
  done
  if ((${#pids[@]})); then
    kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "${pids[@]}" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "${pids[@]}" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT

show_logs() {
  echo "slurm test: failed; logs follow" >&2
  tail -n 30 "$work"/*.log "$work"/cluster/slurm-*.out >&2 2>/dev/null || true
}

# munge: its own key, socket and daemon, so nothing of the machine's is touched.
dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 0400 "$work/munge.key"
mkdir -p "$work/munge"
/usr/sbin/munged --force --key-file="$work/munge.key" --socket="$work/munge/munge.socket" \
  --pid-file="$work/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munge.seed"

cat >"$SLURM_CONF" <<EOF
ClusterName=landport
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
mkdir -p "$work/state" "$work/spool"
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF"

for _ in $(seq 60); do
  if [[ $(sinfo -h -o %t 2>/dev/null) == idle ]]; then break; fi
  sleep 1
done
if [[ $(sinfo -h -o %t 2>/dev/null) != idle ]]; then
  sinfo >&2 || true
  show_logs
  exit 1
fi
echo "slurm test: single-node cluster up ($(sinfo -h -o '%P %D %c %t'))"

"$landport" sweep "$sweep" --slurm --shards "$shards" --cpus-per-task 1 --time 00:10:00 \
  --partition debug --out "$work/cluster"
if ! timeout 900 sbatch --wait "$work/cluster/sweep.sbatch"; then
  show_logs
  exit 1
fi
"$landport" merge "$work"/cluster/shard-*-of-"$shards" --out "$work/merged" --no-plots
"$landport" sweep "$sweep" --out "$work/single" --no-plots --quiet >/dev/null
for file in sweep.csv sweep.json; do
  if ! cmp "$work/single/$file" "$work/merged/$file"; then
    echo "slurm test: merged $file differs from the single-machine sweep" >&2
    exit 1
  fi
done
echo "slurm test: $shards shards run by Slurm merge to the single-machine sweep.csv and sweep.json, byte for byte"
