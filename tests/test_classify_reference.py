"""`reliefsim classify` checked against an independent, scalar reading of RULES.md §1-4 and §7.

The reference below deliberately imports nothing from ``reliefsim.rules``: it re-reads the rules
one household at a time, in plain Python.  Where RULES.md is silent it follows the documented
choices of the project (see the baseline scenario's descriptions):

* rigid hardship: R > 0 and R >= rigid_ratio_threshold x I, R the sum of the ``*_12m`` columns of
  ``policy.rigid_items`` and I = ``income_12m`` (a household with R = 0 is never rigid hardship);
* a second home is allowed when floor_space_pc < floor_space_avg; three or more homes fail;
* assets per capita = financial_assets / size, compared with <= asset_limit_months x dibao_line;
* a car is allowed only if a member has a serious illness or a severe disability;
* marginal and rigid-hardship households get marginal_basic_share x dibao_line x size.

The generated households are rich in boundary cases (incomes exactly at, one fen below and one
fen above every line, assets exactly at the limit, R exactly equal to the threshold x I, ages
exactly at old_age / working_age_min, ...).  Money values at boundaries are exact in binary
floating point, so that rounding cannot decide a boundary.
"""

from __future__ import annotations

import csv
import json
import math
import random
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from reliefsim.cli import main

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
N_HOUSEHOLDS = 4000
ITEM_COLUMNS = {"medical": "medical_oop_12m", "care": "care_12m", "rent": "rent_12m",
                "rehab": "rehab_12m", "education": "education_12m"}
HOUSEHOLD_HEADER = ("household_id", "wages", "pensions", "other_income", "financial_assets",
                    "homes_owned", "floor_space_pc", "car", "rent", "has_capable_supporter",
                    "income_12m", "medical_oop_12m", "care_12m", "rent_12m", "rehab_12m",
                    "education_12m", "weight", "street")
MEMBER_HEADER = ("household_id", "age", "works", "disability", "serious_illness",
                 "unable_self_care", "student")
TIERS = ("destitute", "dibao", "marginal", "rigid_hardship", "none")

# Fixed on the command line (and used by the reference): exact binary values at every boundary.
FIXED = {
    "policy.dibao_line": 1000,
    "policy.destitute_multiplier": 1.5,
    "policy.marginal_multiplier": 2.0,
    "policy.rigid_income_cap": 3000,
    "policy.rigid_ratio_threshold": 0.75,
    "policy.rigid_window_months": 12,
}
# Second parametrisation: earned-income disregard, a marginal basic payment, fewer rigid items,
# and other lines / ages / add-ons so that every parameter the rules read is seen to matter.
VARIANT = {
    **FIXED,
    "policy.earned_income_disregard": 0.25,
    "policy.marginal_basic_share": 0.5,
    "policy.rigid_items": ["medical", "rent"],
    "policy.destitute_multiplier": 1.25,
    "policy.marginal_multiplier": 1.75,
    "policy.rigid_income_cap": 2500,
    "policy.rigid_ratio_threshold": 0.5,
    "policy.asset_limit_months": 12,
    "policy.floor_space_avg": 30.5,
    "policy.old_age": 65,
    "policy.working_age_min": 18,
    "policy.dibao_min_payment": 150,
    "policy.care_allowance": 800,
    "policy.addon_share.serious_illness": 0.25,
    "policy.addon_share.child": 0.125,
}


# ------------------------------------------------------------------ parameters


def _flatten(table: dict, prefix: str, out: dict) -> None:
    for key, item in table.items():
        if isinstance(item, dict) and "value" in item:
            out[prefix + key] = item["value"]
        elif isinstance(item, dict) and "dated" not in item:
            _flatten(item, prefix + key + ".", out)


def reference_params(overrides: dict) -> dict:
    """Policy values: the baseline file's plain ``value``s, then the overrides.

    Dated parameters (the dibao line) must be overridden: the test does not depend on the
    dated/uprating logic.
    """
    with BASELINE.open("rb") as fh:
        data = tomllib.load(fh)
    flat: dict = {}
    _flatten(data["policy"], "policy.", flat)
    flat.update(overrides)
    p = {key.removeprefix("policy."): value for key, value in flat.items()}
    assert "dibao_line" in p, "override policy.dibao_line (it has dated values in the baseline)"
    return p


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value)
    return repr(value)


def set_options(overrides: dict) -> list[str]:
    out = []
    for key, value in overrides.items():
        out += ["--set", f"{key}={_toml(value)}"]
    return out


# ------------------------------------------------------------------ reference (scalar)


def no_labour_capacity(m: dict, p: dict) -> bool:
    return (m["age"] >= p["old_age"] or m["age"] < p["working_age_min"]
            or m["disability"] == "severe" or m["serious_illness"] == 1)


def reference(h: dict, members: list[dict], p: dict) -> dict:
    """Tier, basic living and the intermediate values of one household."""
    size = len(members)
    line = p["dibao_line"]
    d = p["earned_income_disregard"]
    income_pc = (h["wages"] + h["pensions"] + h["other_income"] - d * h["wages"]) / size

    assets_pc_ok = h["financial_assets"] / size <= p["asset_limit_months"] * line
    homes = h["homes_owned"]
    homes_ok = homes <= 1 or (homes == 2 and h["floor_space_pc"] < p["floor_space_avg"])
    car_excuse = any(m["serious_illness"] == 1 or m["disability"] == "severe" for m in members)
    car_ok = h["car"] == 0 or car_excuse
    assets_ok = assets_pc_ok and homes_ok and car_ok

    rigid_sum = 0.0
    for item in p["rigid_items"]:
        rigid_sum += h[ITEM_COLUMNS[item]]
    income_window = h["income_12m"]
    rigid_ok = rigid_sum > 0 and rigid_sum >= p["rigid_ratio_threshold"] * income_window

    destitute_line = p["destitute_multiplier"] * line
    all_incapable = all(no_labour_capacity(m, p) for m in members)
    if (all_incapable and h["has_capable_supporter"] == 0 and income_pc < destitute_line
            and assets_ok):
        tier = "destitute"
    elif income_pc < line and assets_ok:
        tier = "dibao"
    elif income_pc < p["marginal_multiplier"] * line and assets_ok:
        tier = "marginal"
    elif income_pc < p["rigid_income_cap"] and assets_ok and rigid_ok:
        tier = "rigid_hardship"
    else:
        tier = "none"

    if tier == "destitute":
        unable = sum(1 for m in members if m["unable_self_care"] == 1)
        basic = max(destitute_line - income_pc, 0.0) * size + p["care_allowance"] * unable
    elif tier == "dibao":
        basic = max((line - income_pc) * size, p["dibao_min_payment"] * size)
        shares = {k.removeprefix("addon_share."): v for k, v in p.items()
                  if k.startswith("addon_share.")}
        for m in members:
            applicable = [0.0]
            if m["age"] >= p["old_age"]:
                applicable.append(shares["elderly"])
            if m["disability"] == "severe":
                applicable.append(shares["severe_disability"])
            if m["serious_illness"] == 1:
                applicable.append(shares["serious_illness"])
            if m["age"] < p["working_age_min"]:
                applicable.append(shares["child"])
            basic += max(applicable) * line
    elif tier in ("marginal", "rigid_hardship"):
        basic = p["marginal_basic_share"] * line * size
    else:
        basic = 0.0
    return {"tier": tier, "basic_living": basic, "income_pc": income_pc,
            "assets_ok": int(assets_ok), "size": size, "assets_pc_ok": assets_pc_ok,
            "homes_ok": homes_ok, "car_ok": car_ok, "all_incapable": all_incapable,
            "R": rigid_sum, "I": income_window, "rigid_ok": rigid_ok}


# ------------------------------------------------------------------ generator


def _split_int(rng: random.Random, total: int, parts: int) -> list[int]:
    """A random split of a whole number into ``parts`` whole numbers >= 0."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    bounds = [0, *cuts, total]
    return [bounds[k + 1] - bounds[k] for k in range(parts)]


def _member(rng: random.Random, hid: str, kind: str, p: dict) -> dict:
    old, wmin = p["old_age"], p["working_age_min"]
    capable_ages = [wmin, wmin + 1, wmin + 0.5, 25, 40, old - 1, old - 0.5]
    young_old_ages = [0, 3, wmin - 1, wmin - 0.5, old, old + 1, old + 0.5, 80, 95]
    disability, ill = "none", 0
    if kind == "incapable":
        if rng.random() < 0.6:
            age = rng.choice(young_old_ages)
            disability = rng.choice(["none", "none", "mild", "severe"])
            ill = int(rng.random() < 0.15)
        else:
            age = rng.choice([*capable_ages, rng.randint(wmin, old - 1)])
            if rng.random() < 0.5:
                disability = "severe"
                ill = int(rng.random() < 0.3)
            else:
                disability = rng.choice(["none", "mild"])
                ill = 1
    elif kind == "capable":
        age = rng.choice([*capable_ages, rng.randint(wmin, old - 1)])
        disability = rng.choice(["none", "none", "mild"])
    else:
        age = rng.choice([*capable_ages, *young_old_ages, rng.randint(0, 100)])
        disability = rng.choices(["none", "mild", "severe"], [0.8, 0.1, 0.1])[0]
        ill = int(rng.random() < 0.1)
    return {"household_id": hid, "age": age, "works": int(rng.random() < 0.4),
            "disability": disability, "serious_illness": ill,
            "unable_self_care": int(rng.random() < (0.35 if kind == "incapable" else 0.08)),
            "student": rng.choice(["none", "none", "primary", "secondary", "tertiary"])}


def _members(rng: random.Random, hid: str, size: int, p: dict) -> list[dict]:
    u = rng.random()
    if u < 0.35:
        kinds = ["incapable"] * size
    elif u < 0.5:
        kinds = ["incapable"] * size
        kinds[rng.randrange(size)] = "capable"
    else:
        kinds = ["any"] * size
    return [_member(rng, hid, kind, p) for kind in kinds]


def _income_total(rng: random.Random, size: int, p: dict) -> tuple[float, str]:
    """Assessed household income (after the disregard) and the boundary family it belongs to."""
    line = p["dibao_line"]
    lines = {
        "dibao_line": line,
        "destitute_line": p["destitute_multiplier"] * line,
        "marginal_line": p["marginal_multiplier"] * line,
        "rigid_income_cap": p["rigid_income_cap"],
        "min_payment_edge": line - p["dibao_min_payment"],
    }
    if rng.random() < 0.4:
        top = 1.2 * max(lines.values())
        return math.floor(rng.uniform(0, top) * 4) / 4 * size, "random"
    if rng.random() < 0.05:
        return 0.0, "zero"
    name, value = rng.choice(sorted(lines.items()))
    offset = rng.choice(["at", "at", "pc-1fen", "pc+1fen", "total-1fen", "total+1fen"])
    total = value * size
    if offset == "pc-1fen":
        total = (value - 0.01) * size
    elif offset == "pc+1fen":
        total = (value + 0.01) * size
    elif offset == "total-1fen":
        total = value * size - 0.01
    elif offset == "total+1fen":
        total = value * size + 0.01
    return total, f"income {offset} {name}"


def _household(rng: random.Random, k: int, p: dict) -> tuple[dict, list[dict], list[str]]:
    hid = f"H{k:05d}"
    size = rng.choices([1, 2, 3, 4, 5, 6], [0.25, 0.25, 0.2, 0.15, 0.1, 0.05])[0]
    members = _members(rng, hid, size, p)
    tags = []

    # Income: assessed total T = wages + pensions + other - d x wages; wages a multiple of 4.
    total, tag = _income_total(rng, size, p)
    tags.append(tag)
    keep = 1 - p["earned_income_disregard"]
    share = rng.choice([0.0, 1.0, rng.random()])
    wages = 4 * math.floor(share * total / keep / 4)
    rest = total - keep * wages
    pensions = math.floor(rest * rng.choice([0.0, 1.0, rng.random()]))
    other = round(rest - pensions, 2)

    # Financial assets around asset_limit_months x dibao_line per person.
    limit = p["asset_limit_months"] * p["dibao_line"] * size
    kind = rng.choices(["zero", "below", "at", "at-1fen", "at+1fen", "above"],
                       [0.2, 0.3, 0.15, 0.05, 0.1, 0.2])[0]
    assets = {"zero": 0, "below": rng.randint(0, int(limit) - 1), "at": limit,
              "at-1fen": limit - 0.01, "at+1fen": limit + 0.01,
              "above": rng.randint(int(limit) + 1, int(limit) * 3)}[kind]
    tags.append(f"assets {kind}")

    # Homes and floor space around floor_space_avg.
    homes = rng.choices([0, 1, 2, 3, 4], [0.25, 0.35, 0.3, 0.07, 0.03])[0]
    avg = p["floor_space_avg"]
    space_kind = rng.choice(["at", "below", "above", "random"])
    floor = {"at": avg, "below": round(avg - 0.01, 2), "above": round(avg + 0.01, 2),
             "random": round(rng.uniform(5, 80), 1)}[space_kind]
    tags.append(f"homes {homes} floor {space_kind}")

    car = int(rng.random() < 0.25)
    supporter = int(rng.random() < 0.5)

    # Rigid expenditure R (items of policy.rigid_items) against I = income_12m.
    threshold = p["rigid_ratio_threshold"]
    if rng.random() < 0.15:
        income_12m = 0
    elif rng.random() < 0.5:
        income_12m = 4 * max(1, round(12 * total / 4))
    else:
        income_12m = 4 * rng.randint(1, 15000)
    edge = threshold * income_12m  # a whole number: I is a multiple of 4
    r_kind = rng.choices(["zero", "at", "+1", "-1", "+1fen", "-1fen", "random"],
                         [0.2, 0.25, 0.1, 0.1, 0.05, 0.05, 0.25])[0]
    rigid = {"zero": 0, "at": edge, "+1": edge + 1, "-1": max(edge - 1, 0),
             "+1fen": edge + 0.01, "-1fen": max(edge - 0.01, 0),
             "random": rng.randint(1, 2 * max(income_12m, 1000))}[r_kind]
    tags.append(f"R {r_kind}" + (" I=0" if income_12m == 0 else ""))
    listed = list(p["rigid_items"])
    whole = math.floor(rigid)
    parts = _split_int(rng, whole, len(listed))
    amounts = {ITEM_COLUMNS[item]: 0.0 for item in ITEM_COLUMNS}
    for item, part in zip(listed, parts, strict=True):
        amounts[ITEM_COLUMNS[item]] = part
    if rigid != whole:
        column = ITEM_COLUMNS[rng.choice(listed)]
        amounts[column] = round(amounts[column] + (rigid - whole), 2)
    for item, column in ITEM_COLUMNS.items():  # items not listed: must be ignored
        if item not in listed and rng.random() < 0.7:
            amounts[column] = rng.randint(1, 50000)

    household = {
        "household_id": hid, "wages": wages, "pensions": pensions, "other_income": other,
        "financial_assets": assets, "homes_owned": homes, "floor_space_pc": floor, "car": car,
        "rent": rng.choice([0, rng.randint(500, 5000)]), "has_capable_supporter": supporter,
        "income_12m": income_12m, **amounts,
        "weight": rng.choice([1, 2.5, 100]), "street": rng.choice(["east", "west", ""]),
    }
    return household, members, tags


def generate(p: dict, seed: int) -> tuple[list[dict], list[dict], dict]:
    rng = random.Random(seed)
    households, members, tags = [], [], {}
    for k in range(N_HOUSEHOLDS):
        h, ms, t = _household(rng, k, p)
        households.append(h)
        members.extend(ms)
        tags[h["household_id"]] = t
    rng.shuffle(members)  # members of a household need not be adjacent
    return households, members, tags


def _cell(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def write_csv(path: Path, header: tuple[str, ...], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in header])


# ------------------------------------------------------------------ the test


def _coverage(households: list[dict], refs: dict, p: dict) -> Counter:
    """Counts of the decisive boundary situations the data contains (a check of the generator)."""
    line = p["dibao_line"]
    c: Counter = Counter()
    for h in households:
        r = refs[h["household_id"]]
        c[r["tier"]] += 1
        ok = r["assets_ok"] == 1
        if ok and r["income_pc"] == line:
            c["assets ok, income_pc == dibao_line"] += 1
        if ok and r["income_pc"] == p["marginal_multiplier"] * line:
            c["assets ok, income_pc == marginal line"] += 1
        if (ok and r["all_incapable"] and h["has_capable_supporter"] == 0
                and r["income_pc"] == p["destitute_multiplier"] * line):
            c["destitute candidate, income_pc == destitute line"] += 1
        in_band = p["marginal_multiplier"] * line <= r["income_pc"] < p["rigid_income_cap"]
        if ok and in_band and r["R"] > 0 and r["R"] == p["rigid_ratio_threshold"] * r["I"]:
            c["rigid band, R == threshold x I"] += 1
        if ok and in_band and r["I"] == 0:
            c["rigid band, I == 0"] += 1
        if ok and r["income_pc"] == p["rigid_income_cap"] and r["rigid_ok"]:
            c["rigid passes, income_pc == rigid_income_cap"] += 1
        if r["income_pc"] < line and h["financial_assets"] == p["asset_limit_months"] * line * r[
                "size"]:
            c["income under line, assets exactly at limit"] += 1
        if h["homes_owned"] == 2 and h["floor_space_pc"] == p["floor_space_avg"]:
            c["two homes, floor space == avg"] += 1
        if h["car"] and r["car_ok"]:
            c["car with excuse"] += 1
    return c


def _describe(h: dict, members: list[dict], ref: dict, got: dict, tags: list[str]) -> str:
    keys = ("income_pc", "assets_pc_ok", "homes_ok", "car_ok", "all_incapable", "R", "I",
            "rigid_ok")
    lines = [f"  {h['household_id']}: expected tier={ref['tier']} basic_living="
             f"{ref['basic_living']:.2f} assets_ok={ref['assets_ok']}; got tier={got['tier']} "
             f"basic_living={got['basic_living']} income_pc={got['income_pc']} "
             f"assets_ok={got['assets_ok']} size={got['size']}",
             "    generated as: " + "; ".join(tags),
             "    reference: " + ", ".join(f"{k}={ref[k]!r}" for k in keys),
             "    household: " + ", ".join(f"{c}={h[c]!r}" for c in HOUSEHOLD_HEADER[1:])]
    for m in members:
        lines.append("    member: " + ", ".join(f"{c}={m[c]!r}" for c in MEMBER_HEADER[1:]))
    return "\n".join(lines)


@pytest.mark.parametrize(("overrides", "seed"), [(FIXED, 12345), (VARIANT, 54321)],
                         ids=["fixed-lines", "disregard-share-items"])
def test_classify_matches_reference(tmp_path: Path, overrides: dict, seed: int) -> None:
    p = reference_params(overrides)
    households, members, tags = generate(p, seed)
    hpath, mpath, out = tmp_path / "h.csv", tmp_path / "m.csv", tmp_path / "tiers.csv"
    write_csv(hpath, HOUSEHOLD_HEADER, households)
    write_csv(mpath, MEMBER_HEADER, members)

    rc = main(["classify", "--households", str(hpath), "--members", str(mpath),
               "--scenario", "baseline", *set_options(overrides), "--output", str(out)])
    assert rc == 0

    by_household: dict[str, list[dict]] = {h["household_id"]: [] for h in households}
    for m in members:
        by_household[m["household_id"]].append(m)
    refs = {h["household_id"]: reference(h, by_household[h["household_id"]], p)
            for h in households}

    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["household_id"] for r in rows] == [h["household_id"] for h in households]

    coverage = _coverage(households, refs, p)
    for tier in TIERS:
        assert coverage[tier] >= 100, f"generator produced too few {tier}: {coverage}"
    for situation in ("assets ok, income_pc == dibao_line",
                      "assets ok, income_pc == marginal line",
                      "destitute candidate, income_pc == destitute line",
                      "rigid band, R == threshold x I", "rigid band, I == 0",
                      "rigid passes, income_pc == rigid_income_cap",
                      "income under line, assets exactly at limit",
                      "two homes, floor space == avg", "car with excuse"):
        assert coverage[situation] >= 3, f"generator missed {situation!r}: {coverage}"

    mismatches = []
    for h, row in zip(households, rows, strict=True):
        ref = refs[h["household_id"]]
        got = {"tier": row["tier"], "basic_living": float(row["basic_living"]),
               "income_pc": float(row["income_pc"]), "assets_ok": int(row["assets_ok"]),
               "size": int(row["size"])}
        if (got["tier"] != ref["tier"]
                or abs(got["basic_living"] - ref["basic_living"]) > 0.01 + 1e-9
                or abs(got["income_pc"] - ref["income_pc"]) > 0.005 + 1e-9
                or got["assets_ok"] != ref["assets_ok"] or got["size"] != ref["size"]):
            mismatches.append(_describe(h, by_household[h["household_id"]], ref, got,
                                        tags[h["household_id"]]))
    if mismatches:
        pytest.fail(f"{len(mismatches)} of {len(households)} households differ from the "
                    f"reference (first 8):\n" + "\n".join(mismatches[:8]), pytrace=False)
