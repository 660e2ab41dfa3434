"""The manual's job workflow as data: the stages, their branches and labels, the client gates and what each step requires."""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from ..forms.catalog import SIGN_OFF_DOCUMENTS
from ..forms.catalog import STAGES as _STAGE_CHOICES

__all__ = ["BRANCHES", "Stage", "STAGES", "STAGE_BY_KEY", "GATES", "REQUIREMENTS", "DOCUMENT_LABELS"]

BRANCHES = ("common", "media", "creative")


@dataclass(frozen=True)
class Stage:
    """One step of the manual's workflow (恒美对客户工作流程), keyed as FORMS.md `progress.stage`."""

    key: str
    step: int  # the manual's number; the media and creative branches both count from 7
    branch: str  # common | media | creative
    label_zh: str
    label_en: str
    parties: tuple[str, ...]  # responsible, as `progress.owner` keys: client, account, creative, media
    gate: str | None = None  # a client confirmation step: the sign_off document it confirms
    requires: tuple[str, ...] = ()  # sign_off documents the client must have approved before this step

    @property
    def is_gate(self) -> bool:
        return self.gate is not None

    @property
    def label(self) -> str:
        return f"{self.label_zh} / {self.label_en}"


# The five client confirmation gates: stage key -> the sign_off document it confirms.
GATES: Mapping[str, str] = MappingProxyType(
    {
        "confirm_work_plan": "work_plan",
        "confirm_concept": "concept_strategy",
        "confirm_media_schedule": "media_schedule",
        "confirm_design": "design_quote",
        "confirm_artwork": "artwork_production_quote",
    }
)

# Issue 5: the client's approvals a recorded step needs ("the next step may start only
# after the client's written approval").  Steps not named here need none.
REQUIREMENTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "internal_discussion": ("work_plan",),
        "proposal": ("work_plan",),
        "media_schedule": ("concept_strategy",),
        "creative_design": ("concept_strategy",),
        "media_booking": ("media_schedule",),
        "production_quote": ("design_quote",),
        "production": ("artwork_production_quote",),
        "send_to_media": ("artwork_production_quote", "media_schedule"),
    }
)

# sign_off.document keys (FORMS.md) with their labels.
DOCUMENT_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {c.key: (c.zh, c.en) for c in SIGN_OFF_DOCUMENTS}
)


_STAGE_LABELS = {c.key: (c.zh, c.en) for c in _STAGE_CHOICES}  # the progress form's labels: one wording everywhere


def _stage(key: str, step: int, branch: str, *parties: str) -> Stage:
    zh, en = _STAGE_LABELS[key]
    return Stage(key, step, branch, zh, en, parties, GATES.get(key), REQUIREMENTS.get(key, ()))


STAGES: tuple[Stage, ...] = (
    _stage("work_order", 1, "common", "client"),
    _stage("internal_brief", 2, "common", "account"),
    _stage("confirm_work_plan", 3, "common", "client"),
    _stage("internal_discussion", 4, "common", "account", "creative", "media"),
    _stage("proposal", 5, "common", "account", "creative", "media"),
    _stage("confirm_concept", 6, "common", "client"),
    _stage("media_schedule", 7, "media", "account", "media"),
    _stage("confirm_media_schedule", 8, "media", "client"),
    _stage("media_booking", 9, "media", "account", "media"),
    _stage("media_prepayment", 10, "media", "client"),
    _stage("creative_design", 7, "creative", "account", "creative"),
    _stage("confirm_design", 8, "creative", "client"),
    _stage("production_quote", 9, "creative", "account", "creative"),
    _stage("artwork", 10, "creative", "account", "creative"),
    _stage("confirm_artwork", 11, "creative", "client"),
    _stage("production", 12, "creative", "creative"),
    _stage("deliver_to_media_agency", 13, "creative", "account"),
    _stage("send_to_media", 14, "common", "media"),
    _stage("monitoring_report", 15, "common", "media", "account"),
)
STAGE_BY_KEY: Mapping[str, Stage] = MappingProxyType({s.key: s for s in STAGES})
