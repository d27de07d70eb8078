#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include "image_codecs.h"
#include "codec_limits.h"

// libpng reports errors by longjmp; Swift cannot catch that, so this file owns the jump and
// turns every failure into an error string.
typedef struct {
    const unsigned char *data;
    size_t size;
    size_t offset;
    char message[TK_CODEC_ERROR_SIZE];
} tk_png_source;

static void tk_png_read(png_structp png, png_bytep destination, size_t length) {
    tk_png_source *source = (tk_png_source *)png_get_io_ptr(png);
    if (length > source->size - source->offset) {
        png_error(png, "unexpected end of file");
    }
    memcpy(destination, source->data + source->offset, length);
    source->offset += length;
}

static void tk_png_error(png_structp png, png_const_charp message) {
    tk_png_source *source = (tk_png_source *)png_get_error_ptr(png);
    tk_set_error(source->message, message);
    png_longjmp(png, 1);
}

static void tk_png_ignore_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

// Reduce every PNG layout to 8-bit RGB the way PIL's convert("RGB") does: palette and gray
// expanded, 16-bit samples cut to their high byte, alpha dropped rather than composited.
static void tk_png_request_rgb8(png_structp png, png_infop info) {
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (bit_depth == 16) png_set_strip_16(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
        png_set_gray_to_rgb(png);
    }
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
}

int tk_png_decode(const unsigned char *data, size_t size, tk_decoded_image *out) {
    tk_png_source source = {data, size, 0, {0}};
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;

    out->width = 0;
    out->height = 0;
    out->pixels = NULL;
    out->error[0] = 0;
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        tk_set_error(out->error, "missing PNG signature");
        return 1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, tk_png_error,
                                             tk_png_ignore_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        tk_set_error(out->error, "out of memory");
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        tk_set_error(out->error, source.message);
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        return 1;
    }
    png_set_read_fn(png, &source, tk_png_read);
    png_read_info(png, info);
    size_t width = png_get_image_width(png, info);
    size_t height = png_get_image_height(png, info);
    if (!tk_dimensions_fit(width, height, size)) {
        png_error(png, "image dimensions out of range for the file size");
    }
    tk_png_request_rgb8(png, info);
    if (png_get_rowbytes(png, info) != width * 3) {
        png_error(png, "unsupported pixel layout");
    }
    pixels = malloc(width * height * 3);
    rows = malloc(height * sizeof(png_bytep));
    if (pixels == NULL || rows == NULL) png_error(png, "out of memory");
    for (size_t y = 0; y < height; y++) rows[y] = pixels + y * width * 3;
    png_read_image(png, rows);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);

    out->width = (int)width;
    out->height = (int)height;
    out->pixels = pixels;
    return 0;
}
