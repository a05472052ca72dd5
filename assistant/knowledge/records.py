"""Schemas of the reference data files (``corpus/data/envelopes.yaml``, ``contacts.yaml``).

One definition, used when the assistant starts (``Knowledge.load``) and by
``assistant corpus check``, so both report a broken file the same way: the
file, the entry's id (or position) and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.ingest.documents import SourceRef


class PlanRecord(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    total_eur: int = Field(gt=0)
    period: str
    document: str
    sources: list[SourceRef] = Field(min_length=1)


class EnvelopeRecord(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    amount_eur: int | None = Field(default=None, gt=0)
    amount_min_eur: int | None = Field(default=None, gt=0)
    parent: str | None = None
    beneficiaries: list[str] = Field(default_factory=list)
    sectors: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    period: str
    document: str
    sources: list[SourceRef] = Field(min_length=1)


class ContactRecord(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    role: str
    audience: list[str] = Field(min_length=1)
    url: str | None = None
    source: SourceRef


def read_yaml(path: Path, problems: list[str]) -> Any:
    """The file's YAML, or ``None`` with the problem recorded."""
    if not path.is_file():
        problems.append(f"{path}: missing")
        return None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot be read ({exc})")
    except yaml.YAMLError as exc:
        problems.append(f"{path}: invalid YAML: {exc}".replace("\n", " "))
    return None


def read_records(
    path: Path, data: Any, key: str, model: type[BaseModel], problems: list[str]
) -> list[Any]:
    """Validate the list ``data[key]`` entry by entry; bad and duplicate entries are problems."""
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        problems.append(f"{path} ({key}): a list is required")
        return []
    records, seen = [], set()
    for position, raw in enumerate(items, 1):
        label = raw.get("id") if isinstance(raw, dict) else None
        label = label or f"#{position}"
        try:
            record = model.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"])
                problems.append(f"{path} [{label}] ({field}): {err['msg']}")
            continue
        if record.id in seen:  # type: ignore[attr-defined]
            problems.append(f"{path} [{record.id}] (id): duplicate id")  # type: ignore[attr-defined]
            continue
        seen.add(record.id)  # type: ignore[attr-defined]
        records.append(record)
    return records


def read_plan(path: Path, data: Any, problems: list[str]) -> PlanRecord | None:
    try:
        return PlanRecord.model_validate(data.get("plan") if isinstance(data, dict) else None)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(f"{path} [plan] ({'.'.join(map(str, err['loc']))}): {err['msg']}")
    return None
