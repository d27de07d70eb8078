import Torch

/// What `tailkit --version` prints: enough to reproduce a number someone reports.
enum VersionInfo {
    static let tailkit = "0.1.0"

    /// The CPU's bf16/fp16 units and what `--precision` can use on this machine.
    static var lowPrecision: String {
        let cpu = CPUFeatures.current
        let units = cpu.lowPrecisionUnits.isEmpty ? "no bf16/fp16 units on the CPU" : "CPU " + cpu.lowPrecisionUnits.joined(separator: ", ")
        let usable = ["fp32"] + (cpu.hasBF16 ? ["bf16"] : []) + (Torch.cudaAvailable ? ["fp16 and bf16 on CUDA"] : [])
        return "\(units); --precision \(usable.joined(separator: ", "))"
    }

    static var text: String {
        Torch.initialize()
        let devices = Torch.devices.map(\.description).joined(separator: ", ")
        return """
        TailKit \(tailkit)
        libtorch \(Torch.version)
        threads \(Torch.threads)
        devices \(devices)
        low precision \(lowPrecision)
        """
    }
}
