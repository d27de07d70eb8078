import Foundation
import Testing
@testable import TailKit
import TestSupport
import Torch

/// `--precision`: a bf16 run trains under autocast and still writes float32 checkpoints that PyTorch
/// loads as they are; precisions the machine cannot run are refused with the reason.
@Suite(.serialized) struct PrecisionTests {
    @Test func bf16RunWritesFloat32CheckpointsThatPyTorchLoads() throws {
        guard CPUFeatures.current.hasBF16 else {
            #expect(throws: TailKitError.self) { try Precision.bf16.check(device: .cpu) }
            return
        }
        let data = try TinyDataset.writeMNISTStyle(trainPerClass: 12, testPerClass: 2)
        defer { TemporaryFolder.remove(data) }
        let runs = try TemporaryFolder("tk-bf16")
        defer { runs.remove() }
        let out = runs.file("run")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try TailKitExecutable.path())
        p.arguments = ["train", "--dataset", "mnist", "--data-dir", data, "--imb-factor", "0.5", "--arch", "resnet20", "--epochs", "2",
                       "--batch-size", "16", "--threads", "1", "--precision", "bf16", "--out", out]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        #expect(try String(contentsOfFile: "\(out)/config.yaml", encoding: .utf8).contains("precision: bf16"))
        let losses = try RunLog.periods(in: "\(out)/log.jsonl").compactMap { $0.train["loss"] }
        try #require(losses.count == 2)
        #expect(losses.allSatisfy { $0.isFinite })
        let json = try PythonTorchRunner.run("""
        import json, torch
        ckpt = torch.load('\(out)/last.ckpt', weights_only=True)
        sd = ckpt['state_dict']
        floats = {k: str(v.dtype) for k, v in sd.items() if v.is_floating_point()}
        print(json.dumps({'count': len(floats), 'dtypes': sorted(set(floats.values()))}))
        """)
        #expect((json["count"] as? Int ?? 0) > 10)
        #expect(json["dtypes"] as? [String] == ["torch.float32"])
    }

    @Test func precisionsTheMachineCannotRunAreRefused() throws {
        #expect { try Precision.fp16.check(device: .cpu) } throws: { error in
            "\(error)".contains("fp16 needs a CUDA device")
        }
        #expect { try Precision.bf16.check(device: .cpu, cpu: CPUFeatures(flags: ["avx2", "fma"])) } throws: { error in
            "\(error)".contains("no bf16 units")
        }
        try Precision.bf16.check(device: .cpu, cpu: CPUFeatures(flags: ["avx512_bf16"]))
        try Precision.bf16.check(device: .cpu, cpu: CPUFeatures(flags: ["amx_bf16", "amx_tile"]))
        try Precision.fp16.check(device: .cuda(0))
        #expect(throws: TailKitError.self) { _ = try Precision(parsing: "fp8") }
        var config = TrainConfig()
        config.precision = .fp16
        #expect(throws: TailKitError.self) { try config.validate() }
    }
}
