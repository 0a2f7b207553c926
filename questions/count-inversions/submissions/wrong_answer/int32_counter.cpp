// Plausible mistake: correct merge sort, but the inversion counter is an int, and
// up to N(N-1)/2 ~ 2 * 10^10 inversions do not fit in 32 bits.
#include <bits/stdc++.h>
using namespace std;

static vector<int> a, buf;

static int sortCount(int lo, int hi) {
    if (hi - lo < 2) return 0;
    int mid = (lo + hi) / 2;
    int inv = sortCount(lo, mid) + sortCount(mid, hi);
    int i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        if (a[j] < a[i]) { inv += mid - i; buf[k++] = a[j++]; }
        else buf[k++] = a[i++];
    }
    while (i < mid) buf[k++] = a[i++];
    while (j < hi) buf[k++] = a[j++];
    copy(buf.begin() + lo, buf.begin() + hi, a.begin() + lo);
    return inv;
}

int main() {
    int n;
    scanf("%d", &n);
    a.resize(n);
    buf.resize(n);
    for (auto& x : a) scanf("%d", &x);
    printf("%d\n", sortCount(0, n));
    return 0;
}
