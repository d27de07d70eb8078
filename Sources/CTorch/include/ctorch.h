/* CTorch: a plain C interface over libtorch, the only place TailKit touches C++.
 *
 * Conventions (every function follows them, so the Swift side can wrap them uniformly):
 * - A `ct_tensor *` owns one heap `at::Tensor`; free it with `ct_free`. Functions that make a
 *   tensor return a new handle, or NULL on error.
 * - No C++ exception crosses this boundary: on error a function returns NULL (or -1 / false) and
 *   `ct_last_error()` gives libtorch's message, which Swift throws as `TorchError`.
 * - dtypes and devices are small integers (CT_DTYPE_*, CT_DEVICE_*), chosen at run time.
 */
#ifndef CTORCH_H
#define CTORCH_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_tensor ct_tensor;
typedef struct ct_generator ct_generator;

enum { CT_FLOAT32 = 0, CT_FLOAT64 = 1, CT_INT64 = 2, CT_UINT8 = 3, CT_BOOL = 4, CT_INT32 = 5,
       CT_FLOAT16 = 6, CT_BFLOAT16 = 7 };
enum { CT_CPU = 0, CT_CUDA = 1 };

/* Elementwise one-input ops. */
enum { CT_NEG, CT_EXP, CT_LOG, CT_SQRT, CT_ABS, CT_RELU, CT_SIGMOID, CT_TANH, CT_SIN, CT_COS,
       CT_FLOOR, CT_CEIL, CT_ROUND, CT_SIGN, CT_RECIPROCAL, CT_SQUARE, CT_LOG1P, CT_LOGICAL_NOT, CT_ISNAN,
       CT_RSQRT, CT_ISFINITE };
/* Elementwise two-input ops (broadcasting). */
enum { CT_ADD, CT_SUB, CT_MUL, CT_DIV, CT_POW, CT_MAXIMUM, CT_MINIMUM, CT_EQ, CT_NE, CT_LT, CT_LE,
       CT_GT, CT_GE, CT_LOGICAL_AND, CT_LOGICAL_OR, CT_REMAINDER, CT_FLOOR_DIVIDE };
/* Reductions over dims (ndims == 0 means all dims). */
enum { CT_SUM, CT_MEAN, CT_AMAX, CT_AMIN, CT_LOGSUMEXP, CT_PROD, CT_STD, CT_VAR, CT_ARGMAX, CT_ARGMIN,
       CT_ALL, CT_ANY, CT_NORM };

/* Library set-up, errors, versions. */
void ct_init(int num_threads);
const char *ct_last_error(void);
const char *ct_torch_version(void);
int ct_get_num_threads(void);
void ct_set_num_threads(int n);
bool ct_cuda_available(void);
int ct_cuda_device_count(void);
bool ct_mkldnn_available(void);

/* Lifetime and creation. */
void ct_free(ct_tensor *t);
ct_tensor *ct_from_data(const void *data, int dtype, const int64_t *shape, int ndim);
ct_tensor *ct_empty_like_undefined(void);
bool ct_defined(const ct_tensor *t);
ct_tensor *ct_full(const int64_t *shape, int ndim, double value, int dtype, int device, int index);
ct_tensor *ct_arange(double start, double end, double step, int dtype);
ct_tensor *ct_eye(int64_t n, int dtype);
ct_tensor *ct_shallow_clone(const ct_tensor *t);

/* Introspection and read-back. */
int ct_dim(const ct_tensor *t);
int ct_shape(const ct_tensor *t, int64_t *out, int max);
int64_t ct_numel(const ct_tensor *t);
int ct_dtype(const ct_tensor *t);
int ct_device_type(const ct_tensor *t);
int ct_device_index(const ct_tensor *t);
int ct_copy_out(const ct_tensor *t, void *dst, size_t nbytes);
bool ct_item_double(const ct_tensor *t, double *out);
bool ct_item_int64(const ct_tensor *t, int64_t *out);
char *ct_to_string(const ct_tensor *t);
void ct_free_string(char *s);

/* Conversion and copies. */
ct_tensor *ct_to(const ct_tensor *t, int dtype, int device, int index);
ct_tensor *ct_contiguous(const ct_tensor *t);
/* The same values in channels-last (NHWC) memory order, oneDNN's preferred layout for 4-D tensors. */
ct_tensor *ct_channels_last(const ct_tensor *t);
bool ct_is_channels_last(const ct_tensor *t);
ct_tensor *ct_clone(const ct_tensor *t);
int ct_copy_(ct_tensor *dst, const ct_tensor *src);
int ct_fill_(ct_tensor *t, double value);
int ct_zero_(ct_tensor *t);
int ct_assign(ct_tensor *dst, const ct_tensor *src);

/* Elementwise math. */
ct_tensor *ct_unary(int op, const ct_tensor *a);
ct_tensor *ct_binary(int op, const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_binary_scalar(int op, const ct_tensor *a, double s);
ct_tensor *ct_rbinary_scalar(int op, double s, const ct_tensor *a);
ct_tensor *ct_clamp(const ct_tensor *a, double lo, double hi, bool has_lo, bool has_hi);
ct_tensor *ct_leaky_relu(const ct_tensor *a, double slope);
ct_tensor *ct_where(const ct_tensor *cond, const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_matmul(const ct_tensor *a, const ct_tensor *b);
int ct_add_(ct_tensor *a, const ct_tensor *b, double alpha);
int ct_mul_scalar_(ct_tensor *a, double s);

/* Reductions. */
ct_tensor *ct_reduce(int op, const ct_tensor *a, const int64_t *dims, int ndims, bool keepdim);
int ct_topk(const ct_tensor *a, int64_t k, int64_t dim, bool largest, ct_tensor **values, ct_tensor **indices);
int ct_max_dim(const ct_tensor *a, int64_t dim, bool keepdim, ct_tensor **values, ct_tensor **indices);
int ct_sort(const ct_tensor *a, int64_t dim, bool descending, ct_tensor **values, ct_tensor **indices);
ct_tensor *ct_cumsum(const ct_tensor *a, int64_t dim);

/* Indexing. */
ct_tensor *ct_gather(const ct_tensor *a, int64_t dim, const ct_tensor *index);
ct_tensor *ct_scatter(const ct_tensor *a, int64_t dim, const ct_tensor *index, const ct_tensor *src);
ct_tensor *ct_scatter_add(const ct_tensor *a, int64_t dim, const ct_tensor *index, const ct_tensor *src);
ct_tensor *ct_index_select(const ct_tensor *a, int64_t dim, const ct_tensor *index);
ct_tensor *ct_masked_fill(const ct_tensor *a, const ct_tensor *mask, double value);
ct_tensor *ct_masked_select(const ct_tensor *a, const ct_tensor *mask);
ct_tensor *ct_narrow(const ct_tensor *a, int64_t dim, int64_t start, int64_t length);
ct_tensor *ct_select(const ct_tensor *a, int64_t dim, int64_t index);
ct_tensor *ct_slice(const ct_tensor *a, int64_t dim, int64_t start, int64_t end, int64_t step);
ct_tensor *ct_nonzero(const ct_tensor *a);

/* Shapes. */
ct_tensor *ct_reshape(const ct_tensor *a, const int64_t *shape, int ndim);
ct_tensor *ct_permute(const ct_tensor *a, const int64_t *dims, int ndim);
ct_tensor *ct_transpose(const ct_tensor *a, int64_t d0, int64_t d1);
ct_tensor *ct_flatten(const ct_tensor *a, int64_t start, int64_t end);
ct_tensor *ct_unsqueeze(const ct_tensor *a, int64_t dim);
ct_tensor *ct_squeeze(const ct_tensor *a, int64_t dim);
ct_tensor *ct_expand(const ct_tensor *a, const int64_t *shape, int ndim);
ct_tensor *ct_cat(ct_tensor *const *ts, int n, int64_t dim);
ct_tensor *ct_stack(ct_tensor *const *ts, int n, int64_t dim);
int ct_split(const ct_tensor *a, const int64_t *sizes, int n, int64_t dim, ct_tensor **out);

/* Neural-network functions. */
ct_tensor *ct_conv2d(const ct_tensor *x, const ct_tensor *w, const ct_tensor *b /*nullable*/,
                     int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t groups);
ct_tensor *ct_linear(const ct_tensor *x, const ct_tensor *w, const ct_tensor *b /*nullable*/);
ct_tensor *ct_batch_norm(const ct_tensor *x, const ct_tensor *w, const ct_tensor *b,
                         ct_tensor *running_mean, ct_tensor *running_var,
                         bool training, double momentum, double eps);
ct_tensor *ct_max_pool2d(const ct_tensor *x, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw);
ct_tensor *ct_avg_pool2d(const ct_tensor *x, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw);
ct_tensor *ct_adaptive_avg_pool2d(const ct_tensor *x, int64_t oh, int64_t ow);
ct_tensor *ct_adaptive_max_pool2d(const ct_tensor *x, int64_t oh, int64_t ow);
ct_tensor *ct_dropout(const ct_tensor *x, double p, bool training);
ct_tensor *ct_softmax(const ct_tensor *x, int64_t dim);
ct_tensor *ct_log_softmax(const ct_tensor *x, int64_t dim);
/* Class-index targets (int64) or soft targets (float, same shape as logits); reduction 0 none, 1 mean, 2 sum. */
ct_tensor *ct_cross_entropy(const ct_tensor *logits, const ct_tensor *target, const ct_tensor *weight /*nullable*/,
                            int reduction, double label_smoothing);
ct_tensor *ct_nll_loss(const ct_tensor *logp, const ct_tensor *target, const ct_tensor *weight, int reduction);
ct_tensor *ct_mse_loss(const ct_tensor *a, const ct_tensor *b, int reduction);
ct_tensor *ct_normalize(const ct_tensor *x, double p, int64_t dim, double eps);
ct_tensor *ct_one_hot(const ct_tensor *labels, int64_t num_classes);
/* mode: 0 nearest, 1 bilinear (align_corners false). */
ct_tensor *ct_interpolate(const ct_tensor *x, int64_t oh, int64_t ow, int mode);
/* pads: (left, right, top, bottom, ...) as torch.nn.functional.pad; mode 0 constant, 1 reflect, 2 replicate. */
ct_tensor *ct_pad(const ct_tensor *x, const int64_t *pads, int n, int mode, double value);

/* Autograd. */
int ct_set_requires_grad(ct_tensor *t, bool flag);
bool ct_requires_grad(const ct_tensor *t);
int ct_backward(const ct_tensor *t, const ct_tensor *grad /*nullable*/, bool retain_graph);
ct_tensor *ct_grad(const ct_tensor *t);
int ct_zero_grad(ct_tensor *t);
ct_tensor *ct_detach(const ct_tensor *t);
bool ct_set_grad_enabled(bool enabled);
bool ct_is_grad_enabled(void);
/* Gradients of outputs w.r.t. inputs without touching .grad (torch.autograd.grad). */
int ct_autograd_grad(ct_tensor *const *outputs, int nout, ct_tensor *const *inputs, int nin,
                     bool create_graph, ct_tensor **out_grads);

/* Randomness. A NULL generator means libtorch's default one, seeded by ct_manual_seed. */
void ct_manual_seed(uint64_t seed);
ct_generator *ct_generator_new(uint64_t seed);
void ct_generator_free(ct_generator *g);
int ct_generator_get_state(ct_generator *g, uint8_t *out, size_t cap);
int ct_generator_set_state(ct_generator *g, const uint8_t *state, size_t n);
ct_tensor *ct_rand(const int64_t *shape, int ndim, int dtype, ct_generator *g);
ct_tensor *ct_randn(const int64_t *shape, int ndim, int dtype, ct_generator *g);
ct_tensor *ct_randint(int64_t low, int64_t high, const int64_t *shape, int ndim, ct_generator *g);
ct_tensor *ct_randperm(int64_t n, ct_generator *g);
ct_tensor *ct_bernoulli(const ct_tensor *p, ct_generator *g);
ct_tensor *ct_uniform_(ct_tensor *t, double lo, double hi, ct_generator *g);
ct_tensor *ct_normal_(ct_tensor *t, double mean, double std, ct_generator *g);
ct_tensor *ct_standard_gamma(const ct_tensor *alpha, ct_generator *g);
ct_tensor *ct_multinomial(const ct_tensor *probs, int64_t n, bool replacement, ct_generator *g);

/* Automatic mixed precision. `ct_autocast_enter` switches libtorch's autocast on for the device type
 * (CT_CPU or CT_CUDA) with the low-precision dtype, in the calling thread, as torch.autocast does, and
 * returns whether it was on before (-1 on error) with the previous dtype in *previous_dtype;
 * `ct_autocast_exit` restores both. `ct_amp_unscale` multiplies every gradient by inv_scale in place
 * and sets found_inf to 1 if any is inf or NaN; `ct_amp_update_scale` is GradScaler's scale update. */
int ct_autocast_enter(int device, int dtype, int *previous_dtype);
int ct_autocast_exit(int device, bool previous_enabled, int previous_dtype);
bool ct_autocast_is_enabled(int device);
int ct_amp_unscale(ct_tensor *const *grads, int n, ct_tensor *found_inf, const ct_tensor *inv_scale);
int ct_amp_update_scale(ct_tensor *scale, ct_tensor *growth_tracker, const ct_tensor *found_inf, double growth_factor,
                        double backoff_factor, int64_t growth_interval);

/* Optimizer updates, run in C++ under no-grad. `bufs` are state tensors the caller keeps;
 * an undefined buffer is created on the first step, as torch.optim does. */
int ct_sgd_step(ct_tensor *const *params, ct_tensor *const *bufs, int n, double lr, double momentum,
                double dampening, double weight_decay, bool nesterov);
int ct_adam_step(ct_tensor *const *params, ct_tensor *const *exp_avg, ct_tensor *const *exp_avg_sq, int n,
                 int64_t step, double lr, double beta1, double beta2, double eps, double weight_decay,
                 bool decoupled /* AdamW */);

/* Process memory: peak resident set size in bytes. */
int64_t ct_peak_rss_bytes(void);
int64_t ct_current_rss_bytes(void);

/* Collectives over libtorch's c10d (TCPStore + ProcessGroupGloo), as torch.distributed's "gloo" backend.
 * `ct_pg_create` blocks until all `world_size` ranks have joined the store at host:port (rank 0 serves it),
 * or fails after timeout_ms; every collective fails (-1, message in ct_last_error) when a peer is gone or
 * the timeout passes. All-reduce and broadcast pack the tensors of one dtype into flat buckets of at most
 * bucket_bytes (<= 0: one bucket), run the buckets concurrently and write the results back in place. */
typedef struct ct_process_group ct_process_group;
ct_process_group *ct_pg_create(const char *host, int port, int rank, int world_size, int64_t timeout_ms);
void ct_pg_free(ct_process_group *pg);
int ct_pg_rank(const ct_process_group *pg);
int ct_pg_world_size(const ct_process_group *pg);
int ct_pg_allreduce(ct_process_group *pg, ct_tensor *const *tensors, int count, bool average, int64_t bucket_bytes);
int ct_pg_broadcast(ct_process_group *pg, ct_tensor *const *tensors, int count, int root, int64_t bucket_bytes);
int ct_pg_barrier(ct_process_group *pg);

#ifdef __cplusplus
}
#endif
#endif
