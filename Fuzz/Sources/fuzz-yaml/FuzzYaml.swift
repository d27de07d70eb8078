import FuzzSupport
import TailKit

/// `--config` YAML files: Yams (libyaml) parsing, TrainConfig decoding, validation, and the
/// config written back out and read again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAMLConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzInput.check(data, size, accept: { ($0 is TailKitError) && FuzzInput.names($0) }) { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        let config = try TrainConfig(yaml: text, path: FuzzInput.path)
        if (try? config.validate()) != nil {
            let again = try TrainConfig(yaml: config.yaml(), path: FuzzInput.path + " (written back)")
            precondition(again.yaml() == config.yaml(), "written config does not read back the same")
        }
    }
}
