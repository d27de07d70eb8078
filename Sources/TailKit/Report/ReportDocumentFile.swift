import TailReport

extension ReportDocument {
    /// Writes the rendered file atomically (temporary file, then rename), so a reader never sees
    /// half a report. Throws `TailKitError.unwritableOutput` naming the path.
    public func write(to path: String) throws {
        try AtomicFile.write(render(), to: path)
    }
}
