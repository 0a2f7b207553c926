// Wrong: only looks at blocks of consecutive rising checkpoints.
#include <bits/stdc++.h>
using namespace std;

int main() {
    int n;
    if (scanf("%d", &n) != 1) return 0;
    int best = 0, cur = 0, prev = 0;
    for (int i = 0; i < n; i++) {
        int x;
        scanf("%d", &x);
        cur = (i > 0 && x > prev) ? cur + 1 : 1;
        best = max(best, cur);
        prev = x;
    }
    printf("%d\n", best);
    return 0;
}
