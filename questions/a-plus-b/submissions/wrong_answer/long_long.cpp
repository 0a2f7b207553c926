// Plausible mistake: both inputs fit in long long, so the author assumed the sum does too.
#include <bits/stdc++.h>
using namespace std;

int main() {
    long long a, b;
    cin >> a >> b;
    long long s = a + b;  // overflows when |A + B| > 2^63 - 1
    cout << s << '\n';
    return 0;
}
