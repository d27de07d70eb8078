// Neural-network functions, autograd, randomness and optimizer updates.
#include "internal.hpp"
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/autograd.h>
#include <cmath>

using namespace ctorch;

namespace {
at::Tensor l2_normalize(const at::Tensor &x, double p, int64_t dim, double eps) {
    auto norm = at::linalg_vector_norm(x, p, at::IntArrayRef{dim}, /*keepdim=*/true).clamp_min(eps);
    return x / norm.expand_as(x);
}

const char *pad_mode(int mode) {
    switch (mode) {
    case 0: return "constant";
    case 1: return "reflect";
    case 2: return "replicate";
    }
    throw std::invalid_argument("unknown pad mode " + std::to_string(mode));
}

void sgd_one(at::Tensor &p, at::Tensor &buf, double lr, double momentum, double dampening, double wd, bool nesterov) {
    auto g = p.grad();
    if (!g.defined()) return;
    if (wd != 0) g = g.add(p, wd);
    if (momentum != 0) {
        if (!buf.defined()) {
            buf = g.clone().detach();
        } else {
            buf.mul_(momentum).add_(g, 1 - dampening);
        }
        g = nesterov ? g.add(buf, momentum) : buf;
    }
    p.add_(g, -lr);
}

void adam_one(at::Tensor &p, at::Tensor &m, at::Tensor &v, int64_t step, double lr, double b1, double b2, double eps,
              double wd, bool decoupled) {
    auto g = p.grad();
    if (!g.defined()) return;
    if (!m.defined()) m = at::zeros_like(p);
    if (!v.defined()) v = at::zeros_like(p);
    if (wd != 0) {
        if (decoupled) p.mul_(1 - lr * wd);
        else g = g.add(p, wd);
    }
    m.mul_(b1).add_(g, 1 - b1);
    v.mul_(b2).addcmul_(g, g, 1 - b2);
    double bc1 = 1 - std::pow(b1, static_cast<double>(step));
    double bc2 = 1 - std::pow(b2, static_cast<double>(step));
    auto denom = (v.sqrt() / std::sqrt(bc2)).add_(eps);
    p.addcdiv_(m, denom, -lr / bc1);
}
}  // namespace

extern "C" {

ct_tensor *ct_conv2d(const ct_tensor *x, const ct_tensor *w, const ct_tensor *b, int64_t sh, int64_t sw, int64_t ph,
                     int64_t pw, int64_t dh, int64_t dw, int64_t groups) {
    CT_GUARD(nullptr, return wrap(at::conv2d(x->t, w->t, opt(b), {sh, sw}, {ph, pw}, {dh, dw}, groups));)
}
ct_tensor *ct_linear(const ct_tensor *x, const ct_tensor *w, const ct_tensor *b) {
    CT_GUARD(nullptr, return wrap(at::linear(x->t, w->t, opt(b)));)
}
ct_tensor *ct_batch_norm(const ct_tensor *x, const ct_tensor *w, const ct_tensor *b, ct_tensor *rm, ct_tensor *rv,
                         bool training, double momentum, double eps) {
    CT_GUARD(nullptr, return wrap(at::batch_norm(x->t, opt(w), opt(b), opt(rm), opt(rv), training, momentum, eps, true));)
}
ct_tensor *ct_max_pool2d(const ct_tensor *x, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw) {
    CT_GUARD(nullptr, return wrap(at::max_pool2d(x->t, {kh, kw}, {sh, sw}, {ph, pw}));)
}
ct_tensor *ct_avg_pool2d(const ct_tensor *x, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw) {
    CT_GUARD(nullptr, return wrap(at::avg_pool2d(x->t, {kh, kw}, {sh, sw}, {ph, pw}));)
}
ct_tensor *ct_adaptive_avg_pool2d(const ct_tensor *x, int64_t oh, int64_t ow) {
    CT_GUARD(nullptr, return wrap(at::adaptive_avg_pool2d(x->t, {oh, ow}));)
}
ct_tensor *ct_adaptive_max_pool2d(const ct_tensor *x, int64_t oh, int64_t ow) {
    CT_GUARD(nullptr, return wrap(std::get<0>(at::adaptive_max_pool2d(x->t, {oh, ow})));)
}
ct_tensor *ct_dropout(const ct_tensor *x, double p, bool training) { CT_GUARD(nullptr, return wrap(at::dropout(x->t, p, training));) }
ct_tensor *ct_softmax(const ct_tensor *x, int64_t dim) { CT_GUARD(nullptr, return wrap(at::softmax(x->t, dim));) }
ct_tensor *ct_log_softmax(const ct_tensor *x, int64_t dim) { CT_GUARD(nullptr, return wrap(at::log_softmax(x->t, dim));) }
ct_tensor *ct_cross_entropy(const ct_tensor *logits, const ct_tensor *target, const ct_tensor *weight, int reduction,
                            double label_smoothing) {
    CT_GUARD(nullptr, return wrap(at::cross_entropy_loss(logits->t, target->t, opt(weight), reduction, -100, label_smoothing));)
}
ct_tensor *ct_nll_loss(const ct_tensor *logp, const ct_tensor *target, const ct_tensor *weight, int reduction) {
    CT_GUARD(nullptr, return wrap(at::nll_loss(logp->t, target->t, opt(weight), reduction));)
}
ct_tensor *ct_mse_loss(const ct_tensor *a, const ct_tensor *b, int reduction) {
    CT_GUARD(nullptr, return wrap(at::mse_loss(a->t, b->t, reduction));)
}
ct_tensor *ct_normalize(const ct_tensor *x, double p, int64_t dim, double eps) {
    CT_GUARD(nullptr, return wrap(l2_normalize(x->t, p, dim, eps));)
}
ct_tensor *ct_one_hot(const ct_tensor *labels, int64_t n) { CT_GUARD(nullptr, return wrap(at::one_hot(labels->t, n));) }
ct_tensor *ct_interpolate(const ct_tensor *x, int64_t oh, int64_t ow, int mode) {
    CT_GUARD(nullptr, {
        if (mode == 0) return wrap(at::upsample_nearest2d(x->t, {oh, ow}));
        return wrap(at::upsample_bilinear2d(x->t, {oh, ow}, false));
    })
}
ct_tensor *ct_pad(const ct_tensor *x, const int64_t *pads, int n, int mode, double value) {
    CT_GUARD(nullptr, {
        std::optional<double> v;
        if (mode == 0) v = value;
        return wrap(at::pad(x->t, dims(pads, n), pad_mode(mode), v));
    })
}

int ct_set_requires_grad(ct_tensor *t, bool flag) { CT_GUARD(-1, { t->t.requires_grad_(flag); return 0; }) }
bool ct_requires_grad(const ct_tensor *t) { return t->t.requires_grad(); }
int ct_backward(const ct_tensor *t, const ct_tensor *grad, bool retain_graph) {
    CT_GUARD(-1, { t->t.backward(opt(grad), retain_graph); return 0; })
}
ct_tensor *ct_grad(const ct_tensor *t) { CT_GUARD(nullptr, return wrap(t->t.grad());) }
int ct_zero_grad(ct_tensor *t) { CT_GUARD(-1, { t->t.mutable_grad().reset(); return 0; }) }
ct_tensor *ct_detach(const ct_tensor *t) { CT_GUARD(nullptr, return wrap(t->t.detach());) }
bool ct_set_grad_enabled(bool enabled) {
    bool previous = c10::GradMode::is_enabled();
    c10::GradMode::set_enabled(enabled);
    return previous;
}
bool ct_is_grad_enabled(void) { return c10::GradMode::is_enabled(); }
int ct_autograd_grad(ct_tensor *const *outputs, int nout, ct_tensor *const *inputs, int nin, bool create_graph,
                     ct_tensor **out_grads) {
    CT_GUARD(-1, {
        std::vector<at::Tensor> outs, ins;
        for (int i = 0; i < nout; ++i) outs.push_back(outputs[i]->t);
        for (int i = 0; i < nin; ++i) ins.push_back(inputs[i]->t);
        auto grads = torch::autograd::grad(outs, ins, {}, create_graph, create_graph, /*allow_unused=*/true);
        for (int i = 0; i < nin; ++i) out_grads[i] = wrap(grads[i]);
        return 0;
    })
}

void ct_manual_seed(uint64_t seed) { at::manual_seed(seed); }
ct_generator *ct_generator_new(uint64_t seed) {
    CT_GUARD(nullptr, return new ct_generator{at::make_generator<at::CPUGeneratorImpl>(seed)};)
}
void ct_generator_free(ct_generator *g) { delete g; }
int ct_generator_get_state(ct_generator *g, uint8_t *out, size_t cap) {
    CT_GUARD(-1, {
        auto s = g->g.get_state();
        size_t n = static_cast<size_t>(s.numel());
        if (out != nullptr && cap >= n) std::memcpy(out, s.data_ptr(), n);
        return static_cast<int>(n);
    })
}
int ct_generator_set_state(ct_generator *g, const uint8_t *state, size_t n) {
    CT_GUARD(-1, {
        auto s = at::empty({static_cast<int64_t>(n)}, at::kByte);
        std::memcpy(s.data_ptr(), state, n);
        g->g.set_state(s);
        return 0;
    })
}
ct_tensor *ct_rand(const int64_t *shape, int ndim, int dtype, ct_generator *g) {
    CT_GUARD(nullptr, return wrap(at::rand(dims(shape, ndim), gen(g), at::TensorOptions().dtype(scalar_type(dtype))));)
}
ct_tensor *ct_randn(const int64_t *shape, int ndim, int dtype, ct_generator *g) {
    CT_GUARD(nullptr, return wrap(at::randn(dims(shape, ndim), gen(g), at::TensorOptions().dtype(scalar_type(dtype))));)
}
ct_tensor *ct_randint(int64_t low, int64_t high, const int64_t *shape, int ndim, ct_generator *g) {
    CT_GUARD(nullptr, return wrap(at::randint(low, high, dims(shape, ndim), gen(g), at::TensorOptions().dtype(at::kLong)));)
}
ct_tensor *ct_randperm(int64_t n, ct_generator *g) {
    CT_GUARD(nullptr, return wrap(at::randperm(n, gen(g), at::TensorOptions().dtype(at::kLong)));)
}
ct_tensor *ct_bernoulli(const ct_tensor *p, ct_generator *g) { CT_GUARD(nullptr, return wrap(at::bernoulli(p->t, gen(g)));) }
ct_tensor *ct_uniform_(ct_tensor *t, double lo, double hi, ct_generator *g) {
    CT_GUARD(nullptr, { at::NoGradGuard ng; t->t.uniform_(lo, hi, gen(g)); return wrap(t->t); })
}
ct_tensor *ct_normal_(ct_tensor *t, double mean, double std, ct_generator *g) {
    CT_GUARD(nullptr, { at::NoGradGuard ng; t->t.normal_(mean, std, gen(g)); return wrap(t->t); })
}
ct_tensor *ct_standard_gamma(const ct_tensor *alpha, ct_generator *g) {
    CT_GUARD(nullptr, return wrap(at::_standard_gamma(alpha->t, gen(g)));)
}
ct_tensor *ct_multinomial(const ct_tensor *probs, int64_t n, bool replacement, ct_generator *g) {
    CT_GUARD(nullptr, return wrap(at::multinomial(probs->t, n, replacement, gen(g)));)
}

int ct_sgd_step(ct_tensor *const *params, ct_tensor *const *bufs, int n, double lr, double momentum, double dampening,
                double weight_decay, bool nesterov) {
    CT_GUARD(-1, {
        at::NoGradGuard ng;
        for (int i = 0; i < n; ++i) sgd_one(params[i]->t, bufs[i]->t, lr, momentum, dampening, weight_decay, nesterov);
        return 0;
    })
}
int ct_adam_step(ct_tensor *const *params, ct_tensor *const *exp_avg, ct_tensor *const *exp_avg_sq, int n, int64_t step,
                 double lr, double beta1, double beta2, double eps, double weight_decay, bool decoupled) {
    CT_GUARD(-1, {
        at::NoGradGuard ng;
        for (int i = 0; i < n; ++i)
            adam_one(params[i]->t, exp_avg[i]->t, exp_avg_sq[i]->t, step, lr, beta1, beta2, eps, weight_decay, decoupled);
        return 0;
    })
}

}  // extern "C"
