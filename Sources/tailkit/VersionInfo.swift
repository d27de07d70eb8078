import Torch

/// What `tailkit --version` prints: enough to reproduce a number someone reports.
enum VersionInfo {
    static let tailkit = "0.1.0"

    static var text: String {
        Torch.initialize()
        let devices = Torch.devices.map(\.description).joined(separator: ", ")
        return """
        TailKit \(tailkit)
        libtorch \(Torch.version)
        threads \(Torch.threads)
        devices \(devices)
        """
    }
}
