# Plausible mistake: keeps one depth counter per bracket type, so it never notices
# crossed pairs such as "([)]" and reports them as balanced.
import sys


def solve(s):
    depth = {"(": 0, "[": 0, "{": 0}
    kind = {")": "(", "]": "[", "}": "{"}
    best = 0
    for i, c in enumerate(s):
        if c in depth:
            depth[c] += 1
        else:
            depth[kind[c]] -= 1
            if depth[kind[c]] < 0:
                break
            if not any(depth.values()):
                best = i + 1
    return best


def main():
    data = sys.stdin.read().split()
    t = int(data[0])
    print("\n".join(str(solve(s)) for s in data[1:t + 1]))


main()
