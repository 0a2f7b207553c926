# Correct but O(N^2): compares every pair.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    a = list(map(int, data[1:n + 1]))
    inv = 0
    for i in range(n):
        x = a[i]
        for j in range(i + 1, n):
            if x > a[j]:
                inv += 1
    print(inv)


main()
