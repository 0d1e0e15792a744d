"""W1: C = A @ B, square matrices (1024³ by default), float32 or float64."""
from common import bench, finish, load

meta, read = load()
m, n, k = meta["m"], meta["n"], meta["k"]
A = read("a", (m, k))
B = read("b", (k, n))

times, C = bench(meta, lambda: A @ B)
finish(meta, C, times)
