/* decode_floor: the lower bound for any glyphprep-like tool — decode only.
 *
 *   decode_floor DIR [--jobs N] [--name NAME] [--png-inflate libpng|libdeflate]
 *
 * Walks DIR for .jpg/.jpeg/.png, forks N workers (file i goes to worker
 * i % N), and in each worker reads each file into memory and decodes it:
 *   JPEG: libturbojpeg tjDecompress2 to TJPF_GRAY, scaled 1/f where f is the
 *         largest of 8/4/2/1 keeping the short side >= 320 (the pipeline's
 *         shrink-on-load rule), i.e. DCT-domain scaling, no colour conversion.
 *   PNG:  libpng simplified API to PNG_FORMAT_GRAY (full size; PNG cannot
 *         shrink on load); or, with --png-inflate libdeflate, the least any
 *         decoder must do: join the IDAT chunks, inflate them with libdeflate
 *         (whole buffer) and undo the row filters — no gray conversion at all.
 *         Files that route cannot take (palette, alpha, 16-bit, interlaced)
 *         go through libpng as before.
 * Nothing is written. Prints one JSON line with images/s.
 * Build: gcc -O2 -o decode_floor decode_floor.c -lturbojpeg -lpng -ldeflate
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <libdeflate.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <turbojpeg.h>
#include <unistd.h>

#define MIN_SIDE 320

static int use_libdeflate;
static char **files;
static size_t nfiles, capfiles;

static int ends_with(const char *s, const char *ext) {
    size_t n = strlen(s), m = strlen(ext);
    return n >= m && strcasecmp(s + n - m, ext) == 0;
}

static int is_jpeg(const char *p) { return ends_with(p, ".jpg") || ends_with(p, ".jpeg"); }

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st; (void)ftw;
    if (type == FTW_F && (is_jpeg(path) || ends_with(path, ".png"))) {
        if (nfiles == capfiles) {
            capfiles = capfiles ? capfiles * 2 : 1024;
            files = realloc(files, capfiles * sizeof *files);
        }
        files[nfiles++] = strdup(path);
    }
    return 0;
}

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? n : 1);
    *len = fread(buf, 1, n, f);
    fclose(f);
    return buf;
}

static int shrink_factor(int w, int h) {
    int s = w < h ? w : h;
    for (int f = 8; f > 1; f /= 2)
        if (s / f >= MIN_SIDE) return f;
    return 1;
}

/* Returns decoded pixel count (for a checksum-ish sanity figure), -1 on error. */
static long decode_jpeg(tjhandle tj, unsigned char *buf, size_t len, unsigned char **pix, size_t *cap) {
    int w, h, sub, cs;
    if (tjDecompressHeader3(tj, buf, len, &w, &h, &sub, &cs) != 0) return -1;
    int f = shrink_factor(w, h);
    int sw = (w + f - 1) / f, sh = (h + f - 1) / f; /* TJSCALED with 1/f */
    size_t need = (size_t)sw * sh;
    if (need > *cap) { *pix = realloc(*pix, need); *cap = need; }
    if (tjDecompress2(tj, buf, len, *pix, sw, 0, sh, TJPF_GRAY, 0 /* accurate DCT, as libjpeg defaults */) != 0) return -1;
    return (long)need;
}

static long decode_png(unsigned char *buf, size_t len, unsigned char **pix, size_t *cap) {
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, buf, len)) return -1;
    img.format = PNG_FORMAT_GRAY;
    size_t need = PNG_IMAGE_SIZE(img);
    if (need > *cap) { *pix = realloc(*pix, need); *cap = need; }
    if (!png_image_finish_read(&img, NULL, *pix, 0, NULL)) { png_image_free(&img); return -1; }
    return (long)need;
}

static unsigned be32(const unsigned char *p) {
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

/* Inflate + unfilter only; -2 when the file needs libpng (palette, alpha, 16-bit, interlace). */
static long decode_png_deflate(struct libdeflate_decompressor *d, unsigned char *buf, size_t len,
                               unsigned char **pix, size_t *cap) {
    if (len < 33 || memcmp(buf + 12, "IHDR", 4) != 0) return -2;
    size_t w = be32(buf + 16), h = be32(buf + 20);
    int depth = buf[24], type = buf[25], interlace = buf[28];
    if (depth != 8 || (type != 0 && type != 2) || interlace != 0) return -2;
    size_t bpp = type == 2 ? 3 : 1, stride = w * bpp + 1, need = stride * h;
    unsigned char *z = malloc(len);
    size_t zl = 0, p = 8;
    while (p + 12 <= len) {
        size_t n = be32(buf + p);
        if (p + 12 + n > len) break;
        if (!memcmp(buf + p + 4, "tRNS", 4)) { free(z); return -2; }
        if (!memcmp(buf + p + 4, "IDAT", 4)) { memcpy(z + zl, buf + p + 8, n); zl += n; }
        if (!memcmp(buf + p + 4, "IEND", 4)) break;
        p += 12 + n;
    }
    if (need > *cap) { *pix = realloc(*pix, need); *cap = need; }
    enum libdeflate_result r = libdeflate_zlib_decompress(d, z, zl, *pix, need, NULL);
    free(z);
    if (r != LIBDEFLATE_SUCCESS) return -1;
    static unsigned char zeros[1 << 16];
    for (size_t y = 0; y < h; y++) {
        unsigned char *c = *pix + y * stride + 1;
        /* Row 0 predicts from a row of zeros (rows wider than 64 KiB use Sub-like paths below). */
        const unsigned char *up = y ? c - stride : (stride - 1 <= sizeof zeros ? zeros : NULL);
        size_t n = stride - 1, i;
        if (!up && c[-1] >= 2) return -1;
        switch (c[-1]) {
        case 0: break;
        case 1: for (i = bpp; i < n; i++) c[i] += c[i - bpp]; break;
        case 2: for (i = 0; i < n; i++) c[i] += up[i]; break;
        case 3:
            for (i = 0; i < bpp; i++) c[i] += up[i] >> 1;
            for (; i < n; i++) c[i] += (c[i - bpp] + up[i]) >> 1;
            break;
        case 4:
            for (i = 0; i < bpp; i++) c[i] += up[i];
            for (; i < n; i++) {
                int a = c[i - bpp], b = up[i], cc = up[i - bpp];
                int pa = abs(b - cc), pb = abs(a - cc), pc = abs(a + b - 2 * cc);
                c[i] += (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : cc);
            }
            break;
        default: return -1;
        }
    }
    return (long)(w * h);
}

static int worker(int id, int jobs) {
    struct libdeflate_decompressor *inflater = libdeflate_alloc_decompressor();
    tjhandle tj = tjInitDecompress();
    unsigned char *pix = NULL;
    size_t cap = 0;
    int errors = 0;
    for (size_t i = id; i < nfiles; i += jobs) {
        size_t len = 0;
        unsigned char *buf = slurp(files[i], &len);
        long r = -1;
        if (buf && is_jpeg(files[i])) r = decode_jpeg(tj, buf, len, &pix, &cap);
        else if (buf) {
            r = use_libdeflate ? decode_png_deflate(inflater, buf, len, &pix, &cap) : -2;
            if (r == -2) r = decode_png(buf, len, &pix, &cap);
        }
        if (r < 0) { fprintf(stderr, "decode_floor: %s: %s\n", files[i], is_jpeg(files[i]) ? tjGetErrorStr2(tj) : "png error"); errors++; }
        free(buf);
    }
    free(pix);
    tjDestroy(tj);
    libdeflate_free_decompressor(inflater);
    return errors > 255 ? 255 : errors;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    const char *dir = NULL, *name = "decode-floor";
    int jobs = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--jobs") && i + 1 < argc) jobs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--name") && i + 1 < argc) name = argv[++i];
        else if (!strcmp(argv[i], "--png-inflate") && i + 1 < argc) use_libdeflate = !strcmp(argv[++i], "libdeflate");
        else if (!dir) dir = argv[i];
        else { fprintf(stderr, "usage: decode_floor DIR [--jobs N]\n"); return 2; }
    }
    if (!dir || jobs < 1) { fprintf(stderr, "usage: decode_floor DIR [--jobs N]\n"); return 2; }
    double t0 = now();
    if (nftw(dir, collect, 32, FTW_PHYS) != 0) { perror(dir); return 2; }
    int errors = 0;
    for (int j = 0; j < jobs; j++) {
        pid_t p = fork();
        if (p < 0) { perror("fork"); return 2; }
        if (p == 0) _exit(worker(j, jobs));
    }
    for (int j = 0; j < jobs; j++) {
        int st;
        if (wait(&st) > 0 && WIFEXITED(st)) errors += WEXITSTATUS(st);
        else errors++;
    }
    double wall = now() - t0;
    size_t ok = nfiles - (size_t)errors;
    printf("{\"contender\": \"%s\", \"jobs\": %d, \"images\": %zu, \"errors\": %d, \"wall_s\": %.3f, \"images_per_s\": %.1f}\n",
           name, jobs, ok, errors, wall, wall > 0 ? ok / wall : 0.0);
    return errors && (size_t)errors == nfiles ? 1 : 0;
}
