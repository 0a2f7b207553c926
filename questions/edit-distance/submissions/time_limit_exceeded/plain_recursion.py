# Correct but exponential: the textbook recursion without remembering results.
# (It raises the recursion limit, so long strings make it slow, not crash.)
import sys


def main():
    s, t = sys.stdin.buffer.read().split()
    sys.setrecursionlimit(len(s) + len(t) + 100)

    def dist(i, j):  # distance between s[:i] and t[:j]
        if i == 0:
            return j
        if j == 0:
            return i
        if s[i - 1] == t[j - 1]:
            return dist(i - 1, j - 1)
        return 1 + min(dist(i - 1, j), dist(i, j - 1), dist(i - 1, j - 1))

    print(dist(len(s), len(t)))


main()
