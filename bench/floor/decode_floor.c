/* decode_floor: the lower bound for any glyphprep-like tool — decode only.
 *
 *   decode_floor DIR [--jobs N] [--name NAME]
 *
 * Walks DIR for .jpg/.jpeg/.png, forks N workers (file i goes to worker
 * i % N), and in each worker reads each file into memory and decodes it:
 *   JPEG: libturbojpeg tjDecompress2 to TJPF_GRAY, scaled 1/f where f is the
 *         largest of 8/4/2/1 keeping the short side >= 320 (the pipeline's
 *         shrink-on-load rule), i.e. DCT-domain scaling, no colour conversion.
 *   PNG:  libpng simplified API to PNG_FORMAT_GRAY (full size; PNG cannot
 *         shrink on load).
 * Nothing is written. Prints one JSON line with images/s.
 * Build: gcc -O2 -o decode_floor decode_floor.c -lturbojpeg -lpng
 */
#define _GNU_SOURCE
#include <ftw.h>
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

static int worker(int id, int jobs) {
    tjhandle tj = tjInitDecompress();
    unsigned char *pix = NULL;
    size_t cap = 0;
    int errors = 0;
    for (size_t i = id; i < nfiles; i += jobs) {
        size_t len = 0;
        unsigned char *buf = slurp(files[i], &len);
        long r = -1;
        if (buf) r = is_jpeg(files[i]) ? decode_jpeg(tj, buf, len, &pix, &cap) : decode_png(buf, len, &pix, &cap);
        if (r < 0) { fprintf(stderr, "decode_floor: %s: %s\n", files[i], is_jpeg(files[i]) ? tjGetErrorStr2(tj) : "png error"); errors++; }
        free(buf);
    }
    free(pix);
    tjDestroy(tj);
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
