// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "GlyphPrep",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GlyphImaging", targets: ["GlyphImaging"]),
        .library(name: "GlyphPipeline", targets: ["GlyphPipeline"]),
        .library(name: "GlyphModel", targets: ["GlyphModel"]),
        .library(name: "GlyphTraining", targets: ["GlyphTraining"]),
        .library(name: "GlyphVisualization", targets: ["GlyphVisualization"]),
        .library(name: "ONNXRuntime", targets: ["ONNXRuntime"]),
        .executable(name: "glyphprep", targets: ["glyphprep"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // libvips, found through pkg-config; Debian: libvips-dev.
        .systemLibrary(
            name: "CVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]
        ),
        // OpenBLAS's CBLAS interface, for matrix products in inference and training.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // libjpeg-turbo's TurboJPEG API: luma-only, DCT-scaled JPEG decoding.
        .systemLibrary(
            name: "CTurboJPEG",
            pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]
        ),
        // zlib, for gzip-compressed IDX files (EMNIST ships them as .gz; dataset export writes them).
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // libdeflate: whole-buffer inflate for PNG (nearly 3× libpng with zlib on the bench scans) and the PNG writer's deflate.
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // Fixed-arity wrappers for libvips' variadic calls, which Swift cannot call.
        .target(name: "CVipsShims", dependencies: ["CVips"]),
        // Pure-Swift ONNX inference engine and model builder (protobuf via swift-protobuf, BLAS via CBLAS).
        .target(
            name: "ONNXRuntime",
            dependencies: ["CBLAS", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Generated/README.md", "Generated/onnx.proto"]
        ),
        // Images in and out: the only module that imports the image C libraries (decoding,
        // encoding, resampling, text), plus atomic files, hashing and the parallel map.
        .target(
            name: "GlyphImaging",
            dependencies: ["CVips", "CVipsShims", "CTurboJPEG", "CZlib", "CDeflate"]
        ),
        // The YAML pipeline: configuration, stages, batch runner, manifest, resume, shards, export.
        .target(
            name: "GlyphPipeline",
            dependencies: ["GlyphImaging", .product(name: "Yams", package: "Yams")]
        ),
        // Classification with ONNX models: the `classify` stage's runtime.
        .target(name: "GlyphModel", dependencies: ["GlyphPipeline", "ONNXRuntime"]),
        // Scan synthesis, the trainer and evaluation.
        .target(name: "GlyphTraining", dependencies: ["GlyphModel", "GlyphPipeline", "ONNXRuntime"]),
        // Previews, contact sheets and the HTML report.
        .target(name: "GlyphVisualization", dependencies: ["GlyphTraining", "GlyphModel", "GlyphPipeline"]),
        .executableTarget(
            name: "glyphprep",
            dependencies: [
                "GlyphPipeline", "GlyphModel", "GlyphTraining", "GlyphVisualization",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Small synthetic images shared by the test targets.
        .target(name: "GlyphTestSupport", dependencies: ["GlyphImaging", "GlyphPipeline"], path: "Tests/GlyphTestSupport"),
        .testTarget(name: "GlyphImagingTests", dependencies: ["GlyphImaging", "GlyphTestSupport", "CVipsShims", "CDeflate"]),
        .testTarget(name: "GlyphPipelineTests", dependencies: ["GlyphPipeline", "GlyphTestSupport"]),
        .testTarget(name: "GlyphModelTests", dependencies: ["GlyphModel", "GlyphTestSupport", "ONNXRuntime"]),
        .testTarget(name: "GlyphTrainingTests", dependencies: ["GlyphTraining", "GlyphTestSupport", "ONNXRuntime"]),
        .testTarget(name: "GlyphVisualizationTests", dependencies: ["GlyphVisualization", "GlyphTestSupport"]),
        .testTarget(
            name: "ONNXRuntimeTests", dependencies: ["ONNXRuntime"],
            exclude: ["make_fixtures.py"], resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "GlyphPrepCLITests",
            dependencies: [
                "glyphprep", "GlyphPipeline", "GlyphModel", "GlyphTraining", "GlyphVisualization",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
