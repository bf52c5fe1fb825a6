// Test child for the runner tests (never shipped). See Tests/KldloadCoreTests/ProcessRunnerTests.swift.
print("kldload-testchild")
