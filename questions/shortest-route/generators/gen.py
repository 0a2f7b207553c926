#!/usr/bin/env python3
"""Deterministic generator for the large secret tests of shortest-route.

Run `python3 generators/gen.py` (from anywhere): it rewrites the generated files
in data/secret/ byte for byte. Hand-written tests (01-06) are not touched.
Python 3 standard library only; every test has its own fixed seed.
"""
import heapq
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = os.path.join(HERE, "..", "data", "secret")
MAX_BYTES = 2_000_000


def solve(n, edges):
    """Reference answer: Dijkstra with a binary heap."""
    adj = [[] for _ in range(n + 1)]
    for u, v, w in edges:
        adj[u].append((v, w))
    dist = [-1] * (n + 1)
    dist[1] = 0
    heap = [(0, 1)]
    done = [False] * (n + 1)
    while heap:
        d, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        for v, w in adj[u]:
            nd = d + w
            if dist[v] == -1 or nd < dist[v]:
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return dist[1:]


def write(name, n, edges):
    text_in = "%d %d\n" % (n, len(edges)) + "".join("%d %d %d\n" % e for e in edges)
    text_ans = " ".join(map(str, solve(n, edges))) + "\n"
    for ext, text in ((".in", text_in), (".ans", text_ans)):
        data = text.encode()
        assert len(data) < MAX_BYTES, (name + ext, len(data))
        with open(os.path.join(SECRET, name + ext), "wb") as f:
            f.write(data)


def relabel(rng, n, edges):
    """Random permutation of the labels 2..n (junction 1 stays the depot)."""
    perm = list(range(2, n + 1))
    rng.shuffle(perm)
    lab = [0, 1] + perm
    out = [(lab[u], lab[v], w) for u, v, w in edges]
    rng.shuffle(out)
    return out


def chain_huge_weights():
    rng = random.Random(7001)
    n = 1000
    edges = [(i, i + 1, 10**9) for i in range(1, n)]
    for _ in range(2000):  # roads that only lead backwards never help
        v = rng.randint(2, n)
        u = rng.randint(1, v - 1)
        edges.append((v, u, rng.randint(0, 10**9)))
    rng.shuffle(edges)
    write("07-chain-huge-weights", n, edges)


def random_graph(name, seed, n, m, wmax):
    rng = random.Random(seed)
    edges = [(rng.randint(1, n), rng.randint(1, n), rng.randint(1, wmax)) for _ in range(m)]
    write(name, n, edges)


def tree_plus_extra():
    rng = random.Random(7010)
    n = 100000
    edges = []
    for v in range(2, n + 1):
        edges.append((rng.randint(max(1, v - 50), v - 1), v, rng.randint(1, 99)))
    for _ in range(10000):
        edges.append((rng.randint(1, n), rng.randint(1, n), rng.randint(1, 99)))
    write("10-large-max-nodes", n, relabel(rng, n, edges))


def max_edges_dense():
    rng = random.Random(7011)
    n = 99
    m = 200000
    edges = [(rng.randint(1, n), rng.randint(1, n), rng.randint(0, 9)) for _ in range(m)]
    write("11-large-max-edges", n, edges)


def two_parts():
    rng = random.Random(7012)
    n = 60000
    half = n // 2  # after relabelling, labels 1..half can be reached, the rest cannot
    edges = []
    for v in range(2, half + 1):
        edges.append((rng.randint(1, v - 1), v, rng.randint(1, 1000)))
    while len(edges) < 100000:
        a = rng.randint(1, n)
        b = rng.randint(1, n)
        if a <= half and b > half:
            a, b = b, a  # only roads from the unreachable part into the reachable one
        edges.append((a, b, rng.randint(1, 1000)))
    write("12-large-unreachable-half", n, relabel(rng, n, edges))


def grid():
    rng = random.Random(7013)
    rows, cols = 200, 250
    n = rows * cols
    edges = []
    for r in range(rows):
        for c in range(cols):
            u = r * cols + c + 1
            if c + 1 < cols:
                edges.append((u, u + 1, rng.randint(1, 100)))
            if r + 1 < rows:
                edges.append((u, u + cols, rng.randint(1, 100)))
    write("13-large-grid", n, relabel(rng, n, edges))


def long_path():
    rng = random.Random(7015)
    n = 80000
    edges = [(i, i + 1, rng.randint(1, 99)) for i in range(1, n)]
    for _ in range(20000):
        u = rng.randint(1, n)
        v = rng.randint(1, n)
        edges.append((u, v, rng.randint(1000, 9999)))
    write("15-large-long-path", n, relabel(rng, n, edges))


def main():
    chain_huge_weights()
    random_graph("08-random-medium", 7008, 1000, 5000, 10**9)
    random_graph("09-large-random", 7009, 50000, 100000, 1000)
    tree_plus_extra()
    max_edges_dense()
    two_parts()
    grid()
    random_graph("14-large-huge-weights", 7014, 30000, 60000, 10**9)
    long_path()


if __name__ == "__main__":
    main()
