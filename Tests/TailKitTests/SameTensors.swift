import Testing
import Torch

/// Expects two named tensor lists (a checkpoint's `state_dict` or `task_state`) to be the same: as many
/// tensors, the same names in the same order, and each pair within `tolerance` (largest absolute
/// difference, in float64). `what` names the list in the messages.
///
/// ```swift
/// try expectSameTensors("state_dict", straight.stateDict, resumed.stateDict)
/// ```
func expectSameTensors(_ what: String, _ p: [(String, Tensor)], _ q: [(String, Tensor)], tolerance: Double = 1e-5,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
    try #require(p.count == q.count, "\(what): \(p.count) vs \(q.count) tensors", sourceLocation: sourceLocation)
    #expect(p.map(\.0) == q.map(\.0), sourceLocation: sourceLocation)
    for ((name, a), (_, b)) in zip(p, q) {
        let d = try (a.to(DType.float64) - b.to(DType.float64)).abs().max().item()
        #expect(d < tolerance, "\(what) \(name) differs by \(d)", sourceLocation: sourceLocation)
    }
}
