#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>
#include "image_codecs.h"
#include "codec_limits.h"

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} tk_jpeg_encode_error_manager;

static void tk_jpeg_encode_error_exit(j_common_ptr cinfo) {
    tk_jpeg_encode_error_manager *manager = (tk_jpeg_encode_error_manager *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, manager->message);
    longjmp(manager->jump, 1);
}

int tk_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                   tk_encoded_image *out) {
    struct jpeg_compress_struct cinfo;
    tk_jpeg_encode_error_manager manager;
    unsigned char *volatile buffer = NULL;
    unsigned long buffer_size = 0;

    out->bytes = NULL;
    out->size = 0;
    out->error[0] = 0;
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3 && channels != 4)) {
        tk_set_error(out->error, "width, height must be positive and channels 1, 3 or 4");
        return 1;
    }
    cinfo.err = jpeg_std_error(&manager.base);
    manager.base.error_exit = tk_jpeg_encode_error_exit;
    if (setjmp(manager.jump)) {
        tk_set_error(out->error, manager.message);
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return 1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, &buffer_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : channels == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);

    out->bytes = buffer;
    out->size = buffer_size;
    return 0;
}
