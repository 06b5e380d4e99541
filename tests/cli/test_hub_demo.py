"""`ledgerlink demo` end to end, as a user runs it: `--smoke` runs every printed command and
exits 0 (CI runs this); without it the demo keeps running, and what it printed works from a
shell (curl and the CLI) until Ctrl-C stops both servers cleanly."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

LEDGERLINK = Path(sys.executable).parent / "ledgerlink"
CLI = str(LEDGERLINK)  # outside the checkout the demo prints the script's absolute path
FREE_PORTS = ["--hub-port", "0", "--emulator-port", "0"]


def clean_env() -> dict[str, str]:
    """The machine's environment without LEDGERLINK_* settings; tables at 80 columns."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LEDGERLINK_") and k not in ("COLUMNS", "LINES")}
    return {**env, "TERM": "dumb"}


def demo(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, "demo", *FREE_PORTS, "--data-dir", "demo", *args], cwd=cwd,
                          env=clean_env(), capture_output=True, text=True, timeout=300)


def printed_commands(out: str) -> list[str]:
    """The first line of each command printed to paste (curl and ledgerlink)."""
    return [line.strip() for line in out.splitlines()
            if line.startswith(("  curl ", f"  {CLI} "))]


def test_smoke_runs_every_printed_command_and_exits_0(tmp_path: Path) -> None:
    done = demo(tmp_path, "--smoke")
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    commands = printed_commands(out)
    assert len(commands) == 6, out  # 4 curl (query, aged summary, action) and 2 CLI
    ran = [line.split("✓ ran", 1)[1].strip() for line in out.splitlines() if "✓ ran" in line]
    for command in commands:
        assert any(r.startswith(command.removesuffix(" \\")) for r in ran), command
    assert "console sign-in with the printed password → signed in" in out
    assert "replayed (the same invoice, no second write)" in out
    assert "Smoke test passed: 6 commands ran." in out
    password = re.search(r"admin password (\S+) \(shown this once", out)
    assert password and len(password.group(1)) == 19
    assert re.search(r"API key \(shown once\): llk_\S+", out)
    table = out[out.index("Aged receivables as at"):out.index("✓ action")]
    assert all(len(line) <= 80 for line in table.splitlines()), table
    assert "Stopped the hub and the emulator" in out


def test_a_second_run_reuses_the_database_and_fresh_starts_over(tmp_path: Path) -> None:
    first = demo(tmp_path, "--smoke")
    assert first.returncode == 0, first.stdout + first.stderr
    first_id = re.search(r"export LL_ID=(\S+)", first.stdout)
    again = demo(tmp_path, "--smoke")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Reusing the demo database demo/ledgerlink.db" in again.stdout
    assert "printed when this demo database was made" in again.stdout  # not a new password
    assert first_id and f"export LL_ID={first_id.group(1)}" in again.stdout  # same integration
    fresh = demo(tmp_path, "--smoke", "--fresh")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "Deleted the earlier demo database demo/ledgerlink.db (--fresh)." in fresh.stdout


def _lines_until(stream: queue.Queue[str], marker: str, timeout: float) -> str:
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = stream.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        if marker in line:
            return "".join(seen)
    pytest.fail(f"no {marker!r} within {timeout} s:\n{''.join(seen)}")


def _paste_block(out: str) -> tuple[list[str], list[list[str]]]:
    """The exports, and each printed command (its lines) of the block to paste."""
    block = out[out.index("Paste into another terminal"):].splitlines()[1:]
    exports = [line.strip() for line in block if line.strip().startswith("export ")]
    commands: list[list[str]] = []
    for line in block:
        if line.startswith("  # "):
            commands.append([])
        elif line.startswith("  ") and commands and not line.strip().startswith("export"):
            commands[-1].append(line.strip())
    return exports, [c for c in commands if c]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_printed_commands_work_from_a_shell_until_ctrl_c(tmp_path: Path) -> None:
    proc = subprocess.Popen([CLI, "demo", *FREE_PORTS, "--data-dir", "demo"], cwd=tmp_path,
                            env=clean_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    stdout = proc.stdout
    threading.Thread(target=lambda: [lines.put(x) for x in stdout], daemon=True).start()
    try:
        out = _lines_until(lines, "Running; press Ctrl-C to stop.", timeout=180)
        exports, commands = _paste_block(out)
        assert len(exports) == 3 and len(commands) == 7, out  # 4 curl, env, 2 CLI
        # The exports and the CLI's settings line before each command, as in one terminal.
        setup = [*exports, *next(c for c in commands if c[0].startswith("set -a"))]
        for command in commands:
            script = "\n".join([*setup, *command])
            ran = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True,
                                 text=True, timeout=120, env=clean_env())
            assert ran.returncode == 0, (command, ran.stderr)
            if command[0].startswith("curl"):
                body = json.loads(ran.stdout)
                assert "data" in body and "error" not in body, (command, body)
        # The same folder while it runs: refused, naming the running demo.
        second = demo(tmp_path)
        assert second.returncode == 2
        assert "another demo is running with the data directory demo (process " in \
            second.stdout
        hub_port = re.search(r"export LL=http://127.0.0.1:(\d+)/", out)
        assert hub_port
        busy = subprocess.run([CLI, "demo", "--hub-port", hub_port.group(1), "--data-dir",
                               "other"], cwd=tmp_path, env=clean_env(), capture_output=True,
                              text=True, timeout=60)
        assert busy.returncode == 2
        assert f"port {hub_port.group(1)}, asked for the hub, is busy" in busy.stdout
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    assert code == 0
    assert "Stopped the hub and the emulator" in _drain(lines)


def _drain(lines: queue.Queue[str]) -> str:
    seen = []
    while True:
        try:
            seen.append(lines.get(timeout=2))
        except queue.Empty:
            return "".join(seen)
