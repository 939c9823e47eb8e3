// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "GlyphPrep",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GlyphPrep", targets: ["GlyphPrep"]),
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
        .target(
            name: "GlyphPrep",
            dependencies: [
                "CVips",
                "CVipsShims",
                "CBLAS",
                "CTurboJPEG",
                "CZlib",
                "CDeflate",
                "ONNXRuntime",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "glyphprep",
            dependencies: [
                "GlyphPrep",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "GlyphPrepTests", dependencies: ["GlyphPrep", "ONNXRuntime", "CVips", "CVipsShims", "CDeflate"]),
        .testTarget(
            name: "ONNXRuntimeTests", dependencies: ["ONNXRuntime"],
            exclude: ["make_fixtures.py"], resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "GlyphPrepCLITests",
            dependencies: [
                "glyphprep",
                "GlyphPrep",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
