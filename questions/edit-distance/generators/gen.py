#!/usr/bin/env python3
"""Deterministic generator for the generated secret tests of edit-distance.

Run `python3 generators/gen.py` (from anywhere): it rewrites the generated files
in data/secret/ byte for byte. Hand-written tests (01-07) are not touched.
The medium test is numbered last on purpose: the tiny hand-written tests come
first, then the large ones.
Python 3 standard library only; every test has its own fixed seed.
The reference is the plain O(|S|*|T|) table, so this takes a couple of
seconds per large test.
"""
import os
import random
import string

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = os.path.join(HERE, "..", "data", "secret")
MAX_BYTES = 2_000_000
L = 5000
LETTERS = string.ascii_lowercase


def solve(s, t):
    """Reference answer: Wagner-Fischer table, one row at a time.

    cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (s[i] != t[j]));
    when the letters match, prev[j - 1] is never beaten (neighbouring cells of
    the table differ by at most 1), which keeps the inner loop short.
    """
    prev = list(range(len(t) + 1))
    for i, cs in enumerate(s, 1):
        cur = [i]
        left, diag = i, prev[0]
        for j, ct in enumerate(t, 1):
            up = prev[j]
            if cs == ct:
                best = diag
            else:
                best = min(diag, up, left) + 1
            cur.append(best)
            left, diag = best, up
        prev = cur
    return prev[-1]


def write(name, s, t):
    assert 1 <= len(s) <= L and 1 <= len(t) <= L, name
    assert set(s) <= set(LETTERS) and set(t) <= set(LETTERS), name
    text_in = s + "\n" + t + "\n"
    text_ans = "%d\n" % solve(s, t)
    for ext, text in ((".in", text_in), (".ans", text_ans)):
        data = text.encode()
        assert len(data) < MAX_BYTES, (name + ext, len(data))
        with open(os.path.join(SECRET, name + ext), "wb") as f:
            f.write(data)


def rand_str(rng, n, alphabet=LETTERS):
    return "".join(rng.choice(alphabet) for _ in range(n))


def mutate(rng, s, edits):
    s = list(s)
    for _ in range(edits):
        kind = rng.randint(0, 2)
        pos = rng.randint(0, len(s) - 1)
        if kind == 0:
            s[pos] = rng.choice(LETTERS)
        elif kind == 1 and len(s) > 1:
            del s[pos]
        else:
            s.insert(pos, rng.choice(LETTERS))
    return "".join(s[:L])


def main():
    rng = random.Random(5008)
    write("08-large-random", rand_str(rng, L), rand_str(rng, L))

    rng = random.Random(5009)
    write("09-large-binary", rand_str(rng, L, "ab"), rand_str(rng, L, "ab"))

    rng = random.Random(5010)
    s = rand_str(rng, L)
    write("10-large-similar", s, mutate(rng, s, 60))

    rng = random.Random(5011)
    write("11-large-unequal-lengths", rand_str(rng, L, "abcd"), rand_str(rng, 1000, "abcd"))

    write("12-large-disjoint-letters", "a" * L, "b" * (L - 1))

    rng = random.Random(5013)
    s = rand_str(rng, L)
    write("13-large-identical", s, s)

    rng = random.Random(5014)
    s = rand_str(rng, L)
    write("14-large-rotated", s, s[1:] + s[0])

    write("15-large-periodic", ("abc" * L)[:L], ("acb" * L)[:L - 10])

    rng = random.Random(5016)
    write("16-medium-random", rand_str(rng, 200), rand_str(rng, 180))


if __name__ == "__main__":
    main()
