import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, cap = int(data[0]), int(data[1])
    best = [0] * (cap + 1)  # best[c] = largest worth with total weight <= c
    for k in range(n):
        w = int(data[2 + 2 * k])
        v = int(data[3 + 2 * k])
        if w > cap:
            continue
        # new best[c] for c >= w is max(best[c], best[c - w] + v), computed from
        # the old row in one pass, so each item is used at most once.
        best[w:] = [a if a >= b + v else b + v for a, b in zip(best[w:], best)]
    print(best[cap])


main()
