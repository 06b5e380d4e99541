"""Where the tests find the official Xero OpenAPI files; run as a script it fetches them.

Only the tests (and scripts/emulator_coverage.py) read the spec; the product never does. The
pinned commit, file names and git blob hashes are in tests/xero_openapi.lock. A folder is used
only when every pinned file in it has its pinned hash. Looked for in this order:
1. `$LEDGERLINK_XERO_OPENAPI_DIR` (when set, it must be right: a wrong folder is an error);
2. `../shared/xero-openapi` beside the repository (the CI machines have it);
3. `.cache/xero-openapi/` in the repository, filled by `make xero-openapi` (this module run as a
   script), which downloads the pinned files from GitHub and checks their hashes.
This module uses the standard library only: `make test` runs it before the virtualenv exists, so
a clone without the spec stops at once with the message saying how to provide it.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tomllib
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCK = Path(__file__).with_name("xero_openapi.lock")
SHARED = REPO.parent / "shared" / "xero-openapi"
CACHE = REPO / ".cache" / "xero-openapi"
DIR_ENV = "LEDGERLINK_XERO_OPENAPI_DIR"
# Where the raw files are fetched from (a mirror, or a file:// folder); GitHub by default.
URL_ENV = "LEDGERLINK_XERO_OPENAPI_URL"
TIMEOUT = 20.0  # seconds per file: a machine without internet fails fast, not after minutes


class SpecUnavailable(Exception):
    """No folder with the pinned Xero OpenAPI files; the message says how to provide one."""


@dataclass(frozen=True)
class Pin:
    """The pinned commit of the Xero-OpenAPI repository and its files' git blob hashes."""

    repository: str
    commit: str
    files: Mapping[str, str]

    @property
    def raw_url(self) -> str:
        """The base URL of the commit's raw files on GitHub."""
        return f"https://raw.githubusercontent.com/{self.repository}/{self.commit}/"

    @property
    def tree_url(self) -> str:
        """The commit's page on GitHub, for people."""
        return f"https://github.com/{self.repository}/tree/{self.commit}"


def read_pin(path: Path = LOCK) -> Pin:
    """The pin recorded in the lock file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Pin(data["repository"], data["commit"], dict(data["files"]))


def blob_sha1(content: bytes) -> str:
    """What `git hash-object` prints for a file with these bytes."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def problems(folder: Path, pin: Pin) -> list[str]:
    """Why `folder` is not a copy of the pinned files (empty when it is one)."""
    if not folder.is_dir():
        return ["no such folder"]
    found = []
    for name, expected in pin.files.items():
        path = folder / name
        if not path.is_file():
            found.append(f"{name} is missing")
        elif (actual := blob_sha1(path.read_bytes())) != expected:
            found.append(f"{name} has blob hash {actual}, not the pinned {expected}")
    return found


def _search(pin: Pin, environ: Mapping[str, str], shared: Path,
            cached: Path) -> tuple[Path | None, list[str]]:
    """The first folder holding the pinned files, and what was wrong with each one tried."""
    chosen = environ.get(DIR_ENV)
    if chosen:
        # Set on purpose, so falling back to another copy would hide the mistake.
        wrong = problems(Path(chosen), pin)
        return (None, [f"${DIR_ENV}={chosen}: {'; '.join(wrong)}"]) if wrong else (Path(chosen), [])
    tried = [f"${DIR_ENV}: not set"]
    for folder in (shared, cached):
        wrong = problems(folder, pin)
        if not wrong:
            return folder, []
        tried.append(f"{folder}: {'; '.join(wrong)}")
    return None, tried


def locate(pin: Pin | None = None, *, environ: Mapping[str, str] = os.environ,
           shared: Path = SHARED, cached: Path = CACHE) -> Path:
    """The first folder holding the pinned files; SpecUnavailable (with help) when none does."""
    pin = pin or read_pin()
    found, tried = _search(pin, environ, shared, cached)
    if found is None:
        raise SpecUnavailable(explain(pin, tried))
    return found


def explain(pin: Pin, tried: list[str]) -> str:
    """The failure message: what was looked at, and the ways to provide the files."""
    names = ", ".join(pin.files)
    lines = [f"The tests need the official Xero OpenAPI files ({pin.repository} at commit "
             f"{pin.commit[:12]}), and no checked copy was found:",
             *(f"  - {item}" for item in tried),
             "Provide them in one of these ways:",
             f"  - with internet access, run `make xero-openapi` (`make test` does it first): it "
             f"downloads {names} into {CACHE.relative_to(REPO)}/ and checks their hashes;",
             f"  - or download those files from {pin.tree_url} into a folder and set "
             f"{DIR_ENV}=/that/folder;",
             f"  - or put them in {SHARED} (a `shared/xero-openapi` folder beside the repository).",
             f"The pinned git blob hashes are in {LOCK.relative_to(REPO)}."]
    return "\n".join(lines)


def download(pin: Pin, dest: Path, base_url: str) -> None:
    """Fetch every pinned file from `base_url` into `dest`, refusing any with the wrong hash.

    Each file is written under a temporary name and renamed into place, so a concurrent run
    or an interrupted download never leaves a half-written file that looks like the spec.
    """
    dest.mkdir(parents=True, exist_ok=True)
    base = base_url if base_url.endswith("/") else base_url + "/"
    for name, expected in pin.files.items():
        if not problems(dest, Pin(pin.repository, pin.commit, {name: expected})):
            continue  # already here from an earlier, interrupted download
        url = base + name
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
                content = answer.read()
        except (OSError, ValueError) as exc:  # URLError, timeouts and bad URLs alike
            raise SpecUnavailable(f"download of {url} failed: {exc}") from exc
        if (actual := blob_sha1(content)) != expected:
            raise SpecUnavailable(f"{url} has blob hash {actual}, not the pinned {expected}")
        partial = dest / f".{name}.{os.getpid()}.part"
        partial.write_bytes(content)
        os.replace(partial, dest / name)


def ensure(pin: Pin | None = None, *, environ: Mapping[str, str] = os.environ,
           shared: Path = SHARED, cached: Path = CACHE) -> Path:
    """A folder with the pinned files, downloading them into `cached` when none has them."""
    pin = pin or read_pin()
    found, tried = _search(pin, environ, shared, cached)
    if found is not None:
        return found
    if environ.get(DIR_ENV):  # the folder asked for is wrong: say so rather than download
        raise SpecUnavailable(explain(pin, tried))
    try:
        download(pin, cached, environ.get(URL_ENV) or pin.raw_url)
    except SpecUnavailable as failed:
        raise SpecUnavailable(explain(pin, [*tried, str(failed)])) from failed
    return cached


@cache
def spec_dir() -> Path:
    """The folder the tests read the spec from (found once per test session)."""
    return locate()


def spec_file(name: str) -> Path:
    """One of the spec files, for a test; a missing spec fails the test with the help text."""
    try:
        return spec_dir() / name
    except SpecUnavailable as missing:
        help_text = str(missing)
    import pytest  # only tests call this, and the module must import without pytest

    pytest.fail(help_text, pytrace=False)  # outside `except`: the message once, no traceback


def main() -> int:
    """Find or fetch the spec; print where it is, or the help text and exit 1."""
    try:
        found = ensure()
    except SpecUnavailable as missing:
        print(missing, file=sys.stderr)
        return 1
    pin = read_pin()
    print(f"Xero OpenAPI spec: {found} ({pin.repository} at {pin.commit[:12]}, hashes checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
