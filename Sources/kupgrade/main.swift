import Foundation
import KldloadCore

exit(KupgradeCommand.main(Array(CommandLine.arguments.dropFirst())))
