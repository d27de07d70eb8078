import Foundation

/// Runs Python with the very torch TailKit links (the unpacked wheel under .deps/), for the
/// benchmark's same-run comparison and for interop checks.
public enum PythonTorch {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// PYTHONPATH entries: TAILKIT_TORCH_PYTHONPATH if set (the Makefile sets it), else the
    /// `.deps` folder found above the current directory or the executable.
    public static func pythonPath() throws -> String {
        if let env = ProcessInfo.processInfo.environment["TAILKIT_TORCH_PYTHONPATH"], !env.isEmpty { return env }
        let starts = [FileManager.default.currentDirectoryPath,
                      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path]
        for start in starts {
            var dir = URL(fileURLWithPath: start).standardizedFileURL
            for _ in 0..<6 {
                let torch = dir.appendingPathComponent(".deps/torch-2.13.0")
                if FileManager.default.fileExists(atPath: torch.appendingPathComponent("torch/__init__.py").path) {
                    return torch.path + ":" + dir.appendingPathComponent(".deps/pydeps").path
                }
                dir.deleteLastPathComponent()
            }
        }
        throw Failure(description: "Python torch not found: run `make setup` in the TailKit folder, or set TAILKIT_TORCH_PYTHONPATH")
    }

    /// Runs `python3 -s -S script args...` and returns its standard output; throws with its stderr on failure.
    /// Python sees only PYTHONPATH (the unpacked torch and `.deps/pydeps`) on top of its standard library:
    /// `-S` keeps the system's site-packages out, `-s` and PYTHONNOUSERSITE the user's, as in the tests.
    public static func run(script: String, arguments: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-s", "-S", script] + arguments
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = try pythonPath()
        env["PYTHONNOUSERSITE"] = "1"
        env["PYTHONHOME"] = nil
        process.environment = env
        let out = Pipe()
        // Standard error goes to a file, so that a chatty script cannot block on a full pipe.
        let errPath = NSTemporaryDirectory() + "tailkit-python-stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let errFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer { try? errFile.close() }
        process.standardOutput = out
        process.standardError = errFile
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let stderr = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
            throw Failure(description: "python3 \(script) failed: \(String(decoding: stderr, as: UTF8.self))")
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    /// The repository's scripts/ folder (next to .deps), where the Python side of benchmarks lives.
    public static func scriptPath(_ name: String) throws -> String {
        let path = try pythonPath().split(separator: ":")[0]
        let root = URL(fileURLWithPath: String(path)).deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/\(name)").path
        guard FileManager.default.fileExists(atPath: script) else { throw Failure(description: "missing \(script)") }
        return script
    }
}
