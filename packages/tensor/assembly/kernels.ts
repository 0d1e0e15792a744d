// AssemblyScript source of the WASM SIMD kernels (compiled by scripts/build-wasm.mjs into
// src/wasm/kernels.generated.ts). Not part of the TypeScript program: `tsc` never sees this file.
//
// gemm follows the Goto/BLIS scheme: C is walked in NC-column × KC-depth blocks of op(B), packed
// into NR-column micro-panels, and MC-row × KC blocks of op(A), packed (and multiplied by alpha)
// into MR-row micro-panels; a register-tiled MR×NR micro-kernel then streams one A micro-panel
// against one B micro-panel. Packing zero-pads ragged edges, so the micro-kernel always runs a full
// tile and only its write-back distinguishes edge tiles. Node 20 has no relaxed-SIMD FMA, so the
// micro-kernel uses separate mul and add.
//
// All pointers are byte offsets into the (imported) linear memory and all strides are in elements.
// The caller (src/wasm/engine.ts) owns the memory layout; nothing here allocates.

// float64: 4×4 tile = 8 f64x2 accumulators + 2 B vectors + 1 A splat (V8 has 15 usable xmm).
const D_MR: i32 = 4;
const D_NR: i32 = 4;
const D_KC: i32 = 256;
const D_MC: i32 = 96;
const D_NC: i32 = 2048;

// float32: 4×8 tile = 8 f32x4 accumulators, same register budget, twice the flops.
const S_MR: i32 = 4;
const S_NR: i32 = 8;
const S_KC: i32 = 256;
const S_MC: i32 = 128;
const S_NC: i32 = 2048;

const TILE_BYTES: i32 = 256;

// Products with k at most this are walked row by row of C (see dgemm), over blocks of op(B) of at
// most SHALLOW_B_BYTES packed.
const SHALLOW_K: i32 = 128;
const SHALLOW_B_BYTES: i32 = 196608;

/** Bytes of scratch `work` that dgemm and sgemm need (packed A, packed B, one C tile). */
export function workspaceBytes(): i32 {
  const d = (D_MC * D_KC + D_KC * D_NC) * 8;
  const s = (S_MC * S_KC + S_KC * S_NC) * 4;
  return (d > s ? d : s) + TILE_BYTES;
}

// ---------------------------------------------------------------------------------------------
// float64

/** C[0..m)[0..n) *= beta with ldc; beta = 0 overwrites (NaN in C is ignored). */
function dscale(m: i32, n: i32, beta: f64, c: usize, ldc: i32): void {
  if (beta == 1.0) return;
  for (let i = 0; i < m; i++) {
    const row = c + (<usize>i * <usize>ldc << 3);
    if (beta == 0.0) {
      memory.fill(row, 0, <usize>n << 3);
    } else {
      const vb = f64x2.splat(beta);
      let j = 0;
      for (; j + 1 < n; j += 2) {
        const p = row + (<usize>j << 3);
        v128.store(p, f64x2.mul(v128.load(p), vb));
      }
      if (j < n) {
        const p = row + (<usize>j << 3);
        store<f64>(p, load<f64>(p) * beta);
      }
    }
  }
}

/** Packs op(A)[0..mc)[0..kc) (element (i,p) at src[i*rs + p*cs]) times alpha into MR-row panels. */
function dpackA(mc: i32, kc: i32, src: usize, rs: i32, cs: i32, alpha: f64, dst: usize): void {
  let ir = 0;
  if (rs == 1) {
    // op(A) = Aᵀ: depth p of op(A) is row p of A, contiguous over the block's rows. Walk A row by
    // row (sequential reads the prefetcher follows) and deal each row's values out to the MR-row
    // panels; walking a panel at a time would read one value per cache line with a stride of a
    // whole row of A, which the hardware prefetcher does not follow.
    const va = f64x2.splat(alpha);
    const full = mc - mc % D_MR;
    const panelBytes = <usize>(kc * D_MR) << 3;
    for (let p = 0; p < kc; p++) {
      let from = src + (<usize>(p * cs) << 3);
      let out = dst + (<usize>(p * D_MR) << 3);
      for (let i = 0; i < full; i += D_MR) {
        v128.store(out, f64x2.mul(va, v128.load(from)));
        v128.store(out, f64x2.mul(va, v128.load(from, 16)), 16);
        from += <usize>(D_MR << 3);
        out += panelBytes;
      }
    }
    ir = full;
  }
  for (; ir < mc; ir += D_MR) {
    const rows = min(D_MR, mc - ir);
    const panel = dst + (<usize>(ir * kc) << 3);
    for (let r = 0; r < D_MR; r++) {
      let out = panel + (<usize>r << 3);
      if (r < rows) {
        let from = src + (<usize>((ir + r) * rs) << 3);
        const step = <usize>cs << 3;
        for (let p = 0; p < kc; p++) {
          store<f64>(out, alpha * load<f64>(from));
          from += step;
          out += <usize>(D_MR << 3);
        }
      } else {
        for (let p = 0; p < kc; p++) {
          store<f64>(out, 0.0);
          out += <usize>(D_MR << 3);
        }
      }
    }
  }
}

/** Packs op(B)[0..kc)[0..nc) (element (p,j) at src[p*rs + j*cs]) into NR-column panels. */
function dpackB(kc: i32, nc: i32, src: usize, rs: i32, cs: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += D_NR) {
    const cols = min(D_NR, nc - jr);
    const panel = dst + (<usize>(jr * kc) << 3);
    if (cols == D_NR && cs == 1) {
      // Rows of op(B) are contiguous: two vector copies per row.
      let from = src + (<usize>jr << 3);
      let out = panel;
      const step = <usize>rs << 3;
      for (let p = 0; p < kc; p++) {
        v128.store(out, v128.load(from));
        v128.store(out, v128.load(from, 16), 16);
        from += step;
        out += <usize>(D_NR << 3);
      }
      continue;
    }
    for (let q = 0; q < D_NR; q++) {
      let out = panel + (<usize>q << 3);
      if (q < cols) {
        let from = src + (<usize>((jr + q) * cs) << 3);
        const step = <usize>rs << 3;
        for (let p = 0; p < kc; p++) {
          store<f64>(out, load<f64>(from));
          from += step;
          out += <usize>(D_NR << 3);
        }
      } else {
        for (let p = 0; p < kc; p++) {
          store<f64>(out, 0.0);
          out += <usize>(D_NR << 3);
        }
      }
    }
  }
}

/**
 * One f64x2 of a tile's write-back: v = C + acc (0 + acc when `over`, the first depth block of a
 * beta = 0 product, whose C is not read), then the epilogue `act` (see dgemm) on the final value:
 * -1 none; 0 ReLU / leaky ReLU, C ← v·g and S ← g with g = 1 if v > 0 else leak; 1 linear, S ← 1;
 * 2 mask, C ← v·S. The same operations, in the same order, as dscale + add + dactivation.
 */
@inline function dput(p: usize, s: usize, acc: v128, over: bool, act: i32, lk: v128): void {
  const v = f64x2.add(over ? f64x2.splat(0.0) : v128.load(p), acc);
  if (act == 0) {
    const g = v128.bitselect(f64x2.splat(1.0), lk, f64x2.gt(v, f64x2.splat(0.0)));
    v128.store(p, f64x2.mul(v, g));
    v128.store(s, g);
  } else if (act == 1) {
    v128.store(p, v);
    v128.store(s, f64x2.splat(1.0));
  } else if (act == 2) {
    v128.store(p, f64x2.mul(v, v128.load(s)));
  } else {
    v128.store(p, v);
  }
}

/** The scalar counterpart of dput (edge tiles). */
@inline function dputScalar(p: usize, s: usize, acc: f64, over: bool, act: i32, leak: f64): void {
  const v = (over ? 0.0 : load<f64>(p)) + acc;
  if (act == 0) {
    const g = v > 0.0 ? 1.0 : leak;
    store<f64>(p, v * g);
    store<f64>(s, g);
  } else if (act == 1) {
    store<f64>(p, v);
    store<f64>(s, 1.0);
  } else if (act == 2) {
    store<f64>(p, v * load<f64>(s));
  } else {
    store<f64>(p, v);
  }
}

/**
 * C tile (rows×cols of a 4×4 tile, row stride ldc elements) += packed A panel · packed B panel,
 * or = when `over`; then the epilogue `act` (-1 none) with the slope/mask tile at C + sd.
 */
function dkernel(
  kc: i32, a: usize, b: usize, c: usize, ldc: i32, rows: i32, cols: i32, tile: usize,
  over: bool, act: i32, leak: f64, sd: usize,
): void {
  let c00 = f64x2.splat(0.0);
  let c01 = f64x2.splat(0.0);
  let c10 = f64x2.splat(0.0);
  let c11 = f64x2.splat(0.0);
  let c20 = f64x2.splat(0.0);
  let c21 = f64x2.splat(0.0);
  let c30 = f64x2.splat(0.0);
  let c31 = f64x2.splat(0.0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load64_splat(a);
    c00 = f64x2.add(c00, f64x2.mul(x, b0));
    c01 = f64x2.add(c01, f64x2.mul(x, b1));
    x = v128.load64_splat(a, 8);
    c10 = f64x2.add(c10, f64x2.mul(x, b0));
    c11 = f64x2.add(c11, f64x2.mul(x, b1));
    x = v128.load64_splat(a, 16);
    c20 = f64x2.add(c20, f64x2.mul(x, b0));
    c21 = f64x2.add(c21, f64x2.mul(x, b1));
    x = v128.load64_splat(a, 24);
    c30 = f64x2.add(c30, f64x2.mul(x, b0));
    c31 = f64x2.add(c31, f64x2.mul(x, b1));
    a += 32;
    b += 32;
  }
  const ldcBytes = <usize>ldc << 3;
  if (rows == D_MR && cols == D_NR) {
    let row = c;
    if (!over && act < 0) {
      v128.store(row, f64x2.add(v128.load(row), c00));
      v128.store(row, f64x2.add(v128.load(row, 16), c01), 16);
      row += ldcBytes;
      v128.store(row, f64x2.add(v128.load(row), c10));
      v128.store(row, f64x2.add(v128.load(row, 16), c11), 16);
      row += ldcBytes;
      v128.store(row, f64x2.add(v128.load(row), c20));
      v128.store(row, f64x2.add(v128.load(row, 16), c21), 16);
      row += ldcBytes;
      v128.store(row, f64x2.add(v128.load(row), c30));
      v128.store(row, f64x2.add(v128.load(row, 16), c31), 16);
      return;
    }
    const lk = f64x2.splat(leak);
    dput(row, row + sd, c00, over, act, lk);
    dput(row + 16, row + sd + 16, c01, over, act, lk);
    row += ldcBytes;
    dput(row, row + sd, c10, over, act, lk);
    dput(row + 16, row + sd + 16, c11, over, act, lk);
    row += ldcBytes;
    dput(row, row + sd, c20, over, act, lk);
    dput(row + 16, row + sd + 16, c21, over, act, lk);
    row += ldcBytes;
    dput(row, row + sd, c30, over, act, lk);
    dput(row + 16, row + sd + 16, c31, over, act, lk);
    return;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  for (let r = 0; r < rows; r++) {
    const row = c + <usize>r * ldcBytes;
    const t = tile + (<usize>(r * D_NR) << 3);
    for (let q = 0; q < cols; q++) {
      const p = row + (<usize>q << 3);
      dputScalar(p, p + sd, load<f64>(t + (<usize>q << 3)), over, act, leak);
    }
  }
}

/** The epilogue alone over C's rows (a product with nothing to add: alpha = 0 or an empty dimension). */
function depilogue(m: i32, n: i32, c: usize, ldc: i32, act: i32, leak: f64, slope: usize): void {
  if (act < 0) return;
  for (let i = 0; i < m; i++) {
    const offset = <usize>i * <usize>ldc << 3;
    if (act == 2) {
      for (let j = 0; j < n; j++) {
        const p = c + offset + (<usize>j << 3);
        store<f64>(p, load<f64>(p) * load<f64>(slope + offset + (<usize>j << 3)));
      }
    } else {
      dactivation(act, leak, c + offset, slope + offset, n);
    }
  }
}

/**
 * C (m×n, row stride ldc) ← alpha·op(A)·op(B) + beta·C, all float64. op(A)[i][p] is a[i*lda + p],
 * or a[p*lda + i] when transA; op(B)[p][j] is b[p*ldb + j], or b[j*ldb + p] when transB.
 * `work` must hold workspaceBytes() bytes, 16-byte aligned.
 *
 * `act` is an epilogue applied to the final C as it is stored (no separate pass over it), with the
 * n×m matrix S at `slope` (row stride ldc): -1 none; 0 ReLU / leaky ReLU, C ← σ(C) and S ← σ'(C)
 * (σ'(z) = 1 if z > 0 else `leak`, σ(z) = z·σ'(z), as dactivation); 1 linear, S ← 1; 2 mask,
 * C ← C ⊙ S. Bit-identical to the product followed by the separate pass.
 */
export function dgemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f64,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f64, c: usize, ldc: i32, work: usize,
  prepacked: usize, prepackedRows: i32, rowOffset: i32,
  act: i32, leak: f64, slope: usize,
): void {
  if (alpha == 0.0 || m == 0 || n == 0 || k == 0) {
    dscale(m, n, beta, c, ldc);
    depilogue(m, n, c, ldc, act, leak, slope);
    return;
  }
  // beta = 0: C is not cleared first, the first depth block stores instead of adding (as 0 + acc).
  const overwrite = beta == 0.0;
  if (!overwrite) dscale(m, n, beta, c, ldc);
  const sd = slope - c;
  const ars = transA ? 1 : lda;
  const acs = transA ? lda : 1;
  const brs = transB ? 1 : ldb;
  const bcs = transB ? ldb : 1;
  const packedA = work;
  const packedB = work + (<usize>(D_MC * D_KC) << 3);
  const tile = packedB + (<usize>(D_KC * D_NC) << 3);
  // A shallow product (k ≤ SHALLOW_K, one depth block) is walked row by row of C, over column
  // blocks of op(B) small enough to stay in L2: C is written in long sequential runs the prefetcher
  // follows, where the column walk below (one tile of each of MC rows per B panel) missed on every
  // C line. The order does not change any tile's arithmetic, so the results are the same.
  const shallow = k <= SHALLOW_K;
  const ncMax = shallow ? max(D_NR, min(D_NC, (SHALLOW_B_BYTES >> 3) / k / D_NR * D_NR)) : D_NC;
  for (let jc = 0; jc < n; jc += ncMax) {
    const nc = min(ncMax, n - jc);
    for (let pc = 0; pc < k; pc += D_KC) {
      const kc = min(D_KC, k - pc);
      const over = overwrite && pc == 0;
      const epilogue = pc + kc >= k ? act : -1;
      dpackB(kc, nc, b + (<usize>(pc * brs + jc * bcs) << 3), brs, bcs, packedB);
      for (let ic = 0; ic < m; ic += D_MC) {
        const mc = min(D_MC, m - ic);
        // A prepacked by dpackOperand (alpha folded in): its panels for rows rowOffset + ic … at depth pc.
        const aBlock = prepacked != 0
          ? prepacked + (<usize>(pc * prepackedRows + (rowOffset + ic) * kc) << 3)
          : packedA;
        if (prepacked == 0) dpackA(mc, kc, a + (<usize>(ic * ars + pc * acs) << 3), ars, acs, alpha, packedA);
        if (shallow) {
          for (let ir = 0; ir < mc; ir += D_MR) {
            const rows = min(D_MR, mc - ir);
            const aPanel = aBlock + (<usize>(ir * kc) << 3);
            for (let jr = 0; jr < nc; jr += D_NR) {
              dkernel(
                kc, aPanel, packedB + (<usize>(jr * kc) << 3),
                c + (<usize>((ic + ir) * ldc + jc + jr) << 3), ldc, rows, min(D_NR, nc - jr), tile,
                over, epilogue, leak, sd,
              );
            }
          }
          continue;
        }
        for (let jr = 0; jr < nc; jr += D_NR) {
          const cols = min(D_NR, nc - jr);
          const bPanel = packedB + (<usize>(jr * kc) << 3);
          for (let ir = 0; ir < mc; ir += D_MR) {
            const rows = min(D_MR, mc - ir);
            dkernel(
              kc, aBlock + (<usize>(ir * kc) << 3), bPanel,
              c + (<usize>((ic + ir) * ldc + jc + jr) << 3), ldc, rows, cols, tile,
              over, epilogue, leak, sd,
            );
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// float32

function sscale(m: i32, n: i32, beta: f32, c: usize, ldc: i32): void {
  if (beta == 1.0) return;
  for (let i = 0; i < m; i++) {
    const row = c + (<usize>i * <usize>ldc << 2);
    if (beta == 0.0) {
      memory.fill(row, 0, <usize>n << 2);
    } else {
      const vb = f32x4.splat(beta);
      let j = 0;
      for (; j + 3 < n; j += 4) {
        const p = row + (<usize>j << 2);
        v128.store(p, f32x4.mul(v128.load(p), vb));
      }
      for (; j < n; j++) {
        const p = row + (<usize>j << 2);
        store<f32>(p, load<f32>(p) * beta);
      }
    }
  }
}

function spackA(mc: i32, kc: i32, src: usize, rs: i32, cs: i32, alpha: f32, dst: usize): void {
  let ir = 0;
  if (rs == 1) {
    // op(A) = Aᵀ: row by row of A, one vector per panel (see dpackA).
    const va = f32x4.splat(alpha);
    const full = mc - mc % S_MR;
    const panelBytes = <usize>(kc * S_MR) << 2;
    for (let p = 0; p < kc; p++) {
      let from = src + (<usize>(p * cs) << 2);
      let out = dst + (<usize>(p * S_MR) << 2);
      for (let i = 0; i < full; i += S_MR) {
        v128.store(out, f32x4.mul(va, v128.load(from)));
        from += <usize>(S_MR << 2);
        out += panelBytes;
      }
    }
    ir = full;
  }
  for (; ir < mc; ir += S_MR) {
    const rows = min(S_MR, mc - ir);
    const panel = dst + (<usize>(ir * kc) << 2);
    for (let r = 0; r < S_MR; r++) {
      let out = panel + (<usize>r << 2);
      if (r < rows) {
        let from = src + (<usize>((ir + r) * rs) << 2);
        const step = <usize>cs << 2;
        for (let p = 0; p < kc; p++) {
          store<f32>(out, alpha * load<f32>(from));
          from += step;
          out += <usize>(S_MR << 2);
        }
      } else {
        for (let p = 0; p < kc; p++) {
          store<f32>(out, 0.0);
          out += <usize>(S_MR << 2);
        }
      }
    }
  }
}

function spackB(kc: i32, nc: i32, src: usize, rs: i32, cs: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += S_NR) {
    const cols = min(S_NR, nc - jr);
    const panel = dst + (<usize>(jr * kc) << 2);
    if (cols == S_NR && cs == 1) {
      let from = src + (<usize>jr << 2);
      let out = panel;
      const step = <usize>rs << 2;
      for (let p = 0; p < kc; p++) {
        v128.store(out, v128.load(from));
        v128.store(out, v128.load(from, 16), 16);
        from += step;
        out += <usize>(S_NR << 2);
      }
      continue;
    }
    for (let q = 0; q < S_NR; q++) {
      let out = panel + (<usize>q << 2);
      if (q < cols) {
        let from = src + (<usize>((jr + q) * cs) << 2);
        const step = <usize>rs << 2;
        for (let p = 0; p < kc; p++) {
          store<f32>(out, load<f32>(from));
          from += step;
          out += <usize>(S_NR << 2);
        }
      } else {
        for (let p = 0; p < kc; p++) {
          store<f32>(out, 0.0);
          out += <usize>(S_NR << 2);
        }
      }
    }
  }
}

/** float32 dput: the ReLU epilogue forms v·g in float64 and rounds once, as sactivation does. */
@inline function sput(p: usize, s: usize, acc: v128, over: bool, act: i32, lk: v128, lk64: v128): void {
  const v = f32x4.add(over ? f32x4.splat(0.0) : v128.load(p), acc);
  if (act == 0) {
    v128.store(s, v128.bitselect(f32x4.splat(1.0), lk, f32x4.gt(v, f32x4.splat(0.0))));
    const one64 = f64x2.splat(1.0);
    const zero64 = f64x2.splat(0.0);
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    const rlo = f32x4.demote_f64x2_zero(f64x2.mul(lo, v128.bitselect(one64, lk64, f64x2.gt(lo, zero64))));
    const rhi = f32x4.demote_f64x2_zero(f64x2.mul(hi, v128.bitselect(one64, lk64, f64x2.gt(hi, zero64))));
    v128.store(p, v128.shuffle<f32>(rlo, rhi, 0, 1, 4, 5));
  } else if (act == 1) {
    v128.store(p, v);
    v128.store(s, f32x4.splat(1.0));
  } else if (act == 2) {
    v128.store(p, f32x4.mul(v, v128.load(s)));
  } else {
    v128.store(p, v);
  }
}

/** The scalar counterpart of sput (edge tiles). */
@inline function sputScalar(p: usize, s: usize, acc: f32, over: bool, act: i32, leak: f64): void {
  const v = (over ? <f32>0.0 : load<f32>(p)) + acc;
  if (act == 0) {
    const w = <f64>v;
    const g = w > 0.0 ? 1.0 : leak;
    store<f32>(p, <f32>(w * g));
    store<f32>(s, <f32>g);
  } else if (act == 1) {
    store<f32>(p, v);
    store<f32>(s, 1.0);
  } else if (act == 2) {
    store<f32>(p, v * load<f32>(s));
  } else {
    store<f32>(p, v);
  }
}

function skernel(
  kc: i32, a: usize, b: usize, c: usize, ldc: i32, rows: i32, cols: i32, tile: usize,
  over: bool, act: i32, leak: f64, sd: usize,
): void {
  let c00 = f32x4.splat(0.0);
  let c01 = f32x4.splat(0.0);
  let c10 = f32x4.splat(0.0);
  let c11 = f32x4.splat(0.0);
  let c20 = f32x4.splat(0.0);
  let c21 = f32x4.splat(0.0);
  let c30 = f32x4.splat(0.0);
  let c31 = f32x4.splat(0.0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
    a += 16;
    b += 32;
  }
  const ldcBytes = <usize>ldc << 2;
  if (rows == S_MR && cols == S_NR) {
    let row = c;
    if (!over && act < 0) {
      v128.store(row, f32x4.add(v128.load(row), c00));
      v128.store(row, f32x4.add(v128.load(row, 16), c01), 16);
      row += ldcBytes;
      v128.store(row, f32x4.add(v128.load(row), c10));
      v128.store(row, f32x4.add(v128.load(row, 16), c11), 16);
      row += ldcBytes;
      v128.store(row, f32x4.add(v128.load(row), c20));
      v128.store(row, f32x4.add(v128.load(row, 16), c21), 16);
      row += ldcBytes;
      v128.store(row, f32x4.add(v128.load(row), c30));
      v128.store(row, f32x4.add(v128.load(row, 16), c31), 16);
      return;
    }
    const lk = f32x4.splat(<f32>leak);
    const lk64 = f64x2.splat(leak);
    sput(row, row + sd, c00, over, act, lk, lk64);
    sput(row + 16, row + sd + 16, c01, over, act, lk, lk64);
    row += ldcBytes;
    sput(row, row + sd, c10, over, act, lk, lk64);
    sput(row + 16, row + sd + 16, c11, over, act, lk, lk64);
    row += ldcBytes;
    sput(row, row + sd, c20, over, act, lk, lk64);
    sput(row + 16, row + sd + 16, c21, over, act, lk, lk64);
    row += ldcBytes;
    sput(row, row + sd, c30, over, act, lk, lk64);
    sput(row + 16, row + sd + 16, c31, over, act, lk, lk64);
    return;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  for (let r = 0; r < rows; r++) {
    const row = c + <usize>r * ldcBytes;
    const t = tile + (<usize>(r * S_NR) << 2);
    for (let q = 0; q < cols; q++) {
      const p = row + (<usize>q << 2);
      sputScalar(p, p + sd, load<f32>(t + (<usize>q << 2)), over, act, leak);
    }
  }
}

/** float32 depilogue. */
function sepilogue(m: i32, n: i32, c: usize, ldc: i32, act: i32, leak: f64, slope: usize): void {
  if (act < 0) return;
  for (let i = 0; i < m; i++) {
    const offset = <usize>i * <usize>ldc << 2;
    if (act == 2) {
      for (let j = 0; j < n; j++) {
        const p = c + offset + (<usize>j << 2);
        store<f32>(p, load<f32>(p) * load<f32>(slope + offset + (<usize>j << 2)));
      }
    } else {
      sactivation(act, leak, c + offset, slope + offset, n);
    }
  }
}

/** float32 counterpart of dgemm (float32 arithmetic throughout). */
export function sgemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, work: usize,
  prepacked: usize, prepackedRows: i32, rowOffset: i32,
  act: i32, leak: f64, slope: usize,
): void {
  if (alpha == 0.0 || m == 0 || n == 0 || k == 0) {
    sscale(m, n, beta, c, ldc);
    sepilogue(m, n, c, ldc, act, leak, slope);
    return;
  }
  const overwrite = beta == 0.0;
  if (!overwrite) sscale(m, n, beta, c, ldc);
  const sd = slope - c;
  const ars = transA ? 1 : lda;
  const acs = transA ? lda : 1;
  const brs = transB ? 1 : ldb;
  const bcs = transB ? ldb : 1;
  const packedA = work;
  const packedB = work + (<usize>(S_MC * S_KC) << 2);
  const tile = packedB + (<usize>(S_KC * S_NC) << 2);
  // A shallow product (k ≤ SHALLOW_K, one depth block) is walked row by row of C, over column
  // blocks of op(B) small enough to stay in L2: C is written in long sequential runs the prefetcher
  // follows, where the column walk below (one tile of each of MC rows per B panel) missed on every
  // C line. The order does not change any tile's arithmetic, so the results are the same.
  const shallow = k <= SHALLOW_K;
  const ncMax = shallow ? max(S_NR, min(S_NC, (SHALLOW_B_BYTES >> 2) / k / S_NR * S_NR)) : S_NC;
  for (let jc = 0; jc < n; jc += ncMax) {
    const nc = min(ncMax, n - jc);
    for (let pc = 0; pc < k; pc += S_KC) {
      const kc = min(S_KC, k - pc);
      const over = overwrite && pc == 0;
      const epilogue = pc + kc >= k ? act : -1;
      spackB(kc, nc, b + (<usize>(pc * brs + jc * bcs) << 2), brs, bcs, packedB);
      for (let ic = 0; ic < m; ic += S_MC) {
        const mc = min(S_MC, m - ic);
        // A prepacked by spackOperand (alpha folded in): its panels for rows rowOffset + ic … at depth pc.
        const aBlock = prepacked != 0
          ? prepacked + (<usize>(pc * prepackedRows + (rowOffset + ic) * kc) << 2)
          : packedA;
        if (prepacked == 0) spackA(mc, kc, a + (<usize>(ic * ars + pc * acs) << 2), ars, acs, alpha, packedA);
        if (shallow) {
          for (let ir = 0; ir < mc; ir += S_MR) {
            const rows = min(S_MR, mc - ir);
            const aPanel = aBlock + (<usize>(ir * kc) << 2);
            for (let jr = 0; jr < nc; jr += S_NR) {
              skernel(
                kc, aPanel, packedB + (<usize>(jr * kc) << 2),
                c + (<usize>((ic + ir) * ldc + jc + jr) << 2), ldc, rows, min(S_NR, nc - jr), tile,
                over, epilogue, leak, sd,
              );
            }
          }
          continue;
        }
        for (let jr = 0; jr < nc; jr += S_NR) {
          const cols = min(S_NR, nc - jr);
          const bPanel = packedB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += S_MR) {
            const rows = min(S_MR, mc - ir);
            skernel(
              kc, aBlock + (<usize>(ir * kc) << 2), bPanel,
              c + (<usize>((ic + ir) * ldc + jc + jr) << 2), ldc, rows, cols, tile,
              over, epilogue, leak, sd,
            );
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Element-wise activation passes (the primal pass of a two-layer network after Z = X·Uᵀ)

/**
 * float64, in place over z[0..count): kind 0 (ReLU / leaky ReLU), σ'(z) = 1 if z > 0 else leak and
 * σ(z) = z·σ'(z) (so NaN and −∞ give NaN); kind 1 (linear), σ(z) = z and σ'(z) = 1. σ(z) overwrites
 * z, σ'(z) goes to slope.
 */
export function dactivation(kind: i32, leak: f64, z: usize, slope: usize, count: i32): void {
  const one = f64x2.splat(1.0);
  let i = 0;
  if (kind == 1) {
    for (; i + 1 < count; i += 2) v128.store(slope + (<usize>i << 3), one);
    for (; i < count; i++) store<f64>(slope + (<usize>i << 3), 1.0);
    return;
  }
  const zero = f64x2.splat(0.0);
  const lk = f64x2.splat(leak);
  for (; i + 3 < count; i += 4) {
    const p = z + (<usize>i << 3);
    const s = slope + (<usize>i << 3);
    const v0 = v128.load(p);
    const v1 = v128.load(p, 16);
    const g0 = v128.bitselect(one, lk, f64x2.gt(v0, zero));
    const g1 = v128.bitselect(one, lk, f64x2.gt(v1, zero));
    v128.store(p, f64x2.mul(v0, g0));
    v128.store(p, f64x2.mul(v1, g1), 16);
    v128.store(s, g0);
    v128.store(s, g1, 16);
  }
  for (; i < count; i++) {
    const p = z + (<usize>i << 3);
    const v = load<f64>(p);
    const g = v > 0.0 ? 1.0 : leak;
    store<f64>(p, v * g);
    store<f64>(slope + (<usize>i << 3), g);
  }
}

/**
 * float32 counterpart of dactivation. The product z·σ'(z) is formed in float64 and rounded once,
 * as the TypeScript reference does when it stores into a float32 array.
 */
export function sactivation(kind: i32, leak: f64, z: usize, slope: usize, count: i32): void {
  const one = f32x4.splat(1.0);
  let i = 0;
  if (kind == 1) {
    for (; i + 3 < count; i += 4) v128.store(slope + (<usize>i << 2), one);
    for (; i < count; i++) store<f32>(slope + (<usize>i << 2), 1.0);
    return;
  }
  const zero = f32x4.splat(0.0);
  const lk = f32x4.splat(<f32>leak);
  const one64 = f64x2.splat(1.0);
  const lk64 = f64x2.splat(leak);
  const zero64 = f64x2.splat(0.0);
  for (; i + 3 < count; i += 4) {
    const p = z + (<usize>i << 2);
    const v = v128.load(p);
    v128.store(slope + (<usize>i << 2), v128.bitselect(one, lk, f32x4.gt(v, zero)));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    const rlo = f32x4.demote_f64x2_zero(f64x2.mul(lo, v128.bitselect(one64, lk64, f64x2.gt(lo, zero64))));
    const rhi = f32x4.demote_f64x2_zero(f64x2.mul(hi, v128.bitselect(one64, lk64, f64x2.gt(hi, zero64))));
    v128.store(p, v128.shuffle<f32>(rlo, rhi, 0, 1, 4, 5));
  }
  for (; i < count; i++) {
    const p = z + (<usize>i << 2);
    const v = <f64>load<f32>(p);
    const g = v > 0.0 ? 1.0 : leak;
    store<f32>(p, <f32>(v * g));
    store<f32>(slope + (<usize>i << 2), <f32>g);
  }
}

/**
 * Packs alpha·op(A) (m×k; element (i,p) at a[i*lda + p], or a[p*lda + i] when transA) once, for
 * many dgemm calls with the same A: for each KC-deep block, all ⌈m/MR⌉ row panels in a row, so the
 * panel of rows i… (i a multiple of MR) at depth block pc starts at element pc·rows + i·kc with
 * rows = ⌈m/MR⌉·MR. `dst` must hold rows·k elements.
 */
export function dpackOperand(transA: i32, m: i32, k: i32, alpha: f64, a: usize, lda: i32, dst: usize): void {
  const ars = transA ? 1 : lda;
  const acs = transA ? lda : 1;
  const rows = (m + D_MR - 1) / D_MR * D_MR;
  for (let pc = 0; pc < k; pc += D_KC) {
    const kc = min(D_KC, k - pc);
    dpackA(m, kc, a + (<usize>(pc * acs) << 3), ars, acs, alpha, dst + (<usize>(pc * rows) << 3));
  }
}

/** The row quantum of prepacked operands (MR): a thread's first row must be a multiple of it. */
export function dpackRowQuantum(): i32 {
  return D_MR;
}

/**
 * Packs alpha·op(A) (m×k; element (i,p) at a[i*lda + p], or a[p*lda + i] when transA) once, for
 * many sgemm calls with the same A: for each KC-deep block, all ⌈m/MR⌉ row panels in a row, so the
 * panel of rows i… (i a multiple of MR) at depth block pc starts at element pc·rows + i·kc with
 * rows = ⌈m/MR⌉·MR. `dst` must hold rows·k elements.
 */
export function spackOperand(transA: i32, m: i32, k: i32, alpha: f32, a: usize, lda: i32, dst: usize): void {
  const ars = transA ? 1 : lda;
  const acs = transA ? lda : 1;
  const rows = (m + S_MR - 1) / S_MR * S_MR;
  for (let pc = 0; pc < k; pc += S_KC) {
    const kc = min(S_KC, k - pc);
    spackA(m, kc, a + (<usize>(pc * acs) << 2), ars, acs, alpha, dst + (<usize>(pc * rows) << 2));
  }
}

/** The row quantum of prepacked operands (MR): a thread's first row must be a multiple of it. */
export function spackRowQuantum(): i32 {
  return S_MR;
}

// ---------------------------------------------------------------------------------------------
// Matrix-vector products (memory-bound: one pass over A, several accumulators so the additions
// are not one serial dependency chain, which is what limits a plain loop)

/**
 * y (length m, or n when trans) ← alpha·op(A)·x + beta·y for a row-major m×n A, float64. Without
 * trans each y_i is a dot product of row i with x, summed in 8 interleaved lanes (4 f64x2); with
 * trans, y ← y + (alpha·x_i)·row i for each row in order, element by element exactly as the
 * TypeScript reference does. beta = 0 overwrites y.
 */
export function dgemv(trans: i32, m: i32, n: i32, alpha: f64, a: usize, x: usize, beta: f64, y: usize): void {
  const outLength = trans ? n : m;
  if (beta != 1.0) {
    for (let i = 0; i < outLength; i++) {
      const p = y + (<usize>i << 3);
      store<f64>(p, beta == 0.0 ? 0.0 : beta * load<f64>(p));
    }
  }
  if (alpha == 0.0) return;
  if (!trans) {
    for (let i = 0; i < m; i++) {
      const row = a + (<usize>(i * n) << 3);
      let s0 = f64x2.splat(0.0);
      let s1 = f64x2.splat(0.0);
      let s2 = f64x2.splat(0.0);
      let s3 = f64x2.splat(0.0);
      let j = 0;
      for (; j + 7 < n; j += 8) {
        const p = row + (<usize>j << 3);
        const q = x + (<usize>j << 3);
        s0 = f64x2.add(s0, f64x2.mul(v128.load(p), v128.load(q)));
        s1 = f64x2.add(s1, f64x2.mul(v128.load(p, 16), v128.load(q, 16)));
        s2 = f64x2.add(s2, f64x2.mul(v128.load(p, 32), v128.load(q, 32)));
        s3 = f64x2.add(s3, f64x2.mul(v128.load(p, 48), v128.load(q, 48)));
      }
      const s = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
      let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
      for (; j < n; j++) sum += load<f64>(row + (<usize>j << 3)) * load<f64>(x + (<usize>j << 3));
      const p = y + (<usize>i << 3);
      store<f64>(p, load<f64>(p) + alpha * sum);
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const row = a + (<usize>(i * n) << 3);
    const xi = alpha * load<f64>(x + (<usize>i << 3));
    const vx = f64x2.splat(xi);
    let j = 0;
    for (; j + 1 < n; j += 2) {
      const p = y + (<usize>j << 3);
      v128.store(p, f64x2.add(v128.load(p), f64x2.mul(vx, v128.load(row + (<usize>j << 3)))));
    }
    for (; j < n; j++) {
      const p = y + (<usize>j << 3);
      store<f64>(p, load<f64>(p) + xi * load<f64>(row + (<usize>j << 3)));
    }
  }
}

/** float32 counterpart of dgemv, in float32 arithmetic (16 interleaved lanes without trans). */
export function sgemv(trans: i32, m: i32, n: i32, alpha: f32, a: usize, x: usize, beta: f32, y: usize): void {
  const outLength = trans ? n : m;
  if (beta != 1.0) {
    for (let i = 0; i < outLength; i++) {
      const p = y + (<usize>i << 2);
      store<f32>(p, beta == 0.0 ? 0.0 : beta * load<f32>(p));
    }
  }
  if (alpha == 0.0) return;
  if (!trans) {
    for (let i = 0; i < m; i++) {
      const row = a + (<usize>(i * n) << 2);
      let s0 = f32x4.splat(0.0);
      let s1 = f32x4.splat(0.0);
      let s2 = f32x4.splat(0.0);
      let s3 = f32x4.splat(0.0);
      let j = 0;
      for (; j + 15 < n; j += 16) {
        const p = row + (<usize>j << 2);
        const q = x + (<usize>j << 2);
        s0 = f32x4.add(s0, f32x4.mul(v128.load(p), v128.load(q)));
        s1 = f32x4.add(s1, f32x4.mul(v128.load(p, 16), v128.load(q, 16)));
        s2 = f32x4.add(s2, f32x4.mul(v128.load(p, 32), v128.load(q, 32)));
        s3 = f32x4.add(s3, f32x4.mul(v128.load(p, 48), v128.load(q, 48)));
      }
      const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
      let sum = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
      for (; j < n; j++) sum += load<f32>(row + (<usize>j << 2)) * load<f32>(x + (<usize>j << 2));
      const p = y + (<usize>i << 2);
      store<f32>(p, load<f32>(p) + alpha * sum);
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const row = a + (<usize>(i * n) << 2);
    const xi = alpha * load<f32>(x + (<usize>i << 2));
    const vx = f32x4.splat(xi);
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const p = y + (<usize>j << 2);
      v128.store(p, f32x4.add(v128.load(p), f32x4.mul(vx, v128.load(row + (<usize>j << 2)))));
    }
    for (; j < n; j++) {
      const p = y + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + xi * load<f32>(row + (<usize>j << 2)));
    }
  }
}
