#!/usr/bin/env python3
"""Deterministic generator for the random and large secret tests of bracket-balance.

Run `python3 generators/gen.py` (from any directory) to rewrite data/secret/07-*
.. 13-* (.in and .ans) byte for byte. Hand-written tests 01-06 are not touched.
Python 3 standard library only; every test uses its own fixed seed.
"""
import os
import random

SECRET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "secret")
OPEN = "([{"
CLOSE_OF = {"(": ")", "[": "]", "{": "}"}
ALL = "()[]{}"


def solve(s):
    """Reference logic: length of the longest balanced prefix."""
    stack = []
    best = 0
    for i, c in enumerate(s):
        if c in CLOSE_OF:
            stack.append(CLOSE_OF[c])
        elif stack and stack[-1] == c:
            stack.pop()
            if not stack:
                best = i + 1
        else:
            break
    return best


def balanced(rng, n, p_open=0.5):
    """A random balanced string of even length n (a random walk that always
    leaves enough room to close everything)."""
    assert n % 2 == 0
    out = []
    stack = []
    rnd = rng.random
    for remaining in range(n, 0, -1):
        if stack and (len(stack) == remaining or rnd() >= p_open):
            out.append(stack.pop())
        else:
            o = OPEN[int(rnd() * 3)]
            out.append(o)
            stack.append(CLOSE_OF[o])
    return "".join(out)


def noisy(rng, n):
    """A string of length about n that is often 'almost' balanced."""
    n = max(n, 1)
    kind = rng.randrange(6)
    if kind == 0:
        return balanced(rng, n - n % 2) or rng.choice(ALL)
    if kind == 1:  # a balanced string cut short (unclosed brackets)
        s = balanced(rng, n + n % 2)
        return s[:rng.randint(1, len(s))]
    if kind == 2:  # one character replaced by a random bracket
        s = list(balanced(rng, n + n % 2))
        s[rng.randrange(len(s))] = rng.choice(ALL)
        return "".join(s)
    if kind == 3:  # balanced, then a short random tail
        k = rng.randint(1, min(5, n))
        return balanced(rng, (n - k) - (n - k) % 2) + "".join(rng.choice(ALL) for _ in range(k))
    if kind == 4:  # two balanced blocks with a stray character between them
        a = rng.randint(0, n // 2)
        a -= a % 2
        b = n - 1 - a
        b -= b % 2
        return balanced(rng, a) + rng.choice(ALL) + balanced(rng, max(b, 0))
    return "".join(rng.choice(ALL) for _ in range(n))  # pure noise


def write(name, strings):
    assert 1 <= len(strings) <= 10**5
    assert sum(len(s) for s in strings) <= 10**6
    assert all(len(s) >= 1 and set(s) <= set(ALL) for s in strings)
    with open(os.path.join(SECRET, name + ".in"), "wb") as f:
        f.write(("%d\n" % len(strings) + "".join(s + "\n" for s in strings)).encode())
    with open(os.path.join(SECRET, name + ".ans"), "wb") as f:
        f.write("".join("%d\n" % solve(s) for s in strings).encode())


def deep(rng, depth):
    """depth random opening brackets followed by their matching closers."""
    opens = [OPEN[rng.randrange(3)] for _ in range(depth)]
    return "".join(opens) + "".join(CLOSE_OF[o] for o in reversed(opens))


def main():
    rng = random.Random(701)
    write("07-random-small", [noisy(rng, rng.randint(1, 30)) for _ in range(3000)])

    rng = random.Random(801)
    write("08-long-random", [noisy(rng, rng.randint(80000, 100000)) for _ in range(10)]
          + [balanced(rng, 10**5 - 2, 0.55) + "(]"])

    rng = random.Random(901)
    strings = []
    total = 0
    while len(strings) < 10**5:
        s = noisy(rng, rng.randint(1, 18))
        if total + len(s) > 10**6:
            break
        strings.append(s)
        total += len(s)
    write("09-max-t-short", strings)

    rng = random.Random(1001)
    write("10-deep-nesting", [deep(rng, 5 * 10**5)])

    rng = random.Random(1101)
    s = deep(rng, 5 * 10**5)
    # make only the very last closer wrong: the whole string has no balanced prefix
    last = s[-1]
    s = s[:-1] + rng.choice([c for c in ")]}" if c != last])
    write("11-deep-mismatch-at-end", [s])

    rng = random.Random(1201)
    write("12-balanced-then-unclosed", ["()" * 250000 + "".join(rng.choice(OPEN) for _ in range(499990)), "([{" * 3])

    rng = random.Random(1301)
    s = balanced(rng, 999990, 0.6)
    write("13-late-stray-close", [s + "}" + balanced(rng, 8), "]"])


if __name__ == "__main__":
    main()
