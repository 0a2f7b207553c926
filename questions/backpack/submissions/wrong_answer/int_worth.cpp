// Wrong: worths are summed in 32-bit ints, which overflow on big answers.
#include <bits/stdc++.h>
using namespace std;

int main() {
    int n, cap;
    if (scanf("%d %d", &n, &cap) != 2) return 0;
    vector<unsigned> best(cap + 1, 0);  // wraps exactly like a 32-bit int would
    for (int i = 0; i < n; i++) {
        int w;
        unsigned v;
        scanf("%d %u", &w, &v);
        for (int c = cap; c >= w; c--) best[c] = max<int>((int)best[c], (int)(best[c - w] + v));
    }
    printf("%d\n", (int)best[cap]);
    return 0;
}
