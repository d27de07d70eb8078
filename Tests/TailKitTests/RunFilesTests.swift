import Foundation
import Testing
import TestSupport
@testable import TailKit
import Torch
import TorchNN

@Suite struct RunFilesTests {
    @Test func crc32cKnownValueAndRecordFraming() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        let record = [UInt8](TensorBoardWriter.record([1, 2, 3]))
        #expect(record.count == 8 + 4 + 3 + 4)
        #expect(record.prefix(8) == [3, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func configYAMLRoundTripAndPartialFiles() throws {
        var c = TrainConfig()
        c.loss = .ldam
        c.rule = .drw
        c.imbFactor = 0.02
        let yaml = c.yaml()
        #expect(yaml.contains("imb-factor: 0.02"))
        let temp = try TemporaryFolder("tk-run-files")
        defer { temp.remove() }
        let dir = temp.path
        try yaml.write(toFile: "\(dir)/full.yaml", atomically: true, encoding: .utf8)
        #expect(try TrainConfig(yamlFile: "\(dir)/full.yaml") == c)
        try "loss: focal\nepochs: 7\n".write(toFile: "\(dir)/part.yaml", atomically: true, encoding: .utf8)
        let part = try TrainConfig(yamlFile: "\(dir)/part.yaml")
        #expect(part.loss == .focal && part.epochs == 7 && part.lr == 0.1)
        try "loss: hinge\n".write(toFile: "\(dir)/bad.yaml", atomically: true, encoding: .utf8)
        #expect(throws: TailKitError.self) { try TrainConfig(yamlFile: "\(dir)/bad.yaml") }
        #expect(throws: TailKitError.self) { try TrainConfig(yamlFile: "\(dir)/missing.yaml") }
    }

    @Test func checkpointRoundTripAndReferenceLayout() throws {
        let temp = try TemporaryFolder("tk-run-files")
        defer { temp.remove() }
        let dir = temp.path
        let model = try ResNetCIFAR.resnet32(numClasses: 10)
        let ckpt = Checkpoint(epoch: 3, arch: "resnet32", bestTop1: 55.5, stateDict: model.stateDict(),
                              optimizerState: [("momentum_buffer.0", try Tensor.ones([2]))], configJSON: try TrainConfig().json(),
                              classCounts: [5, 4, 3])
        let path = "\(dir)/last.ckpt"
        try ckpt.write(to: path)
        let back = try Checkpoint.read(from: path)
        #expect(back.epoch == 3 && back.arch == "resnet32" && back.bestTop1 == 55.5 && back.classCounts == [5, 4, 3])
        #expect(back.stateDict.map { $0.0 } == model.stateDict().map { $0.0 })
        #expect(back.optimizerState.count == 1)
        #expect(try TrainConfig(json: back.configJSON) == TrainConfig())
        // No temporary file is left behind by the atomic write.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["last.ckpt"])
    }

    @Test func unwritableOutputFailsBeforeTraining() {
        #expect(throws: TailKitError.self) { try RunFolder.preflight("/proc/tailkit-cannot-write", minimumFreeBytes: 0) }
        #expect(throws: TailKitError.self) { try RunFolder.preflight(NSTemporaryDirectory(), minimumFreeBytes: Int.max / 2) }
    }
}
