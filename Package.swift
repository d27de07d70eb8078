// swift-tools-version:6.1
// TailKit: long-tailed deep learning in Swift over libtorch.
// libtorch comes from the pinned torch 2.13.0 wheel, unpacked by `make setup` into .deps/ (see
// scripts/setup.sh): the same files are the Python torch the tests compare against. Paths are
// absolute so the binary's rpath finds exactly this libtorch, never a system one.
import PackageDescription
import Foundation

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let torchDir = "\(root)/.deps/torch-2.13.0/torch"
let torchLib = "\(torchDir)/lib"
let torchIncludes = ["-I\(torchDir)/include", "-I\(torchDir)/include/torch/csrc/api/include"]
let torchLink: [LinkerSetting] = [
    .unsafeFlags(["-L\(torchLib)", "-Xlinker", "-rpath", "-Xlinker", torchLib]),
    .linkedLibrary("torch_cpu"),
    .linkedLibrary("c10"),
]

let package = Package(
    name: "TailKit",
    products: [
        .executable(name: "tailkit", targets: ["tailkit"]),
        .library(name: "TailKit", targets: ["TailKit"]),
        .library(name: "Torch", targets: ["Torch"]),
        .library(name: "TorchNN", targets: ["TorchNN"]),
        .library(name: "TailData", targets: ["TailData"]),
        .library(name: "TailReport", targets: ["TailReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        // The dashboard's HTTP server; without its swift-configuration trait (not used, one package less to build).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        .target(
            name: "CTorch",
            exclude: ["vendor/gloo/LICENSE"],
            // vendor/: the gloo headers that c10d's ProcessGroupGloo.hpp includes and the wheel leaves out.
            cxxSettings: [.unsafeFlags(torchIncludes + ["-I\(root)/Sources/CTorch/vendor", "-D_GLIBCXX_USE_CXX11_ABI=1", "-O2", "-w"])],
            linkerSettings: torchLink
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        // Only C code calls libjpeg/libpng, so the libraries are linked here, not through the module maps.
        .target(name: "CImageCodecs", dependencies: ["CJPEG", "CPNG"],
                linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]),
        .target(name: "Pickle"),
        .target(name: "TorchFile", dependencies: ["Pickle"]),
        .target(name: "Torch", dependencies: ["CTorch", "TorchFile"]),
        .target(name: "TorchNN", dependencies: ["Torch"]),
        .target(name: "TailData", dependencies: ["Pickle", "CZlib", "CJPEG", "CPNG", "CImageCodecs"]),
        // Reports and t-SNE: Foundation only, no Torch, no TailData.
        .target(name: "TailReport"),
        .target(name: "TailKit", dependencies: ["Torch", "TorchNN", "TailData", "TailReport", "TorchFile", "CZlib", "Yams",
                                               .product(name: "Logging", package: "swift-log")]),
        // The benchmarks behind `tailkit bench` and the Python PyTorch runner they compare against.
        .target(name: "TailBench", dependencies: ["TailKit", "Torch", "TorchNN", "TailData"]),
        // `tailkit dashboard`: a live web view of run folders. Reads the folders' files itself (no Torch, no TailKit),
        // so only the executable and its tests pay for the HTTP server.
        .target(name: "TailDashboard", dependencies: [.product(name: "Hummingbird", package: "hummingbird"),
                                                     .product(name: "NIOCore", package: "swift-nio"),
                                                     .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .executableTarget(
            name: "tailkit",
            dependencies: ["TailKit", "TailBench", "TailDashboard", "Torch", "TorchNN", "TailData", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TorchTests", dependencies: ["Torch", "TorchNN", "TestSupport"]),
        .testTarget(name: "TailKitTests", dependencies: ["TailKit", "TailReport", "Torch", "TorchNN", "TailData", "TestSupport"]),
        .testTarget(name: "TailReportTests", dependencies: ["TailReport"]),
        .testTarget(name: "TailDashboardTests", dependencies: ["TailDashboard", "TestSupport"]),
        .testTarget(name: "TailDataTests", dependencies: ["TailData", "Pickle", "CZlib", "CImageCodecs", "TestSupport"]),
        .testTarget(name: "PickleTests", dependencies: ["Pickle", "TestSupport"]),
        .testTarget(name: "TorchFileTests", dependencies: ["TorchFile", "Pickle", "TestSupport"]),
    ],
    cxxLanguageStandard: .cxx20
)

// libFuzzer targets, one per file reader (Fuzz/README.md): declared only when TAILKIT_FUZZ is set,
// because they have no `main` and link only with `--sanitize fuzzer`. `make fuzz` builds them into
// .build-fuzz with `--manifest-cache none`, so this variant of the manifest is never cached for
// the plain `swift build`.
if ProcessInfo.processInfo.environment["TAILKIT_FUZZ"] != nil {
    let readers: [(name: String, module: String)] = [
        ("pickle", "Pickle"), ("torchfile", "TorchFile"), ("idx", "TailData"), ("gzip", "TailData"), ("tar", "TailData"),
        ("mat", "TailData"), ("svhn", "TailData"), ("cifar-binary", "TailData"), ("cifar-pickle", "TailData"),
        ("stl10", "TailData"), ("imagelist", "TailData"), ("jpeg", "TailData"), ("png", "TailData"),
        ("pseudolabel", "TailData"), ("unlabeledpool", "TailData"), ("yaml", "TailKit"),
    ]
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/Sources/FuzzSupport"))
    for reader in readers {
        package.targets.append(.executableTarget(name: "fuzz-\(reader.name)", dependencies: ["FuzzSupport", .target(name: reader.module)],
                                                 path: "Fuzz/Sources/fuzz-\(reader.name)"))
    }
}
