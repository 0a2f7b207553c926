// Squares in 64-bit integers, sum of distances in long double, 12 significant digits.
#include <bits/stdc++.h>
using namespace std;

int main() {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    long double sum = 0;
    long long best2 = 0;
    for (int i = 0; i < n; ++i) {
        long long x, y;
        if (scanf("%lld %lld", &x, &y) != 2) return 1;
        long long d2 = x * x + y * y;
        best2 = max(best2, d2);
        sum += sqrtl((long double)d2);
    }
    cout << setprecision(12) << (double)(sum / n) << ' ' << sqrt((double)best2) << '\n';
    return 0;
}
