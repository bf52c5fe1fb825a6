import Foundation
import KldloadCore

// Thin: everything, including building the SystemContext, is KBECommand.main in the library.
exit(KBECommand.main(Array(CommandLine.arguments.dropFirst())))
