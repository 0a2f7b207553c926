import sys


def main():
    a, b = map(int, sys.stdin.buffer.read().split())
    sys.stdout.write(f"{a + b}\n")


main()
