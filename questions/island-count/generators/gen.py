#!/usr/bin/env python3
"""Deterministic generator for the generated secret tests of island-count.

Run `python3 generators/gen.py` (from anywhere): it rewrites the generated files
in data/secret/ byte for byte. Hand-written tests (01-08) are not touched.
Python 3 standard library only; every test has its own fixed seed.
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = os.path.join(HERE, "..", "data", "secret")
MAX_BYTES = 2_000_000
N = 1000


def solve(grid):
    """Reference answer: iterative flood fill, 4-connected."""
    rows, cols = len(grid), len(grid[0])
    seen = [[False] * cols for _ in range(rows)]
    count = 0
    for r0 in range(rows):
        for c0 in range(cols):
            if grid[r0][c0] != "#" or seen[r0][c0]:
                continue
            count += 1
            seen[r0][c0] = True
            stack = [(r0, c0)]
            while stack:
                r, c = stack.pop()
                for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                    if 0 <= nr < rows and 0 <= nc < cols and not seen[nr][nc] and grid[nr][nc] == "#":
                        seen[nr][nc] = True
                        stack.append((nr, nc))
    return count


def write(name, grid):
    rows, cols = len(grid), len(grid[0])
    assert 1 <= rows <= N and 1 <= cols <= N and all(len(g) == cols for g in grid), name
    text_in = "%d %d\n" % (rows, cols) + "".join(g + "\n" for g in grid)
    text_ans = "%d\n" % solve(grid)
    for ext, text in ((".in", text_in), (".ans", text_ans)):
        data = text.encode()
        assert len(data) < MAX_BYTES, (name + ext, len(data))
        with open(os.path.join(SECRET, name + ext), "wb") as f:
            f.write(data)


def random_grid(seed, rows, cols, p):
    rng = random.Random(seed)
    return ["".join("#" if rng.random() < p else "." for _ in range(cols)) for _ in range(rows)]


def snake():
    grid = []
    for r in range(N):
        if r % 2 == 0:
            grid.append("#" * N)
        elif r % 4 == 1:
            grid.append("." * (N - 1) + "#")
        else:
            grid.append("#" + "." * (N - 1))
    return grid


def spiral():
    g = [[False] * N for _ in range(N)]
    r, c, dr, dc = 0, 0, 0, 1
    g[0][0] = True
    while True:
        moved = False
        for _ in range(2):
            nr, nc, fr, fc = r + dr, c + dc, r + 2 * dr, c + 2 * dc
            if (0 <= nr < N and 0 <= nc < N and not g[nr][nc]
                    and not (0 <= fr < N and 0 <= fc < N and g[fr][fc])):
                r, c = nr, nc
                g[r][c] = True
                moved = True
                break
            dr, dc = dc, -dr  # turn clockwise
        if not moved:
            break
    return ["".join("#" if x else "." for x in row) for row in g]


def blobs():
    rng = random.Random(4018)
    g = [["."] * N for _ in range(N)]
    for _ in range(3000):
        h, w = rng.randint(1, 30), rng.randint(1, 30)
        r, c = rng.randint(0, N - h), rng.randint(0, N - w)
        for i in range(r, r + h):
            g[i][c:c + w] = ["#"] * w
    return ["".join(row) for row in g]


def main():
    write("09-large-snake", snake())
    write("10-large-spiral", spiral())
    write("11-large-random-half", random_grid(4011, N, N, 0.5))
    write("12-large-random-dense", random_grid(4012, N, N, 0.65))
    write("13-large-random-sparse", random_grid(4013, N, N, 0.25))
    write("14-large-checkerboard",
          ["".join("#" if (r + c) % 2 == 0 else "." for c in range(N)) for r in range(N)])
    write("15-large-all-land", ["#" * N] * N)
    write("16-tall-narrow", random_grid(4016, N, 3, 0.5))
    write("17-wide-thin", random_grid(4017, 2, N, 0.5))
    write("18-large-rectangles", blobs())
    # rows that end and start with land, stacked: never connected through the edge
    rng = random.Random(4019)
    write("19-large-edge-columns",
          ["#" + "".join("#" if rng.random() < 0.3 else "." for _ in range(N - 2)) + "#"
           if r % 2 == 0 else "." * N for r in range(N)])


if __name__ == "__main__":
    main()
