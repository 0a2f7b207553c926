# Plausible mistake: a Fenwick tree solution that counts a_i >= a_j instead of
# a_i > a_j, so equal values are wrongly reported as inversions.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    a = list(map(int, data[1:n + 1]))
    rank = {v: i + 1 for i, v in enumerate(sorted(set(a)))}
    m = len(rank)
    tree = [0] * (m + 1)
    inv = 0
    for seen, x in enumerate(a):
        i = rank[x] - 1  # counts earlier elements strictly smaller than x
        smaller = 0
        while i:
            smaller += tree[i]
            i &= i - 1
        inv += seen - smaller
        i = rank[x]
        while i <= m:
            tree[i] += 1
            i += i & -i
    print(inv)


main()
