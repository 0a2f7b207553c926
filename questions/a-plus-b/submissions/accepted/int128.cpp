// A + B with a 128-bit accumulator: each input fits in long long, the sum may not.
#include <bits/stdc++.h>
using namespace std;

static __int128 parse(const string& s) {
    __int128 v = 0;
    size_t i = 0;
    bool neg = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = (s[i++] == '-');
    for (; i < s.size(); ++i) v = v * 10 + (s[i] - '0');
    return neg ? -v : v;
}

static string show(__int128 v) {
    if (v == 0) return "0";
    bool neg = v < 0;
    string out;
    while (v != 0) {
        int d = (int)(v % 10);
        if (d < 0) d = -d;
        out.push_back(char('0' + d));
        v /= 10;
    }
    if (neg) out.push_back('-');
    reverse(out.begin(), out.end());
    return out;
}

int main() {
    string a, b;
    cin >> a >> b;
    cout << show(parse(a) + parse(b)) << '\n';
    return 0;
}
