import ArgumentParser
import Foundation
import TailData
import TailKit
import Torch

/// `tailkit bench`: TailKit against Python PyTorch of the same version, in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure TailKit's speed against Python PyTorch on this machine.",
        discussion: """
        TailKit trains CNNs channels-last on the CPU (oneDNN's preferred layout); the Python side runs PyTorch's default contiguous layout, which is what a PyTorch script gets unless it opts in.

        Prints one JSON line per case: TailKit's images/s, Python PyTorch's images/s for the same network, batch, dtype and thread count, their ratio (TailKit / PyTorch, higher is better) and TailKit's peak RSS. Rounds alternate between the two so that machine noise hits both alike; the median of the rounds is reported. Run-to-run noise on a 2-core machine is 10-15%: compare ratios.

        TailKit trains CNNs channels-last on the CPU (oneDNN's preferred layout); the Python side runs PyTorch's default contiguous layout, what a PyTorch script gets unless it opts in (with channels_last opted in, PyTorch comes within about 5% of TailKit here).
        """
    )

    @Option(help: "Interleaved rounds per case (median reported).") var rounds = 3
    @Option(help: "Timed training steps per round.") var steps = 20
    @Option(help: "Batch size of the training-step case.") var batch = 128
    @Option(help: "Steps of the memory-growth check (0 skips it).") var leakSteps = 1000
    @Option(help: "Threads for both sides (default: all cores).") var threads: Int?

    func run() throws {
        let n = threads ?? Torch.defaultThreads
        Torch.initialize(threads: n)
        try trainStepCase(threads: n)
        try loaderCase(workers: n)
        try endToEndCase(threads: n)
        if leakSteps > 0 { try memoryCase() }
    }

    private func trainStepCase(threads n: Int) throws {
        let bench = TrainStepBenchmark(batch: batch, steps: steps, warmup: 5)
        let (a, b) = try interleaved("resnet32 train step", ours: bench.imagesPerSecond,
                                     python: ["resnet32_train_step", "\(batch)", "\(steps)", "5", "\(n)"])
        printJSON([
            "case": "resnet32_train_step", "batch": batch, "input": "3x32x32", "dtype": "float32", "threads": n,
            "tailkit_layout": "channels_last", "pytorch_layout": "contiguous (default)",
            "tailkit_images_per_s": round1(a), "pytorch_images_per_s": round1(b), "ratio": round3(a / b),
            "tailkit_peak_rss_mb": Torch.peakRSSBytes / 1_048_576, "rounds": rounds,
        ])
    }

    /// Alternates TailKit's measurement with the Python one `rounds` times; the medians of both.
    private func interleaved(_ label: String, ours measure: () throws -> Double, python arguments: [String]) throws -> (Double, Double) {
        let script = try PythonTorch.scriptPath("bench_pytorch.py")
        var ours: [Double] = [], theirs: [Double] = []
        for round in 1...rounds {
            FileHandle.standardError.write(Data("bench: \(label), round \(round)/\(rounds)\n".utf8))
            ours.append(try measure())
            let out = try PythonTorch.run(script: script, arguments: arguments)
            theirs.append(try JSONDecoder().decode(PythonRate.self, from: Data(out.utf8)).images_per_s)
        }
        return (median(ours), median(theirs))
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

    /// Training with the data pipeline in the loop, against a PyTorch DataLoader doing the same work.
    private func endToEndCase(threads n: Int) throws {
        let workers = 2, images = 2560
        let bench = EndToEndBenchmark(images: images, batch: batch, workers: workers)
        let (a, b) = try interleaved("resnet32 epoch with data loader", ours: bench.imagesPerSecond,
                                     python: ["resnet32_epoch_with_loader", "\(batch)", "\(images)", "\(workers)", "\(n)"])
        printJSON([
            "case": "resnet32_epoch_with_loader", "batch": batch, "input": "3x32x32 uint8, pad-crop+flip+normalize",
            "dtype": "float32", "threads": n, "loader_workers": workers, "images": images,
            "tailkit_layout": "channels_last", "pytorch_layout": "contiguous (default)",
            "tailkit_images_per_s": round1(a), "pytorch_images_per_s": round1(b), "ratio": round3(a / b),
            "tailkit_peak_rss_mb": Torch.peakRSSBytes / 1_048_576, "rounds": rounds,
        ])
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

private struct PythonRate: Decodable { let images_per_s: Double }

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
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
