import Foundation

public struct PythonTorchFailure: Error, CustomStringConvertible {
    public var description: String
}

/// Runs Python with the torch of the same version TailKit links (from `make setup`), for parity tests.
/// Fails loudly when it is missing: the project always installs it.
public enum PythonTorchRunner {
    public static func pythonPath() throws -> String {
        if let env = ProcessInfo.processInfo.environment["TAILKIT_TORCH_PYTHONPATH"], !env.isEmpty { return env }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let deps = dir.appendingPathComponent(".deps")
            if FileManager.default.fileExists(atPath: deps.appendingPathComponent("torch-2.13.0/torch").path) {
                return deps.appendingPathComponent("torch-2.13.0").path + ":" + deps.appendingPathComponent("pydeps").path
            }
            dir = dir.deletingLastPathComponent()
        }
        throw PythonTorchFailure(description: "Python torch not found: run `make setup` or set TAILKIT_TORCH_PYTHONPATH")
    }

    /// The repository's scripts/ folder (for the reference ResNet-32 in bench_pytorch.py).
    public static var scriptsDir: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts").path
    }

    /// Runs `python3 -c script` (numpy, and torch when installed, importable) and returns its
    /// standard output; a non-zero exit throws with Python's standard error.
    public static func output(_ script: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = ((try? pythonPath()) ?? "") + ":" + scriptsDir
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonTorchFailure(description: "python3 failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return data
    }

    /// Runs `script` and parses the JSON object it prints.
    public static func run(_ script: String) throws -> [String: Any] {
        _ = try pythonPath()  // torch scripts must not run without the project's torch
        let data = try output(script)
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw PythonTorchFailure(description: "python3 printed no JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return json
    }

    public static func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "tailkit-interop-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
