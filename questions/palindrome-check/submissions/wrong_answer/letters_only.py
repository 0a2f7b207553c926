# Plausible mistake: uses isalpha() and so throws the digits away too ("0P" -> "p").
import sys


def main():
    lines = sys.stdin.buffer.read().decode().split("\n")
    t = int(lines[0])
    out = []
    for i in range(1, t + 1):
        cleaned = "".join(c for c in lines[i] if c.isalpha()).lower()
        out.append("YES" if cleaned == cleaned[::-1] else "NO")
    print("\n".join(out))


main()
