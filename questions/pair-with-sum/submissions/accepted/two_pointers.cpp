#include <bits/stdc++.h>
using namespace std;

int main() {
    int n;
    long long k;
    if (scanf("%d %lld", &n, &k) != 2) return 0;
    vector<pair<long long, int>> a(n);
    for (int i = 0; i < n; i++) {
        scanf("%lld", &a[i].first);
        a[i].second = i + 1;
    }
    sort(a.begin(), a.end());
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        long long s = a[lo].first + a[hi].first;
        if (s == k) {
            int i = a[lo].second, j = a[hi].second;
            printf("%d %d\n", min(i, j), max(i, j));
            return 0;
        }
        if (s < k) lo++;
        else hi--;
    }
    printf("-1\n");
    return 0;
}
