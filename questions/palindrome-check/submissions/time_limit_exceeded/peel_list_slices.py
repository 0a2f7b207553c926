# Correct but quadratic: keeps the cleaned characters in a list and peels the two end
# characters off by slicing, and every slice copies the whole remaining list. Fine for
# short lines, hopeless for lines of 10^5 characters and more.
import sys


def is_pal(chars):
    while len(chars) > 1:
        if chars[0] != chars[-1]:
            return False
        chars = chars[1:-1]
    return True


def main():
    lines = sys.stdin.buffer.read().decode("ascii").split("\n")
    t = int(lines[0])
    out = []
    for i in range(1, t + 1):
        chars = [c for c in lines[i].lower() if c.isascii() and c.isalnum()]
        out.append("YES" if is_pal(chars) else "NO")
    print("\n".join(out))


main()
