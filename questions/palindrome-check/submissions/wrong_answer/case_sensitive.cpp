// Plausible mistake: skips punctuation correctly but forgets to ignore letter case.
#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    string line;
    getline(cin, line);
    int t = stoi(line);
    while (t--) {
        getline(cin, line);
        string f;
        for (char c : line)
            if (isalnum((unsigned char)c)) f += c;
        string r(f.rbegin(), f.rend());
        cout << (f == r ? "YES" : "NO") << '\n';
    }
    return 0;
}
