#!/usr/bin/env python3
"""Deterministic generator for the generated secret tests of longest-rising-run.

Run `python3 generators/gen.py` (from anywhere): it rewrites the generated files
in data/secret/ byte for byte. Hand-written tests (01-07) are not touched.
Python 3 standard library only; every test has its own fixed seed.
"""
import bisect
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = os.path.join(HERE, "..", "data", "secret")
MAX_BYTES = 2_000_000
N_MAX = 200000
A_MAX = 10**9


def solve(a):
    """Reference answer: patience sorting, O(N log N)."""
    tails = []
    for x in a:
        k = bisect.bisect_left(tails, x)
        if k == len(tails):
            tails.append(x)
        else:
            tails[k] = x
    return len(tails)


def write(name, a):
    assert 1 <= len(a) <= N_MAX and all(1 <= x <= A_MAX for x in a), name
    text_in = "%d\n%s\n" % (len(a), " ".join(map(str, a)))
    text_ans = "%d\n" % solve(a)
    for ext, text in ((".in", text_in), (".ans", text_ans)):
        data = text.encode()
        assert len(data) < MAX_BYTES, (name + ext, len(data))
        with open(os.path.join(SECRET, name + ext), "wb") as f:
            f.write(data)


def main():
    rng = random.Random(2001)
    write("08-small-values", [rng.randint(1, 10) for _ in range(1000)])

    rng = random.Random(2002)
    write("09-random-medium", [rng.randint(1, A_MAX) for _ in range(1000)])

    rng = random.Random(2003)
    write("10-large-random", [rng.randint(1, 10**6) for _ in range(N_MAX)])

    rng = random.Random(2004)
    a, x = [], 0
    for _ in range(N_MAX):
        x += rng.randint(1, 4)
        a.append(x)
    write("11-large-increasing", a)

    write("12-large-decreasing", list(range(N_MAX, 0, -1)))

    # blocks that each fall, every block a little higher than the last
    rng = random.Random(2006)
    a = []
    block = 0
    while len(a) < N_MAX:
        length = rng.randint(1, 60)
        top = block * 100 + 100
        a.extend(sorted((rng.randint(top - 99, top) for _ in range(length)), reverse=True))
        block += 1
    write("13-large-sawtooth", a[:N_MAX])

    rng = random.Random(2007)
    write("14-large-noisy-increasing",
          [max(1, 5 * i + rng.randint(-300, 300)) for i in range(1, N_MAX + 1)])

    rng = random.Random(2008)
    write("15-large-big-values", [rng.randint(1, A_MAX) for _ in range(150000)])

    rng = random.Random(2009)
    write("16-large-many-duplicates", [rng.randint(1, 1000) for _ in range(N_MAX)])

    rng = random.Random(2010)
    write("17-large-nondecreasing", sorted(rng.randint(1, 50000) for _ in range(N_MAX)))


if __name__ == "__main__":
    main()
