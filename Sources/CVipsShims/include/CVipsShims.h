#ifndef CVIPS_SHIMS_H
#define CVIPS_SHIMS_H

#include <stddef.h>
#include <vips/vips.h>

/* Fixed-arity wrappers around libvips' variadic entry points, which Swift cannot call.
 * Every function returns 0 on success and -1 on failure, leaving libvips' message in its
 * (process-wide) error buffer, exactly as the wrapped call does. */

/* Starts libvips once for the process; returns 0 on success. */
int gpv_init(const char *argv0);

/* Batch settings: no operation cache, `threads` libvips worker threads per image. */
void gpv_configure_batch(int threads);

/* Returns a newly allocated copy of the error buffer (free with g_free) and clears it. */
char *gpv_error_take(void);
void gpv_error_clear(void);

/* The name of the loader libvips would use for this buffer, or NULL. */
const char *gpv_find_load_buffer(const void *data, size_t length);

/* Generic load from memory (header only; pixels are computed lazily). Truncated or corrupt
 * data fails when pixels are computed instead of giving a black image. */
int gpv_load_buffer(const void *data, size_t length, VipsImage **out);
/* JPEG load with DCT-domain shrink (1, 2, 4 or 8). */
int gpv_jpegload_buffer(const void *data, size_t length, int shrink, VipsImage **out);
/* WebP load scaled by `scale` (0 < scale <= 1). */
int gpv_webpload_buffer(const void *data, size_t length, double scale, VipsImage **out);
/* Page `page` (0-based) of a TIFF, or of a PDF (`pdf` non-zero) rendered at `dpi`. */
int gpv_load_page_buffer(const void *data, size_t length, int pdf, int page, double dpi, VipsImage **out);

int gpv_autorot(VipsImage *in, VipsImage **out);
/* Flattens alpha onto white (the format's maximum). */
int gpv_flatten_white(VipsImage *in, VipsImage **out);
/* Casts to 8 bits; wider integer formats are shifted, not clipped. */
int gpv_cast_uchar(VipsImage *in, VipsImage **out);
int gpv_cast_float(VipsImage *in, VipsImage **out);
int gpv_colourspace(VipsImage *in, VipsImage **out, VipsInterpretation space);
int gpv_extract_band(VipsImage *in, VipsImage **out, int band, int n);
int gpv_gaussblur(VipsImage *in, VipsImage **out, double sigma);
/* Box-averages factor×factor blocks, streaming (low memory on huge images). */
int gpv_shrink(VipsImage *in, VipsImage **out, double factor);
int gpv_resize(VipsImage *in, VipsImage **out, double hscale, double vscale, VipsKernel kernel);

int gpv_pngsave_buffer(VipsImage *in, void **buf, size_t *length, int compression, int strip);
int gpv_jpegsave_buffer(VipsImage *in, void **buf, size_t *length, int quality, int strip);
int gpv_webpsave_buffer(VipsImage *in, void **buf, size_t *length, int quality);
int gpv_tiffsave_buffer(VipsImage *in, void **buf, size_t *length);
int gpv_gifsave_buffer(VipsImage *in, void **buf, size_t *length);

/* Visualization. Renders Pango markup as a one-band 8-bit coverage mask (255 = ink) with the
 * font description `font` (e.g. "DejaVu Sans 13") at `dpi`; `width` > 0 wraps lines. */
int gpv_text(VipsImage **out, const char *markup, const char *font, int width, int dpi);
int gpv_text_fontfile(VipsImage **out, const char *text, const char *font, const char *fontfile, int dpi);
/* Decodes and shrinks an encoded image to fit width x height (EXIF orientation applied);
 * `options` (or NULL) go to the loader, e.g. "page=2". */
int gpv_thumbnail_buffer(const void *data, size_t length, int width, int height, const char *options, VipsImage **out);

/* glibc: keep blocks up to `bytes` on the heap instead of fresh zero-filled mappings. */
void gpv_heap_threshold(size_t bytes);
#endif
