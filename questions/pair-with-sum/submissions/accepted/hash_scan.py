import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, k = int(data[0]), int(data[1])
    first_seen = {}  # value -> first position where it appeared
    for j in range(1, n + 1):
        x = int(data[1 + j])
        i = first_seen.get(k - x)
        if i is not None:
            print(i, j)
            return
        if x not in first_seen:
            first_seen[x] = j
    print(-1)


main()
