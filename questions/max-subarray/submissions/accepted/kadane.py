import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    a = list(map(int, data[1:n + 1]))
    best = cur = a[0]
    for x in a[1:]:
        # best sum of a subarray ending here: extend the previous one or restart
        cur = x if cur < 0 else cur + x
        if cur > best:
            best = cur
    print(best)


main()
