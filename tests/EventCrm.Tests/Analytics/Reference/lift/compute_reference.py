#!/usr/bin/env python3
"""The lift statistics of docs/analytics.md, computed independently of the application: Python's standard library
only (math.erfc for the p-value, statistics.NormalDist for the 97.5 % quantile). Reads inputs.json, writes
reference.json; run from this folder: python3 compute_reference.py"""
import json
import math
from statistics import NormalDist

MIN_CELL = 5
ALPHA = 0.05
Z975 = NormalDist().inv_cdf(1 - ALPHA / 2)


def two_proportions(xt, nt, xh, nh):
    rt = xt / nt if nt else None
    rh = xh / nh if nh else None
    uplift = rt - rh if rt is not None and rh is not None else None
    relative = rt / rh - 1 if rt is not None and rh else None
    z = p = low = high = None
    if rt is not None and rh is not None:
        pooled = (xt + xh) / (nt + nh)
        pooled_error = math.sqrt(pooled * (1 - pooled) * (1 / nt + 1 / nh))
        if pooled_error > 0:
            z = (rt - rh) / pooled_error
            p = math.erfc(abs(z) / math.sqrt(2))
        error = math.sqrt(rt * (1 - rt) / nt + rh * (1 - rh) / nh)
        low, high = rt - rh - Z975 * error, rt - rh + Z975 * error
    cells = [xt, nt - xt, xh, nh - xh]
    significant = None if min(cells) < MIN_CELL or p is None else p < ALPHA
    return {"treatedRate": rt, "holdoutRate": rh, "uplift": uplift, "relativeLift": relative, "z": z, "pValue": p,
            "low": low, "high": high, "significant": significant}


def rule(population, with_antecedent, with_both, converted):
    support = with_both / population if population else None
    confidence = with_both / with_antecedent if with_antecedent else None
    base = converted / population if population else None
    lift = confidence / base if confidence is not None and base else None
    return {"support": support, "confidence": confidence, "lift": lift}


def main():
    with open("inputs.json") as f:
        cases = json.load(f)
    out = []
    for c in cases:
        population = c["treated"] + c["holdout"]
        converted = c["treatedConverted"] + c["holdoutConverted"]
        out.append({
            "name": c["name"],
            "test": two_proportions(c["treatedConverted"], c["treated"], c["holdoutConverted"], c["holdout"]),
            "touched": rule(population, c["touched"], c["touchedConverted"], converted),
            "clicked": rule(population, c["clicked"], c["clickedConverted"], converted),
        })
    with open("reference.json", "w") as f:
        json.dump({"z975": Z975, "cases": out}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
