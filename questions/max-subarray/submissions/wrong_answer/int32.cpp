// Plausible mistake: each value fits in int, so the author kept the sums in int too.
#include <bits/stdc++.h>
using namespace std;

int main() {
    int n;
    scanf("%d", &n);
    int best = INT_MIN, cur = 0;
    for (int i = 0; i < n; ++i) {
        int x;
        scanf("%d", &x);
        cur = (i == 0 || cur < 0) ? x : cur + x;  // overflows past 2^31 - 1
        best = max(best, cur);
    }
    printf("%d\n", best);
    return 0;
}
