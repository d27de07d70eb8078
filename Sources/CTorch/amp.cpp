// Automatic mixed precision: libtorch's own autocast state (the dispatch keys that torch.autocast sets)
// and the two kernels behind torch.amp.GradScaler.
#include "internal.hpp"
#include <ATen/autocast_mode.h>

using namespace ctorch;

static at::DeviceType autocast_device(int device) { return device == CT_CUDA ? at::kCUDA : at::kCPU; }

int ct_autocast_enter(int device, int dtype, int *previous_dtype) {
    CT_GUARD(-1, {
        auto d = autocast_device(device);
        int was_enabled = at::autocast::is_autocast_enabled(d) ? 1 : 0;
        *previous_dtype = dtype_code(at::autocast::get_autocast_dtype(d));
        at::autocast::set_autocast_dtype(d, scalar_type(dtype));
        at::autocast::set_autocast_enabled(d, true);
        at::autocast::increment_nesting();
        return was_enabled;
    })
}

int ct_autocast_exit(int device, bool previous_enabled, int previous_dtype) {
    CT_GUARD(-1, {
        auto d = autocast_device(device);
        // As torch.autocast.__exit__: the cast-weight cache lives as long as the outermost region.
        if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
        at::autocast::set_autocast_enabled(d, previous_enabled);
        at::autocast::set_autocast_dtype(d, scalar_type(previous_dtype));
        return 0;
    })
}

bool ct_autocast_is_enabled(int device) { return at::autocast::is_autocast_enabled(autocast_device(device)); }

int ct_amp_unscale(ct_tensor *const *grads, int n, ct_tensor *found_inf, const ct_tensor *inv_scale) {
    CT_GUARD(-1, {
        std::vector<at::Tensor> list;
        list.reserve(n);
        for (int i = 0; i < n; i++) list.push_back(grads[i]->t);
        at::NoGradGuard guard;
        at::_amp_foreach_non_finite_check_and_unscale_(list, found_inf->t, inv_scale->t);
        return 0;
    })
}

int ct_amp_update_scale(ct_tensor *scale, ct_tensor *growth_tracker, const ct_tensor *found_inf, double growth_factor,
                        double backoff_factor, int64_t growth_interval) {
    CT_GUARD(-1, {
        at::NoGradGuard guard;
        at::_amp_update_scale_(scale->t, growth_tracker->t, found_inf->t, growth_factor, backoff_factor, growth_interval);
        return 0;
    })
}
