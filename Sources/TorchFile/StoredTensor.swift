/// Element types a checkpoint tensor can have, with torch's legacy storage class names.
public enum TorchScalarType: String, Sendable, CaseIterable {
    case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool

    public var elementSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// The `torch.<Name>` class in a storage's persistent id.
    public var storageClassName: String {
        switch self {
        case .float32: return "FloatStorage"
        case .float64: return "DoubleStorage"
        case .float16: return "HalfStorage"
        case .bfloat16: return "BFloat16Storage"
        case .int64: return "LongStorage"
        case .int32: return "IntStorage"
        case .int16: return "ShortStorage"
        case .int8: return "CharStorage"
        case .uint8: return "ByteStorage"
        case .bool: return "BoolStorage"
        }
    }

    public init?(storageClassName: String) {
        guard let t = Self.allCases.first(where: { $0.storageClassName == storageClassName }) else { return nil }
        self = t
    }
}

/// One tensor of a checkpoint: a view (shape, strides, offset, in elements) into a storage
/// holding raw little-endian element bytes.
public struct StoredTensor: Sendable, Equatable {
    public var dtype: TorchScalarType
    public var shape: [Int]
    public var strides: [Int]
    public var storageOffset: Int
    /// The storage's record name in the archive (`data/<key>`); informational once loaded.
    public var storageKey: String
    /// All bytes of the storage the tensor views (which may be more than the tensor itself).
    public var storage: [UInt8]
    public var requiresGrad: Bool

    public init(dtype: TorchScalarType, shape: [Int], strides: [Int], storageOffset: Int, storageKey: String,
                storage: [UInt8], requiresGrad: Bool = false) {
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.storageOffset = storageOffset
        self.storageKey = storageKey
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A contiguous (row-major) tensor owning exactly `data`, which must hold shape-product elements.
    public init(dtype: TorchScalarType, shape: [Int], contiguousData data: [UInt8], requiresGrad: Bool = false) {
        self.init(dtype: dtype, shape: shape, strides: Self.contiguousStrides(for: shape), storageOffset: 0,
                  storageKey: "", storage: data, requiresGrad: requiresGrad)
    }

    public init(float32 values: [Float], shape: [Int]) {
        var data = [UInt8]()
        data.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        self.init(dtype: .float32, shape: shape, contiguousData: data)
    }

    public init(int64 values: [Int64], shape: [Int]) {
        var data = [UInt8]()
        data.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        self.init(dtype: .int64, shape: shape, contiguousData: data)
    }

    public static func contiguousStrides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = step
            step *= max(shape[d], 1)
        }
        return strides
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// Row-major, starting at the storage's first element, covering the whole storage.
    public var isContiguous: Bool {
        guard storageOffset == 0, storage.count == elementCount * dtype.elementSize else { return false }
        let expected = Self.contiguousStrides(for: shape)
        return shape.indices.allSatisfy { shape[$0] == 1 || strides[$0] == expected[$0] }
    }

    /// Checks that every element the view reaches lies inside the storage.
    public func validateView() throws {
        guard shape.count == strides.count else {
            throw StoredTensorError("shape \(shape) and strides \(strides) differ in length")
        }
        guard shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }), storageOffset >= 0 else {
            throw StoredTensorError("negative size, stride or offset (shape \(shape), strides \(strides), offset \(storageOffset))")
        }
        // Multiplied with an overflow check: a crafted size like [2^40, 2^40] must not trap in `elementCount`.
        if shape.contains(0) { return }
        var count = 1
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw StoredTensorError("shape \(shape) has more elements than any storage holds") }
            count = product
        }
        var last = storageOffset
        for d in shape.indices {
            let (reach, o1) = (shape[d] - 1).multipliedReportingOverflow(by: strides[d])
            let (sum, o2) = last.addingReportingOverflow(reach)
            guard !o1, !o2 else { throw StoredTensorError("view overflows") }
            last = sum
        }
        guard last < storage.count / dtype.elementSize else {
            throw StoredTensorError("view reaches element \(last) of a storage with \(storage.count / dtype.elementSize)")
        }
    }

    /// The tensor's elements in row-major order, gathered from its storage view.
    public func contiguousBytes() throws -> [UInt8] {
        try validateView()
        let size = dtype.elementSize
        if isContiguous { return storage }
        var out = [UInt8](repeating: 0, count: elementCount * size)
        guard elementCount > 0 else { return out }
        out.withUnsafeMutableBufferPointer { dst in
            storage.withUnsafeBufferPointer { src in
                var written = 0
                gather(dim: 0, at: storageOffset, size: size, src: src, dst: dst, written: &written)
            }
        }
        return out
    }

    private func gather(dim: Int, at: Int, size: Int, src: UnsafeBufferPointer<UInt8>,
                        dst: UnsafeMutableBufferPointer<UInt8>, written: inout Int) {
        guard dim < shape.count else {
            dst.baseAddress!.advanced(by: written).update(from: src.baseAddress!.advanced(by: at * size), count: size)
            written += size
            return
        }
        if dim == shape.count - 1, strides[dim] == 1 {
            let bytes = shape[dim] * size
            dst.baseAddress!.advanced(by: written).update(from: src.baseAddress!.advanced(by: at * size), count: bytes)
            written += bytes
            return
        }
        for i in 0..<shape[dim] {
            gather(dim: dim + 1, at: at + i * strides[dim], size: size, src: src, dst: dst, written: &written)
        }
    }

    /// The elements as Floats in row-major order (any dtype; int64 beyond 2^24 loses precision).
    public func floatValues() throws -> [Float] {
        try doubleValues().map { Float($0) }
    }

    /// The elements as Doubles in row-major order.
    public func doubleValues() throws -> [Double] {
        let bytes = try contiguousBytes()
        let n = elementCount
        var out = [Double](repeating: 0, count: n)
        bytes.withUnsafeBytes { raw in
            for i in 0..<n { out[i] = Self.element(raw, i, dtype) }
        }
        return out
    }

    private static func element(_ raw: UnsafeRawBufferPointer, _ i: Int, _ dtype: TorchScalarType) -> Double {
        switch dtype {
        case .float32: return Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))))
        case .float64: return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
        case .float16: return Double(halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
        case .bfloat16:
            let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
            return Double(Float(bitPattern: UInt32(bits) << 16))
        case .int64: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
        case .int32: return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
        case .int16: return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)))
        case .int8: return Double(Int8(bitPattern: raw[i]))
        case .uint8: return Double(raw[i])
        case .bool: return raw[i] != 0 ? 1 : 0
        }
    }

    /// IEEE half to Float, by bits (Float16 is not available on every platform Swift targets).
    private static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
    }

    /// The elements of an integer or bool tensor as Int64s in row-major order.
    public func int64Values() throws -> [Int64] {
        switch dtype {
        case .float32, .float64, .float16, .bfloat16:
            throw StoredTensorError("int64Values() on a \(dtype) tensor")
        case .int64:
            let bytes = try contiguousBytes()
            return bytes.withUnsafeBytes { raw in
                (0..<elementCount).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
            }
        default:
            // Elements of 32 bits or fewer are exact as Doubles.
            return try doubleValues().map { Int64($0) }
        }
    }
}

/// A tensor whose view does not fit its storage, or a value request of the wrong type.
public struct StoredTensorError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
