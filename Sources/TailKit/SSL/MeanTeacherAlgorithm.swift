import Torch
import TorchNN

/// Mean Teacher (Tarvainen & Valpola, NeurIPS 2017) as DASO runs it (`lib/algorithm/mean_teacher.py`,
/// spec §4.3): two weak views u₁, u₂ of each unlabeled image; the student (the online model) sees
/// [x_l; u₁] in one forward pass, the teacher (the EMA model, train mode, no gradient) sees u₂, and
///
///     L = CE(hook(z_l), y) + r(t) · λ_u · mean_{b,k} (softmax(z_u₁)[b,k] − softmax(z̃_u₂)[b,k])²
///
/// with λ_u = 50 (`unlabeled-weight`, DASO's MeanTeacher configs) and the linear ramp
/// r(t) = min(t / R, 1), R = `rampRatio` · steps (0.4). It makes no pseudo-labels, so it composes
/// only with add-ons that touch the labeled loss (`la`).
///
/// ```swift
/// let mt = MeanTeacherAlgorithm(unlabeledWeight: 50, rampSteps: 100_000)
/// mt.useTeacher(ema)
/// ```
public final class MeanTeacherAlgorithm: SSLAlgorithm {
    public let kind = SSLAlgorithmKind.meanteacher
    /// Two weak (flip, reflect-pad crop) views: the student's and the teacher's.
    public let unlabeledViews: String? = "mixmatch"
    public let evaluatesEMA = true
    public let unlabeledWeight: Double
    public let rampSteps: Int
    /// The EMA model whose predictions the student follows.
    public private(set) var teacher: (any ClassifierModel)?

    public init(unlabeledWeight: Double, rampSteps: Int) {
        self.unlabeledWeight = unlabeledWeight
        self.rampSteps = rampSteps
    }

    public func useTeacher(_ ema: EMAModel) { teacher = ema.model }

    /// r(t) = min(t / R, 1) (1 when R is 0).
    public func ramp(at step: Int) -> Double { rampSteps <= 0 ? 1 : min(Double(step) / Double(rampSteps), 1) }

    public func forward(model: any ClassifierModel, labeled: Tensor, labels: Tensor, unlabeled: [Tensor], step: Int) throws -> SSLForward {
        guard unlabeled.count == 2 else {
            throw TailKitError.invalidOption("Mean Teacher needs two unlabeled views (student, teacher), got \(unlabeled.count)")
        }
        guard let teacher else { throw TailKitError.invalidOption("Mean Teacher needs its EMA teacher before the first step") }
        let b = labeled.shape[0], u = unlabeled[0].shape[0]
        let logits = try model.forward(try Tensor.cat([labeled, unlabeled[0]], dim: 0).channelsLast())
        let z = try logits.split(sizes: [b, u], dim: 0)
        let teacherLogits = try withNoGrad { try teacher.forward(try unlabeled[1].channelsLast()) }.detach()
        return SSLForward(labeledLogits: z[0], labels: labels, weakLogits: z[1], teacherLogits: teacherLogits, step: step)
    }

    public func losses(_ forward: SSLForward, addOn: any ImbalanceAddOn) throws -> SSLLosses {
        guard let student = forward.weakLogits, let teacher = forward.teacherLogits else {
            throw TailKitError.invalidOption("Mean Teacher's losses need the student's and the teacher's unlabeled logits")
        }
        let labeled = try labeledLoss(forward, addOn: addOn)
        let target = try Functional.softmax(teacher.detach(), dim: 1)
        let mse = try Functional.mseLoss(try Functional.softmax(student, dim: 1), target)
        let consistency = try mse * (unlabeledWeight * ramp(at: forward.step))
        return SSLLosses(terms: [("loss_cls", labeled), ("loss_cons", consistency)] + (try addOn.extraLosses(forward)))
    }
}
