// Shared by the shim's C++ files: the handle types, dtype mapping and the exception guard.
#pragma once
#include "ctorch.h"
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <string>
#include <vector>

struct ct_tensor { at::Tensor t; };
struct ct_generator { at::Generator g; };

namespace ctorch {

void set_error(const std::string &message);

inline ct_tensor *wrap(at::Tensor t) { return new ct_tensor{std::move(t)}; }

inline at::IntArrayRef dims(const int64_t *p, int n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }

at::ScalarType scalar_type(int dtype);
int dtype_code(at::ScalarType s);
at::Device device(int type, int index);

inline std::optional<at::Generator> gen(ct_generator *g) {
    if (g == nullptr) return std::nullopt;
    return g->g;
}

inline at::Tensor opt(const ct_tensor *t) { return t ? t->t : at::Tensor(); }

}  // namespace ctorch

// Every exported function body runs inside this guard: a C++ exception becomes an error
// message plus a failure value, never a crash of the Swift process.
#define CT_GUARD(fail, ...)                                                   \
    try {                                                                     \
        __VA_ARGS__                                                           \
    } catch (const c10::Error &e) {                                           \
        ctorch::set_error(e.what_without_backtrace());                        \
        return fail;                                                          \
    } catch (const std::exception &e) {                                       \
        ctorch::set_error(e.what());                                          \
        return fail;                                                          \
    } catch (...) {                                                           \
        ctorch::set_error("unknown C++ exception");                           \
        return fail;                                                          \
    }
