#!/usr/bin/env bash
# Soak: `knotless run` over the demo session looped for HOURS (default 8) of session time at
# --speed max, sampling the process every INTERVAL seconds (default 10): resident memory
# (VmRSS), threads (/proc/PID/task), open descriptors (/proc/PID/fd) and the history's size.
# Writes the samples to target/soak.csv and prints a summary. KNOTLESS_BIN picks the binary
# [default: target/release/knotless, built if missing].
set -euo pipefail
cd "$(dirname "$0")/.."
hours=${HOURS:-8}
interval=${INTERVAL:-10}
bin=${KNOTLESS_BIN:-target/release/knotless}
if [ ! -x "$bin" ]; then
    cargo build --release -j"${JOBS:-2}"
fi
session=demo/session
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '[alerts]\ndesktop = false\n' > "$work/config.toml"

# One pass lasts from the first frame to the last plus one frame interval.
pass_ms=$(awk -F, 'NR > 1 { prev = last; last = $2 } END { print last + (last - prev) }' \
    "$session/frames.csv")
passes=$(( (hours * 3600 * 1000 + pass_ms - 1) / pass_ms ))
echo "soak: $passes passes of $session ($pass_ms ms each) = $hours h of session time"

"$bin" --config "$work/config.toml" --data-dir "$work/data" run --population-defaults \
    --speed max --loop "$passes" --source "$session" >/dev/null 2>"$work/stderr" &
pid=$!
out=target/soak.csv
mkdir -p target
echo "wall_s,rss_kib,threads,fds,history_bytes" > "$out"
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    threads=$(ls "/proc/$pid/task" 2>/dev/null | wc -l)
    fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
    db=$( (cat "$work"/data/history.sqlite3* 2>/dev/null || true) | wc -c)
    [ -n "$rss" ] && echo "$(( $(date +%s) - start )),$rss,$threads,$fds,$db" >> "$out"
    sleep "$interval"
done
status=0
wait "$pid" || status=$?
end=$(date +%s)
db=$(stat -c %s "$work/data/history.sqlite3")
tr '\r' '\n' < "$work/stderr" | grep -E 'analysed over|error|warn|panicked' | tail -5 || true
echo "exit status $status after $(( end - start )) s of wall time; history $db bytes" \
    "($(( db * 3600 / (hours * 3600) / 1024 )) KiB per hour of session)"
# Memory growth after warm-up: the first tenth of the samples is left out.
awk -F, 'NR > 1 { n++; rss[n] = $2; thr[n] = $3; fd[n] = $4 }
END {
    if (n < 2) { print "too few samples"; exit }
    w = int(n / 10) + 1
    lo = hi = rss[w]; tlo = thi = thr[w]; flo = fhi = fd[w]
    for (i = w; i <= n; i++) {
        if (rss[i] < lo) lo = rss[i]; if (rss[i] > hi) hi = rss[i]
        if (thr[i] < tlo) tlo = thr[i]; if (thr[i] > thi) thi = thr[i]
        if (fd[i] < flo) flo = fd[i]; if (fd[i] > fhi) fhi = fd[i]
    }
    printf "samples %d; RSS after warm-up %d KiB, at the end %d KiB (growth %+d KiB), range %d-%d KiB\n", n, rss[w], rss[n], rss[n] - rss[w], lo, hi
    printf "threads %d-%d; open descriptors %d-%d\n", tlo, thi, flo, fhi
}' "$out"
exit "$status"
