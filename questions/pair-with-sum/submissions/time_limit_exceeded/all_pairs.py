# Correct but too slow: tries every pair of positions, O(N^2).
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, k = int(data[0]), int(data[1])
    a = [int(x) for x in data[2:2 + n]]
    for i in range(n):
        need = k - a[i]
        for j in range(i + 1, n):
            if a[j] == need:
                print(i + 1, j + 1)
                return
    print(-1)


main()
