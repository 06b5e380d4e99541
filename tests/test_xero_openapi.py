"""Finding and fetching the pinned Xero OpenAPI files: hash checks, the order, the help text."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import xero_openapi as spec
from tests.xero_openapi import SpecUnavailable, blob_sha1, ensure, locate, problems, read_pin

pytestmark = pytest.mark.timeout(120)
REPO = Path(__file__).resolve().parents[1]
PIN = read_pin()
NOWHERE = "http://127.0.0.1:9/"  # the discard port: nothing listens, the connection is refused


@pytest.fixture(scope="module")
def real() -> Path:
    """The folder this machine's tests use (a failure here carries the help text)."""
    return spec.spec_file("LICENSE").parent


def _copy(source: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in PIN.files:
        shutil.copyfile(source / name, dest / name)
    return dest


def _tampered(source: Path, dest: Path) -> Path:
    copy = _copy(source, dest)
    identity = copy / "xero-identity.yaml"
    identity.write_bytes(identity.read_bytes().replace(b"Xero", b"Xer0", 1))
    return copy


def test_blob_hash_is_gits() -> None:
    # `printf 'hello\n' | git hash-object --stdin` and the empty blob every git knows.
    assert blob_sha1(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"
    assert blob_sha1(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"


def test_the_pin_names_every_file_the_tests_read() -> None:
    assert PIN.repository == "XeroAPI/Xero-OpenAPI" and len(PIN.commit) == 40
    assert set(PIN.files) == {"xero_accounting.yaml", "xero-identity.yaml",
                              "xero-webhooks.yaml", "LICENSE"}


def test_the_hash_check_accepts_the_pinned_files_and_rejects_a_changed_copy(
        real: Path, tmp_path: Path) -> None:
    assert problems(real, PIN) == []
    changed = _tampered(real, tmp_path / "changed")
    (wrong,) = problems(changed, PIN)
    assert wrong.startswith("xero-identity.yaml has blob hash ")
    assert PIN.files["xero-identity.yaml"] in wrong
    (changed / "LICENSE").unlink()
    assert "LICENSE is missing" in problems(changed, PIN)
    assert problems(tmp_path / "absent", PIN) == ["no such folder"]


def test_the_environment_variable_comes_first_and_must_be_right(real: Path,
                                                                tmp_path: Path) -> None:
    chosen = _copy(real, tmp_path / "chosen")
    env = {spec.DIR_ENV: str(chosen)}
    assert locate(PIN, environ=env, shared=real, cached=real) == chosen
    bad = _tampered(real, tmp_path / "bad")
    with pytest.raises(SpecUnavailable) as caught:  # no quiet fallback to ../shared
        locate(PIN, environ={spec.DIR_ENV: str(bad)}, shared=real, cached=real)
    assert f"${spec.DIR_ENV}={bad}: xero-identity.yaml has blob hash" in str(caught.value)
    with pytest.raises(SpecUnavailable):  # nor a download in place of the folder asked for
        ensure(PIN, environ={spec.DIR_ENV: str(bad), spec.URL_ENV: real.as_uri()},
               shared=real, cached=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_then_shared_then_the_cache(real: Path, tmp_path: Path) -> None:
    cached = _copy(real, tmp_path / "cache")
    assert locate(PIN, environ={}, shared=real, cached=cached) == real
    changed = _tampered(real, tmp_path / "changed-shared")
    assert locate(PIN, environ={}, shared=changed, cached=cached) == cached


def test_no_copy_anywhere_says_how_to_provide_one(tmp_path: Path) -> None:
    with pytest.raises(SpecUnavailable) as caught:
        locate(PIN, environ={}, shared=tmp_path / "shared", cached=tmp_path / "cache")
    message = str(caught.value)
    assert message.startswith("The tests need the official Xero OpenAPI files "
                              f"(XeroAPI/Xero-OpenAPI at commit {PIN.commit[:12]})")
    for hint in (f"${spec.DIR_ENV}: not set", f"{tmp_path / 'shared'}: no such folder",
                 "run `make xero-openapi`", f"set {spec.DIR_ENV}=/that/folder",
                 f"https://github.com/XeroAPI/Xero-OpenAPI/tree/{PIN.commit}",
                 "tests/xero_openapi.lock"):
        assert hint in message, (hint, message)


def test_a_download_is_checked_and_then_found_in_the_cache(real: Path, tmp_path: Path) -> None:
    cached = tmp_path / "repo" / ".cache" / "xero-openapi"
    env = {spec.URL_ENV: real.as_uri()}  # a file:// "mirror" stands in for GitHub
    assert ensure(PIN, environ=env, shared=tmp_path / "none", cached=cached) == cached
    assert problems(cached, PIN) == [] and sorted(p.name for p in cached.iterdir()) == sorted(
        PIN.files)
    gone = {spec.URL_ENV: NOWHERE}  # found again without downloading
    assert ensure(PIN, environ=gone, shared=tmp_path / "none", cached=cached) == cached


def test_a_download_with_a_wrong_hash_is_refused(real: Path, tmp_path: Path) -> None:
    mirror = _tampered(real, tmp_path / "mirror")
    cached = tmp_path / "cache"
    with pytest.raises(SpecUnavailable) as caught:
        ensure(PIN, environ={spec.URL_ENV: mirror.as_uri()}, shared=tmp_path / "none",
               cached=cached)
    assert "xero-identity.yaml has blob hash" in str(caught.value)
    assert "run `make xero-openapi`" in str(caught.value)
    assert not (cached / "xero-identity.yaml").exists()  # never stored
    assert not list(cached.glob(".*.part"))


def _fresh_clone(tmp_path: Path) -> Path:
    """The files `make test` touches before anything else, in a checkout with no ../shared."""
    clone = tmp_path / "clone"
    (clone / "tests").mkdir(parents=True)
    for name in ("Makefile", "pyproject.toml", "tests/__init__.py", "tests/xero_openapi.py",
                 "tests/xero_openapi.lock"):
        shutil.copyfile(REPO / name, clone / name)
    return clone


def test_offline_the_script_fails_at_once_with_the_help(tmp_path: Path) -> None:
    clone = _fresh_clone(tmp_path)
    # -S: no site-packages, as with a bare python3 before the virtualenv exists.
    done = subprocess.run([sys.executable, "-S", "-m", "tests.xero_openapi"], cwd=clone,
                          env={**os.environ, spec.URL_ENV: NOWHERE}, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "The tests need the official Xero OpenAPI files" in done.stderr
    assert f"download of {NOWHERE}xero_accounting.yaml failed" in done.stderr
    assert "run `make xero-openapi`" in done.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_test_stops_before_building_anything_when_the_spec_cannot_be_had(
        tmp_path: Path) -> None:
    clone = _fresh_clone(tmp_path)
    # A clean make (not a sub-make of the `make test` that may be running this test).
    env = {k: v for k, v in os.environ.items()
           if k not in (spec.DIR_ENV, "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    started = time.monotonic()
    done = subprocess.run(["make", "test"], cwd=clone, env={**env, spec.URL_ENV: NOWHERE},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "The tests need the official Xero OpenAPI files" in done.stderr, done.stderr
    assert not (clone / ".venv").exists()  # stopped before the virtualenv, lint or pytest
    print(f"make test stopped after {time.monotonic() - started:.1f} s")
