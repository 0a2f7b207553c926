# Wrong: compares the strings letter by letter at equal positions and adds the
# difference in length, which ignores that one insertion can shift everything.
import sys


def main():
    s, t = sys.stdin.buffer.read().split()
    mismatches = sum(1 for a, b in zip(s, t) if a != b)
    print(mismatches + abs(len(s) - len(t)))


main()
