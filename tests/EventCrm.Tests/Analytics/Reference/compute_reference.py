"""
Independent reference values for the analytics tests, computed from customers.csv with Python's standard
library only (statistics, fractions): no database, no .NET. The definitions follow pandas and numpy:

- describe: count, mean, sample standard deviation (ddof=1), min, 25/50/75 % with linear interpolation
  (numpy's default, statistics.quantiles(method="inclusive")), max; missing values left out per field.
- histogram: numpy.histogram with equal-width bins from min to max, the last bin closed on the right.
- correlation: Pearson, pairwise complete rows (pandas DataFrame.corr()).
- regression: ordinary least squares with an intercept on rows where every named field is present, solved
  exactly with fractions (statsmodels OLS: coefficients, R squared, standard errors).

Run:  python3 compute_reference.py > reference.json
"""
import csv, json, statistics
from fractions import Fraction

rows = []
with open("customers.csv", newline="") as f:
    for r in csv.DictReader(f):
        purchases = [Fraction(p) for p in r["purchases"].split(";") if p]
        rows.append({
            "age": Fraction(r["age"]) if r["age"] else None,
            "income": Fraction(r["annual_income"]) if r["annual_income"] else None,
            "totalSpent": sum(purchases, Fraction(0)),
            "purchaseCount": Fraction(len(purchases)),
            "averagePurchase": (sum(purchases, Fraction(0)) / len(purchases)).limit_denominator(10**9) if purchases else None,
            "country": r["country"],
        })

def avg_rounded(r):
    # The profile keeps the average purchase rounded half away from zero to cents.
    if r is None: return None
    q = r * 100
    whole = int(q)
    rest = q - whole
    if rest >= Fraction(1, 2): whole += 1
    return Fraction(whole, 100)

for r in rows:
    r["averagePurchase"] = avg_rounded(r["averagePurchase"])

fields = ["age", "income", "totalSpent", "purchaseCount", "averagePurchase"]

def describe(values):
    values = sorted(float(v) for v in values if v is not None)
    if not values:
        return {"count": 0}
    q = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else [values[0]] * 3
    return {
        "count": len(values),
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if len(values) > 1 else None,
        "min": values[0], "p25": q[0], "p50": q[1], "p75": q[2], "max": values[-1],
    }

def histogram(values, bins):
    values = [float(v) for v in values if v is not None]
    lo, hi = min(values), max(values)
    step = (hi - lo) / bins
    edges = [lo + i * step for i in range(bins)] + [hi]
    counts = [0] * bins
    for v in values:
        i = min(int((v - lo) / step), bins - 1)
        while i > 0 and v < edges[i]: i -= 1
        while i < bins - 1 and v >= edges[i + 1]: i += 1
        counts[i] += 1
    return {"edges": edges, "counts": counts}

def pearson(a, b):
    pairs = [(float(x), float(y)) for x, y in zip(a, b) if x is not None and y is not None]
    xs, ys = zip(*pairs)
    return {"r": statistics.correlation(xs, ys), "n": len(pairs)}

def ols(target, features):
    data = [r for r in rows if r[target] is not None and all(r[f] is not None for f in features)]
    X = [[Fraction(1)] + [r[f] for f in features] for r in data]
    y = [r[target] for r in data]
    p = len(features) + 1
    xtx = [[sum(row[i] * row[j] for row in X) for j in range(p)] for i in range(p)]
    xty = [sum(row[i] * yi for row, yi in zip(X, y)) for i in range(p)]
    inv = invert(xtx)
    beta = [sum(inv[i][j] * xty[j] for j in range(p)) for i in range(p)]
    fitted = [sum(b * x for b, x in zip(beta, row)) for row in X]
    rss = sum((yi - fi) ** 2 for yi, fi in zip(y, fitted))
    mean_y = sum(y) / len(y)
    tss = sum((yi - mean_y) ** 2 for yi in y)
    sigma2 = rss / (len(y) - p)
    se = [float(sigma2 * inv[i][i]) ** 0.5 for i in range(p)]
    return {
        "n": len(y), "intercept": float(beta[0]),
        "coefficients": {f: float(b) for f, b in zip(features, beta[1:])},
        "rSquared": float(1 - rss / tss),
        "interceptStandardError": se[0],
        "standardErrors": {f: s for f, s in zip(features, se[1:])},
    }

def invert(m):
    n = len(m)
    a = [row[:] + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(m)]
    for c in range(n):
        pivot = next(r for r in range(c, n) if a[r][c] != 0)
        a[c], a[pivot] = a[pivot], a[c]
        pv = a[c][c]
        a[c] = [v / pv for v in a[c]]
        for r in range(n):
            if r != c and a[r][c] != 0:
                factor = a[r][c]
                a[r] = [v - factor * w for v, w in zip(a[r], a[c])]
    return [row[n:] for row in a]

column = lambda f: [r[f] for r in rows]
reference = {
    "describe": {f: describe(column(f)) for f in fields},
    "describeSingleRow": {f: describe([r[f] for r in rows if r["country"] == "AT"]) for f in fields},
    "histogram": {"age/4": histogram(column("age"), 4), "income/3": histogram(column("income"), 3),
                  "totalSpent/5": histogram(column("totalSpent"), 5)},
    "correlation": {f"{a}|{b}": pearson(column(a), column(b))
                    for a in ["age", "income", "totalSpent"] for b in ["age", "income", "totalSpent"]},
    "regression": ols("totalSpent", ["age", "income"]),
}
print(json.dumps(reference, indent=2))
