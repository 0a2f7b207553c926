# Wrong: looks the complement up in a table of ALL positions, so an element
# equal to K/2 gets paired with itself.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, k = int(data[0]), int(data[1])
    a = [int(x) for x in data[2:2 + n]]
    where = {x: i for i, x in enumerate(a, 1)}
    for i, x in enumerate(a, 1):
        j = where.get(k - x)
        if j is not None:
            print(min(i, j), max(i, j))
            return
    print(-1)


main()
