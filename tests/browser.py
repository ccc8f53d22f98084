"""The one driver of the browser walks in frontend/tests/*.mjs (calendars, recording, the tour):
a real daphne (one of its own, or the one on `port`), the script run by node against it with
its visits, its one-line JSON report read back, and every problem a visit noted failing the
test with the daphne log to hand."""

import json
import os
import subprocess
from pathlib import Path

from .test_spa_smoke import CHROMIUM, FRONTEND, Daphne, _free_port


def browser_walk(
    world,
    tmp_path: Path,
    *,
    script: str,
    env_prefix: str,
    visits: list[dict],
    port: int | None = None,
    timeout: int = 400,
) -> dict[str, dict]:
    """Runs `frontend/tests/<script>` with `<env_prefix>_BASE_URL`, `_VISITS` and `_OUT`
    (screenshots in `frontend/test-results/<script's name>/`); each visit's report by its
    name (or role)."""
    daphne = Daphne(port or _free_port(), tmp_path / "daphne.log")
    if port is None:
        daphne.start()
    try:
        done = subprocess.run(
            ["node", str(FRONTEND / "tests" / script)],
            cwd=FRONTEND,
            env=dict(
                os.environ,
                **{
                    f"{env_prefix}_BASE_URL": f"http://{world.host}:{daphne.port}",
                    f"{env_prefix}_VISITS": json.dumps(visits),
                    f"{env_prefix}_OUT": str(FRONTEND / "test-results" / Path(script).stem),
                },
                CHROMIUM=str(CHROMIUM),
            ),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    finally:
        daphne.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    named = {str(v.get("name") or v.get("role")): v for v in report["visits"]}
    problems = [f"{name}: {p}" for name, v in named.items() for p in v["problems"]]
    assert problems == [], "\n".join(problems) + f"\ndaphne log:\n{daphne.tail()}"
    return named
