// Plausible mistake: accumulates the distances in a float. Fine for small inputs,
// but with 10^5 distances near 10^6 the rounding error exceeds 1e-6 relative.
#include <bits/stdc++.h>
using namespace std;

int main() {
    int n;
    scanf("%d", &n);
    float sum = 0, best = 0;
    for (int i = 0; i < n; ++i) {
        long long x, y;
        scanf("%lld %lld", &x, &y);
        float d = sqrtf((float)(x * x + y * y));
        sum += d;
        best = max(best, d);
    }
    printf("%.9f %.9f\n", sum / n, best);
    return 0;
}
