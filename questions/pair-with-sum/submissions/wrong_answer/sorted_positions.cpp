// Wrong: sorts the numbers and runs two pointers, but then prints positions in
// the SORTED array instead of the original positions.
#include <bits/stdc++.h>
using namespace std;

int main() {
    int n;
    long long k;
    if (scanf("%d %lld", &n, &k) != 2) return 0;
    vector<long long> a(n);
    for (auto& x : a) scanf("%lld", &x);
    sort(a.begin(), a.end());
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        long long s = a[lo] + a[hi];
        if (s == k) {
            printf("%d %d\n", lo + 1, hi + 1);
            return 0;
        }
        if (s < k) lo++;
        else hi--;
    }
    printf("-1\n");
    return 0;
}
