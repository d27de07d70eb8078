import Foundation

/// How many epochs the demo runs so that it ends within its time limit on this machine.
///
/// A cost model counts what the demo does: per supervised epoch one training pass (its steps of
/// one batch each) and one evaluation of the whole test set; the steps of rotation pre-training;
/// pseudo-labeling the added images; the features and t-SNE of each picture. The two speeds it
/// needs, seconds per training step and per evaluated image, are measured on this machine just
/// before the runs (see `DemoExperiment`), so a slower or busier machine gets fewer epochs instead
/// of a longer demo. The plan takes the most epochs of a few choices whose estimate stays within
/// `share` of the limit, the rest being the margin for a machine that slows down during the demo.
public struct DemoPlan: Codable, Sendable, Equatable {
    /// The speed of this machine, measured on the demo's model and data.
    public struct Speed: Codable, Sendable, Equatable {
        public var secondsPerStep: Double
        public var secondsPerEvalImage: Double

        public init(secondsPerStep: Double, secondsPerEvalImage: Double) {
            self.secondsPerStep = secondsPerStep
            self.secondsPerEvalImage = secondsPerEvalImage
        }

        /// This machine's step time over that of the 2-core machine the fixed costs were measured
        /// on: t-SNE and per-epoch file writing run on the same cores and scale with it.
        var slowness: Double { max(0.25, secondsPerStep / DemoPlan.referenceSecondsPerStep) }
    }

    /// What the demo runs, in images.
    public struct Workload: Codable, Sendable, Equatable {
        public var labeledImages: Int
        /// Pseudo-labeled images that join the labeled ones in the self-training runs.
        public var addedImages: Int
        public var testImages: Int
        public var tsnePictures: Int
        public var tsnePoints: Int
        public var batchSize: Int

        public init(labeledImages: Int, addedImages: Int, testImages: Int, tsnePictures: Int, tsnePoints: Int, batchSize: Int) {
            self.labeledImages = labeledImages
            self.addedImages = addedImages
            self.testImages = testImages
            self.tsnePictures = tsnePictures
            self.tsnePoints = tsnePoints
            self.batchSize = batchSize
        }

        func steps(_ images: Int) -> Int { (images + batchSize - 1) / max(1, batchSize) }
    }

    public var epochs: Int
    public var pretrainEpochs: Int
    /// The whole demo's estimated wall time from its start, including what ran before the plan.
    public var estimatedSeconds: Double
    public var limitSeconds: Double?
    public var speed: Speed?
    /// What the estimate was made for (nil with fixed epochs).
    public var workload: Workload?

    /// ResNet-32 step (batch 128, 28x28, channels-last) on the idle 2-core development machine
    /// (the demo measured 898 img/s there).
    static let referenceSecondsPerStep = 0.14
    /// At that speed: one t-SNE of 1000 points x 1000 iterations (the three pictures, features
    /// included, took about 4 s there), and each epoch's checkpoints, log and report. Both are
    /// scaled by the measured slowness, which over-counts t-SNE when libtorch has fewer threads
    /// than cores (t-SNE uses them all): the estimate errs long.
    static let referenceTSNESeconds = 1.5
    static let referenceEpochOverheadSeconds = 0.4
    /// A run's first steps build the kernels of every layer: about this many steps' time once per run.
    static let warmupStepsPerRun = 4.0

    /// Seconds the demo's remaining work takes at `speed`.
    public static func estimate(epochs: Int, pretrainEpochs: Int, workload w: Workload, speed s: Speed) -> Double {
        let test = Double(w.testImages) * s.secondsPerEvalImage
        let overhead = referenceEpochOverheadSeconds * s.slowness
        let warmup = warmupStepsPerRun * s.secondsPerStep
        func supervised(_ images: Int) -> Double {
            warmup + Double(epochs) * (Double(w.steps(images)) * s.secondsPerStep + test + overhead)
        }
        // CE and CE + SSP on the labeled images, CE + unlabeled on the union; each uniform and balanced.
        let runs = 4 * supervised(w.labeledImages) + 2 * supervised(w.labeledImages + w.addedImages)
        let pretraining = warmup + Double(pretrainEpochs) * (Double(w.steps(w.labeledImages)) * s.secondsPerStep + overhead)
        let pseudoLabels = Double(w.addedImages) * s.secondsPerEvalImage
        return runs + pretraining + pseudoLabels + picturesSeconds(workload: w, points: w.tsnePoints, speed: s)
    }

    /// Seconds of the t-SNE pictures of `points` test images each: their features, then t-SNE (O(N²)).
    public static func picturesSeconds(workload w: Workload, points: Int, speed s: Speed) -> Double {
        Double(w.tsnePictures) * (Double(points) * s.secondsPerEvalImage + referenceTSNESeconds * s.slowness * pow(Double(points) / 1000, 2))
    }

    /// The most epochs of `choices` (pre-training as many) whose estimate, after the `spent`
    /// seconds already gone, stays within `share` of `limit`; the fewest when none does.
    public static func choose(workload: Workload, speed: Speed, limitSeconds: Double, share: Double, spent: Double,
                              choices: [Int]) -> DemoPlan {
        let sorted = Set(choices.filter { $0 > 0 }).sorted()
        func plan(_ e: Int) -> DemoPlan {
            DemoPlan(epochs: e, pretrainEpochs: e,
                     estimatedSeconds: spent + estimate(epochs: e, pretrainEpochs: e, workload: workload, speed: speed),
                     limitSeconds: limitSeconds, speed: speed, workload: workload)
        }
        var best = plan(sorted.first ?? 1)
        for e in sorted.dropFirst() {
            let candidate = plan(e)
            guard candidate.estimatedSeconds <= share * limitSeconds else { break }
            best = candidate
        }
        return best
    }

    /// The plan, in one line for the log.
    public func summary(batchSize: Int) -> String {
        var parts: [String] = []
        if let s = speed {
            parts.append(String(format: "measured %.0f img/s training, %.0f img/s evaluating", Double(batchSize) / s.secondsPerStep,
                                1 / s.secondsPerEvalImage))
        }
        var plan = "\(epochs) epochs per run, \(pretrainEpochs) of rotation pre-training"
        if let limit = limitSeconds {
            plan += ", about \(ProgressBar.clock(estimatedSeconds)) in all (the limit is \(ProgressBar.clock(limit)))"
            if estimatedSeconds > limit {
                plan += "; this machine is too busy or slow for the limit even at \(epochs) epochs"
            }
        } else if speed != nil {
            plan += ", about \(ProgressBar.clock(estimatedSeconds)) in all"
        }
        parts.append(plan)
        return parts.joined(separator: "; ")
    }
}
