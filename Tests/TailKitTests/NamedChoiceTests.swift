import Foundation
import Testing
import TestSupport
@testable import TailKit

@Suite struct NamedChoiceTests {
    @Test func everyChoiceListsItsNamesInTheMessage() {
        #expect(throws: TailKitError.invalidOption("unknown arch 'vgg'; valid architectures: resnet20, resnet32, resnet56, resnet18, wrn28-2, resnet50")) {
            try Architecture(parsing: "vgg")
        }
        #expect(throws: TailKitError.invalidOption("unknown stage 'ft'; valid stages: joint, crt, lws")) {
            try TrainingStage(parsing: "ft")
        }
        #expect(throws: TailKitError.invalidOption("unknown task 'simclr'; valid tasks: supervised, rotation, moco, pll, ssl")) {
            try TaskKind(parsing: "simclr")
        }
        #expect(throws: TailKitError.invalidOption("unknown dataset 'voc'; valid datasets: fmnist, mnist, cifar10, cifar100, svhn, stl10, imagenet-lt, inat2018, folder, csv")) {
            try DatasetName(parsing: "voc")
        }
        #expect(throws: TailKitError.invalidOption("unknown schedule 'poly'; valid schedules: step, cosine, cosine-to-zero")) {
            try ScheduleKind(parsing: "poly")
        }
        #expect(throws: TailKitError.invalidOption("unknown sampler 'random'; valid samplers: auto, instance, resample, class-aware, sqrt")) {
            try SamplerKind(parsing: "random")
        }
        #expect(throws: TailKitError.invalidOption("unknown optimizer 'rmsprop'; valid optimizers: sgd, adam")) {
            try OptimizerKind(parsing: "rmsprop")
        }
    }

    @Test func namesParseInAnyCase() throws {
        #expect(try LossKind(parsing: "LDAM") == .ldam)
        #expect(try ScheduleKind(parsing: "Cosine-To-Zero") == .cosineToZero)
        #expect(try DatasetName(parsing: "ImageNet-LT") == .imagenetLT)
        #expect(SamplerKind.validNames == "auto, instance, resample, class-aware, sqrt")
    }

    @Test func configChoicesKeepTheirYAMLAndJSONNames() throws {
        var c = TrainConfig()
        c.schedule = .cosineToZero
        c.sampler = .classAware
        c.optimizer = .adam
        let yaml = c.yaml()
        #expect(yaml.contains("\nschedule: cosine-to-zero\n") && yaml.contains("\nsampler: class-aware\n")
                && yaml.contains("\noptimizer: adam\n"))
        let json = try c.json()
        #expect(json.contains("\"schedule\":\"cosine-to-zero\"") && json.contains("\"sampler\":\"class-aware\"")
                && json.contains("\"optimizer\":\"adam\""))
        #expect(try TrainConfig(json: json) == c)

        let temp = try TemporaryFolder("tk-named-choice")
        defer { temp.remove() }
        try yaml.write(toFile: "\(temp.path)/c.yaml", atomically: true, encoding: .utf8)
        #expect(try TrainConfig(yamlFile: "\(temp.path)/c.yaml") == c)
        try "schedule: poly\n".write(toFile: "\(temp.path)/bad.yaml", atomically: true, encoding: .utf8)
        #expect(throws: TailKitError.self) { try TrainConfig(yamlFile: "\(temp.path)/bad.yaml") }
    }
}
