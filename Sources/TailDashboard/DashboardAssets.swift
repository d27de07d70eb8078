/// The page, its script and its style, served from the binary (no CDN, no files on disk).
enum DashboardAssets {
    static let page = "<!doctype html><title>TailKit</title>"
    static let script = ""
    static let style = ""
}
