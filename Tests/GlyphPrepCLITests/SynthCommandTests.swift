import XCTest

final class SynthCommandTests: XCTestCase {}
