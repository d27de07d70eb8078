// Elementwise math, reductions, indexing and shape ops.
#include "internal.hpp"

using namespace ctorch;

namespace {
at::Tensor unary(int op, const at::Tensor &a) {
    switch (op) {
    case CT_NEG: return a.neg();
    case CT_EXP: return a.exp();
    case CT_LOG: return a.log();
    case CT_SQRT: return a.sqrt();
    case CT_ABS: return a.abs();
    case CT_RELU: return at::relu(a);
    case CT_SIGMOID: return a.sigmoid();
    case CT_TANH: return a.tanh();
    case CT_SIN: return a.sin();
    case CT_COS: return a.cos();
    case CT_FLOOR: return a.floor();
    case CT_CEIL: return a.ceil();
    case CT_ROUND: return a.round();
    case CT_SIGN: return a.sign();
    case CT_RECIPROCAL: return a.reciprocal();
    case CT_SQUARE: return a.square();
    case CT_LOG1P: return a.log1p();
    case CT_LOGICAL_NOT: return a.logical_not();
    case CT_ISNAN: return a.isnan();
    case CT_RSQRT: return a.rsqrt();
    case CT_ISFINITE: return a.isfinite();
    }
    throw std::invalid_argument("unknown unary op " + std::to_string(op));
}

at::Tensor binary(int op, const at::Tensor &a, const at::Tensor &b) {
    switch (op) {
    case CT_ADD: return a.add(b);
    case CT_SUB: return a.sub(b);
    case CT_MUL: return a.mul(b);
    case CT_DIV: return a.div(b);
    case CT_POW: return a.pow(b);
    case CT_MAXIMUM: return at::maximum(a, b);
    case CT_MINIMUM: return at::minimum(a, b);
    case CT_EQ: return a.eq(b);
    case CT_NE: return a.ne(b);
    case CT_LT: return a.lt(b);
    case CT_LE: return a.le(b);
    case CT_GT: return a.gt(b);
    case CT_GE: return a.ge(b);
    case CT_LOGICAL_AND: return a.logical_and(b);
    case CT_LOGICAL_OR: return a.logical_or(b);
    case CT_REMAINDER: return a.remainder(b);
    case CT_FLOOR_DIVIDE: return a.div(b, "floor");
    }
    throw std::invalid_argument("unknown binary op " + std::to_string(op));
}

at::Tensor binary_scalar(int op, const at::Tensor &a, const at::Scalar &s) {
    switch (op) {
    case CT_ADD: return a.add(s);
    case CT_SUB: return a.sub(s);
    case CT_MUL: return a.mul(s);
    case CT_DIV: return a.div(s);
    case CT_POW: return a.pow(s);
    case CT_EQ: return a.eq(s);
    case CT_NE: return a.ne(s);
    case CT_LT: return a.lt(s);
    case CT_LE: return a.le(s);
    case CT_GT: return a.gt(s);
    case CT_GE: return a.ge(s);
    case CT_REMAINDER: return a.remainder(s);
    case CT_FLOOR_DIVIDE: return a.div(s, "floor");
    case CT_MAXIMUM: return a.clamp_min(s);
    case CT_MINIMUM: return a.clamp_max(s);
    }
    throw std::invalid_argument("unsupported scalar op " + std::to_string(op));
}

// Integer scalars keep integer tensors integer (torch's type promotion treats a Python int that way).
at::Scalar scalar_for(const at::Tensor &a, double s) {
    if (at::isIntegralType(a.scalar_type(), /*includeBool=*/false) && s == static_cast<double>(static_cast<int64_t>(s)))
        return at::Scalar(static_cast<int64_t>(s));
    return at::Scalar(s);
}

at::Tensor reduce(int op, const at::Tensor &a, at::IntArrayRef d, bool keepdim) {
    bool all = d.empty();
    std::vector<int64_t> every;
    if (all) for (int64_t i = 0; i < a.dim(); ++i) every.push_back(i);
    at::IntArrayRef dd = all ? at::IntArrayRef(every) : d;
    switch (op) {
    case CT_SUM: return all && !keepdim ? a.sum() : a.sum(dd, keepdim);
    case CT_MEAN: return all && !keepdim ? a.mean() : a.mean(dd, keepdim);
    case CT_AMAX: return a.amax(dd, keepdim);
    case CT_AMIN: return a.amin(dd, keepdim);
    case CT_LOGSUMEXP: return a.logsumexp(dd, keepdim);
    case CT_PROD:
        if (all) return keepdim ? a.prod().reshape(std::vector<int64_t>(a.dim(), 1)) : a.prod();
        if (d.size() != 1) throw std::invalid_argument("prod reduces over one dim at a time");
        return a.prod(d[0], keepdim);
    case CT_STD: return a.std(at::OptionalIntArrayRef(dd), 1, keepdim);
    case CT_VAR: return a.var(at::OptionalIntArrayRef(dd), 1, keepdim);
    case CT_ARGMAX:
        if (all) return a.argmax();
        if (d.size() != 1) throw std::invalid_argument("argmax takes one dim");
        return a.argmax(d[0], keepdim);
    case CT_ARGMIN:
        if (all) return a.argmin();
        if (d.size() != 1) throw std::invalid_argument("argmin takes one dim");
        return a.argmin(d[0], keepdim);
    case CT_ALL: return all && !keepdim ? a.all() : a.all(at::OptionalIntArrayRef(dd), keepdim);
    case CT_ANY: return all && !keepdim ? a.any() : a.any(at::OptionalIntArrayRef(dd), keepdim);
    case CT_NORM: return at::linalg_vector_norm(a, 2, at::OptionalIntArrayRef(dd), keepdim);
    }
    throw std::invalid_argument("unknown reduction " + std::to_string(op));
}

std::vector<at::Tensor> unwrap(ct_tensor *const *ts, int n) {
    std::vector<at::Tensor> v;
    v.reserve(n);
    for (int i = 0; i < n; ++i) v.push_back(ts[i]->t);
    return v;
}
}  // namespace

extern "C" {

ct_tensor *ct_unary(int op, const ct_tensor *a) { CT_GUARD(nullptr, return wrap(unary(op, a->t));) }
ct_tensor *ct_binary(int op, const ct_tensor *a, const ct_tensor *b) {
    CT_GUARD(nullptr, return wrap(binary(op, a->t, b->t));)
}
ct_tensor *ct_binary_scalar(int op, const ct_tensor *a, double s) {
    CT_GUARD(nullptr, return wrap(binary_scalar(op, a->t, scalar_for(a->t, s)));)
}
ct_tensor *ct_rbinary_scalar(int op, double s, const ct_tensor *a) {
    CT_GUARD(nullptr, {
        auto st = at::scalar_tensor(scalar_for(a->t, s), a->t.options().requires_grad(false));
        return wrap(binary(op, st, a->t));
    })
}
ct_tensor *ct_clamp(const ct_tensor *a, double lo, double hi, bool has_lo, bool has_hi) {
    CT_GUARD(nullptr, {
        std::optional<at::Scalar> l, h;
        if (has_lo) l = lo;
        if (has_hi) h = hi;
        return wrap(at::clamp(a->t, l, h));
    })
}
ct_tensor *ct_leaky_relu(const ct_tensor *a, double slope) { CT_GUARD(nullptr, return wrap(at::leaky_relu(a->t, slope));) }
ct_tensor *ct_where(const ct_tensor *c, const ct_tensor *a, const ct_tensor *b) {
    CT_GUARD(nullptr, return wrap(at::where(c->t, a->t, b->t));)
}
ct_tensor *ct_matmul(const ct_tensor *a, const ct_tensor *b) { CT_GUARD(nullptr, return wrap(at::matmul(a->t, b->t));) }
int ct_add_(ct_tensor *a, const ct_tensor *b, double alpha) { CT_GUARD(-1, { at::NoGradGuard ng; a->t.add_(b->t, scalar_for(a->t, alpha)); return 0; }) }
int ct_mul_scalar_(ct_tensor *a, double s) { CT_GUARD(-1, { at::NoGradGuard ng; a->t.mul_(s); return 0; }) }

ct_tensor *ct_reduce(int op, const ct_tensor *a, const int64_t *d, int nd, bool keepdim) {
    CT_GUARD(nullptr, return wrap(reduce(op, a->t, dims(d, nd), keepdim));)
}
int ct_topk(const ct_tensor *a, int64_t k, int64_t dim, bool largest, ct_tensor **values, ct_tensor **indices) {
    CT_GUARD(-1, {
        auto r = at::topk(a->t, k, dim, largest, true);
        *values = wrap(std::get<0>(r));
        *indices = wrap(std::get<1>(r));
        return 0;
    })
}
int ct_max_dim(const ct_tensor *a, int64_t dim, bool keepdim, ct_tensor **values, ct_tensor **indices) {
    CT_GUARD(-1, {
        auto r = at::max(a->t, dim, keepdim);
        *values = wrap(std::get<0>(r));
        *indices = wrap(std::get<1>(r));
        return 0;
    })
}
int ct_sort(const ct_tensor *a, int64_t dim, bool descending, ct_tensor **values, ct_tensor **indices) {
    CT_GUARD(-1, {
        auto r = at::sort(a->t, /*stable=*/true, dim, descending);
        *values = wrap(std::get<0>(r));
        *indices = wrap(std::get<1>(r));
        return 0;
    })
}
ct_tensor *ct_cumsum(const ct_tensor *a, int64_t dim) { CT_GUARD(nullptr, return wrap(a->t.cumsum(dim));) }

ct_tensor *ct_gather(const ct_tensor *a, int64_t dim, const ct_tensor *index) {
    CT_GUARD(nullptr, return wrap(at::gather(a->t, dim, index->t));)
}
ct_tensor *ct_scatter(const ct_tensor *a, int64_t dim, const ct_tensor *index, const ct_tensor *src) {
    CT_GUARD(nullptr, return wrap(at::scatter(a->t, dim, index->t, src->t));)
}
ct_tensor *ct_scatter_add(const ct_tensor *a, int64_t dim, const ct_tensor *index, const ct_tensor *src) {
    CT_GUARD(nullptr, return wrap(at::scatter_add(a->t, dim, index->t, src->t));)
}
ct_tensor *ct_index_select(const ct_tensor *a, int64_t dim, const ct_tensor *index) {
    CT_GUARD(nullptr, return wrap(at::index_select(a->t, dim, index->t));)
}
ct_tensor *ct_masked_fill(const ct_tensor *a, const ct_tensor *mask, double value) {
    CT_GUARD(nullptr, return wrap(a->t.masked_fill(mask->t, value));)
}
ct_tensor *ct_masked_select(const ct_tensor *a, const ct_tensor *mask) {
    CT_GUARD(nullptr, return wrap(at::masked_select(a->t, mask->t));)
}
ct_tensor *ct_narrow(const ct_tensor *a, int64_t dim, int64_t start, int64_t length) {
    CT_GUARD(nullptr, return wrap(a->t.narrow(dim, start, length));)
}
ct_tensor *ct_select(const ct_tensor *a, int64_t dim, int64_t index) { CT_GUARD(nullptr, return wrap(a->t.select(dim, index));) }
ct_tensor *ct_slice(const ct_tensor *a, int64_t dim, int64_t start, int64_t end, int64_t step) {
    CT_GUARD(nullptr, return wrap(a->t.slice(dim, start, end, step));)
}
ct_tensor *ct_nonzero(const ct_tensor *a) { CT_GUARD(nullptr, return wrap(a->t.nonzero());) }

ct_tensor *ct_reshape(const ct_tensor *a, const int64_t *shape, int n) { CT_GUARD(nullptr, return wrap(a->t.reshape(dims(shape, n)));) }
ct_tensor *ct_permute(const ct_tensor *a, const int64_t *d, int n) { CT_GUARD(nullptr, return wrap(a->t.permute(dims(d, n)));) }
ct_tensor *ct_transpose(const ct_tensor *a, int64_t d0, int64_t d1) { CT_GUARD(nullptr, return wrap(a->t.transpose(d0, d1));) }
ct_tensor *ct_flatten(const ct_tensor *a, int64_t s, int64_t e) { CT_GUARD(nullptr, return wrap(a->t.flatten(s, e));) }
ct_tensor *ct_unsqueeze(const ct_tensor *a, int64_t d) { CT_GUARD(nullptr, return wrap(a->t.unsqueeze(d));) }
ct_tensor *ct_squeeze(const ct_tensor *a, int64_t d) { CT_GUARD(nullptr, return wrap(a->t.squeeze(d));) }
ct_tensor *ct_expand(const ct_tensor *a, const int64_t *shape, int n) { CT_GUARD(nullptr, return wrap(a->t.expand(dims(shape, n)));) }
ct_tensor *ct_cat(ct_tensor *const *ts, int n, int64_t dim) { CT_GUARD(nullptr, return wrap(at::cat(unwrap(ts, n), dim));) }
ct_tensor *ct_stack(ct_tensor *const *ts, int n, int64_t dim) { CT_GUARD(nullptr, return wrap(at::stack(unwrap(ts, n), dim));) }
int ct_split(const ct_tensor *a, const int64_t *sizes, int n, int64_t dim, ct_tensor **out) {
    CT_GUARD(-1, {
        auto parts = a->t.split_with_sizes(dims(sizes, n), dim);
        for (size_t i = 0; i < parts.size(); ++i) out[i] = wrap(parts[i]);
        return static_cast<int>(parts.size());
    })
}

}  // extern "C"
