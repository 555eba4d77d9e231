"""The README against the code it documents: every setting with its default, every error code and status."""

import typing
from pathlib import Path

import pytest

from sentiment_service.http.catalogue import CATALOGUE, SERVER_REFUSALS
from sentiment_service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def table_after(heading: str) -> list[list[str]]:
    """The cells of the first Markdown table after `heading`, without its header and rule rows."""
    lines = README[README.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def readme_settings() -> dict[str, tuple[str, str]]:
    """Variable -> (default as written, meaning) from the README's configuration table."""
    settings = {}
    for variable, default, meaning in table_after("## Configuration"):
        name = variable.strip("`")
        assert name not in settings, f"{name} is listed twice"
        settings[name] = default, meaning
    return settings


def written_default(cell: str) -> str:
    """The value a default cell states: what comes before any parenthesised note, without backticks."""
    return cell.split(" (")[0].strip().strip("`")


def as_written(value: object) -> str:
    """How the README writes a default: `none` for unset or empty, lower-case booleans, paths in the repository."""
    if value is None or value == []:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Path):
        return value.relative_to(ROOT).as_posix()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_the_configuration_table_lists_every_setting_and_nothing_else():
    documented = set(readme_settings())
    settings = {name.upper() for name in Settings.model_fields}
    assert settings - documented == set(), "settings missing from the README"
    assert documented - settings == set(), "the README documents settings that do not exist"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_the_readme_states_each_settings_default(name):
    field = Settings.model_fields[name]
    default, meaning = readme_settings()[name.upper()]
    assert written_default(default) == as_written(field.get_default(call_default_factory=True))
    # A setting with a fixed set of values names them all.
    choices = typing.get_args(field.annotation) if typing.get_origin(field.annotation) is typing.Literal else ()
    assert all(f"`{choice}`" in meaning or choice == written_default(default) for choice in choices)


def readme_errors() -> list[tuple[int, str, str]]:
    """(status, code, when) from the README's error table; the code is None for gunicorn's own refusals."""
    rows = table_after("Errors always look like")
    return [(int(status), code.strip("`") if code.startswith("`") else None, when) for status, code, when in rows]


def test_the_error_table_lists_every_code_once_with_its_status():
    codes = [(code, status) for status, code, _ in readme_errors() if code is not None]
    assert sorted(codes) == sorted((code, kind.status) for code, kind in CATALOGUE.items())


def test_the_error_table_lists_the_refusals_gunicorn_answers_itself():
    assert sorted(status for status, code, _ in readme_errors() if code is None) == sorted(SERVER_REFUSALS)


def test_every_error_status_is_in_the_error_table():
    statuses = {kind.status for kind in CATALOGUE.values()} | set(SERVER_REFUSALS)
    assert statuses <= {status for status, _, _ in readme_errors()}


def test_the_error_table_says_which_codes_come_with_retry_after():
    for _, code, when in readme_errors():
        if code is not None:
            assert ("Retry-After" in when) == (CATALOGUE[code].retry_after_s is not None), code
