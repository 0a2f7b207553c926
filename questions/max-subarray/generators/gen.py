#!/usr/bin/env python3
"""Deterministic generator for the random and large secret tests of max-subarray.

Run `python3 generators/gen.py` (from any directory) to rewrite data/secret/09-*
.. 16-* (.in and .ans) byte for byte. Hand-written tests 01-08 are not touched.
Python 3 standard library only; every test uses its own fixed seed.

Sizes are chosen so that every input file stays below 2 MB: tests with values
near 10^9 use N between 1.5 * 10^5 and 1.7 * 10^5, the N = 2 * 10^5 tests use
smaller values.
"""
import os
import random

SECRET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "secret")
V = 10**9


def solve(a):
    """Reference logic: Kadane's algorithm (non-empty subarray)."""
    best = cur = a[0]
    for x in a[1:]:
        cur = x if cur < 0 else cur + x
        if cur > best:
            best = cur
    return best


def write(name, a):
    assert 1 <= len(a) <= 2 * 10**5
    assert all(-V <= x <= V for x in a)
    body = "%d\n%s\n" % (len(a), " ".join(map(str, a)))
    assert len(body) < 2 * 10**6
    with open(os.path.join(SECRET, name + ".in"), "wb") as f:
        f.write(body.encode())
    with open(os.path.join(SECRET, name + ".ans"), "wb") as f:
        f.write(("%d\n" % solve(a)).encode())


def main():
    rng = random.Random(901)
    write("09-random-small", [rng.randint(-100, 100) for _ in range(50)])

    rng = random.Random(1001)
    write("10-random-medium", [rng.randint(-V, V) for _ in range(800)])

    write("11-all-max-value", [V] * 170000)
    write("12-all-min-value", [-V] * 150000)

    rng = random.Random(1301)
    write("13-max-n-small-values", [rng.randint(-10**6, 10**6) for _ in range(2 * 10**5)])

    rng = random.Random(1401)
    write("14-random-big-values", [rng.randint(-V, V) for _ in range(150000)])

    # mostly losses with a few long profitable runs hidden inside
    rng = random.Random(1501)
    a = [rng.randint(-10**5, 2 * 10**4) for _ in range(2 * 10**5)]
    for _ in range(5):
        start = rng.randrange(len(a) - 20000)
        for i in range(start, start + rng.randint(1000, 20000)):
            a[i] = rng.randint(-2 * 10**4, 10**5)
    write("15-negative-with-runs", a)

    # the whole array (ending on a peak) is optimal only because of tiny margins
    write("16-alternating", [V if i % 2 == 0 else -(V - 1) for i in range(160001)])


if __name__ == "__main__":
    main()
