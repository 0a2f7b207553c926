// Wrong: stores the table in bytes "to save memory"; distances above 255 wrap.
#include <bits/stdc++.h>
using namespace std;

int main() {
    static char bs[5005], bt[5005];
    if (scanf("%5004s %5004s", bs, bt) != 2) return 0;
    int n = strlen(bs), m = strlen(bt);
    vector<uint8_t> prev(m + 1), cur(m + 1);
    for (int j = 0; j <= m; j++) prev[j] = j;
    for (int i = 1; i <= n; i++) {
        cur[0] = i;
        for (int j = 1; j <= m; j++) {
            uint8_t best = prev[j - 1] + (bs[i - 1] != bt[j - 1]);
            best = min<uint8_t>(best, prev[j] + 1);
            best = min<uint8_t>(best, cur[j - 1] + 1);
            cur[j] = best;
        }
        swap(prev, cur);
    }
    printf("%d\n", prev[m]);
    return 0;
}
