#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include "image_codecs.h"
#include "codec_limits.h"

typedef struct {
    unsigned char *bytes;
    size_t size;
    size_t capacity;
    char message[TK_CODEC_ERROR_SIZE];
} tk_png_sink;

static void tk_png_write(png_structp png, png_bytep data, size_t length) {
    tk_png_sink *sink = (tk_png_sink *)png_get_io_ptr(png);
    if (sink->size + length > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 4096;
        while (capacity < sink->size + length) capacity *= 2;
        unsigned char *grown = realloc(sink->bytes, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        sink->bytes = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->bytes + sink->size, data, length);
    sink->size += length;
}

static void tk_png_flush(png_structp png) { (void)png; }

static void tk_png_encode_error(png_structp png, png_const_charp message) {
    tk_png_sink *sink = (tk_png_sink *)png_get_error_ptr(png);
    tk_set_error(sink->message, message);
    png_longjmp(png, 1);
}

static int tk_png_color_type(int channels) {
    switch (channels) {
    case 1: return PNG_COLOR_TYPE_GRAY;
    case 2: return PNG_COLOR_TYPE_GRAY_ALPHA;
    case 3: return PNG_COLOR_TYPE_RGB;
    default: return PNG_COLOR_TYPE_RGB_ALPHA;
    }
}

int tk_png_encode(const unsigned char *pixels, int width, int height, int channels, int interlaced,
                  tk_encoded_image *out) {
    tk_png_sink sink = {NULL, 0, 0, {0}};
    png_bytep *volatile rows = NULL;

    out->bytes = NULL;
    out->size = 0;
    out->error[0] = 0;
    if (width <= 0 || height <= 0 || channels < 1 || channels > 4) {
        tk_set_error(out->error, "width, height must be positive and channels 1 to 4");
        return 1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, tk_png_encode_error, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_write_struct(&png, NULL);
        tk_set_error(out->error, "out of memory");
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        tk_set_error(out->error, sink.message);
        png_destroy_write_struct(&png, &info);
        free(sink.bytes);
        free(rows);
        return 1;
    }
    png_set_write_fn(png, &sink, tk_png_write, tk_png_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, tk_png_color_type(channels),
                 interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    rows = malloc((size_t)height * sizeof(png_bytep));
    if (rows == NULL) png_error(png, "out of memory");
    size_t stride = (size_t)width * (size_t)channels;
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * stride);
    png_set_rows(png, info, rows);
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);

    out->bytes = sink.bytes;
    out->size = sink.size;
    return 0;
}
