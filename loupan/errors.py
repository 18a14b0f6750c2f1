"""The root of every error loupan raises on purpose.

    LoupanError
    ├── ConfigError          settings that cannot work (bad URI, insecure production defaults)
    ├── InputError           one input (file, record, report) is unusable; carries `source`
    │   ├── UnreadableInput  cannot be read or decoded
    │   └── RecordError      a structured record lacks or mangles a field
    ├── StoreError           the graph store failed; the driver's error is chained
    │   └── StoreUnavailable the store cannot be reached or opened
    ├── NotFound             an id or name that resolves to nothing
    ├── ResolutionError      a merge / split / judgement that cannot be applied
    └── Forbidden            the caller lacks the role an operation needs

Errors are turned into HTTP / GraphQL errors only at the edge, in `loupan.api`.
"""

from __future__ import annotations


class LoupanError(Exception):
    """Base class; `code` is a stable machine-readable identifier."""

    code = "LOUPAN_ERROR"


class ConfigError(LoupanError):
    code = "CONFIG"


class InputError(LoupanError):
    code = "BAD_INPUT"

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class UnreadableInput(InputError):
    code = "UNREADABLE_INPUT"


class RecordError(InputError):
    code = "BAD_RECORD"


class StoreError(LoupanError):
    code = "STORE"


class StoreUnavailable(StoreError):
    code = "STORE_UNAVAILABLE"


class NotFound(LoupanError):
    code = "NOT_FOUND"


class ResolutionError(LoupanError):
    code = "RESOLUTION"


class Forbidden(LoupanError):
    code = "FORBIDDEN"
