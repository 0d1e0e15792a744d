"""W2: one full-batch gradient-descent step of the two-layer ReLU net, L = ½·Σ(f − y)².

    f(x) = m^{-1/2} Σᵢ vᵢ relu(uᵢ·x / √d),   θ = [U (m×d, row-major), v (m)]

Written the way one would in numpy: forward, residual, backward by hand, update.
"""
import math

import numpy as np

from common import bench, finish, load

meta, read = load()
n, d, m, eta = meta["n"], meta["d"], meta["m"], meta["eta"]
X = read("x", (n, d))
y = read("y")
theta = read("theta")
U0, v0 = theta[: m * d].reshape(m, d), theta[m * d :]
c, s = 1 / math.sqrt(m), 1 / math.sqrt(d)


def gd_step(U, v):
    Z = (X @ U.T) * s                  # pre-activations, n×m
    A = np.maximum(Z, 0)               # relu
    f = c * (A @ v)                    # outputs, n
    r = f - y                          # ∂L/∂f
    grad_v = c * (A.T @ r)
    delta = np.outer(r, v) * (Z > 0)   # r_k vᵢ relu'(z_ki); relu'(0) = 0
    grad_U = (c * s) * (delta.T @ X)
    return U - eta * grad_U, v - eta * grad_v


times, (U1, v1) = bench(meta, lambda: gd_step(U0, v0))
finish(meta, np.concatenate([U1.ravel(), v1]), times)
