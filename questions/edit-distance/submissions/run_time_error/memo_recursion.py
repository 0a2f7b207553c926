# Correct answers, but the memoised recursion goes as deep as |S| + |T| calls;
# with Python's default recursion limit it dies with RecursionError on long
# strings.
import sys


def main():
    s, t = sys.stdin.buffer.read().split()
    memo = {}

    def dist(i, j):  # distance between s[:i] and t[:j]
        if i == 0:
            return j
        if j == 0:
            return i
        key = (i, j)
        if key in memo:
            return memo[key]
        if s[i - 1] == t[j - 1]:
            res = dist(i - 1, j - 1)
        else:
            res = 1 + min(dist(i - 1, j), dist(i, j - 1), dist(i - 1, j - 1))
        memo[key] = res
        return res

    print(dist(len(s), len(t)))


main()
