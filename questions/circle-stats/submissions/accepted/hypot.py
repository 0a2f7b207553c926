import math
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    xs = map(int, data[1:2 * n + 1:2])
    ys = map(int, data[2:2 * n + 2:2])
    dist = list(map(math.hypot, xs, ys))
    # repr() prints ~17 significant digits; the judge answer has 9 decimals
    print(math.fsum(dist) / n, max(dist))


main()
