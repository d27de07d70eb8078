#ifndef TAILKIT_IMAGE_CODECS_H
#define TAILKIT_IMAGE_CODECS_H

#include <stddef.h>

#define TK_CODEC_ERROR_SIZE 200

/// A decoded image: `pixels` is malloc'ed, `height * width * 3` bytes of RGB in HWC order.
/// On failure `pixels` is NULL and `error` holds the library's message.
typedef struct {
    int width;
    int height;
    unsigned char *pixels;
    char error[TK_CODEC_ERROR_SIZE];
} tk_decoded_image;

/// An encoded file in memory: `bytes` is malloc'ed. On failure `bytes` is NULL and `error` says why.
typedef struct {
    unsigned char *bytes;
    size_t size;
    char error[TK_CODEC_ERROR_SIZE];
} tk_encoded_image;

/// Decodes a JPEG to RGB (grayscale expanded, CMYK converted). Returns 0 on success.
int tk_jpeg_decode(const unsigned char *data, size_t size, tk_decoded_image *out);

/// The same with libjpeg's DCT scaling by 1/`scale_denom` (1, 2, 4 or 8): the result is
/// ceil(width / denom) x ceil(height / denom), decoded that small (what PIL's `Image.draft` asks for).
int tk_jpeg_decode_scaled(const unsigned char *data, size_t size, int scale_denom, tk_decoded_image *out);

/// The rows [first_row, first_row + row_count) of the 1/`scale_denom` image, full width: rows above
/// and below are skipped (jpeg_skip_scanlines: no IDCT or colour conversion), and the file is still
/// read to its end, so a truncated file fails whatever the band; the pixels are those of the whole
/// decode. `row_count` < 0 decodes every row.
int tk_jpeg_decode_rows(const unsigned char *data, size_t size, int scale_denom, int first_row, int row_count,
                        tk_decoded_image *out);

/// Reads only the JPEG header: the full image size. Returns 0 on success, else `error` (200 bytes) says why.
int tk_jpeg_read_size(const unsigned char *data, size_t size, int *width, int *height, char *error);

/// Decodes a PNG to 8-bit RGB (palette expanded, gray expanded, alpha dropped, 16-bit reduced to
/// the high byte). Returns 0 on success.
int tk_png_decode(const unsigned char *data, size_t size, tk_decoded_image *out);

/// Encodes `channels` (1 gray, 3 RGB, 4 CMYK with an Adobe marker, so stored inverted as Adobe
/// software does) interleaved 8-bit samples as a baseline JPEG. Returns 0 on success.
int tk_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                   tk_encoded_image *out);

/// Encodes `channels` (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) interleaved 8-bit samples as a PNG,
/// Adam7-interlaced when `interlaced` is nonzero. Returns 0 on success.
int tk_png_encode(const unsigned char *pixels, int width, int height, int channels, int interlaced,
                  tk_encoded_image *out);

/// Frees memory returned in `tk_decoded_image.pixels` or `tk_encoded_image.bytes`.
void tk_codec_free(void *pointer);

#endif
