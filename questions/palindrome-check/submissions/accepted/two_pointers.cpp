// Two pointers over the raw line, skipping characters that are not letters/digits.
#include <bits/stdc++.h>
using namespace std;

static bool keep(unsigned char c) { return isalnum(c) != 0; }

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    string line;
    getline(cin, line);
    int t = stoi(line);
    string out;
    out.reserve(4 * (size_t)t);
    for (int k = 0; k < t; ++k) {
        getline(cin, line);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        long long i = 0, j = (long long)line.size() - 1;
        bool ok = true;
        while (true) {
            while (i < j && !keep(line[i])) ++i;
            while (i < j && !keep(line[j])) --j;
            if (i >= j) break;
            if (tolower((unsigned char)line[i]) != tolower((unsigned char)line[j])) { ok = false; break; }
            ++i; --j;
        }
        out += ok ? "YES\n" : "NO\n";
    }
    cout << out;
    return 0;
}
