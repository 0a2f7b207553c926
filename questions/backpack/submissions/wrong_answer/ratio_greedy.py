# Wrong: takes items by decreasing worth per gram while they still fit.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, cap = int(data[0]), int(data[1])
    items = [(int(data[2 + 2 * k]), int(data[3 + 2 * k])) for k in range(n)]
    items.sort(key=lambda it: it[1] / it[0], reverse=True)
    total = 0
    for w, v in items:
        if w <= cap:
            cap -= w
            total += v
    print(total)


main()
