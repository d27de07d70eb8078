import Torch

/// MixMatch's "interleave" (Berthelot et al.'s `interleave`, used by ytaek-oh/daso
/// `lib/algorithm/mixmatch.py`, spec §4.4): a batch of n + 1 chunks of B rows is forwarded chunk by
/// chunk, so batch norm sees B rows at a time; swapping row group i of chunk 0 (the labeled one) with
/// row group i of chunk i makes every forwarded chunk mix labeled and unlabeled rows. The groups split B
/// into n + 1 parts of ⌊B / (n + 1)⌋ rows, the last B mod (n + 1) groups one row longer:
///
///     groups = [⌊B/(n+1)⌋] · (n+1);  groups[−x−1] += 1 for x < B − Σ groups;  offsets = prefix sums
///     chunk₀[group i] ↔ chunkᵢ[group i]  for i = 1 … n
///
/// The swap is its own inverse: interleaving the chunks' outputs again puts every row back.
///
/// ```swift
/// let chunks = try MixMatchInterleave.apply(try mixed.split(size: b), batch: b)
/// let logits = try MixMatchInterleave.apply(try chunks.map { try model.forward($0) }, batch: b)
/// ```
public enum MixMatchInterleave {
    /// The row offsets of the n + 1 groups of a chunk of `batch` rows.
    public static func offsets(batch: Int, chunks: Int) -> [Int] {
        var groups = [Int](repeating: batch / chunks, count: chunks)
        for x in 0..<(batch - groups.reduce(0, +)) { groups[chunks - 1 - x] += 1 }
        var out = [0]
        for g in groups { out.append(out[out.count - 1] + g) }
        return out
    }

    /// Swaps group i of chunk 0 with group i of chunk i; every chunk must have `batch` rows.
    public static func apply(_ chunks: [Tensor], batch: Int) throws -> [Tensor] {
        guard chunks.allSatisfy({ $0.shape[0] == batch }) else {
            throw TailKitError.invalidOption("MixMatch interleaves chunks of \(batch) rows, got \(chunks.map { $0.shape[0] })")
        }
        let n = chunks.count, o = offsets(batch: batch, chunks: n)
        let sizes = (0..<n).map { o[$0 + 1] - o[$0] }
        var pieces = try chunks.map { try $0.split(sizes: sizes, dim: 0) }
        for i in 1..<n { (pieces[0][i], pieces[i][i]) = (pieces[i][i], pieces[0][i]) }
        return try pieces.map { try Tensor.cat($0, dim: 0) }
    }
}
