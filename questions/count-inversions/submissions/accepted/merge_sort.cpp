// Merge sort counting, 64-bit counter.
#include <bits/stdc++.h>
using namespace std;

static vector<int> a, buf;

static long long sortCount(int lo, int hi) {  // [lo, hi)
    if (hi - lo < 2) return 0;
    int mid = (lo + hi) / 2;
    long long inv = sortCount(lo, mid) + sortCount(mid, hi);
    int i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        if (a[j] < a[i]) {            // strictly smaller: inversion with a[i..mid)
            inv += mid - i;
            buf[k++] = a[j++];
        } else {
            buf[k++] = a[i++];
        }
    }
    while (i < mid) buf[k++] = a[i++];
    while (j < hi) buf[k++] = a[j++];
    copy(buf.begin() + lo, buf.begin() + hi, a.begin() + lo);
    return inv;
}

int main() {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    a.resize(n);
    buf.resize(n);
    for (auto& x : a) scanf("%d", &x);
    printf("%lld\n", sortCount(0, n));
    return 0;
}
