import Foundation
import KldloadCore

// The multi-call binary (Docs/INSTALL.md): dispatch on argv[0] is `MultiCall` in the library.
exit(MultiCall.main(CommandLine.arguments))
