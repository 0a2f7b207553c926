import sys

# bytes.isalnum() is ASCII-only: exactly the letters and digits of the statement
DROP = bytes(c for c in range(256) if not bytes([c]).isalnum())


def main():
    lines = sys.stdin.buffer.read().split(b"\n")
    t = int(lines[0])
    out = []
    for i in range(1, t + 1):
        cleaned = lines[i].translate(None, DROP).lower()
        out.append("YES" if cleaned == cleaned[::-1] else "NO")
    sys.stdout.write("\n".join(out) + "\n")


main()
