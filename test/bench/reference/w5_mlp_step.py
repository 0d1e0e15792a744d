"""W5: one full-batch gradient-descent step of a 3-hidden-layer ReLU MLP, L = ½·Σ(f − y)².

    z^l = h^{l-1} W^lᵀ + b^l (l = 1..L+1),  h^0 = x,  h^l = relu(z^l),  f = z^{L+1}

(standard parameterization: no multipliers). θ is the flat vector [W¹ (n₁×d, row-major), b¹, W², b²,
W³, b³, w (1×n₃), b (1)]. Written the way one would in numpy: forward, residual, backpropagation
by hand, update.
"""
import numpy as np

from common import bench, finish, load

meta, read = load()
n, d, width, depth, eta = meta["n"], meta["d"], meta["width"], meta["depth"], meta["eta"]
X = read("x", (n, d))
y = read("y")
theta = read("theta")


def unflatten(flat):
    """[(W, b)] per layer, readout last, as views of the flat vector."""
    layers, offset = [], 0
    for fan_in, fan_out in zip([d] + [width] * depth, [width] * depth + [1]):
        W = flat[offset : offset + fan_out * fan_in].reshape(fan_out, fan_in)
        offset += fan_out * fan_in
        b = flat[offset : offset + fan_out]
        offset += fan_out
        layers.append((W, b))
    return layers


layers0 = unflatten(theta)


def gd_step(layers):
    hs, masks = [X], []
    for W, b in layers[:-1]:
        z = hs[-1] @ W.T + b
        masks.append(z > 0)            # relu'(0) = 0
        hs.append(np.maximum(z, 0))
    w, c = layers[-1]
    f = hs[-1] @ w[0] + c[0]
    r = f - y                          # ∂L/∂f
    grads = [None] * len(layers)
    grads[-1] = ((r @ hs[-1])[None, :], np.array([r.sum()], dtype=r.dtype))
    delta = np.outer(r, w[0]) * masks[-1]
    for l in range(depth - 1, -1, -1):
        grads[l] = (delta.T @ hs[l], delta.sum(axis=0))
        if l > 0:
            delta = (delta @ layers[l][0]) * masks[l - 1]
    return [(W - eta * gW, b - eta * gb) for (W, b), (gW, gb) in zip(layers, grads)]


times, layers1 = bench(meta, lambda: gd_step(layers0))
finish(meta, np.concatenate([a.ravel() for pair in layers1 for a in pair]), times)
