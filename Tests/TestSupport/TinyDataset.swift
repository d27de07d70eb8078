import Foundation

/// A tiny MNIST-format data set (plain IDX files) whose ten classes differ by the position of a
/// bright vertical stripe, so a network learns it in a few steps. For end-to-end tests.
public enum TinyDataset {
    /// Writes the set into a fresh temporary folder and returns its path; the caller removes it
    /// (`defer { TemporaryFolder.remove(dir) }`).
    public static func writeMNISTStyle(trainPerClass: Int = 30, testPerClass: Int = 5) throws -> String {
        let dir = try TemporaryFolder("tk-tiny").path
        try write(dir, "train", perClass: trainPerClass)
        try write(dir, "t10k", perClass: testPerClass)
        return dir
    }

    private static func write(_ dir: String, _ prefix: String, perClass: Int) throws {
        var images: [UInt8] = [0, 0, 8, 3], labels: [UInt8] = [0, 0, 8, 1]
        let n = perClass * 10
        for v in [UInt32(n), 28, 28] { images += withUnsafeBytes(of: v.bigEndian, Array.init) }
        labels += withUnsafeBytes(of: UInt32(n).bigEndian, Array.init)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<n {
            let c = i % 10
            for _ in 0..<28 { for x in 0..<28 { images.append(x / 3 == c ? 220 : UInt8.random(in: 0...60, using: &rng)) } }
            labels.append(UInt8(c))
        }
        try Data(images).write(to: URL(fileURLWithPath: "\(dir)/\(prefix)-images-idx3-ubyte"))
        try Data(labels).write(to: URL(fileURLWithPath: "\(dir)/\(prefix)-labels-idx1-ubyte"))
    }
}
