import sys


def main():
    data = sys.stdin.buffer.read().split()
    rows, cols = int(data[0]), int(data[1])
    width = cols + 2  # a border of water around the grid: no bounds checks needed
    grid = bytearray(width * (rows + 2))
    to_bits = bytes.maketrans(b"#.", b"\x01\x00")
    for r in range(rows):
        start = (r + 1) * width + 1
        grid[start:start + cols] = data[2 + r].translate(to_bits)
    count = 0
    pos = grid.find(1)
    while pos != -1:
        count += 1
        grid[pos] = 0  # cells are sunk as soon as they are found
        stack = [pos]
        push, pop = stack.append, stack.pop
        while stack:
            p = pop()
            for q in (p - 1, p + 1, p - width, p + width):
                if grid[q]:
                    grid[q] = 0
                    push(q)
        pos = grid.find(1, pos + 1)
    print(count)


main()
