import Foundation

/// What one pre-training epoch produced.
public struct PretrainEpochSummary: Codable, Sendable, Equatable {
    public var epoch: Int
    public var lr: Double
    public var trainLoss: Double
    /// Rotation: share of rotations predicted right; MoCo: share of queries whose positive key
    /// scores highest among the negatives (the reference's acc@1). In percent.
    public var trainAccuracy: Double
    public var imagesPerSecond: Double
    /// Rotation only: loss and accuracy on the randomly rotated test set.
    public var testLoss: Double?
    public var testAccuracy: Double?
}

/// A pre-training run as the run folder and the console see it.
public protocol Pretrainer: AnyObject {
    var config: PretrainConfig { get }
    /// Epochs finished so far.
    var epoch: Int { get }
    /// The weights to hand to `tailkit train --pretrained`: the backbone under the supervised
    /// model's key names (`conv1.weight`, `layer1.0.bn1.running_mean`, ...).
    func checkpoint() throws -> Checkpoint
}

/// Sees a pre-training run as it goes.
public protocol PretrainObserver: AnyObject {
    func pretrainStarted(_ pretrainer: Pretrainer, totalEpochs: Int, stepsPerEpoch: Int)
    func pretrainStepEnded(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Double, lr: Double, imagesPerSecond: Double)
    func pretrainEpochEnded(_ summary: PretrainEpochSummary, pretrainer: Pretrainer) throws
}
