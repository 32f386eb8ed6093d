//! The small-matrix product: register-blocked tiles over raw strided
//! operands, written once against the [`Simd`] vector abstraction and
//! compiled per instruction set (see `x86.rs`) and for the portable scalar
//! fallback ([`Simd`] for `f32`/`f64` themselves, one lane).
//!
//! The driver needs the right operand with contiguous rows (`csb == 1`, or a
//! single column): each step `p` of the inner loop broadcasts `MR` elements
//! of `a` (any strides) and multiplies them into `NV` vectors of row `p` of
//! `b`, so neither operand is packed. `n == 1` with contiguous rows of `a`
//! goes to a dot-product path instead.

use crate::Scalar;
use crate::activation::{Activation, bias_add_activate_rows, bias_add_activate_slice};

/// One SIMD register of `L` lanes of `E`, and the handful of operations the
/// kernel uses. Every method is `unsafe` because the x86 implementations
/// need their instruction set (callers are `#[target_feature]` functions
/// entered only after detection) and `load`/`store` dereference pointers.
pub(crate) trait Simd: Copy {
    /// The element type.
    type E: Scalar;
    /// Lanes per register.
    const L: usize;
    /// Rows per register tile (accumulators = `MR · NV`).
    const MR: usize;
    unsafe fn zero() -> Self;
    unsafe fn splat(x: Self::E) -> Self;
    /// Unaligned load of `L` consecutive elements.
    unsafe fn load(p: *const Self::E) -> Self;
    /// Unaligned store of `L` consecutive elements.
    unsafe fn store(self, p: *mut Self::E);
    /// `self · b + c`.
    unsafe fn fma(self, b: Self, c: Self) -> Self;
    unsafe fn mul(self, b: Self) -> Self;
    /// Sum of the lanes.
    unsafe fn hsum(self) -> Self::E;
}

/// The portable fallback: one lane, plain multiply-add (no `mul_add`,
/// which is a slow library call without hardware FMA).
macro_rules! scalar_simd {
    ($t:ty) => {
        impl Simd for $t {
            type E = $t;
            const L: usize = 1;
            const MR: usize = 4;
            #[inline(always)]
            unsafe fn zero() -> Self {
                0.0
            }
            #[inline(always)]
            unsafe fn splat(x: $t) -> Self {
                x
            }
            #[inline(always)]
            unsafe fn load(p: *const $t) -> Self {
                // SAFETY: the caller guarantees `p` is in bounds.
                unsafe { *p }
            }
            #[inline(always)]
            unsafe fn store(self, p: *mut $t) {
                // SAFETY: the caller guarantees `p` is in bounds.
                unsafe { *p = self }
            }
            #[inline(always)]
            unsafe fn fma(self, b: Self, c: Self) -> Self {
                self * b + c
            }
            #[inline(always)]
            unsafe fn mul(self, b: Self) -> Self {
                self * b
            }
            #[inline(always)]
            unsafe fn hsum(self) -> $t {
                self
            }
        }
    };
}
scalar_simd!(f32);
scalar_simd!(f64);

/// A product `c ← alpha · a·b + beta · c` over raw strided operands
/// (`m × k` times `k × n` into `m × n`), with an optional bias + activation
/// applied to each finished row of `c` (only when `c`'s rows are contiguous;
/// the caller applies it otherwise).
///
/// Invariants the caller (`gemm.rs`) guarantees: all strides are
/// non-negative, every index `i·rs + j·cs` inside the shape addresses an
/// element of the corresponding operand, `c` is exclusively borrowed and
/// does not overlap `a` or `b`, `m, n, k ≥ 1`, and `csb == 1 || n == 1`.
pub(crate) struct Problem<'e, E> {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub alpha: E,
    pub beta: E,
    pub a: *const E,
    pub rsa: isize,
    pub csa: isize,
    pub b: *const E,
    pub rsb: isize,
    pub c: *mut E,
    pub rsc: isize,
    pub csc: isize,
    pub epilogue: Option<(&'e [E], Activation)>,
}

/// Runs the whole product with vector type `V`.
///
/// # Safety
/// The [`Problem`] invariants hold and the instruction set of `V` is
/// available.
#[inline(always)]
pub(crate) unsafe fn run<V: Simd>(p: &Problem<'_, V::E>) -> crate::Result<()> {
    // SAFETY: forwarded from the caller.
    unsafe {
        if p.n == 1 && p.csa == 1 {
            dot_rows::<V>(p);
            return finish_rows(p, 0, p.m);
        }
        let mut i = 0;
        match V::MR {
            8 => {
                while i + 8 <= p.m {
                    row_block::<V, 8>(p, i);
                    finish_rows(p, i, 8)?;
                    i += 8;
                }
            }
            _ => {
                while i + 4 <= p.m {
                    row_block::<V, 4>(p, i);
                    finish_rows(p, i, 4)?;
                    i += 4;
                }
            }
        }
        let rem = p.m - i;
        match rem {
            0 => {}
            1 => row_block::<V, 1>(p, i),
            2 => row_block::<V, 2>(p, i),
            3 => row_block::<V, 3>(p, i),
            4 => row_block::<V, 4>(p, i),
            5 => row_block::<V, 5>(p, i),
            6 => row_block::<V, 6>(p, i),
            _ => row_block::<V, 7>(p, i),
        }
        finish_rows(p, i, rem)
    }
}

/// Applies the fused bias + activation to rows `i0 .. i0 + rows` of `c`.
#[inline(always)]
unsafe fn finish_rows<E: Scalar>(p: &Problem<'_, E>, i0: usize, rows: usize) -> crate::Result<()> {
    if let (Some((bias, act)), true) = (p.epilogue, p.csc == 1) {
        if p.rsc == p.n as isize {
            // The rows follow each other: one block (one vectorised pass
            // for sigmoid/tanh even when a row is one value).
            // SAFETY: rows `i0 .. i0 + rows` of `c` are `rows · n`
            // contiguous elements of the exclusively borrowed output.
            let block = unsafe {
                std::slice::from_raw_parts_mut(p.c.offset(i0 as isize * p.rsc), rows * p.n)
            };
            return bias_add_activate_rows(block, bias, act);
        }
        for i in i0..i0 + rows {
            // SAFETY: row `i` of `c` is `n` contiguous elements (csc == 1)
            // of the exclusively borrowed output.
            let row =
                unsafe { std::slice::from_raw_parts_mut(p.c.offset(i as isize * p.rsc), p.n) };
            bias_add_activate_slice(row, bias, act)?;
        }
    }
    Ok(())
}

/// Rows `i0 .. i0 + R` of `c`: full tiles of two, then one vector, then the
/// scalar tail of fewer than `L` columns.
#[inline(always)]
unsafe fn row_block<V: Simd, const R: usize>(p: &Problem<'_, V::E>, i0: usize) {
    // SAFETY: every offset stays inside the operands (Problem invariants).
    unsafe {
        let a = p.a.offset(i0 as isize * p.rsa);
        let c = p.c.offset(i0 as isize * p.rsc);
        let mut j = 0;
        while j + 2 * V::L <= p.n {
            tile::<V, R, 2>(p, a, j, c);
            j += 2 * V::L;
        }
        if j + V::L <= p.n {
            tile::<V, R, 1>(p, a, j, c);
            j += V::L;
        }
        for jj in j..p.n {
            for i in 0..R {
                let ai = a.offset(i as isize * p.rsa);
                let mut s = <V::E as num_traits::Zero>::zero();
                for q in 0..p.k {
                    s = s + *ai.offset(q as isize * p.csa)
                        * *p.b.offset(q as isize * p.rsb + jj as isize);
                }
                write_one(p, c.offset(i as isize * p.rsc + jj as isize * p.csc), s);
            }
        }
    }
}

/// `c ← alpha·s + beta·c` for one element (`c` not read when `beta == 0`).
#[inline(always)]
unsafe fn write_one<E: Scalar>(p: &Problem<'_, E>, c: *mut E, s: E) {
    // SAFETY: `c` is an element of the output (caller).
    unsafe {
        *c = if p.beta == E::zero() {
            p.alpha * s
        } else {
            p.alpha * s + p.beta * *c
        };
    }
}

/// One `R × NV·L` register tile at column `j`: `k` rank-1 updates, then the
/// write-out.
#[inline(always)]
unsafe fn tile<V: Simd, const R: usize, const NV: usize>(
    p: &Problem<'_, V::E>,
    a: *const V::E,
    j: usize,
    c: *mut V::E,
) {
    // SAFETY: every offset stays inside the operands (Problem invariants).
    unsafe {
        let mut acc = [[V::zero(); NV]; R];
        let mut bp = p.b.add(j);
        let mut ap = a;
        for _ in 0..p.k {
            let mut bv = [V::zero(); NV];
            for (v, b) in bv.iter_mut().enumerate() {
                *b = V::load(bp.add(v * V::L));
            }
            for (i, row) in acc.iter_mut().enumerate() {
                let ai = V::splat(*ap.offset(i as isize * p.rsa));
                for (x, b) in row.iter_mut().zip(bv) {
                    *x = ai.fma(b, *x);
                }
            }
            bp = bp.offset(p.rsb);
            ap = ap.offset(p.csa);
        }
        let alpha = V::splat(p.alpha);
        let beta0 = p.beta == <V::E as num_traits::Zero>::zero();
        let beta = V::splat(p.beta);
        // Branches outside the (constant-count) loops, so that they unroll
        // and the accumulators stay in registers.
        if p.csc == 1 {
            if beta0 {
                for (i, row) in acc.iter().enumerate() {
                    let ci = c.offset(i as isize * p.rsc).add(j);
                    for (v, x) in row.iter().enumerate() {
                        x.mul(alpha).store(ci.add(v * V::L));
                    }
                }
            } else {
                for (i, row) in acc.iter().enumerate() {
                    let ci = c.offset(i as isize * p.rsc).add(j);
                    for (v, x) in row.iter().enumerate() {
                        let cp = ci.add(v * V::L);
                        V::load(cp).fma(beta, x.mul(alpha)).store(cp);
                    }
                }
            }
        } else {
            let mut lanes = [<V::E as num_traits::Zero>::zero(); 16];
            for (i, row) in acc.iter().enumerate() {
                for (v, x) in row.iter().enumerate() {
                    let cp = c.offset(i as isize * p.rsc + (j + v * V::L) as isize * p.csc);
                    x.mul(alpha).store(lanes.as_mut_ptr());
                    scatter(p, &lanes[..V::L], cp);
                }
            }
        }
    }
}

/// Writes `lanes` to `cp, cp + csc, …` (`c ← lane + beta·c`, `c` not read
/// when `beta == 0`). Out of line, so the tile's write-out loop stays small
/// enough to unroll.
#[inline(never)]
unsafe fn scatter<E: Scalar>(p: &Problem<'_, E>, lanes: &[E], cp: *mut E) {
    let beta0 = p.beta == E::zero();
    for (l, &s) in lanes.iter().enumerate() {
        // SAFETY: `cp + l·csc` for l < L are elements of the output (caller).
        unsafe {
            let e = cp.offset(l as isize * p.csc);
            *e = if beta0 { s } else { s + p.beta * *e };
        }
    }
}

/// `n == 1` with contiguous rows of `a`: four dot products at a time, the
/// column of `b` read through its stride (`rsb`).
#[inline(always)]
unsafe fn dot_rows<V: Simd>(p: &Problem<'_, V::E>) {
    // SAFETY: every offset stays inside the operands (Problem invariants).
    unsafe {
        let mut i = 0;
        while i + 4 <= p.m {
            dot_block::<V, 4>(p, i);
            i += 4;
        }
        while i < p.m {
            dot_block::<V, 1>(p, i);
            i += 1;
        }
    }
}

/// Rows `i0 .. i0 + R` of a one-column product.
#[inline(always)]
unsafe fn dot_block<V: Simd, const R: usize>(p: &Problem<'_, V::E>, i0: usize) {
    // SAFETY: every offset stays inside the operands (Problem invariants).
    unsafe {
        let k = p.k;
        let mut acc = [V::zero(); R];
        let mut q = 0;
        if p.rsb == 1 {
            let kv = k - k % V::L;
            while q < kv {
                let bv = V::load(p.b.add(q));
                for (r, x) in acc.iter_mut().enumerate() {
                    let ar = p.a.offset((i0 + r) as isize * p.rsa);
                    *x = V::load(ar.add(q)).fma(bv, *x);
                }
                q += V::L;
            }
        }
        for (r, x) in acc.iter().enumerate() {
            let ar = p.a.offset((i0 + r) as isize * p.rsa);
            let mut s = x.hsum();
            for qq in q..k {
                s = s + *ar.add(qq) * *p.b.offset(qq as isize * p.rsb);
            }
            write_one(p, p.c.offset((i0 + r) as isize * p.rsc), s);
        }
    }
}
