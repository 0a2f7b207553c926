# Plausible mistake: parsing through float loses precision above 2^53.
import sys

a, b = sys.stdin.buffer.read().split()
print(int(float(a) + float(b)))
