import sys

# byte values of the brackets
CLOSER = {ord("("): ord(")"), ord("["): ord("]"), ord("{"): ord("}")}


def longest_balanced_prefix(s):
    stack = []
    push = stack.append
    pop = stack.pop
    best = 0
    closer = CLOSER
    for i, c in enumerate(s):
        want = closer.get(c)
        if want is not None:
            push(want)
        elif stack and stack[-1] == c:
            pop()
            if not stack:
                best = i + 1
        else:
            break  # a closer with nothing (or the wrong thing) to close
    return best


def main():
    data = sys.stdin.buffer.read().split()
    t = int(data[0])
    sys.stdout.write("".join("%d\n" % longest_balanced_prefix(s) for s in data[1:t + 1]))


main()
