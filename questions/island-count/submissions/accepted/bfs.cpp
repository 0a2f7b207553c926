#include <bits/stdc++.h>
using namespace std;

int main() {
    int rows, cols;
    if (scanf("%d %d", &rows, &cols) != 2) return 0;
    vector<string> g(rows);
    static char buf[1024];
    for (int r = 0; r < rows; r++) {
        scanf("%1000s", buf);
        g[r] = buf;
    }
    const int dr[4] = {-1, 1, 0, 0}, dc[4] = {0, 0, -1, 1};
    int count = 0;
    vector<pair<int, int>> q;
    for (int r0 = 0; r0 < rows; r0++)
        for (int c0 = 0; c0 < cols; c0++) {
            if (g[r0][c0] != '#') continue;
            count++;
            g[r0][c0] = '.';
            q.assign(1, {r0, c0});
            for (size_t h = 0; h < q.size(); h++) {
                auto [r, c] = q[h];
                for (int d = 0; d < 4; d++) {
                    int nr = r + dr[d], nc = c + dc[d];
                    if (nr >= 0 && nr < rows && nc >= 0 && nc < cols && g[nr][nc] == '#') {
                        g[nr][nc] = '.';
                        q.push_back({nr, nc});
                    }
                }
            }
        }
    printf("%d\n", count);
    return 0;
}
