"""The monitor as people run it: `knotless run --source demo/session` at real-time pacing with the
default settings, for a few minutes, watched from outside through /proc. Prints one JSON line:
CPU time per wall second (as % of one core, from process start, and from 10 s on), peak RSS
(VmHWM), and the time from starting the process to its first analysed frame.

The first analysed frame is seen on stderr: with RUST_LOG=warn,knotless::monitor=info the
monitor logs `first frame analysed` once, when the analysis of its first frame is done. The
time is taken here, from just before the process is started to when that line arrives.

The run is calibrated first (`knotless calibrate --seconds 30 --source demo/session`) in a
temporary data folder, which is removed afterwards.

Usage: python3 benches/monitor.py [--seconds 180] [--binary target/release/knotless] [--config FILE]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    return (int(fields[11]) + int(fields[12])) / TICK


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=180.0, help="how long to watch the monitor")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "knotless"))
    ap.add_argument("--source", default=os.path.join(ROOT, "demo", "session"))
    ap.add_argument("--warmup", type=float, default=10.0, help="seconds left out of the steady figure")
    ap.add_argument("--config", help="a config file instead of the defaults (to compare settings)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="knotless-bench-") as home:
        data = os.path.join(home, "data")
        config = ["--config", os.path.abspath(args.config)] if args.config else []
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"))
        subprocess.run(
            [args.binary, *config, "--data-dir", data, "calibrate", "--profile", "default",
             "--seconds", "30", "--source", args.source],
            check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        env["RUST_LOG"] = "warn,knotless::monitor=info"
        first = {}
        t0 = time.monotonic()
        proc = subprocess.Popen(
            [args.binary, *config, "--data-dir", data, "run", "--profile", "default",
             "--source", args.source],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True,
        )

        def watch_stderr():
            for line in proc.stderr:
                if "first frame analysed" in line and "t" not in first:
                    first["t"] = time.monotonic() - t0

        reader = threading.Thread(target=watch_stderr, daemon=True)
        reader.start()
        cpu_warm = None
        while True:
            time.sleep(0.25)
            elapsed = time.monotonic() - t0
            if proc.poll() is not None:
                sys.exit(f"knotless run ended early with status {proc.returncode}")
            if cpu_warm is None and elapsed >= args.warmup:
                cpu_warm = (elapsed, cpu_seconds(proc.pid))
            if elapsed >= args.seconds:
                break
        wall = time.monotonic() - t0
        cpu = cpu_seconds(proc.pid)
        rss = peak_rss_mb(proc.pid)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)

    steady = (cpu - cpu_warm[1]) / (wall - cpu_warm[0]) if cpu_warm else float("nan")
    print(json.dumps({
        "seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 2),
        "cpu_percent": round(100.0 * cpu / wall, 2),
        "cpu_percent_steady": round(100.0 * steady, 2),
        "peak_rss_mb": round(rss, 1),
        "first_analysis_s": round(first["t"], 3) if "t" in first else None,
    }))


if __name__ == "__main__":
    main()
