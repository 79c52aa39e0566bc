"""Reading settings from the environment; a bad value names its variable."""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class EnvironmentVariableError(ImproperlyConfigured):
    pass


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise EnvironmentVariableError(
        f"{name}={raw!r} is not a yes/no value: use 1/0, true/false, yes/no or on/off"
    )


def env_int(name, default, minimum=None, maximum=None):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise EnvironmentVariableError(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise EnvironmentVariableError(f"{name}={value} is below the minimum of {minimum}")
    if maximum is not None and value > maximum:
        raise EnvironmentVariableError(f"{name}={value} is above the maximum of {maximum}")
    return value


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name, default="", schemes=("http", "https")):
    raw = os.environ.get(name, default).strip()
    if raw and not any(raw.startswith(f"{scheme}://") for scheme in schemes):
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise EnvironmentVariableError(f"{name}={raw!r} must start with {allowed}")
    return raw
