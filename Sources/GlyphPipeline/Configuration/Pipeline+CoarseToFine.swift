import GlyphImaging

/// Coarse-to-fine: the page is analysed on a proxy one step coarser than its working scale
/// (`shrink: auto`: 1/8 for pages worked at 1/4, 1/4 for those at 1/2; JPEG DCT-scaled while
/// loading, PNG block-averaged), and a letter that is big and bold enough there is finished at
/// that scale, from the same decode. Other letters go the usual way: the page at its working
/// scale, and a second, finer decode when the letter is small.
///
/// The choice depends on the letter, not the page: its longer side on the proxy must be at
/// least `letter_side` (2 × the resize target, as for the second pass) and its mean stroke
/// width there at least `min_stroke` pixels, so fine pens keep their working scale; and its
/// largest ink group must cover half the crop, so a crop that took in a speck, a line end or a
/// desk edge on the proxy is decided at the working scale instead. On the proxy, pixel-sized
/// parameters are scaled by ½ (`StageContext.pixelScale`) to keep their meaning.
extension Pipeline {
    /// Whether the pipeline can finish letters on the proxy: `shrink: auto` with luma decoding,
    /// a `crop_to_bbox` to find the letter, no page segmentation, the first page. (With `shrink_on_load:
    /// false` the proxy is a full decode averaged in blocks: the reference for the fast route.)
    var allowsCoarseToFine: Bool {
        let decode = configuration.decode
        return decode.coarseToFine && decode.shrink == .auto && decodePlan.lumaOnly && decodePlan.page == 0
            && stages.contains { $0 is CropToBBoxStage } && !stages.contains { $0 is SegmentStage }
    }

    /// The result of every stage run on the proxy, when the letter found there is big and
    /// bold enough to finish at that scale; nil to go the usual way (also when any stage fails
    /// on the proxy: the usual route then reports the failure at the working scale).
    func coarseRun(_ file: FileBytes, png: PNGLumaSource?, steps: inout [Step]?) -> (image: Raster, context: StageContext)? {
        guard allowsCoarseToFine, let size = ImageDecoder.storedSize(file) else { return nil }
        let working = decodePlan.factor(shortSide: min(size.width, size.height))
        guard working == 2 || working == 4 else { return nil }
        let proxy = 2 * working
        var plan = decodePlan
        plan.shrink = .fixed(proxy)
        var local: [Step]? = steps == nil ? nil : []
        do throws(StageFailure) {
            var (image, context) = try Self.decode(file, plan: plan, png: png)
            context.pixelScale = 0.5
            local?.append((DecodeStage.name, "shrink \(proxy), coarse-to-fine proxy", image))
            for stage in stages {
                image = try stage.apply(image, context: &context)
                local?.append((type(of: stage).name, stage.label, image))
                if let crop = stage as? CropToBBoxStage, !finishesOnProxy(image, crop: crop, context: context) { return nil }
            }
            steps = local
            return (image, context)
        } catch {
            return nil
        }
    }

    /// Decodes by `plan`, from `png`'s samples when the file was inflated already.
    static func decode(_ file: FileBytes, plan: DecodePlan, png: PNGLumaSource?) throws(StageFailure) -> (Raster, StageContext) {
        guard let png else { return try DecodeStage.decode(file, plan: plan) }
        return DecodeStage.start(png.decoded(shrink: plan.factor(shortSide: min(png.width, png.height))))
    }

    /// Whether the cropped letter on the proxy is big enough (`letter_side`) and its strokes
    /// wide enough (`min_stroke`) to finish at the proxy's scale.
    func finishesOnProxy(_ letter: Raster, crop: CropToBBoxStage, context: StageContext) -> Bool {
        let decode = configuration.decode
        guard let ink = context.inkBox else { return false }
        let side = max(ink.width, ink.height) / context.decodeShrink
        guard side >= (decode.letterSide ?? 2 * resizeTarget) else { return false }
        let level = crop.level(for: letter)
        return Self.mainGroupShare(letter, above: level) >= Self.minMainGroupShare
            && Self.strokeWidth(letter, above: level) >= decode.minStroke
    }

    /// The share of the crop that the box of its largest ink group must cover to finish on the
    /// proxy. Below it the crop holds more than one letter-sized thing (a speck, a line end or
    /// a desk edge kept on the proxy that the working scale might drop), and the working scale
    /// decides.
    static let minMainGroupShare = 0.5

    /// The area of the box of the largest 8-connected group of pixels above `level`, as a share
    /// of the image's area.
    static func mainGroupShare(_ image: Raster, above level: Float) -> Double {
        var regions = BrightRegions(image, above: level)
        var largest = InkGroup()
        for start in 0..<(image.width * image.height) where regions.isUnvisitedBright(start) {
            var group = InkGroup()
            regions.fill(from: start) { x, y in group.add(x: x, y: y) }
            if group.area > largest.area { largest = group }
        }
        guard largest.area > 0 else { return 0 }
        let box = largest.box
        return Double(box.width * box.height) / Double(max(1, image.width * image.height))
    }

    /// The mean stroke width of the ink (pixels above `level`): 2 × area / perimeter, the
    /// perimeter counted as ink-to-paper pixel edges (a long stroke w pixels wide has area
    /// w·l and perimeter ≈ 2·l). One pass; diagonal strokes count up to √2 thinner.
    static func strokeWidth(_ image: Raster, above level: Float) -> Double {
        let width = image.width, height = image.height
        var area = 0, edges = 0
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<height {
                let row = y * width
                for x in 0..<width where pixels[row + x] > level {
                    area += 1
                    if x == 0 || pixels[row + x - 1] <= level { edges += 1 }
                    if x == width - 1 || pixels[row + x + 1] <= level { edges += 1 }
                    if y == 0 || pixels[row + x - width] <= level { edges += 1 }
                    if y == height - 1 || pixels[row + x + width] <= level { edges += 1 }
                }
            }
        }
        return edges == 0 ? 0 : 2 * Double(area) / Double(edges)
    }
}
