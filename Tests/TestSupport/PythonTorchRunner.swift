import Foundation

public struct PythonTorchFailure: Error, CustomStringConvertible {
    public var description: String
}

/// The one way the tests start Python. It sees only the torch and the packages `make setup` put under
/// `.deps/` (PYTHONPATH = TAILKIT_TORCH_PYTHONPATH, which the Makefile exports, else this checkout's
/// `.deps/torch-2.13.0:.deps/pydeps`), on top of the standard library: `-S` keeps the system's
/// site-packages out, `-s` and PYTHONNOUSERSITE the user's. A missing `.deps` fails the test loudly:
/// the project always installs it. Python's temporary files go to a folder of its own, removed when it exits.
public enum TestPython {
    /// PYTHONPATH for the tests' Python: TAILKIT_TORCH_PYTHONPATH when set, else the `.deps` folder of
    /// the checkout these tests were compiled from.
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
        throw PythonTorchFailure(description: "Python packages not found: run `make setup` or set TAILKIT_TORCH_PYTHONPATH")
    }

    /// The interpreter's arguments before the script: no site-packages but PYTHONPATH's.
    public static let isolationFlags = ["-s", "-S"]

    /// Runs `python3 -s -S -c script arguments...` (in `directory` when given) and returns its standard
    /// output; a non-zero exit throws with Python's standard error. `extraPath` goes after PYTHONPATH.
    public static func run(_ script: String, arguments: [String] = [], in directory: String? = nil,
                           extraPath: [String] = []) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + isolationFlags + ["-c", script] + arguments
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = ([try pythonPath()] + extraPath).joined(separator: ":")
        env["PYTHONNOUSERSITE"] = "1"
        env["PYTHONHOME"] = nil
        // Python's own temporary files (e.g. torch's torchinductor_<user> cache) go to a folder removed afterwards.
        let scratch = try TemporaryFolder("tailkit-python-tmp")
        defer { scratch.remove() }
        env["TMPDIR"] = scratch.path
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let result = try ProcessOutput.capture(process)
        guard result.succeeded else {
            throw PythonTorchFailure(description: "python3 failed (status \(result.status)): \(result.err)")
        }
        return result.out
    }
}

/// Runs Python with the torch of the same version TailKit links (from `make setup`), for parity tests.
public enum PythonTorchRunner {
    public static func pythonPath() throws -> String { try TestPython.pythonPath() }

    /// The repository's scripts/ folder (the reference models in reference_models.py, the benchmark).
    public static var scriptsDir: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts").path
    }

    /// Runs `python3 -c script` (torch, numpy and the repository's scripts/ importable) and returns its
    /// standard output; a non-zero exit throws with Python's standard error.
    public static func output(_ script: String) throws -> Data {
        try TestPython.run(script, extraPath: [scriptsDir])
    }

    /// Runs `script` and parses the JSON object it prints.
    public static func run(_ script: String) throws -> [String: Any] {
        let data = try output(script)
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw PythonTorchFailure(description: "python3 printed no JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return json
    }
}
