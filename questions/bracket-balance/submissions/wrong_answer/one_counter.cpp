// Plausible mistake: treats all bracket types as the same, e.g. "(]" looks balanced.
#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int t;
    cin >> t;
    string s;
    while (t--) {
        cin >> s;
        long long depth = 0, best = 0;
        for (size_t i = 0; i < s.size(); ++i) {
            char c = s[i];
            if (c == '(' || c == '[' || c == '{') ++depth;
            else if (--depth < 0) break;
            if (depth == 0) best = (long long)i + 1;
        }
        cout << best << '\n';
    }
    return 0;
}
