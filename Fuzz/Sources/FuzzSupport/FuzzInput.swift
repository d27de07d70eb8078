/// What every libFuzzer target shares: the input as bytes, and the rule that a reader may only
/// fail with its own typed error, naming the file. Anything else (a trap, an untyped error, an
/// error that does not name the file) stops the fuzzer as a finding.
///
/// ```swift
/// @_cdecl("LLVMFuzzerTestOneInput")
/// public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
///     FuzzInput.check(data, size) { bytes in _ = try IDX.parseArray(bytes, path: FuzzInput.path, magic: IDX.labelsMagic) }
/// }
/// ```
public enum FuzzInput {
    /// The name every target gives its input; errors must contain it.
    public static let path = "fuzz-input"

    /// Copies libFuzzer's buffer into an array.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Runs `body` on the input; a thrown error passes only when `accept` says it is typed and
    /// (by its description) names the input.
    public static func check(_ data: UnsafePointer<UInt8>?, _ size: Int,
                             accept: (any Error) -> Bool = { _ in false },
                             _ body: ([UInt8]) throws -> Void) -> CInt {
        do {
            try body(bytes(data, size))
        } catch {
            guard accept(error) else { fatalError("untyped error or one that does not name the file: \(error)") }
        }
        return 0
    }

    /// Whether `error`'s description names the input.
    public static func names(_ error: any Error) -> Bool {
        String(describing: error).contains(path)
    }
}
