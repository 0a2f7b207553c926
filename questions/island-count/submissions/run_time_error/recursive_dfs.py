# Correct answers, but the flood fill is recursive: on a long winding island
# the recursion goes deeper than Python's default limit and the program dies
# with RecursionError.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    rows, cols = int(data[0]), int(data[1])
    grid = [bytearray(data[2 + r]) for r in range(rows)]
    land = ord("#")

    def sink(r, c):
        grid[r][c] = 0
        if r > 0 and grid[r - 1][c] == land:
            sink(r - 1, c)
        if r + 1 < rows and grid[r + 1][c] == land:
            sink(r + 1, c)
        if c > 0 and grid[r][c - 1] == land:
            sink(r, c - 1)
        if c + 1 < cols and grid[r][c + 1] == land:
            sink(r, c + 1)

    count = 0
    for r in range(rows):
        for c in range(cols):
            if grid[r][c] == land:
                count += 1
                sink(r, c)
    print(count)


main()
