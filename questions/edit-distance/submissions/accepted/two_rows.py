import sys


def main():
    s, t = sys.stdin.buffer.read().split()
    # prev[j] = distance between the first i-1 letters of s and the first j of t
    prev = list(range(len(t) + 1))
    for i, cs in enumerate(s, 1):
        cur = [i]
        left = i          # cur[j - 1]
        diag = prev[0]    # prev[j - 1]
        for j, ct in enumerate(t):
            up = prev[j + 1]
            if cs == ct:
                best = diag  # never worse than up + 1 or left + 1
            else:
                best = diag if diag < up else up
                if left < best:
                    best = left
                best += 1
            cur.append(best)
            left = best
            diag = up
        prev = cur
    print(prev[-1])


main()
