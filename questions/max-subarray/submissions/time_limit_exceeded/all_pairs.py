# Correct but O(N^2): tries every starting day and extends it to every ending day.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    a = list(map(int, data[1:n + 1]))
    best = a[0]
    for l in range(n):
        s = 0
        for r in range(l, n):
            s += a[r]
            if s > best:
                best = s
    print(best)


main()
