# Plausible mistake: starts the answer at 0, i.e. allows the empty subarray, so an
# all-negative array gets 0 instead of its largest element.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    best = cur = 0
    for x in map(int, data[1:n + 1]):
        cur = max(0, cur + x)
        best = max(best, cur)
    print(best)


main()
