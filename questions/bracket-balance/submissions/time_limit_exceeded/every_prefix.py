# Correct but quadratic: tests every prefix separately with a fresh stack.
import sys

PAIR = {")": "(", "]": "[", "}": "{"}


def is_balanced(s):
    stack = []
    for c in s:
        if c in "([{":
            stack.append(c)
        elif stack and stack[-1] == PAIR[c]:
            stack.pop()
        else:
            return False
    return not stack


def main():
    data = sys.stdin.read().split()
    t = int(data[0])
    out = []
    for s in data[1:t + 1]:
        best = 0
        for length in range(1, len(s) + 1):
            if is_balanced(s[:length]):
                best = length
        out.append(best)
    print("\n".join(map(str, out)))


main()
