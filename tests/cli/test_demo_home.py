"""The demo's data directory and ports: reuse, --fresh, never another's database, one demo per
folder, LEDGERLINK_DATA_DIR honoured, busy ports said (and refused when asked for)."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from ledgerlink.cli.demo_home import DemoRefused, open_home, read_env
from ledgerlink.cli.exits import ExitCode
from ledgerlink.cli.hub_demo import pick_port
from ledgerlink.cli.main import app
from ledgerlink.emulator.core.server import bound_socket


def made(path: Path) -> None:
    """A demo that ran in `path`: its database and its settings file."""
    home = open_home(path, fresh=False)
    home.write_env({"LEDGERLINK_PUBLIC_URL": "http://127.0.0.1:8765"})
    home.db_path.write_bytes(b"demo database")
    home.release()


def test_a_new_folder_gets_a_new_database_and_private_settings(tmp_path: Path) -> None:
    home = open_home(tmp_path / "demo", fresh=False)
    try:
        assert not home.reused
        assert home.notes[0].startswith("New demo database")
        assert "kept when the demo stops" in home.notes[0]
        home.write_env({"LEDGERLINK_PUBLIC_URL": "http://127.0.0.1:8765"})
        assert stat.S_IMODE(home.env_path.stat().st_mode) == 0o600  # it holds the key
        written = read_env(home.env_path)
        assert written["LEDGERLINK_SECRET_KEYS"] == home.secret_keys
        assert written["LEDGERLINK_DATA_DIR"] == str((tmp_path / "demo").absolute())
        assert written["LEDGERLINK_PUBLIC_URL"] == "http://127.0.0.1:8765"
    finally:
        home.release()


def test_a_demo_database_is_reused_with_its_key_and_said_so(tmp_path: Path) -> None:
    made(tmp_path)
    key = read_env(tmp_path / "demo.env")["LEDGERLINK_SECRET_KEYS"]
    home = open_home(tmp_path, fresh=False)
    home.release()
    assert home.reused and home.secret_keys == key
    assert home.notes[0].startswith("Reusing the demo database")
    assert "--fresh starts over" in home.notes[0]
    assert home.db_path.read_bytes() == b"demo database"


def test_fresh_deletes_the_demo_database_and_says_so(tmp_path: Path) -> None:
    made(tmp_path)
    (tmp_path / "ledgerlink.db-wal").write_bytes(b"wal")
    old_key = read_env(tmp_path / "demo.env")["LEDGERLINK_SECRET_KEYS"]
    home = open_home(tmp_path, fresh=True)
    home.release()
    assert not home.reused and home.secret_keys != old_key
    assert home.notes[0].startswith("Deleted the earlier demo database")
    assert not home.db_path.exists() and not (tmp_path / "ledgerlink.db-wal").exists()


def test_a_database_that_is_not_a_demos_is_never_used_or_deleted(tmp_path: Path) -> None:
    (tmp_path / "ledgerlink.db").write_bytes(b"the real hub")
    for fresh in (False, True):
        with pytest.raises(DemoRefused, match="not a demo's; the demo never uses or deletes"):
            open_home(tmp_path, fresh=fresh)
    assert (tmp_path / "ledgerlink.db").read_bytes() == b"the real hub"
    open_home(tmp_path / "elsewhere", fresh=False).release()  # the lock was let go


def test_the_earlier_demos_keyless_database_needs_fresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    legacy = Path(".data/demo")
    legacy.mkdir(parents=True)
    (legacy / "ledgerlink.db").write_bytes(b"old demo")
    with pytest.raises(DemoRefused, match=r"encryption key was not kept.*--fresh"):
        open_home(legacy, fresh=False)
    home = open_home(legacy, fresh=True)
    home.release()
    assert "Deleted the earlier demo database .data/demo/ledgerlink.db" in home.notes[0]


def test_one_demo_per_folder(tmp_path: Path) -> None:
    first = open_home(tmp_path, fresh=False)
    try:
        first.announce("http://127.0.0.1:8765")
        with pytest.raises(DemoRefused) as refused:
            open_home(tmp_path, fresh=True)
        said = str(refused.value)
        assert f"another demo is running with the data directory {tmp_path}" in said
        assert f"(process {os.getpid()}, hub at http://127.0.0.1:8765)" in said
        assert "--data-dir DIR" in said
    finally:
        first.release()
    open_home(tmp_path, fresh=False).release()


def test_the_demo_command_honours_ledgerlink_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "hub-data"
    data.mkdir()
    (data / "ledgerlink.db").write_bytes(b"someone's hub")
    result = CliRunner().invoke(app, ["demo", "--hub-port", "0", "--emulator-port", "0"],
                                env={"LEDGERLINK_DATA_DIR": str(data), "COLUMNS": "300"})
    assert result.exit_code == ExitCode.USAGE, result.output
    assert f"{data}/ledgerlink.db is a ledgerlink database that is not a demo's" in \
        result.output
    assert (data / "ledgerlink.db").read_bytes() == b"someone's hub"


@pytest.fixture
def busy_port() -> Iterator[int]:
    sock = bound_socket()
    sock.listen()
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


def test_a_busy_port_asked_for_is_refused(busy_port: int) -> None:
    with pytest.raises(DemoRefused, match=rf'port {busy_port}, asked for the hub, is busy.*'
                                          r'DEMO_ARGS="--hub-port N"'):
        pick_port(busy_port, 8765, "--hub-port", "hub", Console())


def test_a_busy_default_port_is_swapped_and_said(busy_port: int) -> None:
    out = Console(record=True, width=200)
    chosen = pick_port(None, busy_port, "--emulator-port", "emulator", out)
    assert chosen != busy_port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", chosen))  # really free
    assert f"Port {busy_port}, the emulator's default, is busy: the emulator uses {chosen}" \
        in out.export_text()
