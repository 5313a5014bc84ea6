"""The calculator that explains: every test with its numbers, the tier and every payment.

Everything is computed by the rules' own functions (:mod:`reliefsim.rules`, and
:func:`reliefsim.payments.pending_payment`), called on the household's facts; nothing here
decides a tier or an amount. Where a rule function returns one number for a household and the
explanation needs its parts, the function is called again on changed facts and the parts are
the differences: the asset test's three parts on facts where the other two cannot fail, the
destitute care allowance as the payment with and without members unable to self-care, each
member's dibao add-on on a household of that member alone.

Households come from the two CSV files (RULES.md §7), from the command line's options or from
a case file (:mod:`reliefsim.cases`): :func:`household_facts` turns fields named as in the CSV
files into facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from reliefsim import rules
from reliefsim.codes import DAMAGE_LEVELS, DISABILITY_LEVELS, STUDENT_LEVELS, TIER_NAMES
from reliefsim.errors import ReliefsimError
from reliefsim.facts import SEVERE, Facts
from reliefsim.i18n import pick, wrap
from reliefsim.indicators import programme_label, tier_label
from reliefsim.microdata import ITEM_COLUMNS, build_facts
from reliefsim.scenario import Values

HOUSEHOLD_INPUT: dict[str, Any] = {
    "wages": None, "pensions": None, "other_income": 0.0, "financial_assets": 0.0,
    "homes_owned": 1, "floor_space_pc": 0.0, "car": 0, "rent": 0.0,
    "has_capable_supporter": 0, "income_12m": None, "medical_oop_12m": 0.0, "care_12m": 0.0,
    "rent_12m": None, "rehab_12m": 0.0, "education_12m": 0.0, "registered": 1,
    "damage": "none",
}
"""Household fields (as in households.csv) and their defaults: ``wages`` and ``pensions``
default to the sum of the members' ``wage`` and ``pension``, ``income_12m`` to 12 × the month's
income and ``rent_12m`` to 12 × the rent; ``damage`` is this month's disaster
damage (none, minor, damaged, collapsed), for the disaster grant."""
MEMBER_INPUT: dict[str, Any] = {
    "age": 40.0, "works": 0, "disability": "none", "serious_illness": 0,
    "unable_self_care": 0, "student": "none", "wage": 0.0, "pension": 0.0,
}
"""Member fields (as in members.csv) and their defaults; a member's own ``wage`` (when working)
and ``pension`` count for individual enrolment (单人保)."""
FLAGS = ("car", "has_capable_supporter", "registered", "works", "serious_illness",
         "unable_self_care")
LEVEL_ZH = {"primary": "小学", "secondary": "中学", "tertiary": "大学"}
ITEM_ZH = {"medical": "医疗", "care": "护理", "rent": "房租", "rehab": "康复", "education": "教育"}
DAMAGE_ZH = {"none": "无", "minor": "轻微", "damaged": "损坏", "collapsed": "倒塌"}


# ---------------------------------------------------------------- input
def _value(where: str, name: str, raw: Any, default: Any) -> Any:
    if isinstance(default, str):  # a choice
        choices = {"damage": DAMAGE_LEVELS, "disability": DISABILITY_LEVELS,
                   "student": STUDENT_LEVELS}[name]
        text = str(raw).strip()
        if text not in choices:
            raise ReliefsimError(f"{where}, {name}: {raw!r}; expected one of {', '.join(choices)}")
        return choices.index(text)
    flag = name in FLAGS
    whole = name == "homes_owned"
    what = "0 or 1" if flag else ("a whole number ≥ 0" if whole else "a number ≥ 0")
    if isinstance(raw, bool):
        raw = int(raw)
    try:
        x = float(raw)
    except (TypeError, ValueError):
        raise ReliefsimError(f"{where}, {name}: {raw!r} is not a number; expected {what}"
                             ) from None
    if not np.isfinite(x) or x < 0 or ((flag or whole) and x != int(x)) or (flag and x > 1):
        raise ReliefsimError(f"{where}, {name}: {raw!r}; expected {what}")
    return x


def household_facts(households: Sequence[Mapping[str, Any]],
                    members: Sequence[Sequence[Mapping[str, Any]]],
                    where: Sequence[str] | None = None,
                    rigid_items: Sequence[str] = tuple(ITEM_COLUMNS)) -> Facts:
    """Facts of households given by fields named as in the CSV files (RULES.md §7).

    Money is yuan per month except the ``_12m`` fields (sums over the last 12 months), which
    give the rigid-expenditure window (the items in ``rigid_items``) and its income; this
    month's medical, care, rehabilitation and education costs are their 12-month average, as
    ``reliefsim classify`` reads them.

    Args:
        households: one mapping of household fields each (missing ones take their default,
            :data:`HOUSEHOLD_INPUT`).
        members: per household, its members' fields (:data:`MEMBER_INPUT`).
        where: per household, how to name it in an error (default ``household N``).
        rigid_items: the policy's rigid-expenditure items.

    Raises:
        ReliefsimError: for an unknown field, a household without members, or a value that is
            not a number ≥ 0 (or 0/1, or one of the choices), naming the household and field.
    """
    rows, mrows, hh = [], [], []
    for k, (h, ms) in enumerate(zip(households, members, strict=True)):
        name = where[k] if where else f"household {k + 1}"
        unknown = sorted(set(h) - set(HOUSEHOLD_INPUT) - {"household_id", "weight", "street"})
        if unknown:
            raise ReliefsimError(f"{name}: unknown field {unknown[0]!r}; expected some of "
                                 f"{', '.join(HOUSEHOLD_INPUT)}")
        row = {f: _value(name, f, h[f], d) if f in h and h[f] is not None else d
               for f, d in HOUSEHOLD_INPUT.items()}
        if isinstance(row["damage"], str):
            row["damage"] = DAMAGE_LEVELS.index(row["damage"])
        if not ms:
            raise ReliefsimError(f"{name}: no members; give at least one member")
        mine = []
        for j, m in enumerate(ms, start=1):
            unknown = sorted(set(m) - set(MEMBER_INPUT) - {"household_id"})
            if unknown:
                raise ReliefsimError(f"{name}, member {j}: unknown field {unknown[0]!r}; "
                                     f"expected some of {', '.join(MEMBER_INPUT)}")
            mine.append({f: _value(f"{name}, member {j}", f, m[f], d)
                         if f in m and m[f] is not None else _default_choice(f, d)
                         for f, d in MEMBER_INPUT.items()})
            hh.append(k)
        mrows += mine
        if row["wages"] is None:  # the members' wages, of those at work
            row["wages"] = sum(r["wage"] for r in mine if r["works"])
        if row["pensions"] is None:
            row["pensions"] = sum(r["pension"] for r in mine)
        income = row["wages"] + row["pensions"] + row["other_income"]
        if row["income_12m"] is None:
            row["income_12m"] = 12 * income
        if row["rent_12m"] is None:
            row["rent_12m"] = 12 * row["rent"]
        rows.append(row)
    house = {f: np.array([r[f] for r in rows], dtype=float) for f in HOUSEHOLD_INPUT}
    member = {f: np.array([r[f] for r in mrows], dtype=float) for f in MEMBER_INPUT}
    return build_facts(np.array(hh, dtype=np.int64), house, member, tuple(rigid_items))


def _default_choice(name: str, default: Any) -> Any:
    if name == "disability":
        return DISABILITY_LEVELS.index(default)
    if name == "student":
        return STUDENT_LEVELS.index(default)
    return default


# ---------------------------------------------------------------- the explanation
@dataclass
class Explanation:
    """The tests and payments of households, every number from the rules' functions.

    Household arrays have one value per household; member arrays one per member (in
    ``facts.hh`` order).
    """

    facts: Facts
    v: Values
    period: str
    assessment: rules.Assessment
    incapable: np.ndarray          # per member: no labour capacity (rules.no_labour_capacity)
    financial_ok: np.ndarray
    homes_ok: np.ndarray
    car_ok: np.ndarray
    rigid_ok: np.ndarray            # rules.rigid_test
    basic: np.ndarray
    addons: np.ndarray              # dibao add-ons of the household (in basic for dibao)
    addon_member: np.ndarray        # per member: the add-on that member's share gives
    care: np.ndarray                # destitute care allowance (in basic)
    individual: np.ndarray          # dibao of members enrolled on their own (单人保)
    individual_member: np.ndarray   # per member: enrolled on their own
    medical: np.ndarray
    education: np.ndarray
    housing: np.ndarray
    employment: np.ndarray
    employment_member: np.ndarray   # per member: in an employment programme
    heating: np.ndarray
    disaster: np.ndarray
    temporary_cap: np.ndarray
    pending: np.ndarray             # temporary assistance while a dibao application waits
    medical_paid_year: np.ndarray

    @property
    def tier(self) -> np.ndarray:
        """Tier codes (:data:`reliefsim.codes.TIER_NAMES`)."""
        return self.assessment.tier

    @property
    def monthly_total(self) -> np.ndarray:
        """Basic living and every monthly special programme, per household."""
        return (self.basic + self.individual + self.medical + self.education + self.housing
                + self.employment + self.heating)

    def members(self, i: int) -> np.ndarray:
        """Member indices of household ``i``."""
        return self.facts.members_of(np.array([i]))

    def amounts(self, i: int) -> dict[str, Any]:
        """Household ``i``'s tier, tests and amounts by name (what case files check)."""
        a = self.assessment
        return {
            "tier": TIER_NAMES[int(a.tier[i])], "income_pc": float(a.income_pc[i]),
            "size": int(a.size[i]), "assets_ok": bool(a.assets_ok[i]),
            "financial_assets_ok": bool(self.financial_ok[i]),
            "homes_ok": bool(self.homes_ok[i]), "car_ok": bool(self.car_ok[i]),
            "rigid_test": bool(self.rigid_ok[i]),
            "rigid_ratio": _ratio(self.facts.rigid_window[i], self.facts.income_window[i]),
            "no_labour_capacity": [bool(x) for x in self.incapable[self.members(i)]],
            "basic_living": float(self.basic[i]), "dibao_addons": float(self.addons[i]),
            "addons_by_member": [float(x) for x in self.addon_member[self.members(i)]],
            "care_allowance": float(self.care[i]),
            "individual_members": int(self.individual_member[self.members(i)].sum()),
            "individual_dibao": float(self.individual[i]), "medical": float(self.medical[i]),
            "education": float(self.education[i]), "housing": float(self.housing[i]),
            "employment": float(self.employment[i]),
            "employment_members": int(self.employment_member[self.members(i)].sum()),
            "heating": float(self.heating[i]), "disaster": float(self.disaster[i]),
            "temporary_cap": float(self.temporary_cap[i]),
            "temporary_while_pending": float(self.pending[i]),
            "monthly_total": float(self.monthly_total[i]),
        }


def _ratio(r: float, i: float) -> float:
    return float(r / i) if i > 0 else (float("inf") if r > 0 else float("nan"))


def explain(f: Facts, v: Values, period: str, medical_paid_year: np.ndarray | None = None
            ) -> Explanation:
    """Run every rule on the households' facts and keep the numbers.

    Args:
        f: the households' facts.
        v: the scenario values in force in ``period``.
        period: the month (``YYYY-MM``) whose values apply; its calendar month decides the
            heating season.
        medical_paid_year: medical assistance already paid this calendar year, per household
            (default 0).
    """
    n = f.n_households
    a = rules.assess(f, v)
    size = a.size
    incapable = rules.no_labour_capacity(f, v)
    financial_ok, homes_ok, car_ok = rules.asset_tests(f, v, size)
    basic = rules.basic_living(f, v, a.tier, a)
    care_free = replace(f, unable_self_care=np.zeros_like(f.unable_self_care))
    care = np.where(a.tier == rules.DESTITUTE,
                    basic - rules.basic_living(care_free, v, a.tier, a), 0.0)
    addons = np.where(a.tier == rules.DIBAO, rules.dibao_addons(f, v), 0.0)
    addon_member = np.where(f.alive, rules.addon_shares(f, v, np.arange(len(f.age))), 0.0
                            ) * v.policy.dibao_line
    on_own = np.flatnonzero(a.individual > 0)
    individual_member = np.zeros(len(f.age), dtype=bool)
    individual_member[rules.individual_members(f, v, on_own)] = True
    individual = np.zeros(n)
    individual[on_own] = rules.individual_dibao(f, v, on_own)
    paid = np.zeros(n) if medical_paid_year is None else np.asarray(medical_paid_year, float)
    medical = rules.medical_assistance(f, v, a.tier, paid, size)
    participants = rules.employment_participants(f, v, a.tier)
    employment = v.special.employment_cost * f.count(participants)
    from reliefsim.payments import pending_payment

    return Explanation(
        f, v, period, a, incapable, financial_ok, homes_ok, car_ok, rules.rigid_test(f, v),
        basic, addons, addon_member, care, individual, individual_member, medical,
        rules.education_assistance(f, v, a.tier),
        rules.housing_assistance(f, v, a.tier), employment, participants,
        rules.heating_assistance(v, a.tier, int(period[5:7])),
        rules.disaster_grant(v, f.damage.astype(np.int64)), rules.temporary_cap(v, size),
        pending_payment(a, np.ones(n, dtype=bool), v), paid)


# ---------------------------------------------------------------- text
def _y(x: float) -> str:
    return f"{x:,.2f}"


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def explain_text(e: Explanation, i: int, lang: str = "en", name: str = "",
                 scenario: str = "", width: int = 96) -> str:
    """Household ``i``'s explanation as text.

    Each test with its numbers, the tier and every payment; lines longer than ``width``
    terminal columns are wrapped.
    """
    f, v, a = e.facts, e.v, e.assessment
    p, s = v.policy, v.special
    line = p.dibao_line
    size = int(a.size[i])
    tier = TIER_NAMES[int(a.tier[i])]
    members = e.members(i)
    out = [pick(f"Household {name or i + 1}: {size} people, rules of {scenario} in force in "
                f"{e.period}",
                f"家庭 {name or i + 1}：{size} 人，适用 {scenario} 于 {e.period} 的规则", lang), ""]
    # -- income
    income = f.income(i)
    out.append(pick("Income (yuan per month)", "收入（元/月）", lang))
    out.append(pick(f"  wages {_y(f.wages[i])} + pensions {_y(f.pensions[i])} + other "
                    f"{_y(f.other_income[i])} = {_y(income)}",
                    f"  工资 {_y(f.wages[i])} + 养老金 {_y(f.pensions[i])} + 其他 "
                    f"{_y(f.other_income[i])} = {_y(income)}", lang))
    disregard = p.earned_income_disregard
    out.append(pick(f"  assessed income per head = ({_y(income)} − {disregard:g} × wages) ÷ "
                    f"{size} = {_y(a.income_pc[i])} yuan/person/month",
                    f"  核算人均收入 = （{_y(income)} − {disregard:g} × 工资）÷ {size} = "
                    f"{_y(a.income_pc[i])} 元/人/月", lang))
    # -- labour capacity
    out += ["", pick(f"Labour capacity (none: age ≥ {p.old_age:g} or < {p.working_age_min:g}, "
                     "severe disability, serious illness)",
                     f"劳动能力（无劳动能力：年满 {p.old_age:g} 岁或未满 {p.working_age_min:g} "
                     "岁、重度残疾、重病）", lang)]
    for k, j in enumerate(members, start=1):
        out.append("  " + _member_text(f, j, k, lang) + " — " + (
            pick("no labour capacity", "无劳动能力", lang) if e.incapable[j]
            else pick("has labour capacity", "有劳动能力", lang)))
    # -- assets
    limit = p.asset_limit_months * line
    assets_pc = f.financial_assets[i] / size if size else float("inf")
    out += ["", pick("Assets", "财产", lang) + f"  {_mark(a.assets_ok[i])}"]
    out.append(pick(f"  financial assets per head {_y(assets_pc)} ≤ {p.asset_limit_months:g} "
                    f"× dibao line {_y(line)} = {_y(limit)}  {_mark(e.financial_ok[i])}",
                    f"  人均金融资产 {_y(assets_pc)} ≤ {p.asset_limit_months:g} × 低保标准 "
                    f"{_y(line)} = {_y(limit)}  {_mark(e.financial_ok[i])}", lang))
    out.append(pick(f"  homes owned {int(f.homes_owned[i])} (at most 1, or 2 with floor space "
                    f"per head {f.floor_space_pc[i]:g} < {p.floor_space_avg:g} m²)  "
                    f"{_mark(e.homes_ok[i])}",
                    f"  住房 {int(f.homes_owned[i])} 套（至多 1 套；人均面积 "
                    f"{f.floor_space_pc[i]:g} < {p.floor_space_avg:g} 平方米时可有 2 套）  "
                    f"{_mark(e.homes_ok[i])}", lang))
    car = bool(f.car[i])
    car_text = (pick("no car", "无车", lang) if not car else
                pick("a car, excused by a seriously ill or severely disabled member",
                     "有车，因家中有重病或重度残疾成员而豁免", lang) if e.car_ok[i] else
                pick("a car", "有车", lang))
    out.append(f"  {car_text}  {_mark(e.car_ok[i])}")
    # -- rigid expenditure
    r, inc = f.rigid_window[i], f.income_window[i]
    ratio = _ratio(r, inc)
    ratio_text = f"{100 * ratio:.1f} %" if np.isfinite(ratio) else ("∞" if r > 0 else "—")
    out += ["", pick(f"Rigid expenditure over {p.rigid_window_months:g} months ("
                     f"{', '.join(p.rigid_items)})",
                     f"近 {p.rigid_window_months:g} 个月刚性支出"
                     f"（{'、'.join(ITEM_ZH.get(x, x) for x in p.rigid_items)}）", lang)]
    out.append(pick(f"  R = {_y(r)}, income I = {_y(inc)}: R ÷ I = {ratio_text} ≥ "
                    f"{100 * p.rigid_ratio_threshold:g} %  {_mark(e.rigid_ok[i])}",
                    f"  刚性支出 R = {_y(r)}，收入 I = {_y(inc)}：R ÷ I = {ratio_text} ≥ "
                    f"{100 * p.rigid_ratio_threshold:g}%  {_mark(e.rigid_ok[i])}", lang))
    # -- registration
    out.append("")
    reg = bool(f.registered[i])
    needed = bool(p.registration_required)
    out.append(pick(f"Registration (户籍): {'registered' if reg else 'not registered'}; "
                    f"{'required' if needed else 'not required'} by the rules "
                    f"(policy.registration_required)  {_mark(bool(a.registered[i]))}",
                    f"户籍：{'本地户籍' if reg else '非本地户籍'}；规则"
                    f"{'要求' if needed else '不要求'}本地户籍"
                    f"（policy.registration_required）  {_mark(bool(a.registered[i]))}", lang))
    # -- tier tests
    ipc = a.income_pc[i]
    all_incapable = bool(e.incapable[members].all())
    ok = bool(a.assets_ok[i])
    tests = [
        ("destitute", [
            (pick("every member without labour capacity", "全体成员无劳动能力", lang),
             all_incapable),
            (pick("no capable legal supporter", "无有能力的法定赡养人", lang),
             not bool(f.has_capable_supporter[i])),
            (pick(f"income per head {_y(ipc)} < destitute line {p.destitute_multiplier:g} × "
                  f"{_y(line)} = {_y(p.destitute_multiplier * line)}",
                  f"人均收入 {_y(ipc)} < 特困标准 {p.destitute_multiplier:g} × {_y(line)} = "
                  f"{_y(p.destitute_multiplier * line)}", lang),
             ipc < p.destitute_multiplier * line)]),
        ("dibao", [(pick(f"income per head {_y(ipc)} < dibao line {_y(line)}",
                         f"人均收入 {_y(ipc)} < 低保标准 {_y(line)}", lang), ipc < line)]),
        ("marginal", [(pick(f"income per head {_y(ipc)} < marginal line "
                            f"{p.marginal_multiplier:g} × {_y(line)} = "
                            f"{_y(p.marginal_multiplier * line)}",
                            f"人均收入 {_y(ipc)} < 低保边缘标准 {p.marginal_multiplier:g} × "
                            f"{_y(line)} = {_y(p.marginal_multiplier * line)}", lang),
                       ipc < p.marginal_multiplier * line)]),
        ("rigid_hardship", [(pick(f"income per head {_y(ipc)} < {_y(p.rigid_income_cap)}",
                                  f"人均收入 {_y(ipc)} < {_y(p.rigid_income_cap)}", lang),
                             ipc < p.rigid_income_cap),
                            (pick("rigid expenditure test", "刚性支出测试", lang),
                             bool(e.rigid_ok[i]))]),
    ]
    out += ["", pick("Tier tests (the first that applies wins)",
                     "档次认定（依次判断，先符合者为准）", lang)]
    for k, (t, conditions) in enumerate(tests, start=1):
        conditions = [*conditions, (pick("assets", "财产", lang), ok)]
        if needed:
            conditions.append((pick("registration", "户籍", lang), reg))
        applies = all(c for _, c in conditions)
        out.append(f"  {k} {tier_label(t, lang)}: " + "; ".join(
            f"{text} {_mark(c)}" for text, c in conditions) + "  → " + (
            pick("applies", "符合", lang) if applies else pick("no", "不符合", lang)))
    out += ["", pick(f"Tier: {tier_label(tier, lang)}", f"认定档次：{tier_label(tier, lang)}",
                     lang)]
    if tier == "none" and p.individual_enrolment:
        out += _individual_text(e, i, members, lang)
    # -- payments
    out += ["", pick("Payments (yuan per month)", "救助金额（元/月）", lang)]
    out.append(f"  {programme_label('basic_living', lang)}: {_y(e.basic[i] + e.individual[i])}")
    if tier == "dibao":
        gap = e.basic[i] - e.addons[i]
        out.append(pick(f"    gap: max(({_y(line)} − {_y(ipc)}) × {size}, minimum "
                        f"{_y(p.dibao_min_payment)} × {size}) = {_y(gap)}",
                        f"    差额：max((（{_y(line)} − {_y(ipc)}）× {size}，最低 "
                        f"{_y(p.dibao_min_payment)} × {size}) = {_y(gap)}", lang))
        out.append(pick(f"    add-ons by member (分类施保): {_y(e.addons[i])}",
                        f"    分类施保（按成员）：{_y(e.addons[i])}", lang))
        for k, j in enumerate(members, start=1):
            if e.addon_member[j] > 0:
                out.append(f"      {_member_text(f, j, k, lang)}: "
                           f"{e.addon_member[j] / line:.2f} × {_y(line)} = "
                           f"{_y(e.addon_member[j])}  ({_addon_reason(f, v, j, lang)})")
    elif tier == "destitute":
        out.append(pick(f"    ({_y(p.destitute_multiplier * line)} − {_y(ipc)})⁺ × {size} = "
                        f"{_y(e.basic[i] - e.care[i])}",
                        f"    （{_y(p.destitute_multiplier * line)} − {_y(ipc)}）⁺ × {size} = "
                        f"{_y(e.basic[i] - e.care[i])}", lang))
        out.append(pick(f"    care allowance {_y(p.care_allowance)} × members unable to "
                        f"self-care = {_y(e.care[i])}",
                        f"    护理补贴 {_y(p.care_allowance)} × 生活不能自理人数 = "
                        f"{_y(e.care[i])}", lang))
    elif tier in ("marginal", "rigid_hardship"):
        out.append(pick(f"    {p.marginal_basic_share:g} × {_y(line)} × {size} "
                        "(policy.marginal_basic_share)",
                        f"    {p.marginal_basic_share:g} × {_y(line)} × {size}"
                        "（policy.marginal_basic_share）", lang))
    tier_paid = (tier in s.medical_tiers) and s.medical
    rate = s.medical_rate[tier] if tier_paid else 0.0
    room = max(s.medical_cap_year * size - e.medical_paid_year[i], 0.0)
    out.append(f"  {programme_label('medical', lang)}: {_y(e.medical[i])}" + pick(
        f"  (rate {rate:g} × out-of-pocket {_y(f.medical_oop[i])}, at most {_y(room)} left of "
        f"{_y(s.medical_cap_year)} × {size} this year)",
        f"（{rate:g} × 自付 {_y(f.medical_oop[i])}，本年度剩余额度 {_y(room)}，"
        f"上限 {_y(s.medical_cap_year)} × {size}）", lang))
    pupils = [j for j in members if f.student[j] > 0]
    out.append(f"  {programme_label('education', lang)}: {_y(e.education[i])}" + (pick(
        f"  ({len(pupils)} student(s): "
        + ", ".join(STUDENT_LEVELS[f.student[j]] for j in pupils) + ")",
        f"（{len(pupils)} 名学生：" + "、".join(
            LEVEL_ZH[STUDENT_LEVELS[f.student[j]]]
            for j in pupils) + "）", lang) if pupils else ""))
    out.append(f"  {programme_label('housing', lang)}: {_y(e.housing[i])}" + (pick(
        f"  ({s.housing_rate:g} × (rent {_y(f.rent[i])} − {s.rent_share_of_income:g} × income "
        f"{_y(income)})⁺)",
        f"（{s.housing_rate:g} ×（租金 {_y(f.rent[i])} − {s.rent_share_of_income:g} × 收入 "
        f"{_y(income)}）⁺）", lang) if f.rent[i] > 0 else ""))
    count = int(e.employment_member[members].sum())
    out.append(f"  {programme_label('employment', lang)}: {_y(e.employment[i])}" + (pick(
        f"  ({count} participant(s) × {_y(s.employment_cost)})",
        f"（{count} 人 × {_y(s.employment_cost)}）", lang) if count else ""))
    out.append(f"  {programme_label('heating', lang)}: {_y(e.heating[i])}" + pick(
        f"  (heating months {', '.join(str(m) for m in s.heating_months)}; this is month "
        f"{int(e.period[5:7])})",
        f"（供暖月份 {'、'.join(str(m) for m in s.heating_months)}；本月为 "
        f"{int(e.period[5:7])} 月）", lang))
    out.append(pick(f"  monthly total: {_y(e.monthly_total[i])}",
                    f"  每月合计：{_y(e.monthly_total[i])}", lang))
    out += ["", pick("One-off assistance", "一次性救助", lang)]
    damage = DAMAGE_LEVELS[int(f.damage[i])]
    out.append(f"  {programme_label('disaster', lang)}: {_y(e.disaster[i])}" + pick(
        f"  (damage this month: {damage}; any tier)",
        f"（本月受灾程度：{DAMAGE_ZH[damage]}；不限档次）", lang))
    out.append(pick(f"  {programme_label('temporary', lang)}: at most "
                    f"{p.temporary_cap_months:g} × {_y(line)} × {size} = "
                    f"{_y(e.temporary_cap[i])} for a verified sudden hardship, whatever the tier",
                    f"  {programme_label('temporary', lang)}：经核实的急难，不限档次，最高 "
                    f"{p.temporary_cap_months:g} × {_y(line)} × {size} = "
                    f"{_y(e.temporary_cap[i])}", lang))
    out.append(pick(f"  while a dibao application waits: {_y(e.pending[i])} a month "
                    "(policy.temporary_while_pending "
                    f"{'on' if p.temporary_while_pending else 'off'})",
                    f"  低保申请待审期间：每月 {_y(e.pending[i])}（policy.temporary_while_pending "
                    f"{'开' if p.temporary_while_pending else '关'}）", lang))
    out += ["", pick(f"Gradual exit (渐退期): when income rises above the line, "
                     f"{p.exit_period_months:g} months at {100 * p.exit_benefit_share:g} % of "
                     "the payment",
                     f"渐退期：收入超过标准后继续发放 {p.exit_period_months:g} 个月，按原金额的 "
                     f"{100 * p.exit_benefit_share:g}%", lang)]
    wrapped = []
    for text in out:
        indent = len(text) - len(text.lstrip(" "))
        parts = wrap(text.strip(), width - indent) or [""]
        wrapped += [" " * indent + parts[0]] + [" " * (indent + 4) + x for x in parts[1:]]
    return "\n".join(wrapped)


def _individual_text(e: Explanation, i: int, members: np.ndarray, lang: str) -> list[str]:
    """Individual enrolment (单人保) of a household without a tier: who, and how much."""
    f, p, a = e.facts, e.v.policy, e.assessment
    cap = p.individual_enrolment_multiplier * p.dibao_line
    passes = bool(a.income_pc[i] < cap)
    out = ["", pick(f"Individual enrolment (单人保): household income per head "
                    f"{_y(a.income_pc[i])} < {p.individual_enrolment_multiplier:g} × "
                    f"{_y(p.dibao_line)} = {_y(cap)}  {_mark(passes)}; assets and registration "
                    "as above; a member with a severe disability or serious illness, no labour "
                    "capacity and own income under the dibao line is enrolled alone",
                    f"单人保：家庭人均收入 {_y(a.income_pc[i])} < "
                    f"{p.individual_enrolment_multiplier:g} × {_y(p.dibao_line)} = {_y(cap)}  "
                    f"{_mark(passes)}；财产与户籍同上；重度残疾或重病、无劳动能力且本人收入低于"
                    "低保标准的成员单独纳入低保", lang)]
    chosen = [j for j in members if e.individual_member[j]]
    if not chosen:
        out.append(pick("  no member is enrolled on their own", "  无成员单独纳入", lang))
        return out
    for k, j in enumerate(members, start=1):
        if e.individual_member[j]:
            own = rules.member_income(f, np.array([j]))[0]
            out.append(pick(f"  {_member_text(f, j, k, lang)}: max({_y(p.dibao_line)} − own "
                            f"income {_y(own)}, {_y(p.dibao_min_payment)}) + add-on "
                            f"{_y(e.addon_member[j])}",
                            f"  {_member_text(f, j, k, lang)}：max({_y(p.dibao_line)} − 本人收入 "
                            f"{_y(own)}，{_y(p.dibao_min_payment)}) + 分类施保 "
                            f"{_y(e.addon_member[j])}", lang))
    out.append(pick(f"  individual dibao: {_y(e.individual[i])} a month",
                    f"  单人保低保金：每月 {_y(e.individual[i])}", lang))
    return out


def _member_text(f: Facts, j: int, k: int, lang: str) -> str:
    zh = lang == "zh"
    bits = [f"{f.age[j]:g}" + ("岁" if zh else " years")]
    if f.works[j]:
        bits.append("就业" if zh else "works")
    if f.disability[j]:
        level = DISABILITY_LEVELS[f.disability[j]]
        bits.append({"mild": "轻度残疾", "severe": "重度残疾"}[level] if zh
                    else f"{level} disability")
    if f.serious_illness[j]:
        bits.append("重病" if zh else "serious illness")
    if f.unable_self_care[j]:
        bits.append("生活不能自理" if zh else "unable to self-care")
    if f.student[j]:
        level = STUDENT_LEVELS[f.student[j]]
        bits.append({"primary": "小学生", "secondary": "中学生", "tertiary": "大学生"}[level]
                    if zh else f"{level} student")
    return (f"成员 {k}（" + "，".join(bits) + "）") if zh else (
        f"member {k} (" + ", ".join(bits) + ")")


def _addon_reason(f: Facts, v: Values, j: int, lang: str) -> str:
    """Which add-on shares the member qualifies for (the largest is paid)."""
    p, s = v.policy, v.policy.addon_share
    reasons = []
    if f.age[j] >= p.old_age:
        reasons.append((pick("elderly", "老年人", lang), s.elderly))
    if f.disability[j] == SEVERE:
        reasons.append((pick("severe disability", "重度残疾", lang), s.severe_disability))
    if f.serious_illness[j]:
        reasons.append((pick("serious illness", "重病", lang), s.serious_illness))
    if f.age[j] < p.working_age_min:
        reasons.append((pick("child", "未成年人", lang), s.child))
    return ", ".join(f"{r} {x:g}" for r, x in reasons) + pick(": the largest share is paid",
                                                             "：取最高比例", lang)


# ---------------------------------------------------------------- one row per household
def explain_frame(e: Explanation, ids: Sequence[str], lang: str = "en") -> Any:
    """Every household's tests, reasons and amounts as columns (``classify --explain``)."""
    import pandas as pd

    a = e.assessment
    rows = []
    for i in range(len(ids)):
        amounts = e.amounts(i)
        rows.append({
            "household_id": ids[i], "tier": amounts["tier"],
            "reason": reason(e, i, lang),
            "income_pc": round(amounts["income_pc"], 2), "size": amounts["size"],
            "assets_ok": int(amounts["assets_ok"]),
            "financial_assets_ok": int(amounts["financial_assets_ok"]),
            "homes_ok": int(amounts["homes_ok"]), "car_ok": int(amounts["car_ok"]),
            "members_without_labour_capacity": int(sum(amounts["no_labour_capacity"])),
            "rigid_ratio": round(amounts["rigid_ratio"], 4)
            if np.isfinite(amounts["rigid_ratio"]) else "",
            "rigid_test": int(amounts["rigid_test"]),
            "basic_living": round(amounts["basic_living"], 2),
            "dibao_addons": round(amounts["dibao_addons"], 2),
            "addons_by_member": " ".join(f"{x:.2f}" for x in amounts["addons_by_member"]),
            "care_allowance": round(amounts["care_allowance"], 2),
            "medical": round(amounts["medical"], 2), "education": round(amounts["education"], 2),
            "housing": round(amounts["housing"], 2),
            "employment": round(amounts["employment"], 2),
            "heating": round(amounts["heating"], 2), "disaster": round(amounts["disaster"], 2),
            "monthly_total": round(amounts["monthly_total"], 2),
            "temporary_cap": round(amounts["temporary_cap"], 2),
            "temporary_while_pending": round(amounts["temporary_while_pending"], 2),
        })
    del a
    return pd.DataFrame(rows)


def reason(e: Explanation, i: int, lang: str = "en") -> str:
    """Why household ``i`` has its tier, in one line with the numbers."""
    f, p, a = e.facts, e.v.policy, e.assessment
    line, ipc = p.dibao_line, a.income_pc[i]
    tier = TIER_NAMES[int(a.tier[i])]
    if not a.assets_ok[i]:
        failed = [name for name, ok in ((pick("financial assets", "金融资产", lang),
                                         e.financial_ok[i]),
                                        (pick("homes", "住房", lang), e.homes_ok[i]),
                                        (pick("car", "车辆", lang), e.car_ok[i])) if not ok]
        if a.size[i] == 0:
            return pick("no living members", "无在世成员", lang)
        return pick("asset test failed: " + ", ".join(failed),
                    "财产审核未通过：" + "、".join(failed), lang)
    if tier == "destitute":
        return pick(f"no member with labour capacity, no capable supporter, income per head "
                    f"{ipc:,.2f} < destitute line {p.destitute_multiplier * line:,.2f}",
                    f"全体成员无劳动能力、无有能力的赡养人，人均收入 {ipc:,.2f} < 特困标准 "
                    f"{p.destitute_multiplier * line:,.2f}", lang)
    if tier == "dibao":
        return pick(f"income per head {ipc:,.2f} < dibao line {line:,.2f}",
                    f"人均收入 {ipc:,.2f} < 低保标准 {line:,.2f}", lang)
    if tier == "marginal":
        return pick(f"income per head {ipc:,.2f} ≥ dibao line {line:,.2f} and < marginal line "
                    f"{p.marginal_multiplier * line:,.2f}",
                    f"人均收入 {ipc:,.2f} ≥ 低保标准 {line:,.2f} 且 < 低保边缘标准 "
                    f"{p.marginal_multiplier * line:,.2f}", lang)
    ratio = _ratio(f.rigid_window[i], f.income_window[i])
    ratio_text = f"{100 * ratio:.1f} %" if np.isfinite(ratio) else "∞"
    if tier == "rigid_hardship":
        return pick(f"income per head {ipc:,.2f} < {p.rigid_income_cap:,.2f} and rigid "
                    f"expenditure {ratio_text} of income ≥ {100 * p.rigid_ratio_threshold:g} %",
                    f"人均收入 {ipc:,.2f} < {p.rigid_income_cap:,.2f} 且刚性支出占收入 "
                    f"{ratio_text} ≥ {100 * p.rigid_ratio_threshold:g}%", lang)
    cap = max(p.marginal_multiplier * line, 0)
    return pick(f"income per head {ipc:,.2f} ≥ marginal line {cap:,.2f}; rigid expenditure "
                f"{ratio_text} of income (test {'met' if e.rigid_ok[i] else 'not met'}, cap "
                f"{p.rigid_income_cap:,.2f})",
                f"人均收入 {ipc:,.2f} ≥ 低保边缘标准 {cap:,.2f}；刚性支出占收入 {ratio_text}"
                f"（{'符合' if e.rigid_ok[i] else '不符合'}刚性支出测试，收入上限 "
                f"{p.rigid_income_cap:,.2f}）", lang)
