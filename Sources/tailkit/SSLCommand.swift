import ArgumentParser
import Foundation
import TailData
import TailKit
import Torch

/// `tailkit ssl`: imbalanced semi-supervised learning (DASO's benchmark) with a run folder.
struct SSLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssl",
        abstract: "Imbalanced semi-supervised learning: a base algorithm (FixMatch, ...) with an imbalance add-on (DASO, ...).",
        discussion: """
        Labeled and unlabeled data are both long-tailed, perhaps differently (Oh et al., DASO, CVPR 2022). The training set is split as DASO splits CIFAR: --num-valid images (balanced) are held out, then each class gives --labeled-head N_1 labeled and --unlabeled-head M_1 unlabeled images, then class r (0 = head) keeps int(N_1 (1/g_l)^(r/(C-1))) labeled images with g_l = --imb-labeled, and likewise M_1 and --imb-unlabeled g_u for the unlabeled ones. A negative --imb-unlabeled reverses the unlabeled ranking (class C-1 becomes the unlabeled head); --imb-unlabeled 1 keeps the unlabeled set uniform. The unlabeled images' labels are never learned from; they only measure the pseudo-labels.

        STL-10 (--dataset stl10, D/stl10_binary/): the labeled set is the 5000 train images less --num-valid (default 500 here), made long-tailed with --labeled-head (default 450 here) and --imb-labeled (default 10 here); the unlabeled set is all 100,000 images of unlabeled_X.bin, labels unknown (so --unlabeled-head and --imb-unlabeled are refused, and no pseudo-label precision/recall is logged). Every view is resized 96 -> 32 (PIL bilinear); RandAugment + Cutout act after the resize (--stl10-ra-first: before it, as the reference does).

        Base algorithms (--algorithm):
          supervised  cross entropy on the labeled images only (the unlabeled set is ignored; the raw model is evaluated); lr 0.1 with DASO's multi-step recipe (--lr-schedule multistep).
          pseudolabel Pseudo-Label: pseudo-label = argmax of one weak view's prediction, kept when confident, taught to that same view; its weight ramps up linearly over --ramp-ratio of the steps.
          meanteacher Mean Teacher: the mean squared difference between the softmax of the model on one weak view and of the EMA model (the teacher) on another; weight --unlabeled-weight (default 50 here) ramped up linearly over --ramp-ratio of the steps. No pseudo-labels, so only none, la and crt apply.
          mixmatch    MixMatch: the mean prediction of two weak views, sharpened (T 0.5), is the target; labeled and unlabeled images and targets are mixed (Mixup, --mixup-alpha, default 0.5 here) and forwarded interleaved; soft cross entropy on the labeled part, mean squared error (--unlabeled-weight, default 100 here, ramped up over --ramp-ratio, default 0.016 here) on the rest. 2 x unlabeled batch must be a multiple of --batch-size. Only none, la and crt apply.
          remixmatch  ReMixMatch: the prediction on a weak view, aligned to the labeled class distribution (--dist-align, on by default) and sharpened (T 0.5), is the guess (darp and daso refine it); the labeled images, the weak and two strong views (RandAugment after any resize) are mixed (Mixup, --mixup-alpha, default 0.75 here) and forwarded interleaved; soft cross entropy on the labeled part and (--unlabeled-weight, default 1.5 here) on the rest, soft cross entropy of the guess on the un-mixed strong view 1 (--remixmatch-kl-weight 0.5), both ramped up over --ramp-ratio (default 0.016 here), and a rotation loss (--remixmatch-rot-weight 0.5): a 4-way head on the features predicts by how many quarter turns strong view 1 was rotated. --mu defaults to 1 here; 3 x unlabeled batch must be a multiple of --batch-size. none, la, darp, daso, crest and crt apply.
          fixmatch    FixMatch: pseudo-label = argmax of the weak view's prediction, kept when its confidence >= --threshold (0.95), taught to the strong view (RandAugment + Cutout); --mu unlabeled images per labeled one.

        Imbalance add-ons (--imbalance), composable with every base that makes what they need (a pair that cannot work is refused with the reason):
          none  the base as it is.
          daso  DASO: class prototypes from a balanced queue of EMA features of the labeled images give a semantic pseudo-label; it is blended with the base's by weights that grow with how over-represented the predicted class is among recent pseudo-labels (temperature --daso-dist-temp: 1.5 for matched CIFAR-10-like splits, 0.3 otherwise), plus a semantic alignment loss on the strong view. Active after --daso-pretrain-steps. With remixmatch it blends the sharpened guess (the blended guess is the Mixup target and the strong-view-1 target) and aligns strong view 1. fixmatch or remixmatch.
          darp  DARP: the soft pseudo-labels of the whole unlabeled set are refined (every --darp-period steps after --darp-warmup of the run) to match the unlabeled class counts: the count rule when --imb-unlabeled equals --imb-labeled, else --darp-estimate FILE (DASO's darp_estim/*.npyz, scaled to the unlabeled total), else estimated during the warm-up from the EMA model's confusion on the validation split and its predictions on the unlabeled images at every evaluation (DARP's estimator; the target is the mean of the accepted estimates).
          abc   ABC: an auxiliary balanced classifier head on the backbone's features, trained beside the base with class-balanced Bernoulli masks (a sample of class c is kept with probability min_count / count_c of the labeled counts; for pseudo-labels from the head's own weak-view prediction, kept when confident, that probability falls from 1 to min_count / count_c over 250 000 steps); evaluation uses its EMA head. fixmatch only.
          la    train-time logit adjustment of the labeled loss, z + tau log(pi_labeled) (--la-tau).
          crest CReST / CReST+: --steps is cut into generations of --crest-gen-steps. At the end of each but the last, the EMA model predicts the unlabeled set; per predicted class c the most confident int(mu * count) images join the initial labeled set with label c, mu = (n_m / n_max)^(1/--crest-alpha) of the class m at the mirrored frequency rank of the labeled counts (the head class takes the tail's rate); then a new model, EMA, optimizer, lr schedule and labeled stream. CReST+ (--crest-progressive-align true, default) aligns the weak-view probabilities to the labeled distribution with temperature 1 - f + f --crest-tmin, f = (g-1)/(G-1); with remixmatch its own alignment (--dist-align) takes that temperature instead, its rotation head is redrawn each generation and its ramp restarts each generation (as pseudolabel's). fixmatch, pseudolabel, remixmatch.
          crt   cRT: after --steps of the base, the encoder is frozen (batch norm in eval mode), the classifier re-initialised and trained alone for --crt-steps on class-balanced labeled batches (1/n_c per image, with replacement); the raw model is evaluated and saved (state_dict) from then on. Every base.

        Training is iteration-based, as DASO's: --steps iterations of --batch-size labeled and int(batch x mu) unlabeled images, SGD lr 0.03 with Nesterov momentum 0.9 and weight decay 5e-4, a constant lr (--lr-schedule cosine for FixMatch's cosine), WRN-28-2 (LeakyReLU 0.1), and an EMA model (--ema-decay) that is evaluated every --eval-every steps on the validation split (when --num-valid > 0: its numbers pick best.ckpt) and the test set (logged as test/top1, test/top1_median20, ...). Each evaluation logs top-1 and top-1 after post-hoc logit adjustment (z - log pi), their medians over the last 20 evaluations (top1_median20, top1_la_median20: DASO's reported figure), many/medium/few, and the pseudo-labels of the period: per-class precision and recall against the hidden labels (pl_precision, pl_recall; -1 where a class got none), their accuracy and the mask ratio. The run folder holds config.yaml, counts.json, log.jsonl, TensorBoard events (tb/), last.ckpt/best.ckpt (the EMA weights, with ABC's EMA head as the classifier for --imbalance abc; the online model, DASO's queue and distribution in task_state) and report.html; --resume continues exactly after a crash or Ctrl-C.

        Examples:
          tailkit ssl --algorithm fixmatch --imbalance daso --labeled-head 1500 --unlabeled-head 3000 --imb-labeled 100 --imb-unlabeled 100
          tailkit ssl --algorithm fixmatch --imbalance daso --imb-unlabeled -100 --daso-dist-temp 0.3 --steps 2000 --eval-every 100 --daso-pretrain-steps 500
          tailkit ssl --algorithm remixmatch --imbalance daso --steps 2000 --eval-every 100 --daso-pretrain-steps 500
          tailkit ssl --algorithm supervised --dataset cifar10 --data-dir data
          tailkit ssl --algorithm fixmatch --imbalance crest --steps 250000 --crest-gen-steps 50000
          tailkit ssl --algorithm fixmatch --imbalance crt --steps 250000 --crt-steps 25000
          tailkit ssl --resume runs/RUN
        """
    )

    @Option(help: "Base algorithm: \(SSLAlgorithmKind.validNames).") var algorithm: String?
    @Option(help: "Imbalance add-on: \(ImbalanceAddOnKind.validNames) (default none).") var imbalance: String?
    @Option(help: "Data set: fmnist (default), mnist, cifar10, cifar100, stl10 (its 100,000 unlabeled images are the unlabeled set; N_1 450, g_l 10, 500 held out by default).") var dataset = "fmnist"
    @Option(help: "Folder with the data set's published files (not needed for fmnist).") var dataDir: String?
    @Option(help: "N_1: labeled images of the head class (default 1500; 450 for stl10).") var labeledHead: Int?
    @Option(help: "M_1: unlabeled images of the head class (default 3000).") var unlabeledHead: Int?
    @Option(help: "Labeled imbalance ratio g_l = head/tail >= 1 (default 100; 10 for stl10).") var imbLabeled: Double?
    @Option(parsing: .unconditional, help: "Unlabeled imbalance ratio g_u >= 1, negative for the reversed distribution, 1 for uniform (default 100).") var imbUnlabeled: Double?
    @Option(help: "Images held out for validation, balanced over the classes, evaluated beside the test set (default 5000; 500 for stl10; 0: test only).") var numValid: Int?
    @Option(help: "Training iterations (default 250000).") var steps: Int?
    @Option(help: "Iterations between evaluations and checkpoints (default 500).") var evalEvery: Int?
    @Option(help: "Unlabeled images per labeled one in a step (default 2 for fixmatch, 1 for the other bases, as DASO's configs).") var mu: Double?
    @Option(help: "Confidence a pseudo-label needs to be used (default 0.95).") var threshold: Double?
    @Option(help: "Weight of the unlabeled loss (default 1; 50 for meanteacher, 100 for mixmatch, 1.5 for remixmatch).") var unlabeledWeight: Double?
    @Option(help: "Pseudo-Label, Mean Teacher, MixMatch, ReMixMatch: share of the steps (of each generation with crest, restarting) over which the unlabeled weight ramps up linearly (default 0.4; 0.016 for mixmatch and remixmatch).") var rampRatio: Double?
    @Option(help: "Decay of the EMA model (default 0.999).") var emaDecay: Double?
    @Option(help: "MixMatch, ReMixMatch: Mixup's Beta(alpha, alpha) parameter (default 0.5 for mixmatch, 0.75 for remixmatch).") var mixupAlpha: Double?
    @Option(help: "ReMixMatch: weight of the guess's soft cross entropy on the un-mixed strong view 1 (default 0.5).") var remixmatchKlWeight: Double?
    @Option(help: "ReMixMatch: weight of the rotation loss (default 0.5).") var remixmatchRotWeight: Double?
    @Option(help: "ReMixMatch: distribution alignment of the guesses to the labeled class distribution, on or off (default on).") var distAlign: String?
    @Option(help: "constant (default, as DASO's SSL configs), cosine (FixMatch's 7/16 cosine over --steps) or multistep (default for supervised: DASO's supervised recipe scaled to --steps: linear warm-up from 0 over 2.5% of the steps, x0.01 at 80% (199999/250000) and 90%).") var lrSchedule: String?
    @Option(help: "DASO: iterations of plain base training first (default 5000; at least --daso-dist-period).") var dasoPretrainSteps: Int?
    @Option(help: "DASO: prototype similarity temperature (default 0.05).") var dasoProtoTemp: Double?
    @Option(help: "DASO: iterations per refresh of the pseudo-label distribution (default 100).") var dasoDistPeriod: Int?
    @Option(help: "DASO: distribution temperature of the blend weights (default 1.5; DASO uses 0.3 when g_l != g_u).") var dasoDistTemp: Double?
    @Option(help: "DASO: a fixed blend weight in [0, 1] instead of the distribution-aware one.") var dasoFixedBlend: Double?
    @Option(help: "DASO: weight of the semantic alignment loss (default 1).") var dasoAlignWeight: Double?
    @Option(help: "DASO: feature vectors per class in the queue (default 256).") var dasoQueueSize: Int?
    @Option(help: "DARP: share of the steps before it refines (default 0.4).") var darpWarmup: Double?
    @Option(help: "DARP: steps between refinements (default 10).") var darpPeriod: Int?
    @Option(help: "DARP: rows marked per class, as a multiple of its target count (default 2).") var darpAlpha: Double?
    @Option(help: "DARP: rounds of the solver (default 10).") var darpIterations: Int?
    @Option(help: "DARP: a NumPy .npy file of estimated unlabeled class counts (DASO's darp_estim/*.npyz), scaled to the unlabeled total; the target when the unlabeled distribution differs from the labeled one, instead of estimating it.") var darpEstimate: String?
    @Flag(name: .customLong("stl10-ra-first"), help: "STL-10: RandAugment + Cutout before the 96 -> 32 resize, as the reference does (default: after it).") var stl10RAFirst = false
    @Option(help: "Logit adjustment: tau (default 1).") var laTau: Double?
    @Option(help: "CReST: steps per generation (default 50000; --steps must be a multiple).") var crestGenSteps: Int?
    @Option(help: "CReST: alpha of the inclusion rates (n_c / n_max)^(1/alpha) (default 3).") var crestAlpha: Double?
    @Option(help: "CReST: the last generation's distribution-alignment temperature (default 0.5).") var crestTmin: Double?
    @Option(help: "CReST+: progressive distribution alignment of the pseudo-labels, true (default) or false (plain CReST).") var crestProgressiveAlign: Bool?
    @Option(help: "cRT: classifier re-training steps after --steps (default --steps / 10).") var crtSteps: Int?
    @Option(help: "Network: \(Architecture.validNames) (default wrn28-2, DASO's).") var arch: String?
    @Option(help: "Learning rate (default 0.03; 0.1 for supervised).") var lr: Double?
    @Option(help: "Labeled images per step (default 64).") var batchSize: Int?
    @Option(help: "Weight decay (default 5e-4).") var wd: Double?
    @Option(help: "Data seed: the split (default 0).") var randNumber = 0
    @Option(help: "Seed of the initial weights, batches and augmentations (default 0).") var seed = 0
    @Option(help: "Data loader threads (default 2).") var workers: Int?
    @Option(help: "Device: cpu, cuda or cuda:N.") var device: String?
    @Option(help: "Precision of the forward passes: fp32 (default), bf16, fp16 (CUDA). Checkpoints stay fp32.") var precision: String?
    @Option(help: "libtorch threads (default: all cores).") var threads: Int?
    @Option(help: "Run folder to continue after a crash or Ctrl-C; its own config is used.") var resume: String?
    @Option(help: "Run folder (default runs/ssl_<algorithm>_<add-on>_<dataset>_l<N_1>_<g_l>_ul<M_1>_<g_u>_<seed>).") var out: String?

    func validate() throws {
        if (algorithm == nil) == (resume == nil) { throw ValidationError("give --algorithm (\(SSLAlgorithmKind.validNames)), or --resume RUN") }
    }

    func run() throws {
        try runReportingErrors {
            Torch.initialize(threads: threads)
            let (run, folder, checkpoint) = try resolve()
            let loaded = try LoadedDataset.load(try DatasetName(parsing: run.base.dataset), dataDir: run.base.dataDir, padTo32: run.base.pad32)
            let data = try SSLData.make(from: loaded, config: run)
            let task = try SemiSupervisedTask(config: run, data: data)
            let trainer = try task.makeTrainer()
            if let checkpoint { try trainer.restore(from: checkpoint) }
            let classNames = loaded.train.classNames
            let runFolder = try RunFolder(path: folder, configYAML: run.yaml(), counts: ClassCountsFile(
                classNames: classNames, trainCounts: data.labeled.classCounts(), testCounts: data.test.classCounts()))
            try writeUnlabeledCounts(data, to: folder)
            trainer.hooks = runFolder.standardHooks(settings: run.yamlSettings(), classNames: classNames) + [ConsoleProgress()]
            trainer.stopSignal = StopSignal.install()
            let l = data.labeled.classCounts(), u = data.unlabeled.classCounts()
            let unlabeledCounts = data.unlabeledLabelsKnown ? u.map(String.init).joined(separator: " ") : "labels unknown"
            let unlabeled = run.ssl.algorithm == .supervised ? "the unlabeled set not used" : "\(data.unlabeled.count) unlabeled (\(unlabeledCounts))"
            FileHandle.standardError.write(Data(("\(run.ssl.algorithm.rawValue) + \(run.ssl.imbalance.rawValue): \(data.labeled.count) labeled (\(l.map(String.init).joined(separator: " "))), "
                + "\(unlabeled), \(data.validation.count) validation, \(run.ssl.steps) steps"
                + (run.ssl.imbalance == .crt ? " then \(run.ssl.retrainingSteps) of classifier re-training" : "") + "; run folder \(folder)\n").utf8))
            guard let last = try trainer.run() else { print("nothing to do: the run had already finished"); return }
            if let eval = last.eval, let report = ClassificationReport(metrics: eval) { print(report.table(classNames: classNames)) }
            if let e = last.eval?.scalars {
                // With a validation split the plain names are val's and the test numbers are test/...
                let splits = task.evaluationSplit == "val" ? [("val", ""), ("test", "test/")] : [("test", "")]
                for (split, prefix) in splits {
                    print(String(format: "%@ top-1 %.2f (logit-adjusted %.2f); median of the last %d evaluations: %.2f (logit-adjusted %.2f)",
                                 split, e[prefix + "top1"] ?? 0, e[prefix + "top1_la"] ?? 0, min(20, task.history.top1.count),
                                 e[prefix + "top1_median20"] ?? 0, e[prefix + "top1_la_median20"] ?? 0))
                }
                print(String(format: "mask ratio %.1f%%; report: %@", e["mask_ratio"] ?? 0, runFolder.reportPath))
            }
        }
    }

    /// `unlabeled_counts.json` beside `counts.json`: the unlabeled split's true class counts (only its
    /// size for STL-10, whose unlabeled labels are unknown).
    private func writeUnlabeledCounts(_ data: SSLData, to folder: String) throws {
        var object: [String: Any] = ["unlabeled_total": data.unlabeled.count]
        if data.unlabeledLabelsKnown { object["unlabeled_counts"] = data.unlabeled.classCounts() }
        try AtomicFile.write([UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])), to: "\(folder)/unlabeled_counts.json")
    }

    /// Config from --resume's checkpoint, else DASO's defaults and the flags.
    private func resolve() throws -> (SSLRunConfig, String, Checkpoint?) {
        if let resume {
            let (checkpoint, folder) = try RunFolder.resumePoint(resume)
            var run = try SSLRunConfig(json: checkpoint.configJSON)
            if let steps { run.ssl.steps = steps }
            return (run, out ?? folder, checkpoint)
        }
        var base = TrainConfig(task: .ssl)
        _ = try DatasetName(parsing: dataset)
        base.dataset = dataset.lowercased()
        base.dataDir = dataDir
        base.randNumber = randNumber
        base.seed = seed
        if let arch { base.arch = try Architecture(parsing: arch) }
        if let lr { base.lr = lr }
        if let batchSize { base.batchSize = batchSize }
        if let wd { base.wd = wd }
        if let workers { base.workers = workers }
        if let device { base.device = device }
        if let precision { base.precision = try Precision(parsing: precision) }
        var ssl = SSLConfig(algorithm: try SSLAlgorithmKind(parsing: algorithm ?? ""),
                            imbalance: try ImbalanceAddOnKind(parsing: imbalance ?? "none"))
        let stl10 = base.dataset == DatasetName.stl10.rawValue
        if stl10 {
            // DASO's STL-10 block: N_1 450, g_l 10, NUM_VALID 500; the unlabeled set is fixed.
            (ssl.labeledHead, ssl.imbLabeled, ssl.numValid) = (450, 10, 500)
            for (flag, given) in [("--unlabeled-head", unlabeledHead != nil), ("--imb-unlabeled", imbUnlabeled != nil)] where given {
                throw TailKitError.invalidOption("\(flag) does not apply to --dataset stl10: its unlabeled set is all 100,000 images of unlabeled_X.bin, whose labels are unknown")
            }
        } else if stl10RAFirst {
            throw TailKitError.invalidOption("--stl10-ra-first applies only to --dataset stl10")
        }
        // DASO's supervised config: lr 0.1 (with its multi-step schedule, SSLConfig's default for supervised).
        if ssl.algorithm == .supervised && lr == nil { base.lr = SupervisedMultiStepRecipe.baseLR }
        ssl.stl10RAFirst = stl10RAFirst
        ssl.darpEstimate = darpEstimate
        if let labeledHead { ssl.labeledHead = labeledHead }
        if let unlabeledHead { ssl.unlabeledHead = unlabeledHead }
        if let imbLabeled { ssl.imbLabeled = imbLabeled }
        if let imbUnlabeled { ssl.imbUnlabeled = imbUnlabeled }
        if let numValid { ssl.numValid = numValid }
        if let steps { ssl.steps = steps }
        if let evalEvery { ssl.evalEvery = evalEvery }
        if let mu { ssl.mu = mu }
        if let threshold { ssl.threshold = threshold }
        if let unlabeledWeight { ssl.unlabeledWeight = unlabeledWeight }
        if let emaDecay { ssl.emaDecay = emaDecay }
        if let rampRatio { ssl.rampRatio = rampRatio }
        if let lrSchedule { ssl.lrSchedule = lrSchedule }
        if let laTau { ssl.laTau = laTau }
        if let mixupAlpha { ssl.mixupAlpha = mixupAlpha }
        if let remixmatchKlWeight { ssl.remixmatchKLWeight = remixmatchKlWeight }
        if let remixmatchRotWeight { ssl.remixmatchRotWeight = remixmatchRotWeight }
        if let distAlign {
            guard ["on", "off"].contains(distAlign) else { throw TailKitError.invalidOption("--dist-align '\(distAlign)' must be on or off") }
            ssl.distAlign = distAlign == "on"
        }
        if let dasoPretrainSteps { ssl.daso.pretrainSteps = dasoPretrainSteps }
        if let dasoProtoTemp { ssl.daso.protoTemp = dasoProtoTemp }
        if let dasoDistPeriod { ssl.daso.distUpdatePeriod = dasoDistPeriod }
        if let dasoDistTemp { ssl.daso.distTemp = dasoDistTemp }
        ssl.daso.interpAlpha = dasoFixedBlend
        if let dasoAlignWeight { ssl.daso.alignWeight = dasoAlignWeight }
        if let dasoQueueSize { ssl.daso.queueSize = dasoQueueSize }
        if let darpWarmup { ssl.darp.warmupRatio = darpWarmup }
        if let darpPeriod { ssl.darp.period = darpPeriod }
        if let darpAlpha { ssl.darp.alpha = darpAlpha }
        if let darpIterations { ssl.darp.iterations = darpIterations }
        if let crestGenSteps { ssl.crest.generationSteps = crestGenSteps }
        if let crestAlpha { ssl.crest.alpha = crestAlpha }
        if let crestTmin { ssl.crest.tMin = crestTmin }
        if let crestProgressiveAlign { ssl.crest.progressiveAlign = crestProgressiveAlign }
        ssl.crtSteps = crtSteps
        let run = SSLRunConfig(base: base, ssl: ssl)
        try run.validate()
        let g = { (x: Double) in x == x.rounded() ? "\(Int(x))" : "\(x)" }
        let unlabeledPart = stl10 ? ["ul", "unknown"]
            : ["ul\(ssl.unlabeledHead)", (ssl.reversedUnlabeled ? "rev" : "") + g(Swift.abs(ssl.imbUnlabeled))]
        let name = [ssl.algorithm.rawValue, ssl.imbalance.rawValue, base.dataset, "l\(ssl.labeledHead)", g(ssl.imbLabeled)]
            + unlabeledPart + ["\(base.seed)"]
        return (run, out ?? "runs/ssl_" + name.joined(separator: "_"), nil)
    }
}
