import Foundation

/// The `tailkit` command-line program the tests run. SwiftPM builds it into the same products folder as the
/// test bundle (`.build/<triple>/debug`, `.build/release`, a `--scratch-path`, …), so it is looked up next to
/// the running test executable and the loaded `.xctest` bundles; TAILKIT_EXECUTABLE overrides.
public enum TailKitExecutable {
    /// Starts `tailkit arguments...`; its output goes to `output` (both streams), or nowhere.
    public static func launch(_ arguments: [String], output: FileHandle? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try path())
        p.arguments = arguments
        p.standardOutput = output ?? FileHandle.nullDevice
        p.standardError = output ?? FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Runs `tailkit arguments...` to its end with both streams captured.
    public static func run(_ arguments: [String]) throws -> ProcessOutput {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try path())
        p.arguments = arguments
        return try ProcessOutput.capture(p)
    }

    public static func path() throws -> String {
        let fm = FileManager.default
        if let override = ProcessInfo.processInfo.environment["TAILKIT_EXECUTABLE"], !override.isEmpty {
            guard fm.isExecutableFile(atPath: override) else {
                throw PythonTorchFailure(description: "TAILKIT_EXECUTABLE=\(override) is not an executable file")
            }
            return override
        }
        var folders: [URL] = []
        // The test runner itself: on Linux the .xctest file is the executable; under `xctest` on macOS,
        // the products folder holds the bundle.
        if let exe = Bundle.main.executableURL { folders.append(exe.resolvingSymlinksInPath().deletingLastPathComponent()) }
        folders.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent())
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            folders.append(URL(fileURLWithPath: bundle.bundlePath).resolvingSymlinksInPath().deletingLastPathComponent())
        }
        for folder in folders {
            let candidate = folder.appendingPathComponent("tailkit").path
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw PythonTorchFailure(description: "no tailkit executable next to the test bundle (looked in "
            + folders.map(\.path).joined(separator: ", ") + "): build it with `swift build --build-tests`, or set TAILKIT_EXECUTABLE")
    }
}
