import CTorch

/// Process-wide libtorch settings and facts.
public enum Torch {
    /// Sets libtorch's thread count (it defaults to 1 on some machines) and the malloc tunables
    /// that keep activation buffers between steps. Safe to call more than once.
    public static func initialize(threads: Int? = nil) {
        ct_init(Int32(threads ?? defaultThreads))
        initialized = true
    }

    /// Runs `initialize()` once with defaults, unless the program already chose.
    static func ensureInitialized() {
        _ = lazyDefault
    }

    nonisolated(unsafe) private static var initialized = false
    private static let lazyDefault: Void = {
        if !initialized { initialize() }
    }()

    /// All cores, or TAILKIT_THREADS when set.
    public static var defaultThreads: Int {
        if let text = getenvString("TAILKIT_THREADS"), let n = Int(text), n > 0 { return n }
        return max(1, sysconfCores())
    }

    public static var version: String { String(cString: ct_torch_version()) }
    public static var threads: Int { Int(ct_get_num_threads()) }
    public static func setThreads(_ n: Int) { ct_set_num_threads(Int32(n)) }
    public static var cudaAvailable: Bool { ct_cuda_available() }
    public static var cudaDeviceCount: Int { Int(ct_cuda_device_count()) }
    public static var mkldnnAvailable: Bool { ct_mkldnn_available() }

    /// Every device this process can use.
    public static var devices: [Device] {
        [.cpu] + (0..<cudaDeviceCount).map { Device.cuda($0) }
    }

    /// Seeds libtorch's default generator (used where no generator is passed).
    public static func manualSeed(_ seed: UInt64) { ct_manual_seed(seed) }

    public static var peakRSSBytes: Int { Int(ct_peak_rss_bytes()) }
    public static var currentRSSBytes: Int { Int(ct_current_rss_bytes()) }
}

#if canImport(Glibc)
import Glibc
private func sysconfCores() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
#else
import Foundation
private func sysconfCores() -> Int { ProcessInfo.processInfo.activeProcessorCount }
#endif

private func getenvString(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    return String(cString: p)
}
