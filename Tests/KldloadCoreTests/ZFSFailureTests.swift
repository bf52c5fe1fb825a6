import Foundation
import Testing

@testable import KldloadCore

/// A refused zfs command's whole message survives, and ZFS's common refusals are recognised
/// with a hint each. Captured refusals from OpenZFS 2.1.11 (Fixtures/zfs-2.1/…/bes), plus the
/// single-line refusals in the exact wording of OpenZFS's libzfs_util.c / libzfs_dataset.c.
@Suite struct ZFSFailureTests {
    static let bes = "zfs-2.1/openzfs-2.1.11-debian12/bes/"

    @Test(arguments: [
        ("zfs-destroy-snapshot-with-clones.stderr", ZFSFailure.Refusal.dependentClones),
        ("zfs-destroy-fs-with-children.stderr", .hasChildren),
        ("zfs-destroy-fs-with-snapshots.stderr", .hasChildren),
        ("zfs-destroy-default-after-promote.stderr", .hasChildren),
        ("zfs-rollback-over-newer.stderr", .newerSnapshots),
        ("zfs-destroy-nosuch.stderr", .doesNotExist),
        ("zfs-clone-exists.stderr", .alreadyExists),
        ("zfs-snapshot-exists.stderr", .alreadyExists),
    ])
    func capturedRefusalsAreRecognised(file: String, refusal: ZFSFailure.Refusal) throws {
        let stderr = try Fixtures.text(Self.bes + file)
        let failure = ZFSFailure(stderr: stderr)
        #expect(failure.refusal == refusal)
        #expect(failure.hint != nil)
        // Every line is kept: the reason (first line) and the last dataset name.
        let lines = stderr.split(separator: "\n").map(String.init)
        #expect(failure.description.hasPrefix(lines[0]))
        #expect(failure.description.hasSuffix(lines[lines.count - 1]))
    }

    @Test func dependentClonesKeepsReasonAndTheDatasetList() throws {
        let failure = ZFSFailure(stderr: try Fixtures.text(Self.bes + "zfs-destroy-snapshot-with-clones.stderr"))
        #expect(
            failure.description
                == "cannot destroy 'rpool/ROOT/default@pre-upgrade-20261122-101500': snapshot has dependent clones; use '-R' to destroy the following datasets: rpool/ROOT/test@t1, rpool/ROOT/test"
        )
        #expect(failure.hint?.contains("zfs promote") == true)
    }

    /// Single-line refusals as `zfs_verror` prints them ("%s: %s\n", action then reason).
    @Test(arguments: [
        ("cannot destroy 'rpool/ROOT/b': dataset is busy\n", ZFSFailure.Refusal.busy),
        ("cannot unmount '/run/kbe/b': pool or dataset is busy\n", .busy),
        ("cannot destroy 'rpool/ROOT/b': permission denied\n", .permissionDenied),
        ("cannot open 'rpool/ROOT/b': dataset does not exist\n", .doesNotExist),
        ("cannot destroy snapshot rpool/ROOT/a@x: snapshot is cloned\n", .dependentClones),
        ("cannot destroy snapshot rpool/ROOT/a@x: it's being held. Run 'zfs holds -r rpool/ROOT/a@x' to see holders.\n", .held),
        ("cannot rollback to 'rpool/ROOT/a@x': clones of previous snapshots exist\nuse '-R' to force deletion of the following clones and dependents:\nrpool/ROOT/b\n", .clonesOfNewerSnapshots),
        ("cannot create snapshot 'rpool/ROOT/a@x': out of space\n", .outOfSpace),
        ("cannot rollback 'rpool/ROOT/a': there is a snapshot or bookmark more recent than 'rpool/ROOT/a@x'\n", .newerSnapshots),
    ])
    func sourceWordingIsRecognised(stderr: String, refusal: ZFSFailure.Refusal) {
        let failure = ZFSFailure(stderr: stderr)
        #expect(failure.refusal == refusal)
        #expect(failure.hint != nil)
    }

    @Test func unknownMessagesAreKeptWithoutAHint() {
        let failure = ZFSFailure(stderr: "something new\r\nsecond line\n")
        #expect(failure.refusal == nil)
        #expect(failure.hint == nil)
        #expect(failure.description == "something new; second line")
        #expect(ZFSFailure(stderr: "").description == "")
    }

    /// The listing said no clones; a clone appeared before the destroy ran. The error names the
    /// reason and the clones, not only the last dataset name, and gives the promote hint.
    @Test func kbeDestroyShowsTheWholeRefusal() throws {
        let (runner, context) = KBEWorld.make()
        runner.on(
            ["zfs", "destroy", "rpool/ROOT/default@install"],
            stderr: try Fixtures.text(Self.bes + "zfs-destroy-snapshot-with-clones.stderr"), status: 1)
        let r = KBEWorld.run(["destroy", "--yes", "rpool/ROOT/default@install"], context)
        #expect(r.exitCode == 1)
        #expect(r.stderr.contains("snapshot has dependent clones; use '-R' to destroy the following datasets: rpool/ROOT/test@t1, rpool/ROOT/test"))
        #expect(r.stderr.contains("hint: boot environments were cloned from that snapshot"))
        #expect(r.stderr.contains("then run the same kbe command again"))
    }

    @Test func commandErrorKeepsTheWholeMessage() throws {
        let result = CommandResult(
            command: Command(["zfs", "rollback", "rpool/ROOT/default@pre-upgrade-20261122-101500"]), status: .exited(1),
            stdout: "", stderr: try Fixtures.text(Self.bes + "zfs-rollback-over-newer.stderr"))
        #expect("\(CommandError.failed(result))".contains("more recent snapshots or bookmarks exist"))
    }
}
