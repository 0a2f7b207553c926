# Correct DP written recursively: ending(i) = a[i] + max(0, ending(i - 1)).
# The recursion is N levels deep, so for N above roughly 1000 Python raises
# RecursionError.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    a = list(map(int, data[1:n + 1]))
    memo = {}

    def ending(i):
        """Best sum of a subarray that ends exactly at index i."""
        if i in memo:
            return memo[i]
        v = a[i] if i == 0 else a[i] + max(0, ending(i - 1))
        memo[i] = v
        return v

    print(max(ending(i) for i in range(n - 1, -1, -1)))


main()
