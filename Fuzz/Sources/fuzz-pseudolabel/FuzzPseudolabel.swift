import FuzzSupport
import TailData

/// Pseudo-label pickles (`extrapolated_targets`, `prediction_model`, `ground_truth`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPseudoLabels(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { $0 is DataError && FuzzInput.names($0) }) { bytes in
        let labels = try PseudoLabelFile.decode(bytes, name: FuzzInput.path, numClasses: 10)
        precondition(labels.targets.allSatisfy { (0..<10).contains($0) })
    }
}
