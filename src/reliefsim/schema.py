"""The shape of a scenario: every key a scenario may hold, its type and its allowed range.

Values, units and sources live in the scenario files (``scenarios/*.toml``); this module only says
what a valid value looks like, so that a wrong key, type or range is caught before a run starts.
"""

from __future__ import annotations

from dataclasses import dataclass

TIER_NAMES: tuple[str, ...] = ("none", "rigid_hardship", "marginal", "dibao", "destitute")
"""Tier names indexed by tier code; a higher code is a more generous tier."""
ENROLLABLE_TIERS: tuple[str, ...] = ("destitute", "dibao", "marginal", "rigid_hardship")
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


@dataclass(frozen=True)
class Spec:
    """What a valid value of one scenario key looks like.

    Attributes:
        kind: one of ``float``, ``int``, ``bool``, ``str``, ``month`` (``"YYYY-MM"``),
            ``list[str]``, ``list[int]``, ``list[float]``.
        low: smallest allowed number (for numbers and number lists), or None.
        high: largest allowed number, or None.
        choices: allowed strings (for ``str`` and ``list[str]``), or None.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    def describe(self) -> str:
        """Say in words what the spec expects, for error messages."""
        text = {"float": "a number", "int": "a whole number", "bool": "true or false",
                "str": "a string", "month": 'a month "YYYY-MM"',
                "list[str]": "a list of strings", "list[int]": "a list of whole numbers",
                "list[float]": "a list of numbers"}[self.kind]
        if self.low is not None and self.high is not None:
            text += f" between {self.low:g} and {self.high:g}"
        elif self.low is not None:
            text += f" ≥ {self.low:g}"
        if self.choices:
            text += " from " + ", ".join(self.choices)
        return text


def _share() -> Spec:
    return Spec("float", 0.0, 1.0)


def _money(high: float = 1e7) -> Spec:
    return Spec("float", 0.0, high)


def _rate() -> Spec:
    return Spec("float", 0.0, 1.0)


def _per_tier(prefix: str, spec: Spec) -> dict[str, Spec]:
    return {f"{prefix}.{t}": spec for t in ENROLLABLE_TIERS}


def _build() -> dict[str, Spec]:
    s: dict[str, Spec] = {
        # run settings
        "run.households": Spec("int", 1, 5_000_000),
        "run.months": Spec("int", 1, 600),
        "run.seed": Spec("int", 0, 2**63 - 1),
        "run.start": Spec("month"),
        "run.warmup_months": Spec("int", 0, 600),
        # policy (RULES.md §2-4)
        "policy.dibao_line": _money(1e5),
        "policy.destitute_multiplier": Spec("float", 1.0, 10.0),
        "policy.marginal_multiplier": Spec("float", 1.0, 10.0),
        "policy.rigid_income_cap": _money(1e6),
        "policy.rigid_ratio_threshold": Spec("float", 0.0, 10.0),
        "policy.rigid_window_months": Spec("int", 1, 12),
        "policy.rigid_items": Spec("list[str]", choices=RIGID_ITEMS),
        "policy.asset_limit_months": Spec("float", 0.0, 1200.0),
        "policy.floor_space_avg": Spec("float", 0.0, 1000.0),
        "policy.earned_income_disregard": _share(),
        "policy.old_age": Spec("int", 40, 100),
        "policy.working_age_min": Spec("int", 0, 30),
        "policy.dibao_min_payment": _money(1e5),
        "policy.addon_share.elderly": Spec("float", 0.0, 5.0),
        "policy.addon_share.severe_disability": Spec("float", 0.0, 5.0),
        "policy.addon_share.serious_illness": Spec("float", 0.0, 5.0),
        "policy.addon_share.child": Spec("float", 0.0, 5.0),
        "policy.care_allowance": _money(1e5),
        "policy.marginal_basic_share": _share(),
        "policy.exit_period_months": Spec("int", 0, 60),
        "policy.exit_benefit_share": _share(),
        "policy.assisted_application": Spec("bool"),
        "policy.temporary_cap_months": Spec("float", 0.0, 120.0),
        "policy.temporary_while_pending": Spec("bool"),
        # special assistance
        "special.medical_rate.destitute": _share(),
        "special.medical_rate.dibao": _share(),
        "special.medical_rate.marginal": _share(),
        "special.medical_rate.rigid_hardship": _share(),
        "special.medical_cap_year": _money(),
        "special.education_grant.primary": _money(1e5),
        "special.education_grant.secondary": _money(1e5),
        "special.education_grant.tertiary": _money(1e5),
        "special.housing_rate": _share(),
        "special.rent_share_of_income": _share(),
        "special.employment_uplift": Spec("float", 0.0, 10.0),
        "special.employment_cost": _money(1e5),
        "special.disaster_grant.minor": _money(),
        "special.disaster_grant.damaged": _money(),
        "special.disaster_grant.collapsed": _money(),
        "special.heating_subsidy": _money(1e5),
        "special.heating_months": Spec("list[int]", 1, 12),
        # population (synthetic generator)
        "population.households_represented": Spec("float", 1.0, 1e9),
        "population.districts": Spec("int", 1, 1000),
        "population.streets": Spec("int", 1, 100_000),
        "population.size_probs": Spec("list[float]", 0.0, 1.0),
        "population.head_age_min": Spec("int", 16, 100),
        "population.head_age_max": Spec("int", 16, 110),
        "population.employment_rate": _share(),
        "population.earner_share": _share(),
        "population.seeking_share": _share(),
        "population.wage_median": _money(1e6),
        "population.wage_sigma": Spec("float", 0.0, 5.0),
        "population.minimum_wage": _money(1e5),
        "population.retirement_age": Spec("int", 40, 100),
        "population.pension_replacement": _share(),
        "population.household_wage_correlation": _share(),
        "population.unable_self_care_share_severe": _share(),
        "population.pension_median": _money(1e6),
        "population.pension_sigma": Spec("float", 0.0, 5.0),
        "population.no_pension_share": _share(),
        "population.basic_pension": _money(1e5),
        "population.other_income_mean": _money(1e6),
        "population.assets_months_median": Spec("float", 0.0, 1200.0),
        "population.assets_sigma": Spec("float", 0.0, 5.0),
        "population.homes_probs": Spec("list[float]", 0.0, 1.0),
        "population.floor_space_median": Spec("float", 1.0, 1000.0),
        "population.floor_space_sigma": Spec("float", 0.0, 5.0),
        "population.car_share": _share(),
        "population.rent_median": _money(1e6),
        "population.rent_sigma": Spec("float", 0.0, 5.0),
        "population.capable_supporter_share": _share(),
        "population.smartphone_share_under60": _share(),
        "population.smartphone_share_60_69": _share(),
        "population.smartphone_share_70_79": _share(),
        "population.smartphone_share_80plus": _share(),
        "population.severe_disability_share": _share(),
        "population.mild_disability_share": _share(),
        "population.serious_illness_share": _share(),
        "population.chronic_share_60plus": _share(),
        "population.unable_self_care_share_75plus": _share(),
        "population.tertiary_enrolment": _share(),
        "population.oversample_low_income": Spec("float", 1.0, 100.0),
        "population.low_income_cut": _money(1e6),
        "population.work_start_age": Spec("int", 0, 30),
        "population.school_ages": Spec("list[float]", 0.0, 40.0),
        "population.older_head_age": Spec("int", 16, 110),
        "population.other_income_share": Spec("float", 0.001, 1.0),
        "population.initial_takeup": _share(),
        "population.misreporter_share": _share(),
        # shocks (monthly hazards on true facts)
        "shocks.job_loss": _rate(),
        "shocks.reemployment": _rate(),
        "shocks.unemployment_benefit": _money(1e5),
        "shocks.unemployment_benefit_months": Spec("int", 0, 60),
        "shocks.wage_growth_annual": Spec("float", -0.5, 1.0),
        "shocks.wage_sd_monthly": Spec("float", 0.0, 1.0),
        "shocks.serious_illness_under60": _rate(),
        "shocks.serious_illness_60plus": _rate(),
        "shocks.serious_illness_recovery": _rate(),
        "shocks.hospital_cost_median": _money(),
        "shocks.hospital_cost_sigma": Spec("float", 0.0, 5.0),
        "shocks.serious_oop_median": _money(),
        "shocks.chronic_onset_60plus": _rate(),
        "shocks.chronic_oop_median": _money(),
        "shocks.oop_sigma": Spec("float", 0.0, 5.0),
        "shocks.disability_onset_under60": _rate(),
        "shocks.disability_onset_60plus": _rate(),
        "shocks.self_care_loss_75plus": _rate(),
        "shocks.care_cost": _money(),
        "shocks.rehab_cost": _money(),
        "shocks.education_cost.primary": _money(),
        "shocks.education_cost.secondary": _money(),
        "shocks.education_cost.tertiary": _money(),
        "shocks.disaster_district": _rate(),
        "shocks.disaster_share_hit": _share(),
        "shocks.disaster_damage_probs": Spec("list[float]", 0.0, 1.0),
        "shocks.disaster_cost.minor": _money(),
        "shocks.disaster_cost.damaged": _money(),
        "shocks.disaster_cost.collapsed": _money(),
        "shocks.mortality_gompertz_a": Spec("float", 0.0, 1.0),
        "shocks.mortality_gompertz_b": Spec("float", 0.0, 1.0),
        "shocks.pension_uprating_annual": Spec("float", -0.5, 1.0),
        # monitoring: warnings
        "warnings.medical_surge": Spec("bool"),
        "warnings.medical_surge_amount": _money(),
        "warnings.medical_surge_ratio": Spec("float", 0.0, 100.0),
        "warnings.income_drop": Spec("bool"),
        "warnings.income_drop_share": _share(),
        "warnings.disability_onset": Spec("bool"),
        "warnings.disaster_hit": Spec("bool"),
        "warnings.death_of_earner": Spec("bool"),
        "warnings.rigid_ratio": Spec("bool"),
        "warnings.screening": Spec("bool"),
        "warnings.screening_months": Spec("int", 1, 120),
        "warnings.cooldown_months": Spec("int", 0, 120),
        "warnings.monitoring_line_multiple": Spec("float", 0.0, 100.0),
        # behaviour (applications)
        "behaviour.apply_prob": _rate(),
        "behaviour.low_awareness_factor": Spec("float", 0.0, 1.0),
        "behaviour.assisted_factor": Spec("float", 0.0, 100.0),
        "behaviour.near_poor_multiple": Spec("float", 0.0, 20.0),
        "behaviour.near_poor_factor": Spec("float", 0.0, 1.0),
        "behaviour.misreport_share": _share(),
        "behaviour.misreport_temporary_claim": _share(),
        "behaviour.reapply_months": Spec("int", 0, 120),
        "behaviour.disaster_apply_prob": _rate(),
        # casework
        "casework.visits_per_month": Spec("float", 0.0, 1e9),
        "casework.min_simulated_visits": Spec("float", 0.0, 1e6),
        "casework.visit_accuracy": _share(),
        "casework.processing_days": Spec("float", 0.0, 365.0),
        "casework.visit_cost": _money(1e6),
        "casework.temporary_lookback_months": Spec("int", 0, 24),
        "casework.queue_order": Spec("list[str]", choices=CASE_SOURCES),
        # metrics conventions
        "metrics.cliff_share": _share(),
        "metrics.poverty_line_multiple": Spec("float", 0.0, 20.0),
        "metrics.che_threshold": _share(),
        "metrics.che_subsistence_multiple": Spec("float", 0.0, 20.0),
    }
    s.update(_per_tier("casework.review_months", Spec("int", 1, 120)))
    for prog in SPECIAL_PROGRAMMES:
        s[f"special.{prog}"] = Spec("bool")
        s[f"special.{prog}_tiers"] = Spec("list[str]", choices=ENROLLABLE_TIERS)
    for dept in DEPARTMENTS:
        s[f"departments.{dept}.coverage"] = _share()
        s[f"departments.{dept}.lag_months"] = Spec("int", 0, 12)
    return s


SCHEMA: dict[str, Spec] = _build()
"""Every key a scenario may hold, with what a valid value looks like."""
