import Foundation

/// The low-precision units of this machine's CPU, from the flags Linux lists in /proc/cpuinfo (what
/// `lscpu` shows): oneDNN runs bf16 convolutions and matrix products on AMX tiles (`amx_bf16`) or
/// AVX-512 BF16 instructions (`avx512_bf16`), fp16 on AMX-FP16 / AVX-512 FP16.
///
/// ```swift
/// if CPUFeatures.current.hasBF16 { print(CPUFeatures.current.lowPrecisionUnits) }   // ["avx512_bf16"]
/// ```
public struct CPUFeatures: Sendable, Equatable {
    public let flags: Set<String>

    public init(flags: Set<String>) { self.flags = flags }

    /// The flags of the first processor in /proc/cpuinfo (empty where it cannot be read).
    public static let current: CPUFeatures = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return CPUFeatures(flags: []) }
        return CPUFeatures(flags: Set(line[line.index(after: colon)...].split(separator: " ").map(String.init)))
    }()

    /// The low-precision flags present, in a fixed order.
    public var lowPrecisionUnits: [String] {
        ["amx_bf16", "amx_fp16", "amx_tile", "avx512_bf16", "avx512_fp16"].filter(flags.contains)
    }

    /// Whether bf16 matrix products run on hardware units rather than emulated in fp32.
    public var hasBF16: Bool { flags.contains("amx_bf16") || flags.contains("avx512_bf16") }
}
