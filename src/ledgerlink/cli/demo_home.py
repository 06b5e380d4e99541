"""The demo's data directory: its database kept between runs, its settings file, its lock.

Rules (a new user lost a database to each of them):
- the folder is `--data-dir`, else LEDGERLINK_DATA_DIR, else `.data/demo`;
- a demo database (one with the demo's `demo.env` beside it) is reused, saying so; `--fresh`
  deletes it, saying so;
- a database that is not a demo's is never used or deleted (the earlier demo's, which kept no
  key, only with `--fresh` in the default folder);
- one demo at a time per folder: a second one is refused while the first holds the lock.
"""

from __future__ import annotations

import fcntl
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from ledgerlink.db.crypto import SecretBox

DEFAULT_DIR = Path(".data/demo")
DB_FILE = "ledgerlink.db"
ENV_FILE = "demo.env"
LOCK_FILE = "demo.lock"
CREATED = "LEDGERLINK_DEMO_CREATED_AT"  # marks the settings file as the demo's own
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class DemoRefused(Exception):
    """The demo will not start here, and the message says what to do instead."""


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def read_env(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (values shell-quoted, as write_env writes them); {} when absent."""
    if not path.is_file():
        return {}
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.startswith("#"):
            parts = shlex.split(value)
            found[name.strip()] = parts[0] if parts else ""
    return found


@dataclass
class DemoHome:
    """The folder a demo runs in, locked for this process."""

    path: Path
    secret_keys: str
    created_at: str
    reused: bool
    notes: list[str] = field(default_factory=list)
    lock: IO[str] | None = None

    @property
    def db_path(self) -> Path:
        """The SQLite database file."""
        return self.path / DB_FILE

    @property
    def env_path(self) -> Path:
        """The settings file the CLI reads the demo's settings from."""
        return self.path / ENV_FILE

    def database_url(self) -> str:
        """The demo's SQLite URL (never LEDGERLINK_DATABASE_URL: the demo has its own)."""
        return f"sqlite+aiosqlite:///{self.db_path.absolute()}"

    def write_env(self, values: Mapping[str, str]) -> None:
        """The demo's settings, readable by the owner only (they hold its encryption key)."""
        lines = ["# The settings of the ledgerlink demo in this folder (written by "
                 "`ledgerlink demo`). For the CLI: set -a; . ./demo.env; set +a",
                 f"{CREATED}={shlex.quote(self.created_at)}",
                 f"LEDGERLINK_DATA_DIR={shlex.quote(str(self.path.absolute()))}",
                 f"LEDGERLINK_SECRET_KEYS={shlex.quote(self.secret_keys)}"]
        lines += [f"{name}={shlex.quote(value)}" for name, value in values.items()]
        fd = os.open(self.env_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")

    def announce(self, hub_url: str) -> None:
        """Say in the lock file who holds it, for a second demo's message."""
        if self.lock is not None:
            self.lock.seek(0)
            self.lock.truncate()
            self.lock.write(f"{os.getpid()} {hub_url}\n")
            self.lock.flush()

    def release(self) -> None:
        """Let another demo use the folder."""
        if self.lock is not None:
            self.lock.close()
            self.lock = None


def _lock(path: Path) -> IO[str]:
    handle = open(path / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 (held until exit)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().split()
        handle.close()
        where = f" (process {holder[0]}, hub at {holder[1]})" if len(holder) == 2 else ""
        raise DemoRefused(
            f"another demo is running with the data directory {shown(path)}{where}. Stop it "
            "(Ctrl-C), or give this one a folder of its own: --data-dir DIR "
            '(make demo DEMO_ARGS="--data-dir DIR").') from None
    return handle


def _delete_database(db: Path) -> None:
    for suffix in ("", *SQLITE_SIDE_FILES):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def open_home(path: Path, fresh: bool) -> DemoHome:
    """Lock the folder and decide, by the rules above, whether its database is reused."""
    path.mkdir(parents=True, exist_ok=True)
    lock = _lock(path)
    try:
        return _decide(path, fresh, lock)
    except BaseException:
        lock.close()
        raise


def _decide(path: Path, fresh: bool, lock: IO[str]) -> DemoHome:
    db, where = path / DB_FILE, shown(path / DB_FILE)
    settings = read_env(path / ENV_FILE)
    ours = bool(settings.get(CREATED) and settings.get("LEDGERLINK_SECRET_KEYS"))
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if db.exists() and ours and not fresh:
        return DemoHome(path, settings["LEDGERLINK_SECRET_KEYS"], settings[CREATED], True,
                        [f"Reusing the demo database {where} made {settings[CREATED]}: its "
                         "integrations, records and earlier demo API keys are kept "
                         "(--fresh starts over)."], lock)
    notes = []
    if db.exists() and not ours:
        earlier = path.absolute() == DEFAULT_DIR.absolute()
        if not (earlier and fresh):
            raise DemoRefused(
                f"{where} is an earlier demo's database, whose encryption key was not kept, "
                "so it cannot be reused: run the demo with --fresh to delete it "
                '(make demo DEMO_ARGS="--fresh").' if earlier else
                f"{where} is a ledgerlink database that is not a demo's; the demo never uses "
                "or deletes one. Give the demo a folder of its own: --data-dir DIR (or "
                "LEDGERLINK_DATA_DIR).")
    if db.exists():
        _delete_database(db)
        notes.append(f"Deleted the earlier demo database {where} (--fresh).")
    notes.append(f"New demo database {where}: it is kept when the demo stops, and the next "
                 "demo in this folder reuses it (--fresh starts over).")
    return DemoHome(path, SecretBox.generate_key(), now, False, notes, lock)
