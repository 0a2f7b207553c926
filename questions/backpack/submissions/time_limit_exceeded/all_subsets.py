# Correct but too slow: tries every subset of the items (2^N of them).
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, cap = int(data[0]), int(data[1])
    items = [(int(data[2 + 2 * k]), int(data[3 + 2 * k])) for k in range(n)]

    def go(i, room):
        if i == n:
            return 0
        w, v = items[i]
        best = go(i + 1, room)
        if w <= room:
            best = max(best, v + go(i + 1, room - w))
        return best

    print(go(0, cap))


main()
