import CTorch

// Elementwise arithmetic with broadcasting. Operators throw, so `try` covers a whole expression:
// `let y = try (x - mean) / std`.

extension Tensor {
    func unary(_ op: Int) throws -> Tensor { try .wrap(ct_unary(Int32(op), handle)) }
    func binary(_ op: Int, _ other: Tensor) throws -> Tensor { try .wrap(ct_binary(Int32(op), handle, other.handle)) }
    func binary(_ op: Int, _ scalar: Double) throws -> Tensor { try .wrap(ct_binary_scalar(Int32(op), handle, scalar)) }
    func reversed(_ op: Int, _ scalar: Double) throws -> Tensor { try .wrap(ct_rbinary_scalar(Int32(op), scalar, handle)) }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(CT_ADD, b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(CT_SUB, b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(CT_MUL, b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(CT_DIV, b) }
    public static func + (a: Tensor, b: Double) throws -> Tensor { try a.binary(CT_ADD, b) }
    public static func - (a: Tensor, b: Double) throws -> Tensor { try a.binary(CT_SUB, b) }
    public static func * (a: Tensor, b: Double) throws -> Tensor { try a.binary(CT_MUL, b) }
    public static func / (a: Tensor, b: Double) throws -> Tensor { try a.binary(CT_DIV, b) }
    public static func + (a: Double, b: Tensor) throws -> Tensor { try b.binary(CT_ADD, a) }
    public static func - (a: Double, b: Tensor) throws -> Tensor { try b.reversed(CT_SUB, a) }
    public static func * (a: Double, b: Tensor) throws -> Tensor { try b.binary(CT_MUL, a) }
    public static func / (a: Double, b: Tensor) throws -> Tensor { try b.reversed(CT_DIV, a) }
    public static prefix func - (a: Tensor) throws -> Tensor { try a.unary(CT_NEG) }

    public func pow(_ exponent: Double) throws -> Tensor { try binary(CT_POW, exponent) }
    public func pow(_ exponent: Tensor) throws -> Tensor { try binary(CT_POW, exponent) }
    public func maximum(_ other: Tensor) throws -> Tensor { try binary(CT_MAXIMUM, other) }
    public func minimum(_ other: Tensor) throws -> Tensor { try binary(CT_MINIMUM, other) }
    public func remainder(_ divisor: Double) throws -> Tensor { try binary(CT_REMAINDER, divisor) }
    public func floorDivide(_ divisor: Double) throws -> Tensor { try binary(CT_FLOOR_DIVIDE, divisor) }

    public func exp() throws -> Tensor { try unary(CT_EXP) }
    public func log() throws -> Tensor { try unary(CT_LOG) }
    public func log1p() throws -> Tensor { try unary(CT_LOG1P) }
    public func sqrt() throws -> Tensor { try unary(CT_SQRT) }
    public func rsqrt() throws -> Tensor { try unary(CT_RSQRT) }
    public func abs() throws -> Tensor { try unary(CT_ABS) }
    public func sigmoid() throws -> Tensor { try unary(CT_SIGMOID) }
    public func tanh() throws -> Tensor { try unary(CT_TANH) }
    public func sin() throws -> Tensor { try unary(CT_SIN) }
    public func cos() throws -> Tensor { try unary(CT_COS) }
    public func floor() throws -> Tensor { try unary(CT_FLOOR) }
    public func ceil() throws -> Tensor { try unary(CT_CEIL) }
    public func round() throws -> Tensor { try unary(CT_ROUND) }
    public func sign() throws -> Tensor { try unary(CT_SIGN) }
    public func reciprocal() throws -> Tensor { try unary(CT_RECIPROCAL) }
    public func square() throws -> Tensor { try unary(CT_SQUARE) }
    public func isNaN() throws -> Tensor { try unary(CT_ISNAN) }
    public func isFinite() throws -> Tensor { try unary(CT_ISFINITE) }

    public func clamp(min lower: Double? = nil, max upper: Double? = nil) throws -> Tensor {
        try .wrap(ct_clamp(handle, lower ?? 0, upper ?? 0, lower != nil, upper != nil))
    }

    public func matmul(_ other: Tensor) throws -> Tensor { try .wrap(ct_matmul(handle, other.handle)) }

    // MARK: Comparisons and logic (results are bool tensors)

    public func eq(_ other: Tensor) throws -> Tensor { try binary(CT_EQ, other) }
    public func ne(_ other: Tensor) throws -> Tensor { try binary(CT_NE, other) }
    public func lt(_ other: Tensor) throws -> Tensor { try binary(CT_LT, other) }
    public func le(_ other: Tensor) throws -> Tensor { try binary(CT_LE, other) }
    public func gt(_ other: Tensor) throws -> Tensor { try binary(CT_GT, other) }
    public func ge(_ other: Tensor) throws -> Tensor { try binary(CT_GE, other) }
    public func eq(_ value: Double) throws -> Tensor { try binary(CT_EQ, value) }
    public func ne(_ value: Double) throws -> Tensor { try binary(CT_NE, value) }
    public func lt(_ value: Double) throws -> Tensor { try binary(CT_LT, value) }
    public func le(_ value: Double) throws -> Tensor { try binary(CT_LE, value) }
    public func gt(_ value: Double) throws -> Tensor { try binary(CT_GT, value) }
    public func ge(_ value: Double) throws -> Tensor { try binary(CT_GE, value) }
    public func logicalAnd(_ other: Tensor) throws -> Tensor { try binary(CT_LOGICAL_AND, other) }
    public func logicalOr(_ other: Tensor) throws -> Tensor { try binary(CT_LOGICAL_OR, other) }
    public func logicalNot() throws -> Tensor { try unary(CT_LOGICAL_NOT) }

    /// Elements of `a` where `condition` holds, of `b` elsewhere (broadcasting).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        try .wrap(ct_where(condition.handle, a.handle, b.handle))
    }
}
