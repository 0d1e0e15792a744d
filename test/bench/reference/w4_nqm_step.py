"""W4: one full-batch gradient-descent step of the neural quadratic model (NQM, papers.md §1b) of
the W2 net, L = ½·Σ(f_quad − y)², at θ = θ₀ + Δ.

    f(x) = m^{-1/2} Σᵢ vᵢ relu(uᵢ·x / √d),   θ = [U (m×d, row-major), v (m)],   c = m^{-1/2}, s = d^{-1/2}

Closed forms at θ₀ for this net, with Z₀ = s X U₀ᵀ (n×m), M = 1{Z₀ > 0} (relu'(0) = 0),
A₀ = relu(Z₀) and P = M ⊙ (s X δUᵀ) (n×m):

    J₀Δ         = c (A₀ δv + P v₀)            ∂f/∂vᵢ = c relu(z₀ᵢ), ∂f/∂uᵢ = c s v₀ᵢ 1ᵢ x
    ½ΔᵀH₀,ₖΔ     = c (P δv)ₖ                   the only second derivative of a relu net (σ'' = 0):
                                              ∂²f/∂vᵢ∂uᵢ = c s 1ᵢ x, so ½·2·Σᵢ δvᵢ c s 1ᵢ (δuᵢ·x)
    ∇f_quad = J₀ᵀr + Σₖ rₖ H₀,ₖΔ:
      v block   c (A₀ᵀr + Pᵀr)
      u block   c s ((M ⊙ r vᵀ)ᵀ X)  +  c s ((M ⊙ r δvᵀ)ᵀ X)  =  c s ((M ⊙ r (v₀ + δv)ᵀ)ᵀ X)

Z₀, M, A₀ and f₀ depend only on θ₀ and X: they are computed once, before the timed steps, as one
would for an NQM (tdlab caches the same at θ₀). Before timing, the derivation is checked against
papers.md §1b's identity: summed, the NQM is c Σᵢ 1ᵢ vᵢ s(uᵢ·x), the net with its masks frozen at θ₀.
"""
import math

import numpy as np

from common import bench, finish, load

meta, read = load()
n, d, m, eta = meta["n"], meta["d"], meta["m"], meta["eta"]
X = read("x", (n, d))
y = read("y")
theta0 = read("theta0")
theta = read("theta")
U0, v0 = theta0[: m * d].reshape(m, d), theta0[m * d :]
U1, v1 = theta[: m * d].reshape(m, d), theta[m * d :]
c, s = 1 / math.sqrt(m), 1 / math.sqrt(d)

# At θ₀, once.
Z0 = (X @ U0.T) * s
M = (Z0 > 0).astype(X.dtype)
A0 = np.maximum(Z0, 0)
f0 = c * (A0 @ v0)


def f_quad(U, v):
    dU, dv = U - U0, v - v0
    P = M * ((X @ dU.T) * s)
    return f0 + c * (A0 @ dv + P @ v0) + c * (P @ dv), P, dv


def nqm_step(U, v):
    f, P, dv = f_quad(U, v)
    r = f - y
    grad_v = c * (A0.T @ r + P.T @ r)
    grad_U = (c * s) * ((M * np.outer(r, v0 + dv)).T @ X)
    return U - eta * grad_U, v - eta * grad_v


# The derivation against the frozen-mask form (untimed, in float64).
frozen = c * ((M * ((X.astype(np.float64) @ U1.T.astype(np.float64)) * s)) @ v1.astype(np.float64))
error = np.max(np.abs(f_quad(U1, v1)[0] - frozen)) / np.max(np.abs(frozen))
if not error < (1e-4 if X.dtype == np.float32 else 1e-12):
    raise SystemExit(f"w4_nqm_step.py: the closed-form NQM disagrees with the frozen-mask net (rel. err. {error:.2e})")

times, (U2, v2) = bench(meta, lambda: nqm_step(U1, v1))
finish(meta, np.concatenate([U2.ravel(), v2]), times)
