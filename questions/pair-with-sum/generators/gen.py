#!/usr/bin/env python3
"""Deterministic generator for the generated secret tests of pair-with-sum.

Run `python3 generators/gen.py` (from anywhere): it rewrites the generated files
in data/secret/ byte for byte. Hand-written tests (01-08) are not touched.
Python 3 standard library only; every test has its own fixed seed.
The .ans file holds one valid pair (the one whose second index is smallest)
or -1; the custom validator accepts any valid pair.
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = os.path.join(HERE, "..", "data", "secret")
MAX_BYTES = 2_000_000
N = 100000
A = 10**9


def solve(k, a):
    """Reference answer: scan left to right, remembering where each value was seen."""
    seen = {}
    for j, x in enumerate(a, 1):
        i = seen.get(k - x)
        if i is not None:
            return "%d %d" % (i, j)
        seen.setdefault(x, j)
    return "-1"


def write(name, k, a):
    assert 1 <= len(a) <= N and all(-A <= x <= A for x in a) and -2 * A <= k <= 2 * A, name
    text_in = "%d %d\n%s\n" % (len(a), k, " ".join(map(str, a)))
    text_ans = solve(k, a) + "\n"
    for ext, text in ((".in", text_in), (".ans", text_ans)):
        data = text.encode()
        assert len(data) < MAX_BYTES, (name + ext, len(data))
        with open(os.path.join(SECRET, name + ext), "wb") as f:
            f.write(data)


def distinct(rng, n, lo, hi, step=1, offset=0):
    """n distinct values x = offset + step * m inside [lo, hi]."""
    mlo = -((offset - lo) // step)
    mhi = (hi - offset) // step
    return [offset + step * m for m in rng.sample(range(mlo, mhi + 1), n)]


def main():
    # all values odd, odd target: no two of them can add up to it
    rng = random.Random(6009)
    write("09-large-no-pair", 2 * rng.randint(-A // 2, A // 2) + 1,
          [2 * rng.randint(-A // 2, A // 2 - 1) + 1 for _ in range(N)])

    # distinct even values plus a single odd one: exactly one pair, at random places
    rng = random.Random(6010)
    a = distinct(rng, N, -A, A, 2, 0)
    p, q = rng.sample(range(N), 2)
    a[p] = 2 * rng.randint(-A // 2, A // 2 - 1) + 1
    write("10-large-one-pair", a[p] + a[q], a)

    rng = random.Random(6011)
    write("11-large-many-pairs", rng.randint(-500, 500), [rng.randint(-1000, 1000) for _ in range(N)])

    # values that are 1 mod 4 never pair up for a target that is 0 mod 4;
    # the only pair is the last two positions
    rng = random.Random(6012)
    k = 4 * rng.randint(-A // 8, A // 8)
    x = 4 * rng.randint(-A // 8, A // 8) + 3
    rest = [v for v in distinct(rng, N - 1, -A, A, 4, 1) if v != k - x][:N - 2]
    write("12-large-pair-at-end", k, rest + [x, k - x])

    # zero target, distinct positive values and one zero: the zero cannot pair with itself
    rng = random.Random(6013)
    a = distinct(rng, N - 1, 1, A)
    a.insert(rng.randint(0, N - 1), 0)
    write("13-large-half-target-once", 0, a)

    write("14-large-all-equal", 10, [5] * N)

    rng = random.Random(6015)
    a = [rng.choice((-A, A - 1, -A + 1)) for _ in range(N)]
    a[rng.randint(N // 2, N - 1)] = A
    a[rng.randint(N // 2, N - 1)] = A
    write("15-large-extremes", 2 * A, a)

    rng = random.Random(6016)
    a = distinct(rng, N, -A, A)
    write("16-large-pair-at-start", a[0] + a[1], a)


if __name__ == "__main__":
    main()
