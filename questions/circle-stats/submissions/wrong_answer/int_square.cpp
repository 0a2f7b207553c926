// Plausible mistake: x*x + y*y computed in 32-bit int overflows once |x| > 46340.
#include <bits/stdc++.h>
using namespace std;

int main() {
    int n;
    scanf("%d", &n);
    double sum = 0, best = 0;
    for (int i = 0; i < n; ++i) {
        int x, y;
        scanf("%d %d", &x, &y);
        int d2 = x * x + y * y;  // overflow: the result is garbage (often negative)
        double d = sqrt((double)d2);
        sum += d;
        best = max(best, d);
    }
    printf("%.9f %.9f\n", sum / n, best);
    return 0;
}
