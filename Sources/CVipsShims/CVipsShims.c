#include "CVipsShims.h"

int gpv_init(const char *argv0) { return vips_init(argv0); }

void gpv_configure_batch(int threads) {
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    if (threads > 0) vips_concurrency_set(threads);
}

char *gpv_error_take(void) { return vips_error_buffer_copy(); }
void gpv_error_clear(void) { vips_error_clear(); }

const char *gpv_find_load_buffer(const void *data, size_t length) {
    return vips_foreign_find_load_buffer(data, length);
}

int gpv_load_buffer(const void *data, size_t length, VipsImage **out) {
    *out = vips_image_new_from_buffer(data, length, "",
        "access", VIPS_ACCESS_SEQUENTIAL,
        "fail_on", VIPS_FAIL_ON_TRUNCATED,
        NULL);
    return *out ? 0 : -1;
}

int gpv_jpegload_buffer(const void *data, size_t length, int shrink, VipsImage **out) {
    return vips_jpegload_buffer((void *) data, length, out,
        "shrink", shrink,
        "access", VIPS_ACCESS_SEQUENTIAL,
        "fail_on", VIPS_FAIL_ON_TRUNCATED,
        NULL);
}

int gpv_webpload_buffer(const void *data, size_t length, double scale, VipsImage **out) {
    return vips_webpload_buffer((void *) data, length, out,
        "scale", scale,
        "access", VIPS_ACCESS_SEQUENTIAL,
        "fail_on", VIPS_FAIL_ON_TRUNCATED,
        NULL);
}

int gpv_load_page_buffer(const void *data, size_t length, int pdf, int page, double dpi, VipsImage **out) {
    if (pdf) {
        return vips_pdfload_buffer((void *) data, length, out,
            "page", page, "dpi", dpi,
            "access", VIPS_ACCESS_SEQUENTIAL,
            "fail_on", VIPS_FAIL_ON_TRUNCATED,
            NULL);
    }
    return vips_tiffload_buffer((void *) data, length, out,
        "page", page,
        "access", VIPS_ACCESS_SEQUENTIAL,
        "fail_on", VIPS_FAIL_ON_TRUNCATED,
        NULL);
}

int gpv_autorot(VipsImage *in, VipsImage **out) { return vips_autorot(in, out, NULL); }

int gpv_flatten_white(VipsImage *in, VipsImage **out) {
    double white = (in->BandFmt == VIPS_FORMAT_USHORT || in->BandFmt == VIPS_FORMAT_SHORT) ? 65535.0 :
        (in->BandFmt == VIPS_FORMAT_FLOAT || in->BandFmt == VIPS_FORMAT_DOUBLE) ? 1.0 : 255.0;
    if (in->Type == VIPS_INTERPRETATION_RGB16 || in->Type == VIPS_INTERPRETATION_GREY16) white = 65535.0;
    double background[4] = { white, white, white, white };
    VipsArrayDouble *array = vips_array_double_new(background, in->Bands - 1);
    int status = vips_flatten(in, out, "background", array, NULL);
    vips_area_unref(VIPS_AREA(array));
    return status;
}

int gpv_cast_uchar(VipsImage *in, VipsImage **out) {
    return vips_cast(in, out, VIPS_FORMAT_UCHAR, "shift", TRUE, NULL);
}

int gpv_cast_float(VipsImage *in, VipsImage **out) {
    return vips_cast(in, out, VIPS_FORMAT_FLOAT, NULL);
}

int gpv_colourspace(VipsImage *in, VipsImage **out, VipsInterpretation space) {
    return vips_colourspace(in, out, space, NULL);
}

int gpv_extract_band(VipsImage *in, VipsImage **out, int band, int n) {
    return vips_extract_band(in, out, band, "n", n, NULL);
}

int gpv_gaussblur(VipsImage *in, VipsImage **out, double sigma) {
    return vips_gaussblur(in, out, sigma, "precision", VIPS_PRECISION_FLOAT, NULL);
}

int gpv_shrink(VipsImage *in, VipsImage **out, double factor) {
    return vips_shrink(in, out, factor, factor, NULL);
}

int gpv_resize(VipsImage *in, VipsImage **out, double hscale, double vscale, VipsKernel kernel) {
    return vips_resize(in, out, hscale, "vscale", vscale, "kernel", kernel, NULL);
}

int gpv_pngsave_buffer(VipsImage *in, void **buf, size_t *length, int compression, int strip) {
    return vips_pngsave_buffer(in, buf, length, "compression", compression, "strip", strip, NULL);
}

int gpv_jpegsave_buffer(VipsImage *in, void **buf, size_t *length, int quality, int strip) {
    return vips_jpegsave_buffer(in, buf, length, "Q", quality, "strip", strip, NULL);
}

int gpv_webpsave_buffer(VipsImage *in, void **buf, size_t *length, int quality) {
    return vips_webpsave_buffer(in, buf, length, "Q", quality, "strip", TRUE, NULL);
}

int gpv_tiffsave_buffer(VipsImage *in, void **buf, size_t *length) {
    return vips_tiffsave_buffer(in, buf, length, NULL);
}

int gpv_gifsave_buffer(VipsImage *in, void **buf, size_t *length) {
    return vips_gifsave_buffer(in, buf, length, NULL);
}

int gpv_text(VipsImage **out, const char *markup, const char *font, int width, int dpi) {
    if (width > 0) return vips_text(out, markup, "font", font, "width", width, "dpi", dpi, NULL);
    return vips_text(out, markup, "font", font, "dpi", dpi, NULL);
}

int gpv_text_fontfile(VipsImage **out, const char *text, const char *font, const char *fontfile, int dpi) {
    return vips_text(out, text, "font", font, "fontfile", fontfile, "dpi", dpi, NULL);
}

int gpv_thumbnail_buffer(const void *data, size_t length, int width, int height, const char *options, VipsImage **out) {
    if (options) {
        return vips_thumbnail_buffer((void *) data, length, out, width,
            "height", height, "size", VIPS_SIZE_DOWN, "option_string", options, NULL);
    }
    return vips_thumbnail_buffer((void *) data, length, out, width,
        "height", height, "size", VIPS_SIZE_DOWN, NULL);
}

#include <malloc.h>

void gpv_heap_threshold(size_t bytes) {
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, (int) bytes);
    mallopt(M_TRIM_THRESHOLD, (int) (2 * bytes));
#endif
}
