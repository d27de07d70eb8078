import Torch

/// DASO's balanced feature queue (`lib/models/feature_queue.py`, `bal_queue=True`): per class a FIFO
/// bank of at most `capacity` feature vectors (256 in DASO), and prototype c_k = the mean of class
/// k's bank (not normalised). A class never seen keeps a zero prototype.
///
/// ```swift
/// var queue = try PrototypeQueue(classes: 10, dimension: 128, capacity: 256)
/// try queue.enqueue(features: emaFeatures, labels: [3, 1, 3])   // c_3 = mean of its two vectors
/// ```
public struct PrototypeQueue {
    public let classes: Int
    public let dimension: Int
    public let capacity: Int
    /// Per class, its vectors oldest first, row-major.
    private(set) var banks: [[Float]]

    public init(classes: Int, dimension: Int, capacity: Int) throws {
        guard classes > 0, dimension > 0, capacity > 0 else {
            throw TailKitError.invalidOption("prototype queue: classes \(classes), dimension \(dimension) and capacity \(capacity) must be positive")
        }
        self.classes = classes
        self.dimension = dimension
        self.capacity = capacity
        banks = Array(repeating: [], count: classes)
    }

    /// Vectors held for class `k`.
    public func count(of k: Int) -> Int { banks[k].count / dimension }

    /// Appends each row of `features` [N, D] to its label's bank, dropping the oldest beyond capacity.
    public mutating func enqueue(features: Tensor, labels: [Int]) throws {
        guard features.shape == [labels.count, dimension] else {
            throw TailKitError.invalidOption("prototype queue: features \(features.shape) for \(labels.count) labels of dimension \(dimension)")
        }
        let values = try features.detach().to(.float32).contiguous().toArray(Float.self)
        for (row, label) in labels.enumerated() where label >= 0 && label < classes {
            banks[label] += values[(row * dimension)..<((row + 1) * dimension)]
        }
        for k in 0..<classes where banks[k].count > capacity * dimension {
            banks[k].removeFirst(banks[k].count - capacity * dimension)
        }
    }

    /// The prototypes [C, D]: each class's bank mean, zeros for an empty bank. The mean is taken in
    /// float32 over the bank's rows in order, as torch's `mean(0)` is over the same values.
    public func prototypes() throws -> Tensor {
        var rows: [Float] = []
        rows.reserveCapacity(classes * dimension)
        for k in 0..<classes {
            let n = count(of: k)
            guard n > 0 else { rows += [Float](repeating: 0, count: dimension); continue }
            rows += try Tensor(banks[k], shape: [n, dimension]).mean(dim: 0).toArray(Float.self)
        }
        return try Tensor(rows, shape: [classes, dimension])
    }

    /// The banks as one tensor [C, capacity, D] (zero-padded) and their sizes, for a checkpoint.
    public func stateTensors(prefix: String) throws -> [(String, Tensor)] {
        var padded: [Float] = []
        padded.reserveCapacity(classes * capacity * dimension)
        for k in 0..<classes { padded += banks[k] + [Float](repeating: 0, count: capacity * dimension - banks[k].count) }
        return [("\(prefix).banks", try Tensor(padded, shape: [classes, capacity, dimension])),
                ("\(prefix).sizes", try Tensor((0..<classes).map { Int64(count(of: $0)) }))]
    }

    public mutating func restore(_ state: [(String, Tensor)], prefix: String) throws {
        let banks = try stateTensor(state, "\(prefix).banks"), sizes = try stateTensor(state, "\(prefix).sizes").toArray(Int.self)
        guard banks.shape == [classes, capacity, dimension], sizes.count == classes, sizes.allSatisfy({ $0 >= 0 && $0 <= capacity }) else {
            throw TailKitError.invalidOption("the checkpoint's prototype queue is \(banks.shape) with \(sizes.count) sizes; this run needs [\(classes), \(capacity), \(dimension)]")
        }
        let values = try banks.to(.float32).contiguous().toArray(Float.self), block = capacity * dimension
        self.banks = (0..<classes).map { k in Array(values[(k * block)..<(k * block + sizes[k] * dimension)]) }
    }
}
