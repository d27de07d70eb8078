// Collectives over libtorch's own c10d: a TCPStore for the rendezvous and a ProcessGroupGloo for the
// all-reduce, broadcast and barrier, the same objects `torch.distributed.init_process_group("gloo")`
// builds (torch/distributed/distributed_c10d.py, torch/csrc/distributed/c10d/ProcessGroupGloo.cpp).
// The wheel ships c10d's headers but not gloo's, which ProcessGroupGloo.hpp includes: the few gloo
// headers it needs are in vendor/gloo (BSD licence, unchanged). Only pointers to gloo types are kept
// here, so the class layout does not depend on gloo's version.
#define USE_C10D_GLOO 1
#include "internal.hpp"
// SwiftPM defines DEBUG=1 in debug builds; gloo/common/logging.h has an enumerator of that name.
#undef DEBUG
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <chrono>
#include <map>

struct ct_process_group {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
    int rank;
    int world_size;
};

namespace {

std::string text(const std::vector<uint8_t> &bytes) { return std::string(bytes.begin(), bytes.end()); }
std::vector<uint8_t> bytes(const std::string &s) { return std::vector<uint8_t>(s.begin(), s.end()); }

bool is_loopback(const std::string &host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// Before gloo connects anything, every rank checks in through the store: a second process with the same
// rank, or one that was told another world size, is named here instead of surfacing as a gloo timeout.
void check_in(c10d::Store &store, int rank, int world_size) {
    int64_t seen = store.add("tailkit/rank/" + std::to_string(rank), 1);
    if (seen > 1)
        throw std::runtime_error("rank " + std::to_string(rank) + " joined twice: every process needs its own --rank");
    store.set("tailkit/world_size/" + std::to_string(rank), bytes(std::to_string(world_size)));
    auto mismatch = [](int zero, int r, int other) {
        return std::runtime_error("world size mismatch: rank 0 has --world-size " + std::to_string(zero) + ", rank " +
                                  std::to_string(r) + " has " + std::to_string(other));
    };
    if (rank != 0) {
        auto declared = std::stoi(text(store.get("tailkit/world_size/0")));
        store.set("tailkit/checked/" + std::to_string(rank), bytes("1"));  // rank 0 may now close the store
        if (declared != world_size) throw mismatch(declared, rank, world_size);
        return;
    }
    for (int r = 1; r < world_size; ++r) {
        auto declared = std::stoi(text(store.get("tailkit/world_size/" + std::to_string(r))));
        if (declared == world_size) continue;
        // Rank 0 serves the store: it waits (briefly) until rank r has read rank 0's world size, so that
        // rank r reports the mismatch too instead of a closed connection.
        try {
            store.wait({"tailkit/checked/" + std::to_string(r)}, std::chrono::seconds(10));
        } catch (...) {
        }
        throw mismatch(world_size, r, declared);
    }
}

// Waits for every work item; the first failure (a peer that closed its connection, a timeout) is thrown.
void wait_all(std::vector<c10::intrusive_ptr<c10d::Work>> &works) {
    for (auto &w : works) w->wait();
}

// Tensors of one dtype, packed in order into flat buckets of at most `bucket_bytes` (a tensor larger than
// that gets a bucket of its own), as DDP's reducer groups parameters (torch/csrc/distributed/c10d/reducer.cpp).
std::vector<std::vector<size_t>> buckets(const std::vector<at::Tensor> &tensors, int64_t bucket_bytes) {
    std::vector<std::vector<size_t>> out;
    std::map<at::ScalarType, size_t> open;  // dtype -> index of its bucket being filled
    std::map<at::ScalarType, int64_t> filled;
    for (size_t i = 0; i < tensors.size(); ++i) {
        auto st = tensors[i].scalar_type();
        int64_t size = tensors[i].numel() * static_cast<int64_t>(tensors[i].element_size());
        auto it = open.find(st);
        if (it == open.end() || filled[st] + size > bucket_bytes) {
            out.push_back({});
            open[st] = out.size() - 1;
            filled[st] = 0;
        }
        out[open[st]].push_back(i);
        filled[st] += size;
    }
    return out;
}

// Packs the tensors into flat buckets, runs `collective` on every bucket at once, waits for all of them,
// then copies each bucket back into its tensors (any memory layout), after `finish` (e.g. the average).
template <typename Collective, typename Finish>
void bucketed(ct_tensor *const *tensors, int count, int64_t bucket_bytes, Collective collective, Finish finish) {
    at::NoGradGuard ng;
    std::vector<at::Tensor> ts;
    for (int i = 0; i < count; ++i) ts.push_back(tensors[i]->t);
    auto groups = buckets(ts, bucket_bytes > 0 ? bucket_bytes : INT64_MAX);
    std::vector<at::Tensor> flats;
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (auto &group : groups) {
        std::vector<at::Tensor> parts;
        for (auto i : group) parts.push_back(ts[i].reshape({-1}));
        std::vector<at::Tensor> flat{at::cat(parts)};
        works.push_back(collective(flat));
        flats.push_back(flat[0]);
    }
    wait_all(works);
    for (size_t b = 0; b < groups.size(); ++b) {
        finish(flats[b]);
        int64_t offset = 0;
        for (auto i : groups[b]) {
            auto n = ts[i].numel();
            ts[i].copy_(flats[b].narrow(0, offset, n).view(ts[i].sizes()));
            offset += n;
        }
    }
}

}  // namespace

extern "C" {

ct_process_group *ct_pg_create(const char *host, int port, int rank, int world_size, int64_t timeout_ms) {
    CT_GUARD(nullptr, {
        if (world_size < 1) throw std::invalid_argument("world size must be at least 1, got " + std::to_string(world_size));
        if (rank < 0 || rank >= world_size)
            throw std::invalid_argument("rank " + std::to_string(rank) + " is outside 0..<" + std::to_string(world_size));
        if (port < 1 || port > 65535) throw std::invalid_argument("port " + std::to_string(port) + " is outside 1...65535");
        auto timeout = std::chrono::milliseconds(timeout_ms);
        c10d::TCPStoreOptions options;
        options.port = static_cast<uint16_t>(port);
        options.isServer = rank == 0;
        options.numWorkers = world_size;
        options.waitWorkers = false;  // check_in waits instead, with a message that names the missing rank
        options.timeout = timeout;
        auto store = c10::make_intrusive<c10d::TCPStore>(std::string(host), options);
        check_in(*store, rank, world_size);

        auto gloo_options = c10d::ProcessGroupGloo::Options::create_default(timeout);
        // On one machine gloo talks over loopback; elsewhere it takes the address the host name resolves to
        // (or GLOO_SOCKET_IFNAME), as torch.distributed does.
        if (is_loopback(host)) gloo_options->devices = {c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")};
        auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, gloo_options);
        return new ct_process_group{store, group, rank, world_size};
    })
}

void ct_pg_free(ct_process_group *pg) { delete pg; }
int ct_pg_rank(const ct_process_group *pg) { return pg->rank; }
int ct_pg_world_size(const ct_process_group *pg) { return pg->world_size; }

int ct_pg_allreduce(ct_process_group *pg, ct_tensor *const *tensors, int count, bool average, int64_t bucket_bytes) {
    CT_GUARD(-1, {
        bucketed(tensors, count, bucket_bytes,
                 [&](std::vector<at::Tensor> &flat) { return pg->group->allreduce(flat); },
                 [&](at::Tensor &flat) { if (average) flat.div_(pg->world_size); });
        return 0;
    })
}

int ct_pg_broadcast(ct_process_group *pg, ct_tensor *const *tensors, int count, int root, int64_t bucket_bytes) {
    CT_GUARD(-1, {
        c10d::BroadcastOptions options;
        options.rootRank = root;
        bucketed(tensors, count, bucket_bytes,
                 [&](std::vector<at::Tensor> &flat) { return pg->group->broadcast(flat, options); },
                 [](at::Tensor &) {});
        return 0;
    })
}

int ct_pg_barrier(ct_process_group *pg) {
    CT_GUARD(-1, {
        pg->group->barrier()->wait();
        return 0;
    })
}

}  // extern "C"
