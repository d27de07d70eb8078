#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>
#include "image_codecs.h"
#include "codec_limits.h"

// libjpeg reports fatal errors by calling error_exit, which must not return; Swift cannot
// longjmp, so this file owns the jump buffer and turns every failure into an error string.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} tk_jpeg_error_manager;

static void tk_jpeg_error_exit(j_common_ptr cinfo) {
    tk_jpeg_error_manager *manager = (tk_jpeg_error_manager *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, manager->message);
    longjmp(manager->jump, 1);
}

// On a premature end libjpeg only warns and pads the image with gray; invented pixels must not
// reach training, so that warning is fatal here. Other corrupt-data warnings are tolerated, as
// PIL tolerates them.
static void tk_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        tk_jpeg_error_exit(cinfo);
    }
}

static void tk_jpeg_fail(j_decompress_ptr cinfo, const char *message) {
    tk_jpeg_error_manager *manager = (tk_jpeg_error_manager *)cinfo->err;
    snprintf(manager->message, sizeof(manager->message), "%s", message);
    longjmp(manager->jump, 1);
}

static unsigned char tk_jpeg_mul255(int a, int b) {
    int product = a * b + 128;
    return (unsigned char)((product + (product >> 8)) >> 8);
}

// Adobe writes CMYK inverted (0 = full ink); plain CMYK is not. R = (1-C)(1-K), and so on.
static void tk_jpeg_cmyk_to_rgb(const unsigned char *cmyk, unsigned char *rgb, size_t width,
                                int inverted) {
    for (size_t x = 0; x < width; x++) {
        int k = inverted ? cmyk[4 * x + 3] : 255 - cmyk[4 * x + 3];
        for (int c = 0; c < 3; c++) {
            int ink = inverted ? cmyk[4 * x + c] : 255 - cmyk[4 * x + c];
            rgb[3 * x + c] = tk_jpeg_mul255(ink, k);
        }
    }
}

int tk_jpeg_decode(const unsigned char *data, size_t size, tk_decoded_image *out) {
    return tk_jpeg_decode_scaled(data, size, 1, out);
}

int tk_jpeg_decode_scaled(const unsigned char *data, size_t size, int scale_denom, tk_decoded_image *out) {
    return tk_jpeg_decode_rows(data, size, scale_denom, 0, -1, out);
}

int tk_jpeg_decode_rows(const unsigned char *data, size_t size, int scale_denom, int first_row, int row_count,
                        tk_decoded_image *out) {
    struct jpeg_decompress_struct cinfo;
    tk_jpeg_error_manager manager;
    unsigned char *volatile pixels = NULL;
    unsigned char *volatile cmyk_row = NULL;
    unsigned char *volatile scratch_row = NULL;

    out->width = 0;
    out->height = 0;
    out->pixels = NULL;
    out->error[0] = 0;
    if (size == 0) {
        tk_set_error(out->error, "empty file");
        return 1;
    }
    cinfo.err = jpeg_std_error(&manager.base);
    manager.base.error_exit = tk_jpeg_error_exit;
    manager.base.emit_message = tk_jpeg_emit_message;
    manager.message[0] = 0;
    if (setjmp(manager.jump)) {
        tk_set_error(out->error, manager.message);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(cmyk_row);
        free(scratch_row);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    // Checked before jpeg_start_decompress, which allocates whole-image buffers for progressive files.
    if (!tk_dimensions_fit(cinfo.image_width, cinfo.image_height, size)) {
        tk_jpeg_fail(&cinfo, "image dimensions out of range for the file size");
    }
    // libjpeg's whole-image buffers (progressive coefficients) stay within this, far above a
    // 5000x5000 photo's 150 MB; past it libjpeg fails with "backing store not supported".
    cinfo.mem->max_memory_to_use = 512L << 20;
    int is_cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = is_cmyk ? JCS_CMYK : JCS_RGB;
    if (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8) {
        tk_jpeg_fail(&cinfo, "DCT scale denominator must be 1, 2, 4 or 8");
    }
    // libjpeg's DCT scaling: the IDCT itself produces ceil(width / denom) x ceil(height / denom).
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)scale_denom;
    jpeg_start_decompress(&cinfo);

    size_t width = cinfo.output_width;
    size_t full_height = cinfo.output_height;
    if (!tk_dimensions_fit(width, full_height, size)) {
        tk_jpeg_fail(&cinfo, "image dimensions out of range");
    }
    if (row_count < 0) {
        first_row = 0;
        row_count = (int)full_height;
    }
    if (first_row < 0 || row_count < 1 || (size_t)first_row + (size_t)row_count > full_height) {
        tk_jpeg_fail(&cinfo, "requested rows outside the image");
    }
    size_t height = (size_t)row_count;
    pixels = malloc(width * height * 3);
    if (is_cmyk) cmyk_row = malloc(width * 4);
    if (pixels == NULL || (is_cmyk && cmyk_row == NULL)) {
        tk_jpeg_fail(&cinfo, "out of memory");
    }
    // Rows above the band are skipped (entropy-decoded only, no IDCT or colour conversion).
    if (first_row > 0 && jpeg_skip_scanlines(&cinfo, (JDIMENSION)first_row) != (JDIMENSION)first_row) {
        tk_jpeg_fail(&cinfo, "decoder could not skip to the requested rows");
    }
    while (cinfo.output_scanline < (JDIMENSION)(first_row + row_count)) {
        unsigned char *destination = pixels + (size_t)(cinfo.output_scanline - first_row) * width * 3;
        JSAMPROW row = is_cmyk ? cmyk_row : destination;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
            tk_jpeg_fail(&cinfo, "decoder returned no scanline");
        }
        if (is_cmyk) tk_jpeg_cmyk_to_rgb(cmyk_row, destination, width, cinfo.saw_Adobe_marker);
    }
    // The rows below the band are entropy-decoded too (skipped, no IDCT), so that a file truncated
    // below the band fails as it does when decoded whole: every crop of a broken file is refused,
    // not only the crops that reach the damage. libjpeg-turbo jumps over a skip that reaches the
    // last row without reading it, so all but the last row are skipped and that one is read.
    size_t remaining = full_height - cinfo.output_scanline;
    if (remaining > 1) {
        jpeg_skip_scanlines(&cinfo, (JDIMENSION)(remaining - 1));
    }
    if (cinfo.output_scanline < full_height) {
        scratch_row = malloc(width * (is_cmyk ? 4 : 3));
        if (scratch_row == NULL) tk_jpeg_fail(&cinfo, "out of memory");
        JSAMPROW row = scratch_row;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) tk_jpeg_fail(&cinfo, "decoder returned no scanline");
    }
    jpeg_finish_decompress(&cinfo);
    free(scratch_row);
    jpeg_destroy_decompress(&cinfo);
    free(cmyk_row);

    out->width = (int)width;
    out->height = (int)height;
    out->pixels = pixels;
    return 0;
}

int tk_jpeg_read_size(const unsigned char *data, size_t size, int *width, int *height, char *error) {
    struct jpeg_decompress_struct cinfo;
    tk_jpeg_error_manager manager;

    *width = 0;
    *height = 0;
    error[0] = 0;
    if (size == 0) {
        tk_set_error(error, "empty file");
        return 1;
    }
    cinfo.err = jpeg_std_error(&manager.base);
    manager.base.error_exit = tk_jpeg_error_exit;
    manager.base.emit_message = tk_jpeg_emit_message;
    manager.message[0] = 0;
    if (setjmp(manager.jump)) {
        tk_set_error(error, manager.message);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    *width = (int)cinfo.image_width;
    *height = (int)cinfo.image_height;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}
