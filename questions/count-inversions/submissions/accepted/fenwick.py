import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    a = list(map(int, data[1:n + 1]))
    # compress values to ranks 1..m so the Fenwick tree stays small
    rank = {v: i + 1 for i, v in enumerate(sorted(set(a)))}
    m = len(rank)
    tree = [0] * (m + 1)
    inv = 0
    for seen, x in enumerate(a):
        r = rank[x]
        i = r
        not_greater = 0  # earlier elements with value <= x
        while i:
            not_greater += tree[i]
            i &= i - 1
        inv += seen - not_greater
        i = r
        while i <= m:
            tree[i] += 1
            i += i & -i
    print(inv)


main()
