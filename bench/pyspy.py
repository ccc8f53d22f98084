"""py-spy profiles for the benches: BENCH_PROFILE_DIR=/some/dir records raw collapsed stacks of
the processes a bench names while it measures; PY_SPY names the binary, PY_SPY_ARGS adds
arguments (e.g. `--gil`, so that threads waiting for the interpreter are not counted)."""

import os
import signal
import subprocess
import time
from pathlib import Path

PROFILE_DIR = os.environ.get("BENCH_PROFILE_DIR", "")
PY_SPY = os.environ.get("PY_SPY", "py-spy")
PY_SPY_ARGS = os.environ.get("PY_SPY_ARGS", "").split()


def start(pids: dict[str, int], *, subprocesses: bool = False) -> list[subprocess.Popen]:
    """A recorder for each `name: pid` (to `<BENCH_PROFILE_DIR>/<name>.txt`), attached before
    this returns; none when BENCH_PROFILE_DIR is unset."""
    if not PROFILE_DIR:
        return []
    Path(PROFILE_DIR).mkdir(parents=True, exist_ok=True)
    recorders = []
    for name, pid in pids.items():
        command = [PY_SPY, "record", "--pid", str(pid), "--rate", "250", "--format", "raw"]
        command += ["--threads", *(["--subprocesses"] if subprocesses else []), *PY_SPY_ARGS]
        command += ["-o", f"{PROFILE_DIR}/{name}.txt"]
        recorders.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    if recorders:
        time.sleep(1.0)  # let py-spy attach
    return recorders


def stop(recorders: list[subprocess.Popen]) -> None:
    """Each recorder writes its file (py-spy does on SIGINT) and ends."""
    for recorder in recorders:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=60)
