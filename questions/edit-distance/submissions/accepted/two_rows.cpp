#include <bits/stdc++.h>
using namespace std;

int main() {
    static char bs[5005], bt[5005];
    if (scanf("%5004s %5004s", bs, bt) != 2) return 0;
    int n = strlen(bs), m = strlen(bt);
    vector<int> prev(m + 1), cur(m + 1);
    iota(prev.begin(), prev.end(), 0);
    for (int i = 1; i <= n; i++) {
        cur[0] = i;
        for (int j = 1; j <= m; j++) {
            int best = prev[j - 1] + (bs[i - 1] != bt[j - 1]);
            best = min(best, prev[j] + 1);
            best = min(best, cur[j - 1] + 1);
            cur[j] = best;
        }
        swap(prev, cur);
    }
    printf("%d\n", prev[m]);
    return 0;
}
