"""Runtime options, as `jax.config`: `functrans.config.update("debug_nans", True)`.

Each option has an environment variable read at import (`FUNCTRANS_DEBUG_NANS=1`)
and a hook run when it changes, so that an option costs nothing while it is
off: turning it on swaps in the checking code (see `debug_nans.py`).
"""
from __future__ import annotations

import os


class Config:
    """The options; read one as `config.debug_nans`."""

    _ENVIRONMENT = {"debug_nans": "FUNCTRANS_DEBUG_NANS"}
    _ALIASES = {"jax_debug_nans": "debug_nans"}    # code ported from JAX spells them so

    def __init__(self):
        self._values = {name: False for name in self._ENVIRONMENT}
        self._hooks = {}

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
        value = bool(value)
        if value != self._values[key]:
            self._values[key] = value
            hook = self._hooks.get(key)
            if hook is not None:
                hook(value)

    def on_change(self, name: str, hook) -> None:
        """Register `hook(value)`, run when option `name` changes; applies the
        environment's setting now."""
        self._hooks[name] = hook
        if os.environ.get(self._ENVIRONMENT[name], "0") not in ("", "0"):
            self.update(name, True)


config = Config()
