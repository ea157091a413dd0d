"""Small helpers shared by the pages."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Body = TypeVar("Body", bound=BaseModel)


def form_body(model: type[Body], values: dict[str, Any]) -> Body | None:
    """The form as the API's request body, or None where the API would refuse it: the portal checks ids
    and fields with the API's own models (kaiku_contracts.http), so the two never disagree."""
    try:
        return model.model_validate(values)
    except ValidationError:
        return None
