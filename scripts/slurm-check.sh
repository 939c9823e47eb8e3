#!/usr/bin/env bash
# End-to-end check of deploy/slurm-array.sh on a one-node Slurm cluster (`make slurm-check`;
# not part of `make test`). Needs root on Debian; see docs/scaling.md.
#
#   scripts/slurm-check.sh           # set the cluster up if it is not running, then the check
#   scripts/slurm-check.sh --setup   # only make sure the cluster is up
#   scripts/slurm-check.sh --stop    # stop the daemons this script started (and nothing else)
#
# 1. Cluster (idempotent): installs slurm-wlm and munge with apt when missing, creates a munge key
#    when there is none, writes /etc/slurm/slurm.conf for this host (refusing to replace one it
#    did not write), starts munged (as user munge), slurmctld and slurmd only when they are not
#    already running, and waits until sinfo shows the node idle. The pids of the daemons it
#    starts go to /run/glyphprep-slurm-check; --stop stops exactly those.
# 2. Check: synthesizes COUNT scans, submits deploy/slurm-array.sh as users do (an array of
#    SHARDS tasks, --resume), kills task KILL_INDEX part-way with scancel, resubmits that index,
#    runs `glyphprep merge` as a job depending on all shards (sbatch --dependency=afterok), runs
#    the same pipeline single-process, and compares manifest.jsonl, run.json and every image
#    byte for byte. Prints a PASS/FAIL summary; exits 0 only on PASS. Every wait is bounded.
#
# Settings (environment): SHARDS (4), COUNT (2000: at ~130 images/s on 2 cores, 200 scans
# make 50-file shards that finish in under half a second, too soon to kill one part-way), SEED (7), PIPELINE (pipelines/emnist.yaml),
# STROKES (../shared/data/uji), WORK (/tmp/glyphprep-slurm-check), KILL_INDEX (2),
# KILL_SIGNAL (TERM: plain scancel; KILL: kill -9 of the task's glyphprep, like the OOM killer), KILL_AFTER (files the
# task must have finished before it is killed: a quarter of a shard), TIMEOUT (seconds per wait: 900),
# GLYPHPREP (.build/release/glyphprep).
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$PWD
SHARDS=${SHARDS:-4}
COUNT=${COUNT:-2000}
SEED=${SEED:-7}
PIPELINE=${PIPELINE:-pipelines/emnist.yaml}
STROKES=${STROKES:-../shared/data/uji}
WORK=${WORK:-/tmp/glyphprep-slurm-check}
KILL_INDEX=${KILL_INDEX:-2}
KILL_SIGNAL=${KILL_SIGNAL:-TERM}
KILL_AFTER=${KILL_AFTER:-}
TIMEOUT=${TIMEOUT:-900}
GLYPHPREP=${GLYPHPREP:-$REPO/.build/release/glyphprep}
export -n SHARDS   # deploy/slurm-array.sh reads SHARDS: pass it only to the resubmission
STATE=/run/glyphprep-slurm-check
CONF=/etc/slurm/slurm.conf
MARKER="# Written by glyphprep scripts/slurm-check.sh"
NODE=$(hostname -s)

START=$(date +%s.%N)
elapsed() { awk -v s="$START" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }'; }
since() { awk -v s="$1" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }'; }
log() { echo "[slurm-check +$(elapsed)s] $*" >&2; }
die() { echo "[slurm-check +$(elapsed)s] ERROR: $*" >&2; exit 1; }
SUMMARY=()
summary() { SUMMARY+=("$*"); log "$*"; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every POLL (0.5) s until it succeeds.
POLL=0.5
wait_for() {
  local limit=$1 what=$2
  shift 2
  local deadline=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || { log "timed out after ${limit}s waiting for $what"; return 1; }
    sleep "$POLL"
  done
}

# --- cluster -------------------------------------------------------------------------------

STARTED_NOW=()   # daemons started by this invocation (stopped again if the setup fails)

munge_ok() { timeout 5 munge -n </dev/null 2>/dev/null | timeout 5 unmunge >/dev/null 2>&1; }
ctld_up() { timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; }
node_state() { timeout 10 sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -n 1; }
node_idle() { [ "$(node_state)" = idle ]; }
# The pid in a pid file, when that process is alive and is the named program.
live_pid() {
  local file=$1 name=$2 pid
  [ -s "$file" ] || return 1
  pid=$(tr -dc 0-9 <"$file")
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] && echo "$pid"
}
# record NAME PIDFILE: remember that this script started the daemon (for --stop).
record() {
  local pid
  pid=$(live_pid "$2" "$1") || return 1
  mkdir -p "$STATE"
  echo "$pid" >"$STATE/$1.pid"
  STARTED_NOW+=("$1")
}

stop_daemon() {   # stops one daemon this script started, by its recorded pid
  local name=$1 pid
  pid=$(live_pid "$STATE/$name.pid" "$name") || { rm -f "$STATE/$name.pid"; return 0; }
  log "stopping $name (pid $pid, started by this script)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + 30 ))
  while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && log "WARNING: $name (pid $pid) is still running after 30 s"
  rm -f "$STATE/$name.pid"
}

stop_started() {   # the named daemons, if this script started them (slurmd first)
  local names=("$@")
  for name in slurmd slurmctld munged; do
    [[ " ${names[*]} " == *" $name "* ]] && stop_daemon "$name"
  done
  return 0
}

write_conf() {
  local node_line
  node_line=$(slurmd -C | head -n 1)   # NodeName=… CPUs=… Boards=… … RealMemory=…
  [[ "$node_line" == NodeName=* ]] || die "slurmd -C printed '$node_line'"
  node_line=${node_line/NodeName=$NODE /NodeName=$NODE NodeAddr=127.0.0.1 }
  cat >"$CONF.new" <<EOF
$MARKER for a one-node check cluster on $NODE.
# It is replaced whenever this host's CPUs or memory change; remove it with the daemons stopped
# (scripts/slurm-check.sh --stop) if you want another configuration.
ClusterName=glyphprep-check
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
ReturnToService=2
KillWait=30
MinJobAge=3600
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
$node_line State=UNKNOWN
PartitionName=check Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  if [ -f "$CONF" ] && cmp -s "$CONF" "$CONF.new"; then
    rm -f "$CONF.new"
    return 1   # unchanged
  fi
  mv "$CONF.new" "$CONF"
  return 0
}

setup_cluster() {
  local t0
  t0=$(date +%s.%N)
  [ "$(id -u)" -eq 0 ] || die "the cluster setup needs root (apt-get, munged, slurmd)"
  if ctld_up && node_idle; then
    if [ -f "$CONF" ] && grep -qF "$MARKER" "$CONF" && write_conf; then
      log "rewrote $CONF (this host or the script changed); scontrol reconfigure"
      timeout 30 scontrol reconfigure || true
      wait_for 60 "node $NODE idle in sinfo" node_idle || die "node $NODE is '$(node_state)' after reconfigure"
    fi
    summary "cluster: already up, node $NODE idle ($(sinfo -h -N -n "$NODE" -o '%c CPUs, %m MB')); nothing started"
    return 0
  fi
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    log "installing slurm-wlm and munge with apt"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
  fi
  trap 'status=$?; [ $status -eq 0 ] || { [ ${#STARTED_NOW[@]} -eq 0 ] || stop_started "${STARTED_NOW[@]}"; }; exit $status' EXIT

  # munge: key, then munged as user munge.
  if [ ! -s /etc/munge/munge.key ]; then
    log "creating a munge key (mungekey -c)"
    mungekey -c -k /etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 600 /etc/munge/munge.key
  fi
  if ! munge_ok; then
    log "starting munged as user munge"
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    runuser -u munge -- /usr/sbin/munged
    wait_for 20 "munged" munge_ok || die "munged did not come up (see /var/log/munge/munged.log)"
    record munged /run/munge/munged.pid || log "WARNING: munged is up but its pid file /run/munge/munged.pid is not"
  fi

  # slurm.conf for this host.
  install -d /etc/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm
  if [ -f "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
    ctld_up || die "$CONF exists and was not written by this script, and no slurmctld answers; not touching it"
    log "using the running cluster of $CONF (not written by this script)"
  elif write_conf; then
    log "wrote $CONF ($(grep '^NodeName' "$CONF"))"
    if ctld_up; then timeout 30 scontrol reconfigure || true; fi
  fi

  if ! ctld_up; then
    live_pid /run/slurmctld.pid slurmctld >/dev/null && die "slurmctld is running (pid file /run/slurmctld.pid) but does not answer scontrol ping"
    log "starting slurmctld"
    slurmctld
    wait_for 30 "slurmctld (scontrol ping)" ctld_up || die "slurmctld did not come up (see /var/log/slurm/slurmctld.log)"
    record slurmctld /run/slurmctld.pid || true
  fi
  if ! live_pid /run/slurmd.pid slurmd >/dev/null; then
    log "starting slurmd"
    slurmd
    wait_for 30 "slurmd" live_pid /run/slurmd.pid slurmd || die "slurmd did not start (see /var/log/slurm/slurmd.log)"
    record slurmd /run/slurmd.pid || true
  fi
  if ! wait_for 60 "node $NODE idle in sinfo" node_idle; then
    # A node left down by an earlier, killed daemon: resume it once.
    case "$(node_state)" in
      down|drained|draining) timeout 10 scontrol update NodeName="$NODE" State=RESUME || true ;;
    esac
    wait_for 30 "node $NODE idle in sinfo" node_idle || die "node $NODE is '$(node_state)', not idle (see /var/log/slurm/*.log)"
  fi
  trap - EXIT
  local started="nothing started"
  [ ${#STARTED_NOW[@]} -eq 0 ] || started="started ${STARTED_NOW[*]}"
  summary "cluster: node $NODE idle ($(sinfo -h -N -n "$NODE" -o '%c CPUs, %m MB')); $started in $(since "$t0") s"
}

case "${1:-}" in
  --stop) stop_started slurmd slurmctld munged; exit 0 ;;
  --setup) setup_cluster; exit 0 ;;
  "") ;;
  *) echo "usage: scripts/slurm-check.sh [--setup | --stop]" >&2; exit 64 ;;
esac

setup_cluster

# --- the check -----------------------------------------------------------------------------

[ -x "$GLYPHPREP" ] || die "$GLYPHPREP is missing: run make build first"
[ -d "$STROKES" ] || die "no stroke data at $STROKES (STROKES=…)"
[ "$KILL_INDEX" -ge 0 ] && [ "$KILL_INDEX" -lt "$SHARDS" ] || die "KILL_INDEX must be in 0..$((SHARDS - 1))"

# Jobs submitted by this check, cancelled on the way out if anything fails; those of an
# earlier, interrupted check are cancelled first.
JOBS_FILE=$WORK/jobs
if [ -s "$JOBS_FILE" ]; then
  while read -r job; do
    [ -n "$job" ] && timeout 10 scancel "$job" 2>/dev/null || true
  done <"$JOBS_FILE"
fi
rm -rf "$WORK/scans" "$WORK/out" "$WORK/ref" "$WORK/logs" "$JOBS_FILE"
mkdir -p "$WORK/logs"
: >"$JOBS_FILE"
RESULT=FAIL
finish() {
  local status=$?
  if [ "$RESULT" != PASS ] && [ -s "$JOBS_FILE" ]; then
    while read -r job; do [ -n "$job" ] && timeout 10 scancel "$job" 2>/dev/null || true; done <"$JOBS_FILE"
  fi
  echo
  echo "==== slurm-check summary ($(date -u '+%Y-%m-%d %H:%M:%S UTC'), $NODE, glyphprep $("$GLYPHPREP" --version 2>/dev/null || echo '?'))"
  for line in "${SUMMARY[@]}"; do echo "  $line"; done
  echo "==== slurm-check: $RESULT in $(elapsed) s (logs: $WORK/logs)"
  [ "$RESULT" = PASS ] && exit 0
  [ "$status" -ne 0 ] && exit "$status"
  exit 1
}
trap finish EXIT

submit() {   # sbatch with --parsable; prints the job id and remembers it
  local out job
  out=$(timeout 30 sbatch --parsable "$@") || die "sbatch $* failed"
  job=${out%%;*}
  echo "$job" >>"$JOBS_FILE"
  echo "$job"
}
job_field() {   # job_field JOBID FIELD: a field of scontrol show job (first record)
  timeout 10 scontrol show job -o "$1" 2>/dev/null | head -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}
job_done() {   # no longer pending or running (scontrol keeps finished jobs for MinJobAge)
  local state
  state=$(job_field "$1" JobState)
  [ -n "$state" ] && [ "$state" != PENDING ] && [ "$state" != RUNNING ] && [ "$state" != CONFIGURING ] \
    && [ "$state" != COMPLETING ] && [ "$state" != REQUEUED ] && [ "$state" != SUSPENDED ]
}
job_running() { [ "$(job_field "$1" JobState)" = RUNNING ]; }
lines_in() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# Input.
t0=$(date +%s.%N)
"$GLYPHPREP" synth "$STROKES" -o "$WORK/scans" --count "$COUNT" --seed "$SEED" >"$WORK/logs/synth.log" 2>&1 \
  || die "glyphprep synth failed (see $WORK/logs/synth.log)"
files=$(find "$WORK/scans" -type f ! -name '.*' ! -name labels.csv | wc -l)
summary "input: glyphprep synth --count $COUNT --seed $SEED: $files images, $(du -sh "$WORK/scans" | cut -f1) in $(since "$t0") s"

# The array, submitted as the script's header documents it; the environment (PIPELINE, INPUT,
# OUTPUT, GLYPHPREP) goes with it (sbatch --export=ALL is the default).
export PIPELINE INPUT="$WORK/scans" OUTPUT="$WORK/out" GLYPHPREP
t0=$(date +%s.%N)
ARRAY=$(submit --array=0-$((SHARDS - 1)) --output="$WORK/logs/glyphprep-%A_%a.log" deploy/slurm-array.sh)
log "submitted array job $ARRAY: sbatch --array=0-$((SHARDS - 1)) deploy/slurm-array.sh (INPUT=$INPUT OUTPUT=$OUTPUT)"

# Kill task KILL_INDEX part-way: once it runs and has finished KILL_AFTER files. A SIGTERM'd
# glyphprep finishes the files in flight and renames its partial manifest to the shard's
# manifest (listing only what it did); a SIGKILL'd one leaves the .partial file.
VICTIM=${ARRAY}_$KILL_INDEX
PARTIAL=$OUTPUT/.manifest-$KILL_INDEX-of-$SHARDS.jsonl.partial
SHARD_MANIFEST=$OUTPUT/manifest-$KILL_INDEX-of-$SHARDS.jsonl
SHARD_FILES=$(( files / SHARDS ))
shard_lines() { if [ -f "$SHARD_MANIFEST" ]; then lines_in "$SHARD_MANIFEST"; else lines_in "$PARTIAL"; fi; }
part_way() { job_running "$VICTIM" && [ "$(lines_in "$PARTIAL")" -ge "$KILL_AFTER" ]; }
[ -n "$KILL_AFTER" ] || KILL_AFTER=$(( SHARD_FILES / 4 > 0 ? SHARD_FILES / 4 : 1 ))
POLL=0.1 wait_for "$TIMEOUT" "task $VICTIM to run and finish $KILL_AFTER files" part_way \
  || die "task $VICTIM never ran part-way (state $(job_field "$VICTIM" JobState); a larger COUNT helps if it finished too soon)"
at_kill=$(lines_in "$PARTIAL")
if [ "$KILL_SIGNAL" = TERM ]; then
  how="scancel $VICTIM"
  timeout 30 scancel "$VICTIM"
else
  # scancel --signal=KILL is a plain cancel (SIGTERM first); a hard crash (OOM killer, node
  # failure) is SIGKILL of the process itself: the task's glyphprep, found with listpids.
  victim_id=$(job_field "$VICTIM" JobId)
  pids=$(timeout 10 scontrol listpids "$victim_id" | awk 'NR > 1 { print $1 }')
  killed=""
  for pid in $pids; do
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = glyphprep ]; then kill -KILL "$pid" && killed+=" $pid"; fi
  done
  [ -n "$killed" ] || die "no glyphprep process in task $VICTIM (job $victim_id) to kill"
  how="kill -KILL of task $VICTIM's glyphprep (pid$killed)"
fi
wait_for "$TIMEOUT" "task $VICTIM to end" job_done "$VICTIM" || die "task $VICTIM did not end after $how"
victim_state=$(job_field "$VICTIM" JobState)
victim_exit=$(job_field "$VICTIM" ExitCode)
after_kill=$(shard_lines)
left=$( [ -f "$SHARD_MANIFEST" ] && echo "manifest-$KILL_INDEX-of-$SHARDS.jsonl" || echo ".manifest-$KILL_INDEX-of-$SHARDS.jsonl.partial")
log "task $VICTIM: $how at $at_kill lines; ended $victim_state (exit $victim_exit), $left has $after_kill lines"

# Resubmit that index alone: SHARDS tells the script the array's real size.
RESUB=$(SHARDS=$SHARDS submit --array="$KILL_INDEX" --output="$WORK/logs/glyphprep-%A_%a.log" deploy/slurm-array.sh)
log "resubmitted index $KILL_INDEX as job $RESUB: SHARDS=$SHARDS sbatch --array=$KILL_INDEX deploy/slurm-array.sh"

# The merge, as a job that starts when every shard has succeeded: the original tasks except the
# killed one, and the resubmission.
deps=""
for ((i = 0; i < SHARDS; i++)); do [ "$i" -eq "$KILL_INDEX" ] || deps+=":${ARRAY}_$i"; done
deps="afterok$deps:$RESUB"
MERGE=$(submit --dependency="$deps" --job-name=glyphprep-merge --output="$WORK/logs/merge-%j.log" \
  --wrap "\"$GLYPHPREP\" merge \"$OUTPUT\"")
log "submitted merge job $MERGE: sbatch --dependency=$deps --wrap \"glyphprep merge $OUTPUT\""
wait_for "$TIMEOUT" "merge job $MERGE" job_done "$MERGE" || die "merge job $MERGE did not finish (state $(job_field "$MERGE" JobState), reason $(job_field "$MERGE" Reason))"
slurm_seconds=$(since "$t0")
fail=0
states=""
for ((i = 0; i < SHARDS; i++)); do
  [ "$i" -eq "$KILL_INDEX" ] && continue
  s=$(job_field "${ARRAY}_$i" JobState); e=$(job_field "${ARRAY}_$i" ExitCode)
  states+=" ${ARRAY}_$i=$s($e)"
  [ "$s" = COMPLETED ] || fail=1
done
s=$(job_field "${RESUB}" JobState); e=$(job_field "$RESUB" ExitCode)
states+=" ${RESUB}[index $KILL_INDEX]=$s($e)"
[ "$s" = COMPLETED ] || fail=1
shard_total=$(lines_in "$SHARD_MANIFEST")
summary "kill: $how when shard $KILL_INDEX had done $at_kill files; task ended $victim_state (exit $victim_exit) leaving $left with $after_kill of the shard's $shard_total lines"
[ "$after_kill" -lt "$shard_total" ] || { summary "kill: the task had finished its shard before the kill took effect (raise COUNT)"; fail=1; }
resumed=$(tail -n 1 "$WORK/logs/glyphprep-${RESUB}_$KILL_INDEX.log" 2>/dev/null || true)
summary "resume: job $RESUB (shard $KILL_INDEX/$SHARDS again, --resume): $resumed"
[[ "$resumed" == *" $after_kill reused"* ]] || { summary "resume: expected the $after_kill files of the killed task to be reused"; fail=1; }
merge_state=$(job_field "$MERGE" JobState); merge_exit=$(job_field "$MERGE" ExitCode)
[ "$merge_state" = COMPLETED ] || fail=1
summary "jobs:$states merge $MERGE=$merge_state($merge_exit)"
summary "slurm: submit to merged manifest in $slurm_seconds s; merge said: $(tr '\n' ' ' <"$WORK/logs/merge-$MERGE.log" | cut -c1-200)"
[ "$fail" -eq 0 ] || die "a job did not complete (logs in $WORK/logs)"

# The same pipeline, single process.
t0=$(date +%s.%N)
ref_status=0
"$GLYPHPREP" run "$PIPELINE" "$INPUT" -o "$WORK/ref" --jobs 2 --no-progress >"$WORK/logs/reference.log" 2>&1 || ref_status=$?
[ "$ref_status" -le 1 ] || die "the single-process run exited $ref_status (see $WORK/logs/reference.log)"
summary "reference: glyphprep run $PIPELINE (single process, --jobs 2) exit $ref_status in $(since "$t0") s: $(tail -n 1 "$WORK/logs/reference.log")"

# Byte-for-byte comparison: the manifest, run.json, and the whole tree except the shard files.
compare_fail=0
if cmp "$WORK/ref/manifest.jsonl" "$OUTPUT/manifest.jsonl"; then
  summary "compare: manifest.jsonl identical ($(wc -l <"$OUTPUT/manifest.jsonl") lines, $(grep -c '"status":"ok"' "$OUTPUT/manifest.jsonl") ok)"
else
  compare_fail=1; summary "compare: manifest.jsonl DIFFERS"
fi
if cmp "$WORK/ref/run.json" "$OUTPUT/run.json"; then
  summary "compare: run.json identical"
else
  compare_fail=1; summary "compare: run.json DIFFERS"
fi
(cd "$WORK/ref" && find . -type f -name '*.png' | sort) >"$WORK/logs/ref-images.txt"
(cd "$OUTPUT" && find . -type f -name '*.png' | sort) >"$WORK/logs/out-images.txt"
images=$(wc -l <"$WORK/logs/ref-images.txt")
identical=0
while read -r image; do
  cmp -s "$WORK/ref/$image" "$OUTPUT/$image" && identical=$((identical + 1))
done <"$WORK/logs/ref-images.txt"
if [ "$images" -gt 0 ] && [ "$identical" -eq "$images" ] && cmp -s "$WORK/logs/ref-images.txt" "$WORK/logs/out-images.txt"; then
  summary "compare: $identical/$images PNGs identical (cmp), same file list"
else
  compare_fail=1; summary "compare: $identical/$images PNGs identical; file lists $(cmp -s "$WORK/logs/ref-images.txt" "$WORK/logs/out-images.txt" && echo same || echo DIFFER)"
fi
# Anything else (temporaries, leftovers) shows up here; only the shard bookkeeping may differ.
if diff -r -q -x 'manifest-*-of-*.jsonl' -x 'run-*-of-*.json' "$WORK/ref" "$OUTPUT" >"$WORK/logs/diff-r.txt" 2>&1; then
  summary "compare: diff -r (shard manifests/run files excluded): no differences"
else
  compare_fail=1; summary "compare: diff -r found differences: $(head -n 3 "$WORK/logs/diff-r.txt" | tr '\n' ';')"
fi
[ "$compare_fail" -eq 0 ] && RESULT=PASS
