import XCTest
@testable import GlyphPrep

final class SynthesisTests: XCTestCase {}
