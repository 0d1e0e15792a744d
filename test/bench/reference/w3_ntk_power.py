"""W3: top eigenvalue of the NTK K = J Jᵀ of the two-layer ReLU net (same net as W2), by 20
matrix-free power iterations b ← K b / ‖K b‖, K b = J(Jᵀ b); the estimate is the last bᵀ K b.

    f(x) = m^{-1/2} Σᵢ vᵢ relu(uᵢ·x / √d),   θ = [U (m×d, row-major), v (m)]

The pre-activations and masks are computed once (θ does not move), like jax.linearize.
"""
import math

import numpy as np

from common import bench, finish, load

meta, read = load()
n, d, m, iterations = meta["n"], meta["d"], meta["m"], meta["iterations"]
X = read("x", (n, d))
theta = read("theta")
U, v = theta[: m * d].reshape(m, d), theta[m * d :]
start = read("start")
c, s = 1 / math.sqrt(m), 1 / math.sqrt(d)


def top_eigenvalue():
    Z = (X @ U.T) * s
    A = np.maximum(Z, 0)     # ∂f_k/∂vᵢ = c A_ki
    D = (Z > 0) * v          # ∂f_k/∂uᵢ = c s D_ki x_k

    def vjp(r):              # Jᵀ r, as (grad_U, grad_v)
        return (c * s) * ((D * r[:, None]).T @ X), c * (A.T @ r)

    def jvp(tU, tv):         # J t
        return c * (A @ tv + s * np.sum(D * (X @ tU.T), axis=1))

    b = start / np.linalg.norm(start)
    for _ in range(iterations):
        Kb = jvp(*vjp(b))
        lam = b @ Kb
        b = Kb / np.linalg.norm(Kb)
    return lam


times, lam = bench(meta, top_eigenvalue)
finish(meta, [lam], times)
