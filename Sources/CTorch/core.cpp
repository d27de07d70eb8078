// Set-up, errors, creation, introspection and conversion.
#include "internal.hpp"
#include <malloc.h>
#include <cstring>
#include <cstdio>
#include <sys/resource.h>
#include <torch/version.h>

namespace ctorch {
static thread_local std::string last_error;
void set_error(const std::string &message) { last_error = message; }

at::ScalarType scalar_type(int dtype) {
    switch (dtype) {
    case CT_FLOAT32: return at::kFloat;
    case CT_FLOAT64: return at::kDouble;
    case CT_INT64: return at::kLong;
    case CT_UINT8: return at::kByte;
    case CT_BOOL: return at::kBool;
    case CT_INT32: return at::kInt;
    case CT_FLOAT16: return at::kHalf;
    case CT_BFLOAT16: return at::kBFloat16;
    }
    throw std::invalid_argument("unknown dtype code " + std::to_string(dtype));
}

int dtype_code(at::ScalarType s) {
    switch (s) {
    case at::kFloat: return CT_FLOAT32;
    case at::kDouble: return CT_FLOAT64;
    case at::kLong: return CT_INT64;
    case at::kByte: return CT_UINT8;
    case at::kBool: return CT_BOOL;
    case at::kInt: return CT_INT32;
    case at::kHalf: return CT_FLOAT16;
    case at::kBFloat16: return CT_BFLOAT16;
    default: return -1;
    }
}

at::Device device(int type, int index) {
    if (type == CT_CUDA) return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
    return at::Device(at::kCPU);
}
}  // namespace ctorch

using namespace ctorch;

extern "C" {

void ct_init(int num_threads) {
    // glibc's defaults return big activation buffers to the OS after every step and page-fault
    // them back in the next one; these two settings keep them (measured: 20% faster, see backend.md).
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    if (num_threads > 0) at::set_num_threads(num_threads);
}

const char *ct_last_error(void) { return last_error.c_str(); }
const char *ct_torch_version(void) { return TORCH_VERSION; }
int ct_get_num_threads(void) { return at::get_num_threads(); }
void ct_set_num_threads(int n) { if (n > 0) at::set_num_threads(n); }
bool ct_cuda_available(void) { return at::hasCUDA(); }
int ct_cuda_device_count(void) {
    CT_GUARD(0, return at::hasCUDA() ? static_cast<int>(at::detail::getCUDAHooks().deviceCount()) : 0;)
}
bool ct_mkldnn_available(void) { return at::hasMKLDNN(); }

void ct_free(ct_tensor *t) { delete t; }

ct_tensor *ct_from_data(const void *data, int dtype, const int64_t *shape, int ndim) {
    CT_GUARD(nullptr, {
        auto out = at::empty(dims(shape, ndim), at::TensorOptions().dtype(scalar_type(dtype)));
        std::memcpy(out.data_ptr(), data, out.nbytes());
        return wrap(out);
    })
}

ct_tensor *ct_empty_like_undefined(void) { return wrap(at::Tensor()); }
bool ct_defined(const ct_tensor *t) { return t->t.defined(); }

ct_tensor *ct_full(const int64_t *shape, int ndim, double value, int dtype, int dev, int index) {
    CT_GUARD(nullptr, {
        auto opts = at::TensorOptions().dtype(scalar_type(dtype)).device(device(dev, index));
        return wrap(at::full(dims(shape, ndim), value, opts));
    })
}

ct_tensor *ct_arange(double start, double end, double step, int dtype) {
    CT_GUARD(nullptr, return wrap(at::arange(start, end, step, at::TensorOptions().dtype(scalar_type(dtype))));)
}

ct_tensor *ct_eye(int64_t n, int dtype) {
    CT_GUARD(nullptr, return wrap(at::eye(n, at::TensorOptions().dtype(scalar_type(dtype))));)
}

ct_tensor *ct_shallow_clone(const ct_tensor *t) { return wrap(t->t); }

int ct_dim(const ct_tensor *t) { return static_cast<int>(t->t.dim()); }

int ct_shape(const ct_tensor *t, int64_t *out, int max) {
    auto s = t->t.sizes();
    int n = static_cast<int>(s.size());
    for (int i = 0; i < n && i < max; ++i) out[i] = s[i];
    return n;
}

int64_t ct_numel(const ct_tensor *t) { return t->t.numel(); }
int ct_dtype(const ct_tensor *t) { return dtype_code(t->t.scalar_type()); }
int ct_device_type(const ct_tensor *t) { return t->t.device().is_cuda() ? CT_CUDA : CT_CPU; }
int ct_device_index(const ct_tensor *t) { return t->t.device().has_index() ? t->t.device().index() : 0; }

int ct_copy_out(const ct_tensor *t, void *dst, size_t nbytes) {
    CT_GUARD(-1, {
        auto c = t->t.detach().to(at::kCPU).contiguous();
        if (c.nbytes() != nbytes) throw std::invalid_argument("copy_out: buffer of " + std::to_string(nbytes) +
                                                              " bytes for a tensor of " + std::to_string(c.nbytes()));
        std::memcpy(dst, c.data_ptr(), nbytes);
        return 0;
    })
}

bool ct_item_double(const ct_tensor *t, double *out) { CT_GUARD(false, *out = t->t.item<double>(); return true;) }
bool ct_item_int64(const ct_tensor *t, int64_t *out) { CT_GUARD(false, *out = t->t.item<int64_t>(); return true;) }

char *ct_to_string(const ct_tensor *t) {
    CT_GUARD(nullptr, {
        std::ostringstream s;
        s << t->t;
        return strdup(s.str().c_str());
    })
}
void ct_free_string(char *s) { free(s); }

ct_tensor *ct_to(const ct_tensor *t, int dtype, int dev, int index) {
    CT_GUARD(nullptr, {
        auto st = dtype < 0 ? t->t.scalar_type() : scalar_type(dtype);
        auto d = dev < 0 ? t->t.device() : device(dev, index);
        return wrap(t->t.to(d, st));
    })
}

ct_tensor *ct_contiguous(const ct_tensor *t) { CT_GUARD(nullptr, return wrap(t->t.contiguous());) }
ct_tensor *ct_channels_last(const ct_tensor *t) {
    CT_GUARD(nullptr, return wrap(t->t.contiguous(at::MemoryFormat::ChannelsLast));)
}
bool ct_is_channels_last(const ct_tensor *t) { return t->t.dim() == 4 && t->t.is_contiguous(at::MemoryFormat::ChannelsLast); }
ct_tensor *ct_clone(const ct_tensor *t) { CT_GUARD(nullptr, return wrap(t->t.clone());) }
int ct_copy_(ct_tensor *dst, const ct_tensor *src) { CT_GUARD(-1, { at::NoGradGuard ng; dst->t.copy_(src->t); return 0; }) }
int ct_fill_(ct_tensor *t, double value) { CT_GUARD(-1, { at::NoGradGuard ng; t->t.fill_(value); return 0; }) }
int ct_zero_(ct_tensor *t) { CT_GUARD(-1, { at::NoGradGuard ng; t->t.zero_(); return 0; }) }
int ct_assign(ct_tensor *dst, const ct_tensor *src) { dst->t = src->t; return 0; }

int64_t ct_peak_rss_bytes(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return static_cast<int64_t>(u.ru_maxrss) * 1024;
}

int64_t ct_current_rss_bytes(void) {
    FILE *f = std::fopen("/proc/self/statm", "r");
    if (!f) return -1;
    long pages = 0, resident = 0;
    int n = std::fscanf(f, "%ld %ld", &pages, &resident);
    std::fclose(f);
    return n == 2 ? static_cast<int64_t>(resident) * 4096 : -1;
}

}  // extern "C"
