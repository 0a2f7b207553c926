// One pass with a stack of expected closers; remember the last time the stack emptied.
#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int t;
    cin >> t;
    string s, stk, out;
    while (t--) {
        cin >> s;
        stk.clear();
        size_t best = 0;
        for (size_t i = 0; i < s.size(); ++i) {
            char c = s[i];
            if (c == '(') stk.push_back(')');
            else if (c == '[') stk.push_back(']');
            else if (c == '{') stk.push_back('}');
            else if (!stk.empty() && stk.back() == c) {
                stk.pop_back();
                if (stk.empty()) best = i + 1;
            } else break;
        }
        out += to_string(best);
        out += '\n';
    }
    cout << out;
    return 0;
}
