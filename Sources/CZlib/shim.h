#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>
/* zlib's init entry points are macros, which Swift cannot call. */
static inline int glyphprep_inflate_init(z_stream *stream) {
    return inflateInit2(stream, 15 + 32); /* zlib or gzip, detected from the header */
}
static inline int glyphprep_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
#endif
