"""Typed reads of the environment: defaults when unset, and errors that name the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ldncontent.env import env_bool, env_choice, env_float, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]
NAME = "LDNCONTENT_TEST_VARIABLE"


@pytest.fixture
def environ(monkeypatch):
    """Set the test variable (None unsets it)."""

    def set_value(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(NAME, raising=False)
        else:
            monkeypatch.setenv(NAME, value)

    return set_value


@pytest.mark.parametrize("unset", [None, "", "  "])
def test_unset_or_blank_gives_the_default(environ, unset):
    environ(unset)

    assert env_int(NAME, 60) == 60
    assert env_float(NAME, 2.5) == 2.5
    assert env_bool(NAME, True) is True
    assert env_str(NAME, "flag") == "flag"
    assert env_list(NAME, ["localhost"]) == ["localhost"]
    assert env_choice(NAME, ("flag", "withhold"), "flag") == "flag"


def test_values_are_read_as_their_type(environ):
    environ(" 42 ")
    assert env_int(NAME, 0) == 42
    assert env_float(NAME, 0.0) == 42.0
    environ("0.25")
    assert env_float(NAME, 1.0) == 0.25
    environ("a.example, b.example,,")
    assert env_list(NAME, []) == ["a.example", "b.example"]
    environ("withhold")
    assert env_choice(NAME, ("flag", "withhold"), "flag") == "withhold"
    environ("postgres://db/ldn")
    assert env_str(NAME, "") == "postgres://db/ldn"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("1", True), ("true", True), ("Yes", True), ("ON", True)],
        *[("0", False), ("false", False), ("No", False), ("off", False)],
    ],
)
def test_booleans_accept_the_usual_words(environ, value, expected):
    environ(value)

    assert env_bool(NAME, not expected) is expected


@pytest.mark.parametrize(
    ("read", "value", "says"),
    [
        (lambda: env_int(NAME, 60), "sixty", "must be a whole number"),
        (lambda: env_int(NAME, 60), "1.5", "must be a whole number"),
        (lambda: env_int(NAME, 60, minimum=1), "0", "at least 1"),
        (lambda: env_float(NAME, 5.0), "5s", "must be a number"),
        (lambda: env_float(NAME, 5.0), "nan", "must be a number"),
        (lambda: env_float(NAME, 5.0, minimum=0), "-1", "at least 0"),
        (lambda: env_bool(NAME, False), "maybe", "true or false"),
        (lambda: env_choice(NAME, ("flag", "withhold"), "flag"), "hide", "`flag` or `withhold`"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable_and_what_it_got(environ, read, value, says):
    environ(value)

    with pytest.raises(ImproperlyConfigured) as refused:
        read()

    message = str(refused.value)
    assert message.startswith(f"{NAME} ")
    assert says in message
    assert repr(value) in message


def test_the_server_refuses_to_start_with_a_bad_setting_and_says_which():
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(DJANGO_SETTINGS_MODULE="ldncontent.settings", DEBUG="true")
    environment["DELIVERY_PAGE_SIZE"] = "fifty"

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "DELIVERY_PAGE_SIZE must be a whole number" in result.stderr
