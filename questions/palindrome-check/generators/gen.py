#!/usr/bin/env python3
"""Deterministic generator for the large secret tests of palindrome-check.

Run `python3 generators/gen.py` (from any directory) to rewrite data/secret/08-*
.. 13-* (.in and .ans) byte for byte. Hand-written tests 01-07 are not touched.
Python 3 standard library only; every test uses its own fixed seed.
"""
import os
import random
import string

SECRET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "secret")
ALNUM = string.ascii_lowercase + string.digits
# printable ASCII that is neither a letter nor a digit (includes the space)
NOISE = "".join(chr(c) for c in range(32, 127) if not chr(c).isalnum())
KEEP = bytes(c for c in range(256) if bytes([c]).isalnum())
DROP = bytes(c for c in range(256) if c not in KEEP)


def is_pal(line):
    """Reference logic (same as the accepted solution)."""
    f = line.encode().translate(None, DROP).lower()
    return f == f[::-1]


def make(rng, core_len, pal, noise):
    """A random line whose cleaned form has length core_len.

    With pal=False exactly one mirrored pair of the cleaned string is made to
    differ; the pair is chosen at random."""
    half = [rng.choice(ALNUM) for _ in range(core_len // 2)]
    mid = [rng.choice(ALNUM)] if core_len % 2 else []
    core = half + mid + half[::-1]
    if not pal:
        if core_len < 2:
            raise ValueError("a non-palindrome needs at least two characters")
        i = rng.randrange(core_len // 2)
        core[i] = rng.choice([c for c in ALNUM if c != core[core_len - 1 - i]])
    return decorate(rng, core, noise)


def make_centre_miss(rng, core_len, noise):
    """Non-palindrome whose only mismatch is the innermost pair (worst case)."""
    half = [rng.choice(ALNUM) for _ in range(core_len // 2)]
    core = half + half[::-1]
    i = core_len // 2 - 1
    core[i] = rng.choice([c for c in ALNUM if c != core[i + 1]])
    return decorate(rng, core, noise)


def decorate(rng, core, noise):
    out = []
    rnd = rng.random
    for ch in core:
        while rnd() < noise:
            out.append(rng.choice(NOISE))
        if ch.isalpha() and rnd() < 0.5:
            ch = ch.upper()
        out.append(ch)
    while rnd() < noise:
        out.append(rng.choice(NOISE))
    if not out:
        out.append(rng.choice(NOISE))  # every line has at least one character
    return "".join(out)


def write(name, lines):
    assert 1 <= len(lines) <= 10**5
    assert sum(len(s) for s in lines) <= 15 * 10**5
    for s in lines:
        assert len(s) >= 1 and all(32 <= ord(c) <= 126 for c in s)
    with open(os.path.join(SECRET, name + ".in"), "wb") as f:
        f.write(("%d\n" % len(lines) + "".join(s + "\n" for s in lines)).encode())
    with open(os.path.join(SECRET, name + ".ans"), "wb") as f:
        f.write("".join("YES\n" if is_pal(s) else "NO\n" for s in lines).encode())


def short_lines(rng, count, max_core):
    lines = []
    for _ in range(count):
        n = rng.randint(0, max_core)
        pal = n < 2 or rng.random() < 0.5
        lines.append(make(rng, n, pal, rng.choice([0.0, 0.1, 0.3])))
    return lines


def main():
    write("08-random-short", short_lines(random.Random(801), 1000, 40))
    # the >= 1.1 MB test: the maximum number of short lines
    write("09-max-t-short", short_lines(random.Random(901), 10**5, 22))

    rng = random.Random(1001)
    lines = []
    for k in range(12):
        n = rng.randint(90000, 100000)
        if k % 3 == 2:
            lines.append(make_centre_miss(rng, n - n % 2, 0.1))
        else:
            lines.append(make(rng, n, k % 3 == 0, 0.1))
    write("10-long-strings", lines)

    rng = random.Random(1101)
    write("11-huge-palindrome", [make(rng, 1300001, True, 0.1)])

    rng = random.Random(1201)
    write("12-huge-centre-mismatch", [make_centre_miss(rng, 1300000, 0.1), "x"])

    rng = random.Random(1301)
    lines = short_lines(rng, 5000, 60)
    for k in range(8):
        lines.append(make(rng, rng.randint(50000, 120000), k % 2 == 0, 0.2))
    rng.shuffle(lines)
    write("13-mixed-lengths", lines)


if __name__ == "__main__":
    main()
