# Correct recursive-descent parser, but it recurses once per nesting level, so deeply
# nested input exceeds Python's default recursion limit (RecursionError).
import sys

CLOSER = {"(": ")", "[": "]", "{": "}"}


def group_end(s, i):
    """s[i] is an opening bracket. Return the index just after its matching closer,
    or -1 if the group is broken or never closed."""
    j = i + 1
    while j < len(s) and s[j] in CLOSER:
        j = group_end(s, j)
        if j < 0:
            return -1
    if j < len(s) and s[j] == CLOSER[s[i]]:
        return j + 1
    return -1


def solve(s):
    i = 0
    while i < len(s) and s[i] in CLOSER:
        j = group_end(s, i)
        if j < 0:
            break
        i = j
    return i


def main():
    data = sys.stdin.read().split()
    t = int(data[0])
    print("\n".join(str(solve(s)) for s in data[1:t + 1]))


main()
