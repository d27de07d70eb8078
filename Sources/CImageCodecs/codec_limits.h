#ifndef TAILKIT_CODEC_LIMITS_H
#define TAILKIT_CODEC_LIMITS_H

#include <stdio.h>
#include <string.h>

/// Larger images are refused so that a corrupt header cannot ask for an absurd allocation.
#define TK_MAX_PIXELS ((size_t)1 << 28)

/// Neither format can describe more than about 512 pixels per byte of file (deflate tops out at
/// 1032:1 over 3 bytes a pixel; a JPEG needs at least a bit per 8x8 block), so a header that
/// claims more is a decompression bomb or a lie, refused before any pixel buffer is allocated.
#define TK_MAX_PIXELS_PER_BYTE ((size_t)1024)

static inline int tk_dimensions_fit(size_t width, size_t height, size_t file_size) {
    if (width == 0 || height == 0 || width > TK_MAX_PIXELS || height > TK_MAX_PIXELS) return 0;
    size_t pixels = width * height;
    return pixels <= TK_MAX_PIXELS && pixels / TK_MAX_PIXELS_PER_BYTE <= file_size;
}

static inline void tk_set_error(char *buffer, const char *message) {
    snprintf(buffer, 200, "%s", message);
}

#endif
