# Correct Fenwick tree logic, but it indexes the tree by the raw value and sizes it
# N + 1 as if the input were a permutation of 1..N. The first value larger than N
# raises IndexError.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    a = list(map(int, data[1:n + 1]))
    tree = [0] * (n + 1)
    inv = 0
    for seen, x in enumerate(a):
        i = x
        not_greater = 0
        while i:
            not_greater += tree[i]
            i &= i - 1
        inv += seen - not_greater
        i = x
        while i <= n:
            tree[i] += 1
            i += i & -i
    print(inv)


main()
