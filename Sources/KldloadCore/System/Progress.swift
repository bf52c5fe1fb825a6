/// Where library code reports human-readable progress lines (`[kupgrade] checking pool
/// health... rpool ONLINE`). The executable decides where they go: the terminal, stderr under
/// `--json`, the log file, or a test's buffer.
public typealias ProgressSink = @Sendable (String) -> Void
