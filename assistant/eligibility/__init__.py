"""Eligibility engine: "am I eligible?" answered as target-group verdicts with sources.

The plan's texts name target groups, not formal criteria, so verdicts are
"correspond" / "ne correspond pas" / "à vérifier", each with its reasons, the
missing profile fields that would settle it, and the corpus documents it
rests on. Rules live in ``corpus/data/eligibility.yaml`` (schema-checked),
places in ``corpus/data/locations.yaml``, words in ``corpus/lexicon``; all of
them reach the engine through one :class:`~assistant.knowledge.Knowledge`
(:class:`EligibilityService`). No heavy imports here.
"""

from __future__ import annotations

from assistant.eligibility.engine import (
    EligibilityReport,
    ReportNote,
    RuleCitation,
    SchemeResult,
    Verdict,
    evaluate,
)
from assistant.eligibility.extract import ProfileReader
from assistant.eligibility.locations import LocationResolution, resolve_location
from assistant.eligibility.profile import OrgType, Profile, ProjectType
from assistant.eligibility.render import (
    RenderedAnswer,
    is_english,
    render_report,
    render_size_answer,
)
from assistant.eligibility.rules import Rules, RulesError, TargetGroup, load_rules
from assistant.eligibility.service import EligibilityAnswer, EligibilityService
from assistant.eligibility.sme import SizeCategory, SizeClassification, classify_company

__all__ = [
    "EligibilityAnswer",
    "EligibilityReport",
    "EligibilityService",
    "LocationResolution",
    "OrgType",
    "Profile",
    "ProfileReader",
    "ProjectType",
    "RenderedAnswer",
    "ReportNote",
    "RuleCitation",
    "Rules",
    "RulesError",
    "SchemeResult",
    "SizeCategory",
    "SizeClassification",
    "TargetGroup",
    "Verdict",
    "classify_company",
    "evaluate",
    "is_english",
    "load_rules",
    "render_report",
    "render_size_answer",
    "resolve_location",
]
