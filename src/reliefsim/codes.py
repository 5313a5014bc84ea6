"""The fixed vocabularies of the model: tiers, departments, warning rules, programmes.

These are names the code is written against (a new tier or department needs new code), not
parameters: every number lives in the scenario files, declared with its type, range, unit and
source (:mod:`reliefsim.parameters`).
"""

from __future__ import annotations

TIER_NAMES: tuple[str, ...] = ("none", "rigid_hardship", "marginal", "dibao", "destitute")
"""Tier names indexed by tier code; a higher code is a more generous tier."""
ENROLLABLE_TIERS: tuple[str, ...] = ("destitute", "dibao", "marginal", "rigid_hardship")
ENROLMENT_STATES: tuple[str, ...] = (*TIER_NAMES, "individual")
"""A household's state for counting: its tier, or ``individual`` (tier none, with members
enrolled in dibao on their own, 单人保); code 5."""
INDIVIDUAL = 5
RIGID_ITEMS: tuple[str, ...] = ("medical", "care", "rent", "rehab", "education")
STUDENT_LEVELS: tuple[str, ...] = ("none", "primary", "secondary", "tertiary")
DISABILITY_LEVELS: tuple[str, ...] = ("none", "mild", "severe")
DEPARTMENTS: tuple[str, ...] = (
    "medical_insurance",
    "human_resources",
    "public_security",
    "education",
    "disability_federation",
    "emergency_management",
    "housing",
    "finance",
)
WARNING_RULES: tuple[str, ...] = (
    "death_of_earner",
    "disaster_hit",
    "medical_surge",
    "income_drop",
    "disability_onset",
    "rigid_ratio",
    "screening",
)
CASE_SOURCES: tuple[str, ...] = (*WARNING_RULES, "application", "review")
SPECIAL_PROGRAMMES: tuple[str, ...] = (
    "medical",
    "education",
    "housing",
    "employment",
    "disaster",
    "heating",
)
DAMAGE_LEVELS: tuple[str, ...] = ("none", "minor", "damaged", "collapsed")

VOCABULARIES: dict[str, tuple[str, ...]] = {
    "rigid_items": RIGID_ITEMS,
    "enrollable_tiers": ENROLLABLE_TIERS,
    "case_sources": CASE_SOURCES,
}
"""Vocabularies a parameter declaration names for its ``choices`` (``choices = "rigid_items"``)."""
