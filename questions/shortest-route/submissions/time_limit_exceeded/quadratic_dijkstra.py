# Correct but too slow: Dijkstra that scans all junctions to find the next
# closest one, O(N^2 + M). Fine for a thousand junctions, hopeless for 50 000.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, m = int(data[0]), int(data[1])
    adj = [[] for _ in range(n + 1)]
    idx = 2
    for _ in range(m):
        u = int(data[idx]); v = int(data[idx + 1]); w = int(data[idx + 2])
        idx += 3
        adj[u].append((v, w))
    INF = float("inf")
    dist = [INF] * (n + 1)
    done = [False] * (n + 1)
    dist[1] = 0
    for _ in range(n):
        best = -1
        for v in range(1, n + 1):
            if not done[v] and dist[v] != INF and (best == -1 or dist[v] < dist[best]):
                best = v
        if best == -1:
            break
        done[best] = True
        for v, w in adj[best]:
            if dist[best] + w < dist[v]:
                dist[v] = dist[best] + w
    print(" ".join(str(d) if d != INF else "-1" for d in dist[1:]))


main()
