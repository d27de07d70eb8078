import ArgumentParser
import Foundation
import TailBench
import TailData
import TailKit
import Torch

/// `tailkit bench`: TailKit against Python PyTorch of the same version, in the same run, twice over:
/// PyTorch as the reference codebases' users run it, and PyTorch tuned the way TailKit is.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure TailKit's speed against Python PyTorch on this machine.",
        discussion: """
        Each training case is measured three ways in the same run: TailKit, and Python PyTorch (the very torch TailKit links, scripts/bench_pytorch.py) in two set-ups:

          (a) reference: PyTorch as the reference codebases' users run it: the default contiguous layout, glibc's default malloc, and for the epoch case torchvision's CIFAR recipe on PIL images (RandomCrop(32, padding=4), RandomHorizontalFlip, ToTensor, Normalize with the reference CIFAR mean/std) in a torch.utils.data.DataLoader with as many worker processes as TailKit's loader has threads. torchvision cannot be imported here (its PyPI wheel links CUDA libraries this CPU torch lacks), so the script writes those transforms with Pillow and numpy exactly as torchvision defines them.

          (b) tuned: PyTorch tuned the way TailKit is: channels_last model and inputs (TailKit trains CNNs channels-last on the CPU, oneDNN's preferred layout), TailKit's malloc settings (M_MMAP_THRESHOLD 32 MiB, M_TRIM_THRESHOLD 256 MiB, given to Python as MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_), the same thread count (torch.set_num_threads, OMP_NUM_THREADS, MKL_NUM_THREADS), and for the epoch case uint8 pad-crop + flip + normalise done a batch at a time in persistent DataLoader workers, straight into channels_last batches.

        Both sides get the same network (ResNet-32), batch, dtype, thread count and synthetic data. Prints one JSON line per case with TailKit's images/s, each PyTorch set-up's images/s and the ratios TailKit / PyTorch (ratio_vs_reference, ratio_vs_tuned; higher is better), plus TailKit's peak RSS. Rounds alternate between the three (in rotating order) so that machine noise hits all alike; medians of the rounds are reported. Each line also gives every round's figures and the CPU cores other programs kept busy during each round (rounds_other_programs_cpu_cores): well above 0, that round was slowed by them. Run-to-run noise on a 2-core machine is 10-15%: compare ratios.

        On a CPU with bf16 units (AMX or AVX-512 BF16) the training step is measured again under bf16 autocast on all three sides (PyTorch with torch.autocast("cpu", torch.bfloat16)), with TailKit's bf16/fp32 speed-up.

        Then one partial-label training step (CORR + RECORDS, ResNet-18, weak and strong views of --pll-batch samples in one pass, with the confidence and feature-mean updates) against the same step of RECORDS-LTPLL's train.py loop, both set-ups as above; rates are training samples per second.

        Scale out (after the others, or alone with --only scale-out): data-parallel training on Fashion-MNIST-LT (ResNet-32, global batch 128, no augmentation) as 1 rank x 1 thread, 2 ranks x 1 thread (tailkit launch) and 1 rank x 2 threads, training images/s from rank 0's log times the ranks; and pseudo-labelling --spark-records generated records in one process against scripts/spark_pseudo_label.py on Spark local[2], images/s of the whole command including start-up. On a 2-core machine the ranks share the cores: 2 ranks x 1 thread against 1 rank x 1 thread is the data-parallel scaling (what a second core or machine buys), against 1 rank x 2 threads it is the price of ranks over threads on the same cores.

        Then one FixMatch iteration (DASO's WRN-28-2, --fixmatch-batch labeled and --fixmatch-mu times as many unlabeled images, each in a weak and a strong view, one forward pass over all of them, the labeled and masked unlabeled losses, SGD with Nesterov momentum and the EMA update) against the same loop of DASO's fixmatch.py in PyTorch, both set-ups as above; rates are labeled images per second.

        Then the data loader alone (weak and FixMatch-strong augmentation), the 224-px ImageNet-LT training pipeline on --jpeg-images ImageNet-sized JPEGs (TailKit's streaming loader against a torchvision-style DataLoader with PIL decode and the same transforms, scripts/bench_image_loader.py, same worker count; images/s, their ratio, and peak memory of each side), and the RSS growth over --leak-steps training steps.
        """
    )

    @Option(help: "Interleaved rounds per case (median reported).") var rounds = 5
    @Option(help: "Timed training steps per round.") var steps = 20
    @Option(help: "Batch size of the training-step case.") var batch = 128
    @Option(help: "Steps of the memory-growth check (0 skips it).") var leakSteps = 1000
    @Option(help: "Samples per batch of the partial-label (CORR + RECORDS, ResNet-18) step case.") var pllBatch = 32
    @Option(help: "Timed steps per round of the partial-label case.") var pllSteps = 3
    @Option(help: "Labeled images per FixMatch iteration (the unlabeled ones are --fixmatch-mu times as many, two views each).") var fixmatchBatch = 64
    @Option(help: "Unlabeled images per labeled one in the FixMatch iteration (64 + 448 with the defaults).") var fixmatchMu = 7.0
    @Option(help: "Timed iterations per round of the FixMatch case.") var fixmatchSteps = 2
    @Option(help: "Threads for both sides (default: all cores).") var threads: Int?
    @Option(help: "Data-loader threads (TailKit) and DataLoader worker processes (PyTorch); default: the trainer's.")
    var workers = TrainConfig().workers

    @Option(help: "JPEG files of the 224-px image-loader case (ImageNet-sized, written with Pillow; 0 skips the case).")
    var jpegImages = 2000
    @Option(help: "Epochs of each data-parallel training run of the scale-out case (0 skips the case).") var scaleOutEpochs = 1
    @Option(help: "Generated records of the Spark pseudo-labelling case (0 skips it).") var sparkRecords = 20_000

    @Option(help: "Run only these cases, comma separated: \(BenchCommand.caseNames.joined(separator: ", ")) (default: all).")
    var only: String?

    static let caseNames = ["train-step", "bf16", "pll", "fixmatch", "loader", "epoch", "image-loader", "memory", "scale-out"]

    /// Whether `name` is among the cases asked for.
    private func runs(_ name: String) -> Bool {
        only.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains(name) } ?? true
    }

    func validate() throws {
        if let only {
            for name in only.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
            where !Self.caseNames.contains(name) {
                throw ValidationError("--only: unknown case '\(name)' (cases: \(Self.caseNames.joined(separator: ", ")))")
            }
        }
        guard rounds >= 1, steps >= 1, batch >= 1, pllBatch >= 1, pllSteps >= 1, workers >= 0, leakSteps >= 0,
              fixmatchBatch >= 1, fixmatchMu > 0, fixmatchSteps >= 1 else {
            throw ValidationError("--rounds, --steps, --batch, --pll-batch, --pll-steps, --fixmatch-batch, --fixmatch-mu and --fixmatch-steps must be positive; --workers and --leak-steps at least 0")
        }
    }

    func run() throws {
        let n = threads ?? Torch.defaultThreads
        Torch.initialize(threads: n)
        if runs("train-step") || runs("bf16") {
            // The bf16 case reports its speed-up over this fp32 step.
            let fp32 = try trainStepCase(threads: n)
            if runs("bf16") { try bf16StepCaseWhereSupported(threads: n, fp32: fp32) }
        }
        if runs("pll") { try partialLabelStepCase(threads: n) }
        if runs("fixmatch") { try fixMatchStepCase(threads: n) }
        if runs("loader") { try loaderCase(workers: workers) }
        if runs("epoch") { try endToEndCase(threads: n) }
        if runs("image-loader") && jpegImages > 0 { try imageLoaderCase(workers: max(1, workers)) }
        if runs("memory") && leakSteps > 0 { try memoryCase() }
        if runs("scale-out") { try scaleOutCase(threads: n) }
    }

    private func bf16StepCaseWhereSupported(threads n: Int, fp32: Comparison) throws {
        guard CPUFeatures.current.hasBF16 || Torch.cudaAvailable else {
            FileHandle.standardError.write(Data("bench: no bf16 units on this CPU (lscpu lists neither amx_bf16 nor avx512_bf16): bf16 case skipped\n".utf8))
            return
        }
        try bf16StepCase(threads: n, fp32: fp32)
    }

    /// 1 vs 2 data-parallel ranks, and one process vs Spark local[2] for pseudo-labelling (ScaleOutBenchmark).
    private func scaleOutCase(threads n: Int) throws {
        guard scaleOutEpochs > 0 else { return }
        let folder = NSTemporaryDirectory() + "tailkit-bench-scaleout-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let bench = ScaleOutBenchmark(executable: executable, folder: folder, epochs: scaleOutEpochs, records: sparkRecords)
        FileHandle.standardError.write(Data("bench: scale-out training (3 runs of \(scaleOutEpochs) epoch(s))\n".utf8))
        let (rates, checkpoint) = try bench.training()
        let rate = { (r: Int, t: Int) in rates.first { $0.ranks == r && $0.threads == t }?.imagesPerSecond ?? 0 }
        printJSON([
            "case": "data_parallel_training", "arch": "resnet32", "dataset": "fmnist imb-factor 0.01", "global_batch": 128,
            "epochs": scaleOutEpochs, "images_per_s_1rank_1thread": round3(rate(1, 1)), "images_per_s_2ranks_1thread": round3(rate(2, 1)),
            "images_per_s_1rank_2threads": round3(rate(1, 2)), "ratio_2ranks_vs_1rank_1thread": round3(rate(2, 1) / rate(1, 1)),
            "ratio_2ranks_vs_1rank_2threads": round3(rate(2, 1) / rate(1, 2)), "cores": ProcessInfo.processInfo.activeProcessorCount,
        ])
        guard sparkRecords > 0 else { return }
        FileHandle.standardError.write(Data("bench: pseudo-labelling \(sparkRecords) records, one process and Spark local[2]\n".utf8))
        let pyspark = URL(fileURLWithPath: try PythonTorch.scriptPath("spark_pseudo_label.py")).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".deps/pyspark-4.3.0").path
        let (single, spark) = try bench.pseudoLabelling(checkpoint: checkpoint, threads: n, pysparkPath: pyspark,
                                                        pythonPath: try PythonTorch.pythonPath(),
                                                        script: try PythonTorch.scriptPath("spark_pseudo_label.py"))
        printJSON([
            "case": "pseudo_label_spark", "records": sparkRecords, "images_per_s_single_process": round3(single),
            "single_process_threads": n, "images_per_s_spark_local2": round3(spark), "ratio_spark_vs_single": round3(spark / single),
            "note": "whole-command wall time incl. start-up (Spark: JVM and 2 tailkit processes, 1 thread each)",
        ])
    }

    /// The medians of TailKit's and both PyTorch set-ups' images/s over the rounds.
    private struct Comparison {
        var tailkit: Double
        var reference: Double
        var tuned: Double
        var referenceRun: PyTorchBaseline.Rate
        var tunedRun: PyTorchBaseline.Rate
        /// Each round's images/s, to show the noise behind the medians.
        var rounds: (tailkit: [Double], reference: [Double], tuned: [Double])
        /// CPU cores that other programs kept busy, on average, during each round: well above 0, they
        /// competed with the benchmark and that round's figures are low.
        var otherLoads: [Double]

        /// The JSON fields every training case shares.
        var fields: [String: Any] {
            [
                "tailkit_images_per_s": round1(tailkit), "tailkit_layout": "channels_last",
                "tailkit_allocator": PyTorchBaseline.tailkitAllocator,
                "pytorch_reference_images_per_s": round1(reference), "ratio_vs_reference": round3(tailkit / reference),
                "pytorch_reference_layout": referenceRun.layout, "pytorch_reference_allocator": referenceRun.allocator,
                "pytorch_tuned_images_per_s": round1(tuned), "ratio_vs_tuned": round3(tailkit / tuned),
                "pytorch_tuned_layout": tunedRun.layout, "pytorch_tuned_allocator": tunedRun.allocator,
                "pytorch_threads": referenceRun.threads == tunedRun.threads ? "\(tunedRun.threads)"
                    : "reference \(referenceRun.threads), tuned \(tunedRun.threads)",
                "rounds_tailkit_images_per_s": rounds.tailkit.map(round1),
                "rounds_pytorch_reference_images_per_s": rounds.reference.map(round1),
                "rounds_pytorch_tuned_images_per_s": rounds.tuned.map(round1),
                "rounds_other_programs_cpu_cores": otherLoads.map { ($0 * 100).rounded() / 100 },
                "cores": ProcessInfo.processInfo.activeProcessorCount,
            ]
        }
    }

    @discardableResult
    private func trainStepCase(threads n: Int) throws -> Comparison {
        let bench = TrainStepBenchmark(batch: batch, steps: steps, warmup: 5)
        let c = try interleaved("resnet32 train step", ours: bench.imagesPerSecond, case: "train_step", threads: n,
                                arguments: ["--batch", "\(batch)", "--steps", "\(steps)", "--warmup", "5"])
        printJSON(c.fields.merging([
            "case": "resnet32_train_step", "batch": batch, "input": "3x32x32", "dtype": "float32", "threads": n,
            "target_ratio_vs_tuned": 1.0, "tailkit_peak_rss_mb": Torch.peakRSSBytes / 1_048_576, "rounds": rounds,
        ]) { a, _ in a })
        return c
    }

    /// The same step under bf16 autocast on both sides (PyTorch: `torch.autocast("cpu", torch.bfloat16)`), and
    /// TailKit's bf16 rate over its fp32 rate of the case before.
    private func bf16StepCase(threads n: Int, fp32: Comparison) throws {
        let bench = TrainStepBenchmark(batch: batch, steps: steps, warmup: 5, autocast: .bfloat16)
        let c = try interleaved("resnet32 train step bf16", ours: bench.imagesPerSecond, case: "train_step", threads: n,
                                arguments: ["--batch", "\(batch)", "--steps", "\(steps)", "--warmup", "5", "--precision", "bf16"])
        printJSON(c.fields.merging([
            "case": "resnet32_train_step_bf16", "batch": batch, "input": "3x32x32", "dtype": "bfloat16 autocast", "threads": n,
            "tailkit_bf16_over_fp32": round3(c.tailkit / fp32.tailkit), "pytorch_tuned_bf16_over_fp32": round3(c.tuned / fp32.tuned),
            "cpu_low_precision_units": CPUFeatures.current.lowPrecisionUnits.joined(separator: ", "), "rounds": rounds,
        ]) { a, _ in a })
    }

    /// One CORR + RECORDS step (ResNet-18, two views of --pll-batch samples) against the same step of
    /// RECORDS-LTPLL's train.py loop in PyTorch; rates are training samples per second.
    private func partialLabelStepCase(threads n: Int) throws {
        let bench = PartialLabelStepBenchmark(batch: pllBatch, steps: pllSteps, warmup: 1)
        let c = try interleaved("pll corr+records step", ours: bench.samplesPerSecond, case: "pll_step", threads: n,
                                arguments: ["--batch", "\(pllBatch)", "--steps", "\(pllSteps)", "--warmup", "1"])
        printJSON(c.fields.merging([
            "case": "pll_corr_records_step", "model": "resnet18", "batch": pllBatch, "views": 2, "input": "3x32x32",
            "unit": "training samples/s (each two views through the network)", "dtype": "float32", "threads": n, "rounds": rounds,
        ]) { a, _ in a })
    }

    private func fixMatchStepCase(threads n: Int) throws {
        let bench = FixMatchStepBenchmark(batch: fixmatchBatch, mu: fixmatchMu, steps: fixmatchSteps, warmup: 1)
        let c = try interleaved("fixmatch iteration", ours: bench.labeledImagesPerSecond, case: "fixmatch_step", threads: n,
                                arguments: ["--batch", "\(fixmatchBatch)", "--mu", "\(fixmatchMu)", "--steps", "\(fixmatchSteps)", "--warmup", "1"])
        printJSON(c.fields.merging([
            "case": "fixmatch_step", "model": "wrn28-2", "batch": fixmatchBatch, "unlabeled_batch": Int(Double(fixmatchBatch) * fixmatchMu),
            "views": "labeled weak + unlabeled weak and strong", "input": "3x32x32",
            "unit": "labeled images/s (each with mu unlabeled images in two views)", "dtype": "float32", "threads": n, "rounds": rounds,
        ]) { a, _ in a })
    }

    /// Alternates TailKit's measurement with the two Python ones `rounds` times, each round in a
    /// different order; the medians of all three.
    private func interleaved(_ label: String, ours measure: () throws -> Double, case name: String, threads n: Int,
                             arguments: [String]) throws -> Comparison {
        var ours: [Double] = [], reference: [PyTorchBaseline.Rate] = [], tuned: [PyTorchBaseline.Rate] = []
        let python = { (variant: PyTorchBaseline.Variant) in
            try PyTorchBaseline.run(case: name, variant: variant, threads: n, arguments: arguments)
        }
        var loads: [Double] = []
        for round in 0..<rounds {
            FileHandle.standardError.write(Data("bench: \(label), round \(round + 1)/\(rounds)\n".utf8))
            let meter = OtherLoadMeter()
            defer {
                let other = meter.otherCores()
                loads.append(other)
                if other > 0.25 {
                    FileHandle.standardError.write(Data(String(format: "bench: other programs kept %.2f cores busy in that round\n", other).utf8))
                }
            }
            for slot in 0..<3 {
                switch (slot + round) % 3 {
                case 0: ours.append(try measure())
                case 1: reference.append(try python(.reference))
                default: tuned.append(try python(.tuned))
                }
            }
        }
        let (r, t) = (reference.map(\.images_per_s), tuned.map(\.images_per_s))
        return Comparison(tailkit: median(ours), reference: median(r), tuned: median(t), referenceRun: reference[0],
                          tunedRun: tuned[0], rounds: (ours, r, t), otherLoads: loads)
    }

    /// The data pipeline alone: weak (pad-crop + flip) and FixMatch-strong augmentation + normalise + batch.
    /// Targets on a 2-core machine: 20,000 and 5,000 images/s, well above what training consumes.
    private func loaderCase(workers: Int) throws {
        FileHandle.standardError.write(Data("bench: data loader\n".utf8))
        let r = try LoaderBenchmark.run(images: 20_000, batchSize: batch, workers: workers)
        printJSON([
            "case": "loader_weak_augment", "batch": batch, "input": "3x32x32", "workers": r.workers,
            "tailkit_images_per_s": round1(r.weakImagesPerSecond), "target_images_per_s": 20_000,
        ])
        printJSON([
            "case": "loader_strong_augment", "batch": batch, "input": "3x32x32", "workers": r.workers,
            "tailkit_images_per_s": round1(r.strongImagesPerSecond), "target_images_per_s": 5_000,
        ])
    }

    /// The 224-px ImageNet-LT training pipeline from JPEG files: TailKit's streaming loader against a
    /// torchvision-style PyTorch DataLoader (PIL decode + the same transforms, as many worker
    /// processes), rounds alternating, medians reported. Target: 1.5x, with memory flat in the set's size.
    private func imageLoaderCase(workers: Int) throws {
        FileHandle.standardError.write(Data("bench: 224-px image loader (writing \(jpegImages) JPEGs)\n".utf8))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tailkit-bench-jpeg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ImageLoaderBenchmark.makeJPEGs(in: folder, count: jpegImages)
        var ours: [ImageLoaderBenchmark.Rate] = [], theirs: [ImageLoaderBenchmark.Rate] = []
        for round in 0..<min(rounds, 3) {
            if round % 2 == 0 {
                ours.append(try ImageLoaderBenchmark.tailkit(folder: folder, batch: batch, workers: workers))
                theirs.append(try ImageLoaderBenchmark.pytorch(folder: folder, batch: batch, workers: workers))
            } else {
                theirs.append(try ImageLoaderBenchmark.pytorch(folder: folder, batch: batch, workers: workers))
                ours.append(try ImageLoaderBenchmark.tailkit(folder: folder, batch: batch, workers: workers))
            }
        }
        let a = median(ours.map(\.images_per_s)), b = median(theirs.map(\.images_per_s))
        printJSON([
            "case": "image_loader_224_train", "images": jpegImages, "batch": batch, "workers": workers,
            "input": "JPEG 300-640 x 240-500 -> RandomResizedCrop(224) + flip + ColorJitter(0.4,0.4,0.4) + normalise",
            "tailkit_images_per_s": round1(a), "pytorch_images_per_s": round1(b), "ratio": round3(a / b), "target_ratio": 1.5,
            "tailkit_peak_rss_mb": round1(ours.map(\.peak_rss_mb).max() ?? 0),
            "pytorch_peak_rss_mb": round1(theirs.map(\.peak_rss_mb).max() ?? 0),
            "pytorch_loader": "DataLoader(num_workers=\(workers)); PIL open + convert RGB + torchvision transforms written with Pillow",
            "rounds_tailkit_images_per_s": ours.map { round1($0.images_per_s) },
            "rounds_pytorch_images_per_s": theirs.map { round1($0.images_per_s) },
            "cores": ProcessInfo.processInfo.activeProcessorCount,
        ])
    }

    /// Training with the data pipeline in the loop, against PyTorch DataLoaders doing the same work.
    private func endToEndCase(threads n: Int) throws {
        let images = 2560
        let bench = EndToEndBenchmark(images: images, batch: batch, workers: workers)
        let c = try interleaved("resnet32 epoch with data loader", ours: bench.imagesPerSecond, case: "epoch_with_loader",
                                threads: n, arguments: ["--batch", "\(batch)", "--images", "\(images)", "--workers", "\(workers)"])
        printJSON(c.fields.merging([
            "case": "resnet32_epoch_with_loader", "batch": batch, "input": "3x32x32 uint8, pad-crop+flip+normalize",
            "dtype": "float32", "threads": n, "workers": workers, "images": images,
            "tailkit_loader": "DataLoader, \(workers) threads, weak pipeline on uint8",
            "pytorch_reference_loader": "DataLoader(num_workers=\(workers)); RandomCrop(32, padding=4) + RandomHorizontalFlip"
                + " + ToTensor + Normalize on PIL images, torchvision's definitions written with Pillow + numpy"
                + " (torchvision not importable here)",
            "pytorch_tuned_loader": "DataLoader(num_workers=\(workers), persistent_workers); batched uint8 numpy"
                + " pad-crop + flip + normalize into channels_last",
            "target_ratio_vs_reference": 1.3, "tailkit_peak_rss_mb": Torch.peakRSSBytes / 1_048_576, "rounds": rounds,
        ]) { a, _ in a })
    }

    private func memoryCase() throws {
        let bar = ProgressBar(total: leakSteps, label: "bench: memory check")
        let (after50, end) = try TrainStepBenchmark(batch: batch).memoryGrowth(totalSteps: leakSteps) { bar.update($0, unit: "step") }
        printJSON([
            "case": "resnet32_rss_growth", "steps": leakSteps, "rss_after_step_50_mb": after50 / 1_048_576,
            "rss_at_end_mb": end / 1_048_576, "growth_percent": round3(100 * Double(end - after50) / Double(after50)),
        ])
    }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// How much CPU other programs used over an interval: the machine's busy time (/proc/stat) less this
/// process's and its waited-for children's (the Python runs, their DataLoader workers), per second.
struct OtherLoadMeter {
    private let start = OtherLoadMeter.sample()

    /// Average cores busy with other programs since `init`; -1 where /proc/stat cannot be read.
    func otherCores() -> Double {
        let end = OtherLoadMeter.sample()
        guard start.machineBusy >= 0, end.machineBusy >= 0, end.wall > start.wall else { return -1 }
        let others = (end.machineBusy - start.machineBusy) - (end.own - start.own)
        return max(0, others) / (end.wall - start.wall)
    }

    private static func sample() -> (wall: Double, machineBusy: Double, own: Double) {
        let wall = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        var busy = -1.0
        if let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
           let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") {
            // user nice system idle iowait irq softirq steal ...: all but idle and iowait are busy.
            let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            if ticks.count >= 8 {
                busy = (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) / Double(sysconf(Int32(_SC_CLK_TCK)))
            }
        }
        return (wall, busy, cpuSeconds(RUSAGE_SELF.rawValue) + cpuSeconds(RUSAGE_CHILDREN.rawValue))
    }

    private static func cpuSeconds(_ who: Int32) -> Double {
        var u = rusage()
        getrusage(who, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
            + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }
}

func round1(_ x: Double) -> Double { (x * 10).rounded() / 10 }
func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

/// One JSON object per line, keys sorted, for machines and for diffing.
func printJSON(_ object: [String: Any]) {
    if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
        // Unbuffered, so each case's line appears as it finishes, also into a pipe or file.
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
