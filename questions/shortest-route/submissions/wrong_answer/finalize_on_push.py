# Wrong: a junction's distance is frozen the first time it is discovered,
# not when it is taken out of the heap, so a later, cheaper route is ignored.
import sys
from heapq import heappush, heappop


def main():
    data = sys.stdin.buffer.read().split()
    n, m = int(data[0]), int(data[1])
    adj = [[] for _ in range(n + 1)]
    idx = 2
    for _ in range(m):
        u = int(data[idx]); v = int(data[idx + 1]); w = int(data[idx + 2])
        idx += 3
        adj[u].append((v, w))
    dist = [-1] * (n + 1)
    dist[1] = 0
    heap = [(0, 1)]
    while heap:
        d, u = heappop(heap)
        for v, w in adj[u]:
            if dist[v] == -1:
                dist[v] = d + w
                heappush(heap, (d + w, v))
    print(" ".join(map(str, dist[1:])))


main()
