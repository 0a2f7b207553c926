#!/usr/bin/env python3
"""Deterministic generator for the random secret tests of a-plus-b.

Run `python3 generators/gen.py` (from any directory) to rewrite the generated
files data/secret/11-*.in .. 15-*.in and their .ans files, byte for byte.
Hand-written tests (01-10) are not touched. Python 3 standard library only.
"""
import os
import random

SECRET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "secret")
LIMIT = 9 * 10**18


def solve(a, b):
    return a + b  # Python integers never overflow


def write(name, a, b):
    with open(os.path.join(SECRET, name + ".in"), "wb") as f:
        f.write(f"{a} {b}\n".encode())
    with open(os.path.join(SECRET, name + ".ans"), "wb") as f:
        f.write(f"{solve(a, b)}\n".encode())


def main():
    rng = random.Random(20240611)
    write("11-random-small", rng.randint(-1000, 1000), rng.randint(-1000, 1000))
    write("12-random-int32-range", rng.randint(-2**31, 2**31 - 1), rng.randint(-2**31, 2**31 - 1))
    # both large and positive: the sum overflows signed 64-bit
    write("13-random-large-positive", rng.randint(LIMIT // 2, LIMIT), rng.randint(LIMIT // 2, LIMIT))
    # both large and negative: the sum underflows signed 64-bit
    write("14-random-large-negative", -rng.randint(LIMIT // 2, LIMIT), -rng.randint(LIMIT // 2, LIMIT))
    write("15-random-full-range", rng.randint(-LIMIT, LIMIT), rng.randint(-LIMIT, LIMIT))


if __name__ == "__main__":
    main()
