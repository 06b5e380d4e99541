"""`integrations`, `query`, `action` and `connect xero` against a hub connected to the emulator:
tables that fit 80 columns, JSON that parses, and exit codes that say what happened."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerlink.cli.exits import ExitCode
from ledgerlink.cli.main import app
from ledgerlink.emulator.core.server import RunningEmulator, start_in_thread
from tests.cli.hub_env import CliHub, make_cli_hub, runner
from tests.quality.support import emulator_config

MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    handle = start_in_thread(emulator_config())
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def hub(emulator: RunningEmulator, tmp_path_factory: pytest.TempPathFactory) -> CliHub:
    """One connected hub for the read-mostly tests of this module."""
    return make_cli_hub(tmp_path_factory.mktemp("cli-hub"), emulator)


def fits(output: str) -> None:
    wide = [line for line in output.splitlines() if len(line) > 80]
    assert not wide, "\n".join(wide)


def test_integrations_list_and_show(hub: CliHub) -> None:
    listed = hub.invoke("integrations", "list")
    assert listed.exit_code == 0, listed.output
    assert hub.integration_id in listed.output  # the id whole: other commands need it
    assert "Harbourside" in listed.output and "active" in listed.output
    fits(listed.output)
    data = json.loads(hub.invoke("integrations", "list", "--json").stdout)["data"]
    assert [i["id"] for i in data] == [hub.integration_id]
    assert data[0]["tenant"]["name"] == "Harbourside Joinery Ltd"
    shown = hub.invoke("integrations", "show", hub.integration_id)
    assert shown.exit_code == 0, shown.output
    assert f"http://127.0.0.1:9/console/integrations/{hub.integration_id}" in shown.output
    one = json.loads(hub.invoke("integrations", "show", hub.integration_id, "--json").stdout)
    assert one["data"]["status"] == "active"


def test_an_unknown_integration_exits_3_and_says_where_the_ids_are(hub: CliHub) -> None:
    for args in (("integrations", "show", MISSING), ("query", MISSING, "xero_accounts")):
        result = hub.invoke(*args)
        assert result.exit_code == ExitCode.NOT_FOUND, result.output
        assert result.stderr.startswith(f"Error: No integration has id {MISSING}")
        assert "`ledgerlink integrations list` shows the ids" in result.stderr
    as_json = hub.invoke("integrations", "show", MISSING, "--json")
    assert json.loads(as_json.stdout)["error"]["code"] == "not_found"


def test_query_prints_a_table_or_json(hub: CliHub) -> None:
    result = hub.invoke("query", hub.integration_id, "xero_invoices",
                        "--param", "statuses=AUTHORISED", "-p", "date_from=2026-01-01")
    assert result.exit_code == 0, result.output
    assert "InvoiceNumber" in result.output and "AUTHORISED" in result.output
    fits(result.output)
    aged = hub.invoke("query", hub.integration_id, "xero_aged_receivables_summary")
    assert aged.exit_code == 0, aged.output
    assert "all contacts" in aged.output
    fits(aged.output)
    body = json.loads(hub.invoke("query", hub.integration_id, "xero_accounts",
                                 "-p", "type=BANK", "--json").stdout)
    assert body["query_type"] == "xero_accounts"
    assert {a["Type"] for a in body["data"]} == {"BANK"}


def test_query_values_are_json_when_they_read_as_json(hub: CliHub) -> None:
    """page=1 is a number (the schema takes no text there); repeated keys make a list."""
    paged = hub.invoke("query", hub.integration_id, "xero_contacts", "-p", "page=1", "--json")
    assert paged.exit_code == 0, paged.output
    both = hub.invoke("query", hub.integration_id, "xero_invoices", "-p", "statuses=PAID",
                      "-p", "statuses=AUTHORISED", "--json")
    assert both.exit_code == 0, both.output
    assert {i["Status"] for i in json.loads(both.stdout)["data"]} == {"PAID", "AUTHORISED"}


@pytest.mark.parametrize(("args", "said"), [
    (("xero_invoices", "-p", "statuses=NOPE"), "Error: params.statuses.0: Input should be"),
    (("xero_invoices", "-p", "bogus=1"), "Error: params.bogus: Extra inputs are not permitted"),
    (("xero_nope",), "Error: query_type: Input tag 'xero_nope'"),
    (("xero_invoices", "-p", "date_from=2026-05-01", "-p", "from_date=2026-04-01"),
     "Error: params.date_from: given as date_from, from_date with different values"),
    (("xero_invoices", "-p", "nonsense"), "Error: --param 'nonsense': write it as key=value"),
])
def test_refused_input_is_one_line_naming_the_field_and_exits_2(
        hub: CliHub, args: tuple[str, ...], said: str) -> None:
    result = hub.invoke("query", hub.integration_id, *args)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(said), \
        result.stderr


def test_a_record_xero_does_not_have_exits_3(hub: CliHub) -> None:
    result = hub.invoke("query", hub.integration_id, "xero_contact_detail",
                        "-p", f"contact_id={MISSING}")
    assert result.exit_code == ExitCode.NOT_FOUND, result.output


def test_action_from_a_params_file_replays_with_its_idempotency_key(
        hub: CliHub, tmp_path: Path) -> None:
    params = tmp_path / "contact.json"
    params.write_text(json.dumps({"name": "CLI Test Ltd", "email": "cli@test.example"}))
    args = ("action", hub.integration_id, "xero_create_contact", "--params-file", str(params),
            "--idempotency-key", "cli-test-1")
    first = hub.invoke(*args, "--json")
    assert first.exit_code == 0, first.output
    body = json.loads(first.stdout)
    assert body["action_type"] == "xero_create_contact" and body["data"]
    again = hub.invoke(*args)
    assert again.exit_code == 0, again.output
    assert f"run {body['action_run_id']}\nReplayed: the first run's answer" in again.output
    fits(again.output)
    from_stdin = hub.invoke("action", hub.integration_id, "xero_create_contact",
                            "--params-file", "-", "--idempotency-key", "cli-test-1", "--json",
                            input=params.read_text())
    assert json.loads(from_stdin.stdout) == body


def test_xero_refusing_an_action_exits_4(hub: CliHub) -> None:
    paid = json.loads(hub.invoke("query", hub.integration_id, "xero_invoices",
                                 "-p", "statuses=PAID", "--json").stdout)["data"][0]
    result = hub.invoke("action", hub.integration_id, "xero_update_invoice",
                        "-p", f"invoice_id={paid['InvoiceID']}", "-p", "status=DRAFT")
    assert result.exit_code == ExitCode.PROVIDER, result.output
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


def test_an_action_with_bad_params_exits_2_before_anything_runs(hub: CliHub,
                                                                 tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    result = hub.invoke("action", hub.integration_id, "xero_create_contact",
                        "--params-file", str(bad))
    assert result.exit_code == ExitCode.USAGE
    assert "must hold a JSON object" in result.stderr
    result = hub.invoke("action", hub.integration_id, "xero_update_invoice", "-p", "status=X")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith("Error: params.invoice_id: Field required")


def test_disconnected_integration_exits_5_pointing_at_its_reconnect_page(
        emulator: RunningEmulator, tmp_path: Path) -> None:
    hub = make_cli_hub(tmp_path, emulator)
    done = hub.invoke("integrations", "disconnect", hub.integration_id, "--yes", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["status"] == "disconnected"
    result = hub.invoke("query", hub.integration_id, "xero_accounts")
    assert result.exit_code == ExitCode.NOT_CONNECTED, result.output
    page = f"http://127.0.0.1:9/console/integrations/{hub.integration_id}/reconnect"
    assert page in result.stderr
    assert f"ledgerlink connect xero --reconnect {hub.integration_id}" in result.stderr
    listed = hub.invoke("integrations", "list")
    assert "disconnected" in listed.output
    asked = hub.invoke("integrations", "disconnect", hub.integration_id, input="n\n")
    assert asked.exit_code == 1  # declined: nothing done


def test_connect_xero_prints_the_console_page(hub: CliHub) -> None:
    result = hub.invoke("connect", "xero", "--json")
    # Nothing listens on the public URL and no password is set: said, and exit 1.
    assert result.exit_code == ExitCode.FAILURE
    assert json.loads(result.stdout) == {"url": "http://127.0.0.1:9/console/connect",
                                         "hub_running": False, "password_set": False}
    text = hub.invoke("connect", "xero", "--reconnect", hub.integration_id)
    assert f"/console/integrations/{hub.integration_id}/reconnect" in text.output
    assert "ledgerlink admin set-password" in text.output
    assert "ledgerlink serve" in text.output
    missing = hub.invoke("connect", "xero", "--reconnect", MISSING)
    assert missing.exit_code == ExitCode.NOT_FOUND
    no_app = runner.invoke(app, ["connect", "xero"],
                           env={**hub.env, "LEDGERLINK_XERO_CLIENT_ID": None})
    assert no_app.exit_code == 1
    assert "LEDGERLINK_XERO_CLIENT_ID" in no_app.stderr


def test_keys_list_fits_80_columns(hub: CliHub) -> None:
    for name in ("a key with a rather long name for a narrow table", "crm"):
        made = hub.invoke("keys", "create", "--name", name, "--scopes",
                          "integrations:read,crm:write")
        assert made.exit_code == 0, made.output
    listed = hub.invoke("keys", "list")
    assert listed.exit_code == 0, listed.output
    fits(listed.output)
    ids = [k["id"] for k in json.loads(hub.invoke("keys", "list", "--json").stdout)]
    for key_id in ids:
        assert key_id in listed.output  # whole: `keys revoke` needs it
    # The scopes wrap onto a second line rather than being cut.
    assert "integrations r, crm" in listed.output and "never used" in listed.output


@pytest.mark.parametrize("command", [
    ["integrations", "list"], ["integrations", "show"], ["integrations", "disconnect"],
    ["query"], ["action"], ["connect", "xero"], ["demo"], []])
def test_every_command_documents_its_exit_codes(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Exit codes: 0 ok" in result.output and "5 not connected" in result.output
