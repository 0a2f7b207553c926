# Wrong: also joins land cells that only touch at a corner.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    rows, cols = int(data[0]), int(data[1])
    grid = [bytearray(data[2 + r]) for r in range(rows)]
    land = ord("#")
    count = 0
    for r0 in range(rows):
        for c0 in range(cols):
            if grid[r0][c0] != land:
                continue
            count += 1
            grid[r0][c0] = 0
            stack = [(r0, c0)]
            while stack:
                r, c = stack.pop()
                for nr in (r - 1, r, r + 1):
                    for nc in (c - 1, c, c + 1):
                        if 0 <= nr < rows and 0 <= nc < cols and grid[nr][nc] == land:
                            grid[nr][nc] = 0
                            stack.append((nr, nc))
    print(count)


main()
