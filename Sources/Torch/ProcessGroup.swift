import CTorch

/// A group of processes that train one model together: libtorch's c10d `TCPStore` for the rendezvous and
/// `ProcessGroupGloo` for the collectives, the objects `torch.distributed.init_process_group("gloo",
/// init_method="tcp://HOST:PORT", rank=R, world_size=N)` builds (torch/distributed/distributed_c10d.py).
///
/// Rank 0 serves the store at `host:port`; the others connect to it. Creation returns once all
/// `worldSize` ranks have joined, or throws after `timeout`; so does every collective when a peer is gone.
///
///     let group = try ProcessGroup(host: "127.0.0.1", port: 29500, rank: rank, worldSize: 2)
///     try group.allReduce(gradients, average: true)   // g_i <- (1/N) sum_r g_i^(r), in place
///     try group.broadcast(parameters, from: 0)        // every rank gets rank 0's values
///
/// Errors are `TorchError`s with c10d's or gloo's message, as for every other shim call.
public final class ProcessGroup: @unchecked Sendable {
    let handle: OpaquePointer
    public let rank: Int
    public let worldSize: Int
    /// Gradients and parameters travel in flat buckets of at most this many bytes (DDP's default, 25 MiB).
    public let bucketBytes: Int

    public init(host: String, port: Int, rank: Int, worldSize: Int, timeout: Duration = .seconds(60),
                bucketBytes: Int = 25 * 1024 * 1024) throws {
        let ms = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        guard let h = ct_pg_create(host, Int32(clamping: port), Int32(clamping: rank), Int32(clamping: worldSize), ms) else {
            throw TorchError.last()
        }
        handle = h
        self.rank = rank
        self.worldSize = worldSize
        self.bucketBytes = bucketBytes
    }

    deinit { ct_pg_free(handle) }

    /// Sums (or averages) every tensor over all ranks, in place: t <- sum_r t^(r) (divided by N if `average`).
    public func allReduce(_ tensors: [Tensor], average: Bool = false) throws {
        try withHandles(tensors) { ct_pg_allreduce(handle, $0, $1, average, Int64(bucketBytes)) }
    }

    /// Copies rank `root`'s values of every tensor into the others' tensors, in place.
    public func broadcast(_ tensors: [Tensor], from root: Int = 0) throws {
        try withHandles(tensors) { ct_pg_broadcast(handle, $0, $1, Int32(root), Int64(bucketBytes)) }
    }

    /// Returns once every rank has called it.
    public func barrier() throws {
        try checkStatus(ct_pg_barrier(handle))
    }

    private func withHandles(_ tensors: [Tensor], _ body: (UnsafePointer<OpaquePointer?>?, Int32) -> Int32) throws {
        guard !tensors.isEmpty else { return }
        let handles: [OpaquePointer?] = tensors.map { $0.handle }
        let status = withExtendedLifetime(tensors) {
            handles.withUnsafeBufferPointer { body($0.baseAddress, Int32(tensors.count)) }
        }
        try checkStatus(status)
    }
}
