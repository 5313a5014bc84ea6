"""``reliefsim explain`` and ``reliefsim check`` on the command line.

The calculator that explains (a household given by options or by a row of the CSV files), and
expected-value case files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reliefsim.errors import ReliefsimError
from reliefsim.explain import HOUSEHOLD_INPUT, MEMBER_INPUT


def add_explain_options(p: argparse.ArgumentParser) -> None:
    """The options of ``reliefsim explain``: the household's fields or a CSV row."""
    p.add_argument("--scenario", default="baseline", help="scenario whose rules apply")
    p.add_argument("--month", help="month whose values apply, YYYY-MM (default: the "
                                   "scenario's run.start)")
    p.add_argument("--households", type=Path, help="households.csv (with --members and --id)")
    p.add_argument("--members", type=Path, help="members.csv")
    p.add_argument("--id", help="the household_id of the row to explain")
    p.add_argument("--member", action="append", default=[], metavar="KEY=VALUE,…",
                   help="a member: " + ", ".join(f"{k} (default {v})"
                                                 for k, v in MEMBER_INPUT.items())
                   + "; repeatable, one per member (default: one adult of 40)")
    p.add_argument("--medical-paid-year", type=float, default=0.0,
                   help="medical assistance already paid this calendar year (yuan)")
    for key, default in HOUSEHOLD_INPUT.items():
        shown = {"income_12m": "12 × the month's income", "rent_12m": "12 × rent"}.get(key,
                                                                                   default)
        note = {"registered": "; read where the rules test registration",
                "damage": ": none, minor, damaged or collapsed, this month"}.get(key, "")
        p.add_argument(f"--{key.replace('_', '-')}", dest=f"h_{key}", metavar="X",
                       help=f"household {key}{note} (default: {shown})")


def _member(text: str) -> dict[str, str]:
    out = {}
    for part in filter(None, (x.strip() for x in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            raise ReliefsimError(f"--member {text!r}: expected KEY=VALUE,… (e.g. "
                                 "age=70,disability=severe)")
        if key.strip() not in MEMBER_INPUT:
            raise ReliefsimError(f"--member {text!r}: unknown field {key.strip()!r}; expected "
                                 f"some of {', '.join(MEMBER_INPUT)}")
        out[key.strip()] = value.strip()
    return out


def cmd_explain(args: argparse.Namespace) -> int:
    """``reliefsim explain``: print each test with its numbers, the tier and every payment."""
    import numpy as np

    from reliefsim.api import scenario
    from reliefsim.explain import explain, explain_text, household_facts
    from reliefsim.parameters import MONTH_PATTERN

    sc = scenario(args.scenario, args.overrides)
    if args.month is not None and not MONTH_PATTERN.match(args.month):
        raise ReliefsimError(f"--month {args.month!r}: expected YYYY-MM")
    period = args.month or sc.start
    v = sc.values_at(period)
    given = {k: getattr(args, f"h_{k}") for k in HOUSEHOLD_INPUT
             if getattr(args, f"h_{k}") is not None}
    if args.households or args.members or args.id:
        if not (args.households and args.members and args.id):
            raise ReliefsimError("explain a row of the CSV files with --households FILE "
                                 "--members FILE --id HOUSEHOLD_ID together")
        if given or args.member:
            raise ReliefsimError("give either a CSV row (--households/--members/--id) or the "
                                 "household's fields as options, not both")
        from reliefsim.microdata import read_microdata

        pop = read_microdata(args.households, args.members, tuple(v.policy.rigid_items))
        ids = list(pop.ids)
        if args.id not in ids:
            raise ReliefsimError(f"--id {args.id!r}: not a household_id of {args.households}")
        k = ids.index(args.id)
        facts, name = pop.facts.subset(np.array([k])), args.id
    else:
        members = [_member(m) for m in args.member] or [{}]
        facts = household_facts([given], [members], ["the household"],
                                tuple(v.policy.rigid_items))
        name = ""
    e = explain(facts, v, period, np.array([args.medical_paid_year]))
    print(explain_text(e, 0, args.lang, name, sc.name))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """``reliefsim check``: run case files; exit 1 when a case fails, 2 for a bad file."""
    from reliefsim.cases import check_file, format_results

    results = []
    for path in args.files:
        results += check_file(path)
    print(format_results(results, args.verbose))
    if any(not r.passed for r in results):
        print("reliefsim check: some cases do not give the expected values", file=sys.stderr)
        return 1
    return 0
