import Torch

/// Rotations of images by multiples of 90°, for ReMixMatch's rotation loss (Berthelot et al., ICLR 2020;
/// ytaek-oh/daso `lib/algorithm/remixmatch.py`, spec §4.5). Over the (H, W) axes of [N, C, H, W], as
/// `torch.rot90(x, k, [H, W])` turns an image counter-clockwise:
///
///     k = 1: flip W, then swap H and W      k = 2: flip H and W      k = 3: flip H, then swap H and W
///
/// ```swift
/// let rotated = try QuarterTurn.rotate(batch: strong1, turns: [0, 1, 2, 3])   // image i turned k_i · 90°
/// ```
public enum QuarterTurn {
    /// The whole batch `x` [N, C, H, W] turned k · 90° counter-clockwise (k taken mod 4).
    public static func rotate(_ x: Tensor, quarterTurns k: Int) throws -> Tensor {
        switch ((k % 4) + 4) % 4 {
        case 1: return try flip(x, dim: 3).transpose(2, 3)
        case 2: return try flip(try flip(x, dim: 2), dim: 3)
        case 3: return try flip(x, dim: 2).transpose(2, 3)
        default: return x
        }
    }

    /// Image i of `x` [N, C, H, W] turned `turns[i]` · 90°; the images must be square (a quarter turn
    /// swaps H and W, and the batch stays one tensor).
    public static func rotate(batch x: Tensor, turns: [Int]) throws -> Tensor {
        guard x.shape.count == 4, x.shape[2] == x.shape[3], turns.count == x.shape[0] else {
            throw TailKitError.invalidOption("rotation needs square images [N, C, H, H] and one turn per image; got \(x.shape) and \(turns.count) turns")
        }
        let n = x.shape[0]
        // All four turns of the batch stacked as [4N, C, H, W]: row k·N + i is image i turned k times.
        let all = try Tensor.cat(try (0..<4).map { try rotate(x, quarterTurns: $0).contiguous() }, dim: 0)
        let rows = turns.enumerated().map { Int64((($0.element % 4) + 4) % 4 * n + $0.offset) }
        return try all.indexSelect(dim: 0, index: try Tensor(rows).to(device: x.device))
    }

    /// `x` reversed along `dim`.
    static func flip(_ x: Tensor, dim: Int) throws -> Tensor {
        let size = x.shape[dim]
        return try x.indexSelect(dim: dim, index: try Tensor((0..<size).reversed().map { Int64($0) }).to(device: x.device))
    }
}
