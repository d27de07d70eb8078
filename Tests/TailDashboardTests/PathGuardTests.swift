import Foundation
import Testing
import TestSupport
@testable import TailDashboard

@Suite struct PathGuardTests {
    @Test func plainPathsAreDecodedIntoSegments() {
        #expect(PathGuard.segments("/") == [])
        #expect(PathGuard.segments("/files/r0/config.yaml?x=1") == ["files", "r0", "config.yaml"])
        #expect(PathGuard.segments("/files/r0/a%20b.txt") == ["files", "r0", "a b.txt"])
    }

    @Test func traversalAndEncodedSeparatorsAreRefused() {
        for bad in ["/files/r0/../../etc/passwd", "/files/r0/./config.yaml", "/files/r0/%2e%2e/%2E%2E/etc/passwd",
                    "/files/r0/..%2F..%2Fetc%2Fpasswd", "/files/r0/..%2f..%2fetc", "/files/r0/%5c..%5cx", "/files/r0/a%00b",
                    "/files/r0/..\\..\\etc", "files/r0/config.yaml", "/files/r0/%zz"] {
            #expect(PathGuard.segments(bad) == nil, "\(bad) must be refused")
        }
    }

    @Test func aSymlinkLeavingTheFolderIsNeverAFile() throws {
        let folder = try TemporaryFolder("dash-guard")
        defer { folder.remove() }
        let outside = try folder.write("secret.txt", text: "secret")
        try folder.write("run/config.yaml", text: "loss: ce\n")
        try FileManager.default.createSymbolicLink(atPath: folder.file("run/leak"), withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: folder.file("run/inside"), withDestinationPath: folder.file("run/config.yaml"))
        let run = folder.file("run")
        #expect(PathGuard.file(["config.yaml"], in: run) != nil)
        #expect(PathGuard.file(["inside"], in: run) != nil)
        #expect(PathGuard.file(["leak"], in: run) == nil)
        #expect(PathGuard.file([".."], in: run) == nil)
        #expect(PathGuard.file([], in: run) == nil)
    }
}
