// Wrong: works on the grid flattened into one array and treats index p+1 / p-1
// as the right / left neighbour, so the end of a row "touches" the start of the
// next row.
#include <bits/stdc++.h>
using namespace std;

int main() {
    int rows, cols;
    if (scanf("%d %d", &rows, &cols) != 2) return 0;
    int total = rows * cols;
    vector<char> land(total);
    static char buf[1024];
    for (int r = 0; r < rows; r++) {
        scanf("%1000s", buf);
        for (int c = 0; c < cols; c++) land[r * cols + c] = buf[c] == '#';
    }
    int count = 0;
    vector<int> st;
    for (int s = 0; s < total; s++) {
        if (!land[s]) continue;
        count++;
        land[s] = 0;
        st.assign(1, s);
        while (!st.empty()) {
            int p = st.back();
            st.pop_back();
            int nb[4] = {p - 1, p + 1, p - cols, p + cols};
            for (int q : nb)
                if (q >= 0 && q < total && land[q]) {
                    land[q] = 0;
                    st.push_back(q);
                }
        }
    }
    printf("%d\n", count);
    return 0;
}
