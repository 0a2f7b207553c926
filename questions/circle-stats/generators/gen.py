#!/usr/bin/env python3
"""Deterministic generator for the random secret tests of circle-stats.

Run `python3 generators/gen.py` (from any directory) to rewrite data/secret/09-*
.. 14-* (.in and .ans) byte for byte. Hand-written tests 01-08 are not touched.
Python 3 standard library only; every test uses its own fixed seed.

The judge answers are printed with 9 digits after the decimal point; the package
uses `validator_flags: float_tolerance 1e-6`, so contestants may print any number
of digits as long as they are accurate enough.
"""
import math
import os
import random

SECRET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "secret")
C = 10**6
NMAX = 10**5


def solve(points):
    """Reference logic: exactly summed distances (math.fsum) and the maximum."""
    d = [math.hypot(x, y) for x, y in points]
    return math.fsum(d) / len(d), max(d)


def answer(points):
    mean, radius = solve(points)
    return "%.9f %.9f\n" % (mean, radius)


def write(name, points):
    assert 1 <= len(points) <= NMAX
    assert all(-C <= x <= C and -C <= y <= C for x, y in points)
    body = "%d\n" % len(points) + "".join("%d %d\n" % p for p in points)
    with open(os.path.join(SECRET, name + ".in"), "wb") as f:
        f.write(body.encode())
    with open(os.path.join(SECRET, name + ".ans"), "wb") as f:
        f.write(answer(points).encode())


def uniform(rng, n, c):
    return [(rng.randint(-c, c), rng.randint(-c, c)) for _ in range(n)]


def near_circle(rng, n, r):
    """Integer points just inside the circle of radius r (integer arithmetic only,
    so the output does not depend on the platform's trigonometric functions)."""
    pts = []
    for _ in range(n):
        x = rng.randint(-r, r)
        y = math.isqrt(r * r - x * x) - rng.randint(0, 50)
        y = max(y, 0)
        if rng.random() < 0.5:
            x, y = y, x
        pts.append((x * rng.choice((-1, 1)), y * rng.choice((-1, 1))))
    return pts


def main():
    write("09-random-small", uniform(random.Random(901), 100, 1000))
    write("10-random-medium", uniform(random.Random(1001), 2000, 50000))
    write("11-max-n-uniform", uniform(random.Random(1101), NMAX, C))
    write("12-max-n-near-circle", near_circle(random.Random(1201), NMAX, C))

    rng = random.Random(1301)
    pts = uniform(rng, NMAX - 1, 10)
    pts.insert(rng.randrange(NMAX), (-C, C))  # one far outlier among a tight cluster
    write("13-cluster-and-outlier", pts)

    write("14-max-n-same-far-point", [(C, -C)] * NMAX)


if __name__ == "__main__":
    main()
