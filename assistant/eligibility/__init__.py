"""Eligibility engine: "am I eligible?" answered as target-group verdicts with sources.

The plan's texts name target groups, not formal criteria, so verdicts are
"correspond" / "ne correspond pas" / "à vérifier", each with its reasons, the
missing profile fields that would settle it, and the corpus documents it
rests on. Rules live in ``corpus/data/eligibility.yaml`` (schema-checked);
places in ``corpus/data/locations.yaml``. No heavy imports here.
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
from assistant.eligibility.extract import extract_profile, is_eligibility_question, is_size_question
from assistant.eligibility.locations import LocationResolution, resolve_location
from assistant.eligibility.profile import OrgType, Profile, ProjectType, Sector
from assistant.eligibility.render import (
    RenderedAnswer,
    is_english,
    render_report_en,
    render_report_fr,
    render_size_answer,
)
from assistant.eligibility.rules import (
    DEFAULT_RULES_PATH,
    Rules,
    RulesError,
    TargetGroup,
    load_rules,
)
from assistant.eligibility.service import EligibilityAnswer, answer_question
from assistant.eligibility.sme import SizeCategory, SizeClassification, classify_company

__all__ = [
    "DEFAULT_RULES_PATH",
    "EligibilityAnswer",
    "EligibilityReport",
    "LocationResolution",
    "OrgType",
    "Profile",
    "ProjectType",
    "RenderedAnswer",
    "ReportNote",
    "RuleCitation",
    "Rules",
    "RulesError",
    "SchemeResult",
    "Sector",
    "SizeCategory",
    "SizeClassification",
    "TargetGroup",
    "Verdict",
    "answer_question",
    "classify_company",
    "evaluate",
    "extract_profile",
    "is_eligibility_question",
    "is_english",
    "is_size_question",
    "load_rules",
    "render_report_en",
    "render_report_fr",
    "render_size_answer",
    "resolve_location",
]
