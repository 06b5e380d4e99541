"""The README against the code: quick start, settings table, env vars, error and exit codes, CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from ledgerlink.api.responses import error_codes
from ledgerlink.cli.exits import ExitCode
from ledgerlink.cli.main import app as cli_app
from ledgerlink.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_PREFIX = str(Settings.model_config.get("env_prefix") or "")
# LEDGERLINK_* names the README may use that are not settings: each must be read by its file.
EXTRAS = {"LEDGERLINK_XERO_OPENAPI_DIR": "tests/xero_openapi.py"}


def _section(title: str) -> str:
    """The text under a `## title` heading, up to the next `## ` heading."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def _rows(text: str) -> list[list[str]]:
    """The body rows of the Markdown tables in `text`, as stripped cells."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def _unquoted(cell: str) -> str:
    return cell.strip().strip("`")


def _env_var(name: str) -> str:
    return f"{ENV_PREFIX}{name}".upper()


def _default(value: object) -> str:
    """A field's default as the README's table writes it."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _settings_table() -> dict[str, list[str]]:
    rows = _rows(_section("Configuration reference"))
    assert rows and rows[0][:4] == ["setting", "env var", "default", "meaning"], rows[:1]
    return {_unquoted(row[0]): row for row in rows[1:]}


def test_readme_starts_with_the_two_quick_start_commands() -> None:
    lines = README.splitlines()
    assert lines[0].startswith("# "), "the README opens with its title"
    body = [line for line in lines[1:] if line.strip()]
    assert body[:4] == ["```", "make demo", "make test", "```"], body[:4]


def test_every_setting_is_in_the_configuration_table_with_its_env_var_and_default() -> None:
    table = _settings_table()
    fields = Settings.model_fields
    assert sorted(table) == sorted(fields), (
        f"missing from the README: {sorted(set(fields) - set(table))}; "
        f"not settings: {sorted(set(table) - set(fields))}")
    for name, info in fields.items():
        _, env, default, meaning = table[name][:4]
        assert _unquoted(env) == _env_var(name), name
        assert _unquoted(default) == _default(info.default), (name, default)
        assert meaning, f"{name} has no meaning in the README"


def test_every_env_var_the_readme_names_exists() -> None:
    known = {_env_var(name) for name in Settings.model_fields}
    for name, where in EXTRAS.items():
        assert name in (ROOT / where).read_text(encoding="utf-8"), (name, where)
    named = set(re.findall(rf"\b{ENV_PREFIX}[A-Z0-9_]*[A-Z0-9]\b", README))
    assert named, "the README names its settings"
    unknown = sorted(named - known - set(EXTRAS))
    assert not unknown, f"the README names env vars that do not exist: {unknown}"


def test_every_error_code_is_listed_with_its_status() -> None:
    expected = {code: int(status)
                for code, status in re.findall(r"`([a-z_]+)` \((\d{3})\)", error_codes())}
    assert expected
    listed = {_unquoted(row[0]): int(row[1]) for row in _rows(_section("The API"))
              if len(row) == 3 and row[1].isdigit()}
    assert listed == expected


def test_every_exit_code_is_listed() -> None:
    listed = {int(row[0]) for row in _rows(_section("The CLI")) if row[0].isdigit()}
    assert listed == {int(code) for code in ExitCode}


def test_every_cli_command_is_listed() -> None:
    section = _section("The CLI")
    # Typer's groups (its own click) have `commands`; a plain command has none.
    commands = getattr(typer.main.get_command(cli_app), "commands", {})
    assert commands
    missing = []
    for name, command in commands.items():
        subcommands = getattr(command, "commands", None)
        names = [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
        missing += [n for n in names if not re.search(rf"`{re.escape(n)}(`| )", section)]
    assert not missing, f"CLI commands missing from the README: {missing}"


@pytest.mark.parametrize("link", ["docs/operations.md", "docs/emulator-coverage.md"])
def test_linked_documents_exist(link: str) -> None:
    assert f"]({link})" in README
    assert (ROOT / link).is_file()
