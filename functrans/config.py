"""Runtime options, as `jax.config`: `functrans.config.update("debug_nans", True)`.

    debug_nans                   FUNCTRANS_DEBUG_NANS       off   raise at the first NaN (debug_nans.py)
    max_kernels                  FUNCTRANS_MAX_KERNELS      512   kernels a process holds (least recently used evicted)
    compilation_cache_max_size   FUNCTRANS_CACHE_MAX_SIZE   1G    bytes of the disk cache (-1: no cap)

Each option's environment variable is read at import (a value that cannot
be read warns and leaves the default); `update` checks the value it is
given and raises naming the option. An option may have a hook, run when
it changes, so that it costs nothing while it is off: turning debug_nans
on swaps in the checking code.
"""
from __future__ import annotations

import os
import re
import warnings

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip() not in ("", "0")
    return bool(value)


def _positive_int(value) -> int:
    number = int(value)
    if isinstance(value, float) or isinstance(value, bool) or number < 1:
        raise ValueError
    return number


def _size(value) -> int:
    """Bytes: an int, or text such as 1000000, 500M, 1G, 1.5GiB; -1 for no cap."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        if value < -1:
            raise ValueError
        return value
    match = re.fullmatch(r"(-1|\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?", str(value).strip().upper())
    if match is None:
        raise ValueError
    return int(float(match[1]) * _UNITS[match[2]])


class Config:
    """The options; read one as `config.debug_nans`."""

    # name -> (environment variable, default, parse, what a value must be)
    _OPTIONS = {
        "debug_nans": ("FUNCTRANS_DEBUG_NANS", False, _flag, "true or false"),
        "max_kernels": ("FUNCTRANS_MAX_KERNELS", 512, _positive_int, "a positive integer"),
        "compilation_cache_max_size": ("FUNCTRANS_CACHE_MAX_SIZE", 1 << 30, _size,
                                       "bytes (an int, or text such as 500M or 2G), or -1 for no cap"),
    }
    _ALIASES = {"jax_debug_nans": "debug_nans",     # code ported from JAX spells them so
                "jax_compilation_cache_max_size": "compilation_cache_max_size"}

    def __init__(self):
        self._values = {name: default for name, (_, default, _, _) in self._OPTIONS.items()}
        self._hooks = {}
        for name, (variable, _, parse, expected) in self._OPTIONS.items():
            text = os.environ.get(variable)
            if text:
                try:
                    self._values[name] = parse(text)
                except ValueError:
                    warnings.warn(f"functrans: {variable}={text!r} is not {expected}; using the default "
                                  f"{self._values[name]!r}.", RuntimeWarning, stacklevel=2)

    def __getattr__(self, name):
        try:
            return self.__dict__["_values"][self._ALIASES.get(name, name)]
        except KeyError:
            raise AttributeError(f"functrans.config has no option {name!r}") from None

    def update(self, name: str, value) -> None:
        """Set option `name`; e.g. `config.update("debug_nans", True)`."""
        key = self._ALIASES.get(name, name)
        if key not in self._values:
            raise ValueError(f"functrans.config has no option {name!r}; the options are {sorted(self._values)}")
        _, _, parse, expected = self._OPTIONS[key]
        try:
            value = parse(value)
        except (ValueError, TypeError):
            raise ValueError(f"functrans.config.update({name!r}, {value!r}): the value must be {expected}") from None
        if value != self._values[key]:
            self._values[key] = value
            hook = self._hooks.get(key)
            if hook is not None:
                hook(value)

    def on_change(self, name: str, hook) -> None:
        """Register `hook(value)`, run when option `name` changes; run now if
        the environment set it to other than its default."""
        self._hooks[name] = hook
        if self._values[name] != self._OPTIONS[name][1]:
            hook(self._values[name])


config = Config()
