import sys
print("render")
