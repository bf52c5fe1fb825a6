import Testing
@testable import KldloadCore

@Suite struct CommandTests {
    @Test func displayQuotingIsForHumansOnly() {
        let c = Command("zfs", "set", "org.zfsbootmenu:commandline=quiet splash", "rpool/ROOT/default")
        #expect(c.description == "zfs set 'org.zfsbootmenu:commandline=quiet splash' rpool/ROOT/default")
        #expect(c.argv.count == 4)
        #expect(Command.quoteForDisplay("it's") == "'it'\\''s'")
    }

    @Test func checkedThrowsOnFailure() {
        let r = CommandResult(command: Command("false"), status: .exited(1), stderr: "boom\n")
        #expect(throws: CommandError.self) { try r.checked() }
        #expect((try? r.checked(allowing: [1])) != nil)
    }
}
