"""Typed reads of the environment for the settings: unset or blank gives the default, and a bad
value stops the start with an error naming the variable."""

import math
import os
from collections.abc import Sequence

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def _value(name: str) -> str | None:
    """The variable's value without surrounding spaces, or None when it is unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or None


def _refuse(name: str, value: str, should: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} {should}; it is set to {value!r}.")


def _at_least(name: str, value: str, number: float, minimum: float | None) -> None:
    if minimum is not None and number < minimum:
        raise _refuse(name, value, f"must be at least {minimum}")


def env_str(name: str, default: str) -> str:
    """The variable as text."""
    value = _value(name)
    return default if value is None else value


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """The variable as a whole number (at least `minimum` when given)."""
    value = _value(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _refuse(name, value, f"must be a whole number, e.g. {default}") from None
    _at_least(name, value, number, minimum)
    return number


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    """The variable as a finite number, e.g. of seconds (at least `minimum` when given)."""
    value = _value(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise _refuse(name, value, f"must be a number, e.g. {default}")
    _at_least(name, value, number, minimum)
    return number


def env_bool(name: str, default: bool) -> bool:
    """The variable as on or off: 1/true/yes/on or 0/false/no/off, in any case."""
    value = _value(name)
    if value is None:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise _refuse(name, value, "must be true or false (or 1/0, yes/no, on/off)")


def env_list(name: str, default: list[str]) -> list[str]:
    """The variable as a comma-separated list; empty items are dropped."""
    value = _value(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, choices: Sequence[str], default: str) -> str:
    """The variable as one of `choices`, exactly."""
    value = _value(name)
    if value is None:
        return default
    if value not in choices:
        named = [f"`{choice}`" for choice in choices]
        raise _refuse(name, value, f"must be {', '.join(named[:-1])} or {named[-1]}")
    return value
