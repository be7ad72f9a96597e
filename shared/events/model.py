"""The base of every model in the catalogue: immutable, strict, and silent about its input.

``hide_input_in_errors`` keeps pydantic from copying submitted values, personal data among
them, into error messages and so into responses and logs (design section 4).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class ValueModel(BaseModel):
    model_config = MODEL_CONFIG
