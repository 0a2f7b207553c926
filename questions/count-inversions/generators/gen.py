#!/usr/bin/env python3
"""Deterministic generator for the random and large secret tests of count-inversions.

Run `python3 generators/gen.py` (from any directory) to rewrite data/secret/07-*
.. 15-* (.in and .ans) byte for byte. Hand-written tests 01-06 are not touched.
Python 3 standard library only; every test uses its own fixed seed.

Sizes keep every input file below 2 MB: N = 2 * 10^5 tests use values up to N,
tests with values near 10^9 use N = 1.7 * 10^5.
"""
import os
import random
from bisect import bisect_right
from itertools import repeat

SECRET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "secret")
V = 10**9
NMAX = 2 * 10**5


def solve(a):
    """Reference logic: bottom-up merge sort; when two sorted runs L (earlier) and
    R (later) are merged, each r in R forms an inversion with every l in L, l > r."""
    runs = [[x] for x in a]
    inv = 0
    while len(runs) > 1:
        nxt = []
        for k in range(0, len(runs) - 1, 2):
            left, right = runs[k], runs[k + 1]
            not_greater = sum(map(bisect_right, repeat(left, len(right)), right))
            inv += len(left) * len(right) - not_greater
            nxt.append(sorted(left + right))
        if len(runs) % 2:
            nxt.append(runs[-1])
        runs = nxt
    return inv


def write(name, a):
    assert 1 <= len(a) <= NMAX
    assert all(1 <= x <= V for x in a)
    body = "%d\n%s\n" % (len(a), " ".join(map(str, a)))
    assert len(body) < 2 * 10**6
    with open(os.path.join(SECRET, name + ".in"), "wb") as f:
        f.write(body.encode())
    with open(os.path.join(SECRET, name + ".ans"), "wb") as f:
        f.write(("%d\n" % solve(a)).encode())


def permutation(rng, n):
    p = list(range(1, n + 1))
    rng.shuffle(p)
    return p


def main():
    rng = random.Random(701)
    write("07-random-small", [rng.randint(1, 100) for _ in range(100)])

    write("08-random-medium-permutation", permutation(random.Random(801), 2000))

    rng = random.Random(901)
    write("09-big-values-small-n", [rng.randint(1, V) for _ in range(1000)])

    write("10-max-n-reverse", list(range(NMAX, 0, -1)))
    write("11-max-n-sorted", list(range(1, NMAX + 1)))
    write("12-max-n-random-permutation", permutation(random.Random(1201), NMAX))

    rng = random.Random(1301)
    write("13-large-big-values", [rng.randint(1, V) for _ in range(170000)])

    rng = random.Random(1401)
    write("14-max-n-few-distinct", [rng.randint(1, 3) for _ in range(NMAX)])

    # nearly sorted: a sorted list of big values with a few hundred random swaps
    rng = random.Random(1501)
    a = sorted(rng.randint(1, V) for _ in range(170000))
    for _ in range(300):
        i, j = rng.randrange(len(a)), rng.randrange(len(a))
        a[i], a[j] = a[j], a[i]
    write("15-large-nearly-sorted", a)


if __name__ == "__main__":
    main()
