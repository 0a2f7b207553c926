# Correct but too slow: the classic O(N^2) dynamic programme.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    a = list(map(int, data[1:n + 1]))
    best = [1] * n
    for i in range(n):
        ai = a[i]
        b = 1
        for j in range(i):
            if a[j] < ai and best[j] + 1 > b:
                b = best[j] + 1
        best[i] = b
    print(max(best))


main()
