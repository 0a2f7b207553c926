# Correct logic, but the check recurses once per mirrored pair, so a cleaned line
# longer than about 2000 characters exceeds Python's default recursion limit and the
# program dies with RecursionError.
import sys

DROP = bytes(c for c in range(256) if not bytes([c]).isalnum())


def is_pal(s, i, j):
    if i >= j:
        return True
    if s[i] != s[j]:
        return False
    return is_pal(s, i + 1, j - 1)


def main():
    lines = sys.stdin.buffer.read().split(b"\n")
    t = int(lines[0])
    out = []
    for k in range(1, t + 1):
        s = lines[k].translate(None, DROP).lower()
        out.append("YES" if is_pal(s, 0, len(s) - 1) else "NO")
    print("\n".join(out))


main()
