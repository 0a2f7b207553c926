#!/usr/bin/env python3
"""Deterministic generator for the generated secret tests of backpack.

Run `python3 generators/gen.py` (from anywhere): it rewrites the generated files
in data/secret/ byte for byte. Hand-written tests (01-06) are not touched.
Python 3 standard library only; every test has its own fixed seed.
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = os.path.join(HERE, "..", "data", "secret")
MAX_BYTES = 2_000_000
N_MAX, W_MAX, V_MAX = 100, 10**5, 10**9


def solve(cap, items):
    """Reference answer: best[c] = best worth within weight c, items used at most once."""
    best = [0] * (cap + 1)
    for w, v in items:
        for c in range(cap, w - 1, -1):
            if best[c - w] + v > best[c]:
                best[c] = best[c - w] + v
    return best[cap]


def write(name, cap, items):
    assert 1 <= len(items) <= N_MAX and 1 <= cap <= W_MAX, name
    assert all(1 <= w <= W_MAX and 1 <= v <= V_MAX for w, v in items), name
    text_in = "%d %d\n" % (len(items), cap) + "".join("%d %d\n" % it for it in items)
    text_ans = "%d\n" % solve(cap, items)
    for ext, text in ((".in", text_in), (".ans", text_ans)):
        data = text.encode()
        assert len(data) < MAX_BYTES, (name + ext, len(data))
        with open(os.path.join(SECRET, name + ext), "wb") as f:
            f.write(data)


def rand_items(rng, n, wlo, whi, vlo=1, vhi=V_MAX):
    return [(rng.randint(wlo, whi), rng.randint(vlo, vhi)) for _ in range(n)]


def main():
    write("07-all-fit-huge-worth", W_MAX, [(1000, V_MAX)] * N_MAX)

    rng = random.Random(3008)
    write("08-small-random", 50, rand_items(rng, 12, 1, 20, 1, 100))

    rng = random.Random(3009)
    write("09-large-random", W_MAX, rand_items(rng, N_MAX, 1, 10**4))

    rng = random.Random(3010)
    write("10-large-heavy", W_MAX, rand_items(rng, N_MAX, W_MAX // 20, W_MAX))

    rng = random.Random(3011)
    write("11-large-light", W_MAX, rand_items(rng, N_MAX, 1, 2000))

    rng = random.Random(3012)
    items = []
    for _ in range(N_MAX):
        w = rng.randint(1, 10**4)
        items.append((w, w * 10**4 + 10**5))  # worth nearly proportional to weight
    write("12-large-correlated", W_MAX, items)

    rng = random.Random(3013)
    write("13-large-tight", W_MAX - 1, rand_items(rng, N_MAX, 30000, 70000))

    rng = random.Random(3014)
    write("14-large-equal-weights", W_MAX, [(1001, rng.randint(1, V_MAX)) for _ in range(N_MAX)])

    rng = random.Random(3015)
    write("15-large-odd-capacity", 77777, rand_items(rng, N_MAX, 1, 5000, 1, 1000))


if __name__ == "__main__":
    main()
